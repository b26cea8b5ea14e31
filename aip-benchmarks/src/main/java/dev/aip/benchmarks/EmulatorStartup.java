package dev.aip.benchmarks;

import dev.aip.emulator.BedrockEmulator;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Arrays;
import java.util.Locale;

/**
 * How long {@code BedrockEmulator.builder().build().start()} takes until the server answers: the first (cold) start
 * in a fresh JVM, then warm restarts. Run:
 *
 * <pre>{@code
 * java -cp aip-benchmarks/target/benchmarks.jar dev.aip.benchmarks.EmulatorStartup 20
 * }</pre>
 */
public final class EmulatorStartup {

    private EmulatorStartup() {
    }

    public static void main(String[] args) throws Exception {
        int restarts = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        double cold = startAndProbe(http);
        double[] warm = new double[restarts];
        for (int i = 0; i < restarts; i++) {
            warm[i] = startAndProbe(http);
        }
        Arrays.sort(warm);
        System.out.printf(Locale.ROOT, "cold start to first answer=%.1fms warm median=%.1fms warm max=%.1fms%n",
                cold, warm[warm.length / 2], warm[warm.length - 1]);
    }

    private static double startAndProbe(HttpClient http) throws Exception {
        long t0 = System.nanoTime();
        try (BedrockEmulator emulator = BedrockEmulator.builder().build().start()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                    URI.create(emulator.endpoint() + "/_emulator/health")).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new IllegalStateException("health answered " + r.statusCode());
            }
            return (System.nanoTime() - t0) / 1e6;
        }
    }
}
