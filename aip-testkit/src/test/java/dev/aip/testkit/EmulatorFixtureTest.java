package dev.aip.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.bedrock.BedrockChatTransport;
import dev.aip.core.bedrock.TenantRoutingInterceptor;
import dev.aip.core.chat.ChatClient;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatPipeline;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.sink.InMemoryUsageAggregates;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.TenantScope;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.Message;

class EmulatorFixtureTest {

    private static final ManualClock TIME = ManualClock.start();
    private static final InMemoryUsageAggregates AGGREGATES = new InMemoryUsageAggregates();

    @RegisterExtension
    static final EmulatorFixture BEDROCK = EmulatorFixture.builder().tenants("acme", "globex")
            .meter(m -> m.clock(TIME).ticker(TIME.ticker())).sink(AGGREGATES).build();

    @BeforeEach
    void clean() {
        BEDROCK.reset();
    }

    @Test
    void chat_throughThePipeline_isRoutedToTheTenantsProfileAndMetered() {
        ChatClient chat = ChatPipeline.builder().resolver(BEDROCK.resolver()).meter(BEDROCK.meter())
                .transport(BedrockChatTransport.builder().client(BEDROCK.runtimeClient())
                        .asyncClient(BEDROCK.asyncRuntimeClient()).build())
                .build();

        chat.chat(TenantContext.of("acme"), ChatRequest.builder().model(EmulatorFixture.MODEL)
                .message(ChatMessage.user("Hello")).build());

        assertThat(BEDROCK.records()).singleElement().satisfies(r -> {
            assertThat(r.profileArn()).isEqualTo(BEDROCK.profileArn("acme"));
            assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
            assertThat(r.startedAt()).isEqualTo(ManualClock.DEFAULT_START);
            assertThat(r.latency()).isEqualTo(Duration.ZERO);
        });
        assertThat(BEDROCK.emulator().invocations()).singleElement()
                .satisfies(i -> assertThat(BEDROCK.ownerOf(i.profileArn())).isEqualTo(TenantId.of("acme")));
        assertThat(AGGREGATES.snapshot(TenantId.of("acme")).calls()).isPositive();
    }

    @Test
    void runtimeClient_withTheRoutingInterceptor_sendsEachTenantToItsOwnProfile() {
        TenantRoutingInterceptor routing = TenantRoutingInterceptor.builder().resolver(BEDROCK.resolver())
                .meter(BEDROCK.meter()).build();
        BedrockRuntimeClient client = BEDROCK.runtimeClient(routing);

        for (String tenant : new String[] {"acme", "globex"}) {
            TenantScope.run(TenantContext.of(tenant), () -> client.converse(r -> r.modelId(EmulatorFixture.MODEL)
                    .messages(Message.builder().role("user").content(ContentBlock.fromText("Hi")).build())));
        }

        assertThat(BEDROCK.records()).extracting(UsageRecord::profileArn)
                .containsExactly(BEDROCK.profileArn("acme"), BEDROCK.profileArn("globex"));
    }

    @Test
    void reset_afterACall_forgetsRecordsAndInvocations() {
        ChatClient chat = ChatPipeline.builder().resolver(BEDROCK.resolver()).meter(BEDROCK.meter())
                .transport(BedrockChatTransport.builder().client(BEDROCK.runtimeClient())
                        .asyncClient(BEDROCK.asyncRuntimeClient()).build())
                .build();
        chat.chat(TenantContext.of("globex"), ChatRequest.builder().model(EmulatorFixture.MODEL)
                .message(ChatMessage.user("Hello")).build());

        BEDROCK.reset();

        assertThat(BEDROCK.records()).isEmpty();
        assertThat(BEDROCK.emulator().invocations()).isEmpty();
    }

    @Test
    void profileArn_ofATenantWithoutProfile_namesTheTenantsItHas() {
        assertThatThrownBy(() -> BEDROCK.profileArn("initech"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("initech").hasMessageContaining("acme");
        assertThat(BEDROCK.ownerOf("arn:aws:bedrock:us-east-1:000000000000:application-inference-profile/x")).isNull();
    }
}
