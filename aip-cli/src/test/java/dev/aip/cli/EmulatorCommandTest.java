package dev.aip.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class EmulatorCommandTest {

    @Test
    void emulator_onAFreePort_printsItsEndpointAndServesUntilStopped() throws Exception {
        AipCommand aip = new AipCommand();
        CommandLine cl = AipCommand.configure(new CommandLine(aip));
        StringWriter out = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        EmulatorCommand emulator = cl.getSubcommands().get("emulator").getCommand();

        CompletableFuture<Integer> exit = CompletableFuture.supplyAsync(() -> cl.execute("emulator", "--port", "0",
                "--region", "eu-west-1"));
        String endpoint = awaitEndpoint(out);
        HttpResponse<String> health = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(endpoint + "/_emulator/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        emulator.stop.countDown();

        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(out.toString()).contains("region=eu-west-1 account=123456789012");
        assertThat(exit.get(10, TimeUnit.SECONDS)).isZero();
    }

    @Test
    void emulator_badReplyTokens_isAUsageError() {
        CliRun.Result run = CliRun.run("emulator", "--reply-tokens", "lots");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.error()).isEqualTo("aip: --reply-tokens needs N or N-M (whole numbers), got 'lots'");
    }

    @Test
    void emulator_badMaxResetFrames_isAUsageErrorNamingIt() {
        CliRun.Result words = CliRun.run("emulator", "--max-reset-frames", "lots");
        CliRun.Result negative = CliRun.run("emulator", "--max-reset-frames=-1/30");

        assertThat(words.exitCode()).isEqualTo(2);
        assertThat(words.error()).isEqualTo("aip: --max-reset-frames needs N or N/S (whole numbers), got 'lots'");
        assertThat(negative.exitCode()).isEqualTo(2);
        assertThat(negative.error()).contains("maxResetFramesPerWindow frames must be >= 0");
    }

    @Test
    void emulator_help_listsMaxResetFrames() {
        CliRun.Result help = CliRun.run("emulator", "--help");

        assertThat(help.out()).contains("--max-reset-frames=N[/S]").contains("default 1000000/30");
    }

    private static String awaitEndpoint(StringWriter out) throws InterruptedException {
        Pattern endpoint = Pattern.compile("endpoint=(http://\\S+)");
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            Matcher m = endpoint.matcher(out.toString());
            if (m.find()) {
                return m.group(1);
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no endpoint printed: " + out);
    }
}
