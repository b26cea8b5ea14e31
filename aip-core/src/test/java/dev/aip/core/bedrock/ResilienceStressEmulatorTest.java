package dev.aip.core.bedrock;

import static dev.aip.core.bedrock.EmulatorFixture.MODEL;
import static dev.aip.core.bedrock.EmulatorFixture.SOURCE;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.chat.ChatClient;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatPipeline;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.ChatStream;
import dev.aip.core.chat.ChatStreamListener;
import dev.aip.core.chat.RetryPolicy;
import dev.aip.core.governance.Governance;
import dev.aip.core.governance.PolicySet;
import dev.aip.core.governance.TenantPolicy;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.StaticProfileResolver;
import dev.aip.core.tenant.TenantContext;
import dev.aip.emulator.FaultPlan;
import dev.aip.emulator.InvocationRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.bedrock.model.Tag;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;

/**
 * Concurrent calls and streams through governance, retries and a fallback chain, against an emulator that throttles
 * and fails at random: every attempt the emulator saw is exactly one usage record on the same profile, and every
 * other record is a refusal that never reached it.
 */
class ResilienceStressEmulatorTest {

    static final String SONNET = "anthropic.claude-3-7-sonnet-20250219-v1:0";
    static final int THREADS = 8;
    static final int CALLS_PER_THREAD = 25;

    @Test
    void faultsRetriesFallbackAndRefusals_everyRecordLandsExactlyOnce() throws Exception {
        try (EmulatorFixture fx = new EmulatorFixture(b -> b.seed(17), "acme");
             BedrockRuntimeClient sync = fx.sync();
             BedrockRuntimeAsyncClient async = fx.async()) {
            String sonnet = fx.control.createInferenceProfile(r -> r.inferenceProfileName("aip-acme-sonnet")
                    .modelSource(s -> s.copyFrom("arn:aws:bedrock:" + fx.emulator.region() + "::foundation-model/"
                            + SONNET))
                    .tags(Tag.builder().key("TenantId").value("acme").build())).inferenceProfileArn();
            fx.emulator.faults().set(fx.arn("acme"), FaultPlan.builder().throttle(0.35)
                    .error("InternalServerException", 0.1).build());
            fx.emulator.faults().set(sonnet, FaultPlan.builder().throttle(0.2).build());
            TenantContext acme = TenantContext.of("acme");
            Governance governance = Governance.builder().policies(PolicySet.builder().tenant(acme.id(),
                    TenantPolicy.builder().maxConcurrentCalls(4).maxOutputTokens(40)
                            .fallbackChain(List.of("claude-sonnet")).build()).build()).build();
            ChatClient chat = ChatPipeline.builder()
                    .resolver(StaticProfileResolver.builder().trustMapping()
                            .profile(acme.id(), MODEL, fx.arn("acme"), SOURCE)
                            .profile(acme.id(), "claude-sonnet", sonnet, SONNET).build())
                    .meter(fx.meter).admission(governance).fallbackRoutes(governance.fallbackRoutes())
                    .retryPolicy(RetryPolicy.backoff().maxAttempts(2).baseDelay(Duration.ofMillis(1))
                            .maxDelay(Duration.ofMillis(3)).build())
                    .transport(BedrockChatTransport.builder().client(sync).asyncClient(async).build())
                    .build();

            List<ChatStream> streams = new CopyOnWriteArrayList<>();
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            CyclicBarrier start = new CyclicBarrier(THREADS);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    int thread = t;
                    done.add(pool.submit(() -> {
                        start.await();
                        for (int i = 0; i < CALLS_PER_THREAD; i++) {
                            ChatRequest request = ChatRequest.builder().model(MODEL)
                                    .message(ChatMessage.user("Question " + thread + "-" + i)).build();
                            if (ThreadLocalRandom.current().nextBoolean()) {
                                try {
                                    chat.chat(acme, request);
                                } catch (RuntimeException expected) {
                                    // throttled or failed on every profile, or refused: all recorded
                                }
                            } else {
                                ChatStream stream = chat.stream(acme, request, new ChatStreamListener() { });
                                streams.add(stream);
                                stream.completion().handle((r, e) -> null).get(60, TimeUnit.SECONDS);
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) {
                    f.get(120, TimeUnit.SECONDS);
                }
                for (ChatStream s : streams) {
                    s.completion().handle((r, e) -> null).get(60, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }

            List<UsageRecord> records = List.copyOf(fx.records);
            long rejections = records.stream().filter(r -> r.outcome() == Outcome.REJECTED_BY_POLICY).count();
            List<UsageRecord> attempts = records.stream().filter(r -> r.outcome() != Outcome.REJECTED_BY_POLICY)
                    .toList();
            // The emulator writes a stream's log entry as it sends the last frame; let it catch up with the client.
            List<InvocationRecord> seen = awaitInvocations(fx, attempts.size());

            assertThat(records).hasSize(seen.size() + (int) rejections);
            assertThat(records).extracting(UsageRecord::recordId).doesNotHaveDuplicates();
            assertThat(rejections).isPositive();
            assertThat(count(attempts.stream().map(UsageRecord::profileArn).toList()))
                    .isEqualTo(count(seen.stream().map(InvocationRecord::profileArn).toList()));
            assertThat(attempts.stream().map(UsageRecord::awsRequestId).collect(Collectors.toSet()))
                    .isEqualTo(seen.stream().map(InvocationRecord::requestId).collect(Collectors.toSet()));
            for (String arn : List.of(fx.arn("acme"), sonnet)) {
                assertThat(attempts.stream().filter(r -> arn.equals(r.profileArn()))
                        .mapToLong(r -> r.usage().outputTokens()).sum())
                        .isEqualTo(seen.stream().filter(i -> arn.equals(i.profileArn()))
                                .mapToLong(InvocationRecord::outputTokens).sum());
            }
            assertThat(attempts).extracting(UsageRecord::outcome).contains(Outcome.THROTTLED, Outcome.SUCCESS,
                    Outcome.SERVER_ERROR);
            assertThat(attempts).extracting(UsageRecord::profileArn).contains(sonnet);
            assertThat(governance.openPermits()).isZero();
            assertThat(governance.inFlight(acme.id())).isZero();
        }
    }

    private static List<InvocationRecord> awaitInvocations(EmulatorFixture fx, int expected) throws Exception {
        long giveUp = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        List<InvocationRecord> seen = fx.emulator.invocations();
        while (seen.size() < expected && System.nanoTime() < giveUp) {
            Thread.sleep(20);
            seen = fx.emulator.invocations();
        }
        return seen;
    }

    private static Map<String, Long> count(List<String> arns) {
        return arns.stream().collect(Collectors.groupingBy(a -> a, Collectors.counting()));
    }
}
