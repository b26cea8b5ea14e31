package dev.aip.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrock.model.InferenceProfileModelSource;
import software.amazon.awssdk.services.bedrock.model.InferenceProfileSummary;
import software.amazon.awssdk.services.bedrock.model.InferenceProfileType;
import software.amazon.awssdk.services.bedrock.model.Tag;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.Message;

/**
 * The control plane and the runtime under load at the same time, through real SDK clients: 32 threads create, tag
 * and delete profiles while 32 streams at a time run. Nothing may be lost or duplicated, and the server-side
 * counters must equal what the clients saw.
 */
class EmulatorConcurrencyTest {

    private static final String SOURCE = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0";
    private static final String STREAM_MODEL = "us.anthropic.claude-3-5-haiku-20241022-v1:0";
    private static final int THREADS = 32;
    private static final int PROFILES_PER_THREAD = 12;
    private static final int STREAMS = 32 * 8;

    private static BedrockEmulator emulator;
    private static BedrockClient bedrock;
    private static BedrockRuntimeAsyncClient runtime;

    @BeforeAll
    static void start() {
        emulator = BedrockEmulator.builder().profileQuota(THREADS * PROFILES_PER_THREAD).build().start();
        bedrock = SdkClients.bedrock(emulator);
        runtime = SdkClients.runtimeAsync(emulator);
    }

    @AfterAll
    static void stop() {
        runtime.close();
        bedrock.close();
        emulator.close();
    }

    @Test
    void controlPlaneAndStreams_concurrently_loseAndDuplicateNothing() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        Map<String, String> survivors = new ConcurrentHashMap<>(); // arn -> owner tag value
        Set<String> deleted = ConcurrentHashMap.newKeySet();
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> work = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            work.add(pool.submit(() -> {
                go.await();
                for (int i = 0; i < PROFILES_PER_THREAD; i++) {
                    String owner = "t" + thread + "-" + i;
                    String arn = bedrock.createInferenceProfile(r -> r
                            .inferenceProfileName("p-" + owner)
                            .modelSource(InferenceProfileModelSource.fromCopyFrom(SOURCE))
                            .tags(Tag.builder().key("TenantId").value(owner).build())).inferenceProfileArn();
                    bedrock.tagResource(r -> r.resourceARN(arn).tags(Tag.builder().key("Tier").value("gold").build()));
                    if (i % 3 == 0) {
                        bedrock.deleteInferenceProfile(r -> r.inferenceProfileIdentifier(arn));
                        deleted.add(arn);
                    } else {
                        survivors.put(arn, owner);
                    }
                }
                return null;
            }));
        }

        AtomicLong clientOutputTokens = new AtomicLong();
        AtomicLong clientInputTokens = new AtomicLong();
        List<CompletableFuture<Void>> streams = new ArrayList<>();
        go.countDown();
        for (int s = 0; s < STREAMS; s++) {
            ConverseStreamRequest request = ConverseStreamRequest.builder()
                    .modelId(STREAM_MODEL)
                    .messages(Message.builder().role(ConversationRole.USER)
                            .content(ContentBlock.fromText("stream number " + s)).build())
                    .build();
            ConverseStreamResponseHandler handler = ConverseStreamResponseHandler.builder()
                    .subscriber(ConverseStreamResponseHandler.Visitor.builder()
                            .onMetadata(m -> {
                                clientInputTokens.addAndGet(m.usage().inputTokens());
                                clientOutputTokens.addAndGet(m.usage().outputTokens());
                            })
                            .build())
                    .build();
            streams.add(runtime.converseStream(request, handler));
            if (streams.size() % THREADS == 0) {
                CompletableFuture.allOf(streams.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
            }
        }
        for (Future<?> f : work) {
            f.get(120, TimeUnit.SECONDS);
        }
        CompletableFuture.allOf(streams.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        pool.shutdown();

        List<InferenceProfileSummary> listed = new ArrayList<>();
        bedrock.listInferenceProfilesPaginator(r -> r.typeEquals(InferenceProfileType.APPLICATION).maxResults(7))
                .inferenceProfileSummaries().forEach(listed::add);
        Set<String> listedArns = new HashSet<>();
        for (InferenceProfileSummary p : listed) {
            assertThat(listedArns.add(p.inferenceProfileArn())).as("listed once: " + p.inferenceProfileArn()).isTrue();
        }
        assertThat(listedArns).containsExactlyInAnyOrderElementsOf(survivors.keySet());
        assertThat(listedArns).doesNotContainAnyElementsOf(deleted);
        assertThat(survivors.size() + deleted.size()).isEqualTo(THREADS * PROFILES_PER_THREAD);

        Map<String, String> ownerByArn = new HashMap<>();
        for (String arn : listedArns) {
            Map<String, String> tags = new HashMap<>();
            bedrock.listTagsForResource(r -> r.resourceARN(arn)).tags().forEach(t -> tags.put(t.key(), t.value()));
            assertThat(tags).containsEntry("Tier", "gold").hasSize(2);
            ownerByArn.put(arn, tags.get("TenantId"));
        }
        assertThat(ownerByArn).isEqualTo(survivors);

        assertThat(clientOutputTokens.get()).isPositive();
        ModelMetrics m = emulator.metrics(STREAM_MODEL);
        assertThat(m.invocations()).isEqualTo(STREAMS);
        assertThat(m.inputTokenCount()).isEqualTo(clientInputTokens.get());
        assertThat(m.outputTokenCount()).isEqualTo(clientOutputTokens.get());
        assertThat(m.invocationClientErrors() + m.invocationServerErrors() + m.invocationThrottles()).isZero();
    }
}
