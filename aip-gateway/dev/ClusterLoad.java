import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Closed-loop load on one or more gateway URLs, round-robin (what a load balancer does), for aip-gateway/cluster load:
 *   java ClusterLoad.java SECONDS CONNECTIONS KEY URL...
 * Sends OpenAI chat completions (whole answers) and prints calls/s, status counts and p50/p99 latency.
 */
public final class ClusterLoad {
    public static void main(String[] args) throws Exception {
        int seconds = Integer.parseInt(args[0]);
        int connections = Integer.parseInt(args[1]);
        String key = args[2];
        List<String> urls = List.of(args).subList(3, args.length);
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String body = "{\"model\":\"claude-haiku\",\"max_tokens\":40,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"Hello\"}]}";
        Semaphore window = new Semaphore(connections);
        AtomicInteger next = new AtomicInteger();
        Map<Integer, AtomicInteger> statuses = new ConcurrentHashMap<>();
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>());
        long warmupEnd = System.nanoTime() + Duration.ofSeconds(Math.min(10, seconds / 3)).toNanos();
        long end = warmupEnd + Duration.ofSeconds(seconds).toNanos();
        while (System.nanoTime() < end) {
            window.acquire();
            String url = urls.get(Math.floorMod(next.getAndIncrement(), urls.size()));
            long start = System.nanoTime();
            http.sendAsync(HttpRequest.newBuilder(URI.create(url + "/v1/chat/completions"))
                    .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding())
                    .whenComplete((r, e) -> {
                        if (start > warmupEnd) {
                            statuses.computeIfAbsent(r == null ? -1 : r.statusCode(), s -> new AtomicInteger())
                                    .incrementAndGet();
                            latencies.add(System.nanoTime() - start);
                        }
                        window.release();
                    });
        }
        window.acquire(connections);
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        int n = sorted.size();
        System.out.printf("%d replica(s), %d connections, %d s: %.0f calls/s, p50 %.1f ms, p99 %.1f ms, statuses %s%n",
                urls.size(), connections, seconds, n / (double) seconds,
                n == 0 ? 0 : sorted.get(n / 2) / 1e6, n == 0 ? 0 : sorted.get(Math.min(n - 1, n * 99 / 100)) / 1e6,
                new TreeMap<>(statuses));
    }
}
