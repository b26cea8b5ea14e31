package dev.aip.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.PolicyViolationException;
import dev.aip.core.bedrock.BedrockChatTransport;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatPipeline;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.ChatStreamListener;
import dev.aip.core.chat.InferenceSettings;
import dev.aip.core.governance.Governance;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.metering.Operation;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.TenantProfileResolver;
import dev.aip.core.sink.UsageSink;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.TenantScope;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.bedrock.converse.BedrockChatOptions;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.model.bedrock.converse.autoconfigure.BedrockConverseProxyChatAutoConfiguration;
import org.springframework.ai.model.chat.client.autoconfigure.ChatClientAutoConfiguration;
import org.springframework.ai.model.tool.autoconfigure.ToolCallingAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.Message;

/**
 * The three drivers of the call engine (the chat pipeline, the SDK interceptor, the Spring AI advisor) make the
 * same usage records for the same scripted call: one application, one governance, one emulator, and the call made
 * once through each path, whole and streamed, admitted and refused. Only what differs per call by nature (ids,
 * times, latency, request ids) is left out of the comparison.
 */
class ThreeDriversRecordsTest {

    private static final String PROMPT = "Name three rivers of France, please.";

    @Test
    void pipelineSdkAndSpringAi_recordTheSameCall_identically(@TempDir Path dir) throws Exception {
        Path policies = dir.resolve("policies.yaml");
        Files.writeString(policies, """
                defaults:
                  allowedModels: ["*"]
                  maxOutputTokens: 300
                  requestsPerMinute: 1000
                """, StandardCharsets.UTF_8);
        new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(AipAutoConfiguration.class, AipSpringAiAutoConfiguration.class,
                    ToolCallingAutoConfiguration.class, BedrockConverseProxyChatAutoConfiguration.class,
                    ChatClientAutoConfiguration.class))
            .withUserConfiguration(Collected.class)
            .withPropertyValues("spring.ai.bedrock.aws.region=us-east-1",
                    "aip.emulator.enabled=true",
                    "aip.profiles.routes.claude-haiku=us.anthropic.claude-3-5-haiku-20241022-v1:0",
                    "aip.tenants.acme.tier=premium",
                    "aip.policy-file=" + policies,
                    "spring.ai.bedrock.converse.chat.options.model=claude-haiku")
            .run(context -> {
                assertThat(context).hasNotFailed();
                List<UsageRecord> records = context.getBean(Collected.class).records;
                // The tenant as the application knows it (its tier, attributes), on every path.
                TenantContext acme = context.getBean(TenantDirectory.class).contextOf(TenantId.of("acme"));
                BedrockRuntimeClient sync = context.getBean(BedrockRuntimeClient.class);
                BedrockRuntimeAsyncClient async = context.getBean(BedrockRuntimeAsyncClient.class);
                AdmissionGate gate = context.getBean(AdmissionGate.class);
                ChatPipeline pipeline = ChatPipeline.builder()
                        .resolver(context.getBean(TenantProfileResolver.class))
                        .meter(context.getBean(UsageMeter.class))
                        .admission(gate.admission())
                        .transport(BedrockChatTransport.builder().client(sync).asyncClient(async).build())
                        .build();
                ChatClient spring = context.getBean(ChatClient.Builder.class).build();

                // Whole answers.
                List<UsageRecord> whole = List.of(
                        one(records, () -> pipeline.chat(acme, request(200))),
                        one(records, () -> TenantScope.run(acme, () -> sync.converse(r -> r.modelId("claude-haiku")
                                .messages(user()).inferenceConfig(c -> c.maxTokens(200))))),
                        one(records, () -> spring.prompt().user(PROMPT)
                                .options(BedrockChatOptions.builder().maxTokens(200).build())
                                .advisors(a -> a.param(TenantAdvisor.TENANT, "acme")).call().content()));
                assertSame(whole);
                assertThat(whole.get(0).usage().totalTokens()).isPositive();

                // Streams.
                List<UsageRecord> streamed = List.of(
                        one(records, () -> pipeline.stream(acme, request(200), new ChatStreamListener() { })
                                .completion().join()),
                        one(records, () -> TenantScope.get(acme, () -> async.converseStream(r -> r
                                .modelId("claude-haiku").messages(user()).inferenceConfig(c -> c.maxTokens(200)),
                                ConverseStreamResponseHandler.builder().subscriber(e -> { }).build())).join()),
                        one(records, () -> spring.prompt().user(PROMPT)
                                .options(BedrockChatOptions.builder().maxTokens(200).build())
                                .advisors(a -> a.param(TenantAdvisor.TENANT, "acme")).stream().content()
                                .collectList().block()));
                assertSame(streamed);
                assertThat(streamed.get(0).operation()).isEqualTo(Operation.CONVERSE_STREAM);

                // Refused by governance (maxTokens above the tenant's cap): one REJECTED_BY_POLICY record each.
                List<UsageRecord> refused = List.of(
                        refusedOnce(records, () -> pipeline.chat(acme, request(500))),
                        refusedOnce(records, () -> TenantScope.run(acme, () -> sync.converse(r -> r
                                .modelId("claude-haiku").messages(user()).inferenceConfig(c -> c.maxTokens(500))))),
                        refusedOnce(records, () -> spring.prompt().user(PROMPT)
                                .options(BedrockChatOptions.builder().maxTokens(500).build())
                                .advisors(a -> a.param(TenantAdvisor.TENANT, "acme")).call().content()));
                assertSame(refused);
                assertThat(refused.get(0).errorCode()).isEqualTo("PolicyViolationException");

                assertThat(context.getBean(Governance.class).openPermits()).isZero();
                assertThat(gate.openCovers()).isZero();
            });
    }

    private static ChatRequest request(int maxTokens) {
        return ChatRequest.builder().model("claude-haiku").message(ChatMessage.user(PROMPT))
                .settings(InferenceSettings.DEFAULTS.withMaxTokens(maxTokens)).build();
    }

    private static Message user() {
        return Message.builder().role(ConversationRole.USER).content(ContentBlock.fromText(PROMPT)).build();
    }

    /** Runs one call and returns the one record it left. */
    private static UsageRecord one(List<UsageRecord> records, Runnable call) {
        int before = records.size();
        call.run();
        assertThat(records).hasSize(before + 1);
        return records.get(before);
    }

    private static UsageRecord refusedOnce(List<UsageRecord> records, Runnable call) {
        return one(records, () -> assertThatThrownBy(call::run).satisfies(e -> assertThat(causes(e))
                .anyMatch(c -> c instanceof PolicyViolationException)));
    }

    private static List<Throwable> causes(Throwable e) {
        List<Throwable> all = new java.util.ArrayList<>();
        for (Throwable t = e; t != null && all.size() < 16; t = t.getCause()) {
            all.add(t);
        }
        return all;
    }

    /** The three records agree on everything but what differs per call by nature. */
    private static void assertSame(List<UsageRecord> three) {
        UsageRecord first = three.get(0);
        Consumer<UsageRecord> same = r -> assertThat(r).usingRecursiveComparison()
                .ignoringFields("identity.recordId", "identity.callId", "timing.startedAt", "timing.latency",
                        "timing.timeToFirstToken", "result.awsRequestId")
                .isEqualTo(first);
        three.forEach(same);
    }

    /** Collects aip's records. */
    @Configuration(proxyBeanMethods = false)
    static class Collected implements UsageSink {
        final List<UsageRecord> records = new CopyOnWriteArrayList<>();

        @Override
        public void accept(UsageRecord record) {
            records.add(record);
        }
    }
}
