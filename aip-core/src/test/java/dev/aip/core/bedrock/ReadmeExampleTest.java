package dev.aip.core.bedrock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.chat.ChatClient;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatPipeline;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.ChatResponse;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.ModelRoutes;
import dev.aip.core.profile.ProvisioningProfileResolver;
import dev.aip.core.profile.TenantProfileResolver;
import dev.aip.core.sink.InMemoryUsageAggregates;
import dev.aip.core.sink.JsonLinesLedger;
import dev.aip.core.sink.TenantUsage;
import dev.aip.core.sink.UsageSinks;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.TenantScope;
import dev.aip.core.tenant.Tier;
import dev.aip.emulator.BedrockEmulator;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.Message;

/** The README's "Using aip-core" code, as written there, against the emulator: if this breaks, the README lies. */
class ReadmeExampleTest {

    @Test
    void readme_pipelineAndInterceptor_routeMeterAndAggregate(@TempDir Path dir) throws Exception {
        try (BedrockEmulator emulator = BedrockEmulator.builder().build().start()) {
            StaticCredentialsProvider creds =
                    StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x"));
            BedrockClient bedrock = BedrockClient.builder().endpointOverride(emulator.endpoint())
                    .region(Region.US_EAST_1).credentialsProvider(creds).build();
            BedrockRuntimeClient runtime = BedrockRuntimeClient.builder().endpointOverride(emulator.endpoint())
                    .region(Region.US_EAST_1).credentialsProvider(creds).build();
            BedrockRuntimeAsyncClient runtimeAsync = BedrockRuntimeAsyncClient.builder()
                    .endpointOverride(emulator.endpoint()).region(Region.US_EAST_1).credentialsProvider(creds)
                    .build();

            // --- as in the README ---
            TenantProfileResolver resolver =
                    ProvisioningProfileResolver.builder(BedrockInferenceProfileApi.create(bedrock))
                            .routes(ModelRoutes.builder().region("us-east-1").accountId("123456789012")
                                    .route("claude-haiku", "arn:aws:bedrock:us-east-1:123456789012:inference-profile/"
                                            + "us.anthropic.claude-3-5-haiku-20241022-v1:0")
                                    .build())
                            .build();

            JsonLinesLedger ledger = JsonLinesLedger.builder().path(dir.resolve("usage.jsonl")).build();
            InMemoryUsageAggregates usage = new InMemoryUsageAggregates();
            UsageMeter meter = UsageMeter.builder().sink(UsageSinks.fanOut(ledger, usage)::accept).build();

            ChatClient chat = ChatPipeline.builder()
                    .resolver(resolver)
                    .meter(meter)
                    .transport(BedrockChatTransport.builder().client(runtime).asyncClient(runtimeAsync).build())
                    .build();

            ChatResponse answer = chat.chat(TenantContext.of("acme").withTier(Tier.PREMIUM),
                    ChatRequest.builder().model("claude-haiku").message(ChatMessage.user("Hello")).build());
            TenantUsage acme = usage.snapshot(TenantId.of("acme"));

            TenantRoutingInterceptor routing = TenantRoutingInterceptor.builder().resolver(resolver).meter(meter)
                    .build();
            BedrockRuntimeClient tenantAware = BedrockRuntimeClient.builder()
                    .endpointOverride(emulator.endpoint()).region(Region.US_EAST_1).credentialsProvider(creds)
                    .overrideConfiguration(o -> o.addExecutionInterceptor(routing))
                    .build();
            TenantScope.run(TenantContext.of("acme"), () ->
                    tenantAware.converse(r -> r.modelId("claude-haiku").messages(Message.builder()
                            .role(ConversationRole.USER).content(ContentBlock.fromText("Hi again")).build())));
            // --- end ---

            assertThat(answer.profileArn()).contains(":application-inference-profile/");
            assertThat(acme.calls()).isEqualTo(1);
            ledger.flush();
            ledger.close();
            List<UsageRecord> records;
            try (Stream<UsageRecord> lines = JsonLinesLedger.read(dir.resolve("usage.jsonl"))) {
                records = lines.toList();
            }
            assertThat(records).hasSize(2)
                    .allSatisfy(r -> {
                        assertThat(r.tenant()).isEqualTo(TenantId.of("acme"));
                        assertThat(r.profileArn()).isEqualTo(answer.profileArn());
                        assertThat(r.cost().amount()).isPresent();
                    });
            assertThat(emulator.metrics(records.get(0).profileId()).invocations()).isEqualTo(2);
            tenantAware.close();
            runtimeAsync.close();
            runtime.close();
            bedrock.close();
        }
    }
}
