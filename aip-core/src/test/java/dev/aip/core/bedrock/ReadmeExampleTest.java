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
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;

/**
 * The README's "Using aip-core" code, exactly as printed there (ReadmeSnippetsTest checks that every block the README
 * says this class runs is in it verbatim), against the emulator: if this breaks, the README lies. The README's clients
 * are built with {@code create()}, so the SDK's own settings (system properties) point them at the emulator.
 */
class ReadmeExampleTest {

    private static final List<String> SDK_SETTINGS =
            List.of("aws.endpointUrl", "aws.region", "aws.accessKeyId", "aws.secretAccessKey");

    @Test
    void readme_pipelineAndInterceptor_routeMeterAndAggregate() throws Exception {
        Path ledgerFile = Path.of("usage.jsonl");
        Map<String, String> saved = new HashMap<>();
        SDK_SETTINGS.forEach(k -> saved.put(k, System.getProperty(k)));
        Files.deleteIfExists(ledgerFile);
        try (BedrockEmulator emulator = BedrockEmulator.builder().build().start()) {
            System.setProperty("aws.endpointUrl", emulator.endpoint().toString());
            System.setProperty("aws.region", emulator.region());
            System.setProperty("aws.accessKeyId", "x");
            System.setProperty("aws.secretAccessKey", "x");

            // --- as in the README ---
            BedrockClient bedrock = BedrockClient.create();                  // control plane
            BedrockRuntimeClient runtime = BedrockRuntimeClient.create();    // runtime, sync
            BedrockRuntimeAsyncClient runtimeAsync = BedrockRuntimeAsyncClient.create();

            // Each tenant gets its own AIP, created on first use (idempotently, one per tenant even under concurrent first
            // calls), tagged TenantId/Tier/Model/ManagedBy, and never used for another tenant.
            TenantProfileResolver resolver = ProvisioningProfileResolver.builder(BedrockInferenceProfileApi.create(bedrock))
                    .routes(ModelRoutes.builder().region("us-east-1").accountId("123456789012")
                            .route("claude-haiku", "arn:aws:bedrock:us-east-1:123456789012:inference-profile/"
                                    + "us.anthropic.claude-3-5-haiku-20241022-v1:0")
                            .build())
                    .build();

            JsonLinesLedger ledger = JsonLinesLedger.builder().path(Path.of("usage.jsonl")).build();
            InMemoryUsageAggregates usage = new InMemoryUsageAggregates();
            UsageMeter meter = UsageMeter.builder().sink(UsageSinks.fanOut(ledger, usage)::accept).build();

            ChatClient chat = ChatPipeline.builder()
                    .resolver(resolver)
                    .meter(meter)
                    .transport(BedrockChatTransport.builder().client(runtime).asyncClient(runtimeAsync).build())
                    .build();

            ChatResponse answer = chat.chat(TenantContext.of("acme").withTier(Tier.PREMIUM),
                    ChatRequest.builder().model("claude-haiku").message(ChatMessage.user("Hello")).build());
            TenantUsage acme = usage.snapshot(TenantId.of("acme"));   // calls, tokens, cost, p50/p95 latency, errors
            // --- end ---

            // --- as in the README ---
            TenantRoutingInterceptor routing = TenantRoutingInterceptor.builder().resolver(resolver).meter(meter).build();
            BedrockRuntimeClient tenantAware = BedrockRuntimeClient.builder()
                    .overrideConfiguration(o -> o.addExecutionInterceptor(routing))
                    .build();
            TenantScope.run(TenantContext.of("acme"), () -> tenantAware.converse(r -> r.modelId("claude-haiku")
                    .messages(m -> m.role(ConversationRole.USER).content(c -> c.text("Hi again")))));
            // --- end ---

            assertThat(answer.profileArn()).contains(":application-inference-profile/");
            assertThat(acme.calls()).isEqualTo(1);
            ledger.flush();
            ledger.close();
            List<UsageRecord> records;
            try (Stream<UsageRecord> lines = JsonLinesLedger.read(ledgerFile)) {
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
        } finally {
            saved.forEach((k, v) -> {
                if (v == null) {
                    System.clearProperty(k);
                } else {
                    System.setProperty(k, v);
                }
            });
            Files.deleteIfExists(ledgerFile);
        }
    }
}
