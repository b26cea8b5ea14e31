package dev.aip.benchmarks;

import dev.aip.core.chat.CallProgress;
import dev.aip.core.chat.ChatInvocation;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatPipeline;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.ChatResponse;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.profile.StaticProfileResolver;
import dev.aip.core.sink.InMemoryUsageAggregates;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What aip adds to one call: resolve the tenant's profile, merge request metadata, meter, price and aggregate,
 * compared with the same call made straight on the same in-memory transport. 10,000 tenants are resolved, round
 * robin, so the resolver's map is not a single hot entry.
 *
 * <pre>{@code
 * java -jar aip-benchmarks/target/benchmarks.jar PipelineOverhead -prof gc
 * }</pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class PipelineOverheadBenchmark {

    static final String MODEL = "claude-haiku";
    static final String SOURCE = "anthropic.claude-3-5-haiku-20241022-v1:0";

    @Param("10000")
    int tenants;

    private ChatPipeline pipeline;
    private InMemoryTransport transport;
    private TenantContext[] contexts;
    private ChatInvocation[] invocations;
    private ChatRequest request;
    private int next;

    private static final CallProgress NO_PROGRESS = new CallProgress() {
        @Override
        public void awsRequestId(String requestId) {
        }

        @Override
        public void streamStarted() {
        }

        @Override
        public void firstToken() {
        }

        @Override
        public void outputSeen(int chars) {
        }

        @Override
        public void usageReported(TokenUsage usage) {
        }
    };

    @Setup
    public void setUp() {
        StaticProfileResolver.Builder resolver = StaticProfileResolver.builder().trustMapping();
        contexts = new TenantContext[tenants];
        invocations = new ChatInvocation[tenants];
        request = ChatRequest.builder()
                .model(MODEL)
                .message(ChatMessage.user("Summarise the quarterly report in three bullet points."))
                .build();
        for (int i = 0; i < tenants; i++) {
            String id = "tenant-" + i;
            String arn = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/p" + i;
            resolver.profile(TenantId.of(id), MODEL, arn, SOURCE);
            contexts[i] = TenantContext.of(id);
            invocations[i] = new ChatInvocation("call-" + i, 1, contexts[i], request,
                    new ResolvedProfile(TenantId.of(id), MODEL, arn, "p" + i, SOURCE, "us-east-1", false),
                    Map.of("tenantId", id));
        }
        transport = new InMemoryTransport();
        InMemoryUsageAggregates aggregates = new InMemoryUsageAggregates();
        pipeline = ChatPipeline.builder()
                .resolver(resolver.build())
                .meter(UsageMeter.builder().sink(aggregates::accept).build())
                .transport(transport)
                .build();
    }

    @Benchmark
    public ChatResponse pipeline() {
        int i = next++;
        if (next == tenants) {
            next = 0;
        }
        return pipeline.chat(contexts[i], request);
    }

    /** The same call through {@code chatAsync}, waited for: the non-blocking path's own cost. */
    @Benchmark
    public ChatResponse pipelineAsync() {
        int i = next++;
        if (next == tenants) {
            next = 0;
        }
        return pipeline.chatAsync(contexts[i], request).toCompletableFuture().join();
    }

    @Benchmark
    public ChatResponse direct() {
        int i = next++;
        if (next == tenants) {
            next = 0;
        }
        return transport.converse(invocations[i], NO_PROGRESS);
    }
}
