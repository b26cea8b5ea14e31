package dev.aip.core.bedrock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.chat.Admission;
import dev.aip.core.chat.AdmissionRequest;
import dev.aip.core.chat.ChatClient;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatPipeline;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageProvenance;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantScope;
import dev.aip.emulator.FaultPlan;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.Message;

/**
 * A call the SDK gives up on (its call timeout is shorter than the model's latency) is one TIMEOUT record with no
 * tokens, on the pipeline and on the interceptor path alike.
 */
class TimeoutEmulatorTest {

    private EmulatorFixture fx;
    private BedrockRuntimeClient sync;
    private BedrockRuntimeAsyncClient async;

    @BeforeEach
    void setUp() {
        fx = new EmulatorFixture("acme");
        fx.emulator.faults().set(fx.arn("acme"), FaultPlan.builder().latency(Duration.ofSeconds(3)).build());
    }

    @AfterEach
    void tearDown() {
        if (sync != null) {
            sync.close();
        }
        if (async != null) {
            async.close();
        }
        fx.close();
    }

    @Test
    void chat_sdkCallTimeout_isOneTimeoutRecordWithoutTokens() {
        sync = client(null);
        async = fx.async();
        ChatClient chat = ChatPipeline.builder().resolver(fx.resolver()).meter(fx.meter)
                .transport(BedrockChatTransport.builder().client(sync).asyncClient(async).build())
                .build();

        assertThatThrownBy(() -> chat.chat(TenantContext.of("acme"),
                ChatRequest.builder().model(EmulatorFixture.MODEL).message(ChatMessage.user("Hello")).build()))
                .isInstanceOf(ApiCallTimeoutException.class);

        assertThat(fx.records).singleElement().satisfies(TimeoutEmulatorTest::assertTimeout);
    }

    @Test
    void interceptor_sdkCallTimeout_isOneTimeoutRecordWithoutTokens() {
        TenantRoutingInterceptor routing = TenantRoutingInterceptor.builder().resolver(fx.resolver())
                .meter(fx.meter).build();
        sync = client(routing);

        assertThatThrownBy(() -> TenantScope.run(TenantContext.of("acme"), () -> sync.converse(r -> r
                .modelId(EmulatorFixture.MODEL)
                .messages(Message.builder().role(ConversationRole.USER)
                        .content(ContentBlock.fromText("Hello")).build()))))
                .isInstanceOf(ApiCallTimeoutException.class);

        assertThat(fx.records).singleElement().satisfies(TimeoutEmulatorTest::assertTimeout);
    }

    @Test
    void interceptor_asyncClientCallTimeout_isOneTimeoutRecordWithoutTokens_andReleasesItsPermit() throws Exception {
        // The async client calls no hook for a call past its apiCallTimeout: the interceptor settles it itself.
        CountingAdmission admission = new CountingAdmission();
        TenantRoutingInterceptor routing = TenantRoutingInterceptor.builder().resolver(fx.resolver())
                .meter(fx.meter).admission(admission).abandonAfter(Duration.ofMillis(800)).build();
        async = fx.async(Duration.ofMillis(300), routing);

        CompletableFuture<ConverseResponse> call = TenantScope.get(TenantContext.of("acme"), () -> async.converse(r -> r
                .modelId(EmulatorFixture.MODEL)
                .messages(Message.builder().role(ConversationRole.USER)
                        .content(ContentBlock.fromText("Hello")).build())));

        assertThatThrownBy(() -> call.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(ApiCallTimeoutException.class);
        for (int i = 0; i < 500 && admission.released.get() == 0; i++) {
            Thread.sleep(10);
        }
        assertThat(fx.records).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.TIMEOUT);
            assertThat(r.usage()).isEqualTo(TokenUsage.ZERO);
            assertThat(r.errorCode()).isEqualTo(InterceptedCall.NO_OUTCOME);
        });
        assertThat(admission.admitted.get()).isEqualTo(1);
        assertThat(admission.released.get()).isEqualTo(1);
        // The model's answer would have come after 3 s: nothing later adds a second record.
        Thread.sleep(3500);
        assertThat(fx.records).hasSize(1);
    }

    @Test
    void interceptor_asyncConverseCancelledByTheCaller_isOneRecord_asBedrockServedIt() throws Exception {
        // Cancelling the future does not stop the exchange: Bedrock answers, and the call is recorded (and billed)
        // once, as what it was; the watchdog, set longer than the model's latency, adds nothing.
        TenantRoutingInterceptor routing = TenantRoutingInterceptor.builder().resolver(fx.resolver())
                .meter(fx.meter).abandonAfter(Duration.ofSeconds(6)).build();
        async = fx.async(Duration.ofSeconds(30), routing);

        CompletableFuture<ConverseResponse> call = TenantScope.get(TenantContext.of("acme"), () -> async.converse(r -> r
                .modelId(EmulatorFixture.MODEL)
                .messages(Message.builder().role(ConversationRole.USER)
                        .content(ContentBlock.fromText("Hello")).build())));
        for (int i = 0; i < 500 && fx.emulator.invocations().isEmpty(); i++) {
            Thread.sleep(10);
        }
        Thread.sleep(200);
        call.cancel(true);
        for (int i = 0; i < 500 && fx.records.isEmpty(); i++) {
            Thread.sleep(10);
        }
        assertThat(fx.records).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
            assertThat(r.usage().outputTokens()).isEqualTo(fx.emulator.invocations().get(0).outputTokens());
        });
        Thread.sleep(6500);
        assertThat(fx.records).hasSize(1);
    }

    /** Admits every call and counts permits handed out and released. */
    static final class CountingAdmission implements Admission {
        final AtomicInteger admitted = new AtomicInteger();
        final AtomicInteger released = new AtomicInteger();

        @Override
        public Permit admit(TenantContext tenant, AdmissionRequest request,
                            ResolvedProfile profile) {
            admitted.incrementAndGet();
            return attempts -> released.incrementAndGet();
        }
    }

    private static void assertTimeout(UsageRecord r) {
        assertThat(r.outcome()).isEqualTo(Outcome.TIMEOUT);
        assertThat(r.usage()).isEqualTo(TokenUsage.ZERO);
        assertThat(r.provenance()).isEqualTo(UsageProvenance.NONE);
        assertThat(r.errorCode()).isEqualTo("ApiCallTimeoutException");
    }

    private BedrockRuntimeClient client(TenantRoutingInterceptor routing) {
        return BedrockRuntimeClient.builder().endpointOverride(fx.emulator.endpoint())
                .region(Region.of(fx.emulator.region())).credentialsProvider(EmulatorFixture.DUMMY)
                .overrideConfiguration(o -> {
                    o.retryStrategy(AwsRetryStrategy.doNotRetry()).apiCallTimeout(Duration.ofMillis(300));
                    if (routing != null) {
                        o.addExecutionInterceptor(routing);
                    }
                })
                .build();
    }
}
