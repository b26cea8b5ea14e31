package dev.aip.core.bedrock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.chat.ChatClient;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatPipeline;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageProvenance;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantScope;
import dev.aip.emulator.FaultPlan;
import java.time.Duration;
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
