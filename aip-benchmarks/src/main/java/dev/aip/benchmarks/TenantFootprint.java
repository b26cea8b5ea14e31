package dev.aip.benchmarks;

import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatPipeline;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.profile.StaticProfileResolver;
import dev.aip.core.sink.InMemoryUsageAggregates;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import java.util.Locale;

/**
 * Heap that aip keeps per tenant once warm: the resolver's entry plus the tenant's usage aggregates (counters and
 * latency histograms) after a few calls. Measured as the retained heap difference between 0 and N tenants after full
 * collections. Run:
 *
 * <pre>{@code
 * java -cp aip-benchmarks/target/benchmarks.jar dev.aip.benchmarks.TenantFootprint 10000
 * }</pre>
 */
public final class TenantFootprint {

    private TenantFootprint() {
    }

    public static void main(String[] args) throws Exception {
        int tenants = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
        String[] ids = new String[tenants];
        TenantContext[] contexts = new TenantContext[tenants];
        for (int i = 0; i < tenants; i++) {
            ids[i] = "tenant-" + i;
            contexts[i] = TenantContext.of(ids[i]);
        }
        ChatRequest request = ChatRequest.builder()
                .model(PipelineOverheadBenchmark.MODEL)
                .message(ChatMessage.user("Hello"))
                .build();
        long before = usedHeap();

        StaticProfileResolver.Builder builder = StaticProfileResolver.builder().trustMapping();
        for (int i = 0; i < tenants; i++) {
            builder.profile(TenantId.of(ids[i]), PipelineOverheadBenchmark.MODEL,
                    "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/p" + i,
                    PipelineOverheadBenchmark.SOURCE);
        }
        InMemoryUsageAggregates aggregates = new InMemoryUsageAggregates();
        ChatPipeline pipeline = ChatPipeline.builder()
                .resolver(builder.build())
                .meter(UsageMeter.builder().sink(aggregates::accept).build())
                .transport(new InMemoryTransport())
                .build();
        for (int round = 0; round < 3; round++) {
            for (int i = 0; i < tenants; i++) {
                pipeline.chat(contexts[i], request);
            }
        }
        long after = usedHeap();
        System.out.printf(Locale.ROOT, "tenants=%d aggregatedTenants=%d heapDelta=%d bytes perTenant=%.0f bytes%n",
                tenants, aggregates.tenantCount(), after - before, (after - before) / (double) tenants);
        // Keep everything reachable until measured.
        if (pipeline.hashCode() == 42 && aggregates.total() == null) {
            System.out.println();
        }
    }

    private static long usedHeap() throws InterruptedException {
        Runtime rt = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(100);
            used = Math.min(used, rt.totalMemory() - rt.freeMemory());
        }
        return used;
    }
}
