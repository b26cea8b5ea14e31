package dev.aip.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.ThrottlingException;

/**
 * The account capacity per model through the real SDK clients: the sync client gets a 429 {@code ThrottlingException},
 * the async clients (HTTP/2 and HTTP/1.1) a {@code ThrottlingException} from inside the ConverseStream, and the quota
 * is shared by the model's application profile and the model's own id.
 */
class ModelCapacitySdkTest {

    static final String HAIKU = "anthropic.claude-3-5-haiku-20241022-v1:0";
    /** Every call here reserves its 5 input tokens plus maxTokens 100, and uses 5 + 40. */
    static final long CAPACITY = 300;

    static final RuntimeFixture.MutableClock CLOCK = new RuntimeFixture.MutableClock();
    static BedrockEmulator emulator;
    static BedrockRuntimeClient sync;
    static BedrockRuntimeAsyncClient h2;
    static BedrockRuntimeAsyncClient http1;
    static String profileArn;

    @BeforeAll
    static void start() {
        emulator = BedrockEmulator.builder().clock(CLOCK).replyTokens(40, 40).modelCapacity(HAIKU, CAPACITY)
                .build().start();
        sync = SdkClients.runtime(emulator);
        h2 = SdkClients.runtimeAsync(emulator);
        http1 = SdkClients.runtimeAsyncHttp1(emulator);
        try (BedrockClient bedrock = SdkClients.bedrock(emulator)) {
            profileArn = bedrock.createInferenceProfile(r -> r.inferenceProfileName("tenant-acme")
                    .modelSource(s -> s.copyFrom("arn:aws:bedrock:" + emulator.region() + "::foundation-model/"
                            + HAIKU))).inferenceProfileArn();
        }
    }

    @AfterAll
    static void stop() {
        sync.close();
        h2.close();
        http1.close();
        emulator.close();
    }

    @BeforeEach
    void nextMinute() {
        CLOCK.advance(Duration.ofSeconds(61));
        emulator.resetMetrics();
    }

    static Stream<Arguments> asyncClients() {
        return Stream.of(Arguments.of("h2", (Function<Void, BedrockRuntimeAsyncClient>) v -> h2),
                Arguments.of("http1", (Function<Void, BedrockRuntimeAsyncClient>) v -> http1));
    }

    private static Message user(String text) {
        return Message.builder().role(ConversationRole.USER).content(ContentBlock.fromText(text)).build();
    }

    private static ConverseRequest converse(String modelId) {
        return ConverseRequest.builder().modelId(modelId).messages(user("Hello"))
                .inferenceConfig(c -> c.maxTokens(100)).build();
    }

    /** Uses the model until one more call of 100 output tokens no longer fits. */
    private static int fill() {
        int served = 0;
        while (true) {
            try {
                sync.converse(converse(served % 2 == 0 ? HAIKU : profileArn));
                served++;
            } catch (ThrottlingException e) {
                return served;
            }
        }
    }

    @Test
    void converse_aboveTheModelsCapacity_429ThrottlingExceptionUntilTheMinuteHasPassed() {
        int served = fill();

        // Each call settles to its 5 input and 40 output tokens; a new one reserves 105 of the 300.
        assertThat(served).isEqualTo(5);
        assertThatThrownBy(() -> sync.converse(converse(profileArn)))
                .isInstanceOfSatisfying(ThrottlingException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(429);
                    assertThat(e.awsErrorDetails().errorMessage())
                            .isEqualTo("Too many tokens, please wait before trying again.");
                });
        assertThat(emulator.metrics(HAIKU).invocationThrottles() + emulator.metrics(profileArn.substring(
                profileArn.lastIndexOf('/') + 1)).invocationThrottles()).isEqualTo(2);

        CLOCK.advance(Duration.ofSeconds(60));

        assertThat(sync.converse(converse(HAIKU)).usage().outputTokens()).isEqualTo(40);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("asyncClients")
    void converseStream_aboveTheModelsCapacity_throttlingExceptionFromInsideTheStream(String name,
            Function<Void, BedrockRuntimeAsyncClient> client) {
        fill();
        List<String> events = new CopyOnWriteArrayList<>();
        ConverseStreamResponseHandler handler = ConverseStreamResponseHandler.builder()
                .subscriber(ConverseStreamResponseHandler.Visitor.builder()
                        .onMessageStart(e -> events.add("messageStart"))
                        .onContentBlockDelta(e -> events.add("delta"))
                        .build())
                .build();

        assertThatThrownBy(() -> client.apply(null).converseStream(ConverseStreamRequest.builder().modelId(profileArn)
                .messages(user("Hello")).inferenceConfig(c -> c.maxTokens(100)).build(), handler)
                .get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .cause().isInstanceOfSatisfying(ThrottlingException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(429);
                    assertThat(e.getMessage()).contains("Too many tokens");
                });
        assertThat(events).isEmpty();
        InvocationRecord last = emulator.invocations().get(emulator.invocations().size() - 1);
        assertThat(last.operation()).isEqualTo("ConverseStream");
        assertThat(last.outcome()).isEqualTo(InvocationRecord.Outcome.THROTTLED);
        assertThat(last.accepted()).isFalse();
    }

    @Test
    void invokeModel_aboveTheModelsCapacity_throttlingException() {
        fill();

        assertThatThrownBy(() -> sync.invokeModel(r -> r.modelId(HAIKU).contentType("application/json")
                .body(SdkBytes.fromUtf8String(RuntimeFixture.CLAUDE_ANTHROPIC_BODY))))
                .isInstanceOf(ThrottlingException.class);
    }
}
