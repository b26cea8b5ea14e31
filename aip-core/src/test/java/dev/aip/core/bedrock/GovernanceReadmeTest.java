package dev.aip.core.bedrock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.chat.ChatClient;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatPipeline;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.governance.Governance;
import dev.aip.core.governance.PolicySet;
import dev.aip.core.governance.PolicyStore;
import dev.aip.core.governance.TenantPolicy;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.Tier;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;

/**
 * The README's "Governance" policy file and the code that loads it, exactly as printed there (ReadmeSnippetsTest
 * checks it), against the emulator: if this breaks, the README lies.
 */
class GovernanceReadmeTest {

    static final String README_POLICIES = """
            # policies.yaml: tenant over tier over defaults; reload with PolicyStore.reload() without a restart
            defaults:
              requestsPerMinute: 60
              tokensPerMinute: 200000
              maxConcurrentCalls: 4
              allowedModels: [claude-haiku]
              budget: { usd: "20.00", period: day, zone: Europe/Berlin }
            tiers:
              premium:
                requestsPerMinute: 600
                allowedModels: ["*"]
                budget: { usd: "500", period: month }
            tenants:
              trial-co:
                budget: { usd: "1.50", period: window, length: PT6H }
            """;

    @Test
    void readme_policyFileLoadedIntoThePipeline_governsEveryCall() throws Exception {
        Path file = Path.of("policies.yaml");
        Files.writeString(file, README_POLICIES);
        try (EmulatorFixture fx = new EmulatorFixture("trial-co");
             BedrockRuntimeClient sync = fx.sync();
             BedrockRuntimeAsyncClient async = fx.async()) {
            var resolver = fx.resolver();
            var meter = fx.meter;
            var transport = BedrockChatTransport.builder().client(sync).asyncClient(async).build();

            // --- as in the README ---
            Governance governance = Governance.builder().policies(PolicyStore.fromFile(Path.of("policies.yaml"))).build();
            ChatClient chat = ChatPipeline.builder().resolver(resolver).meter(meter).admission(governance)
                    .transport(transport).build();
            // --- end ---

            TenantContext trial = TenantContext.of("trial-co");
            chat.chat(trial, ChatRequest.builder().model(EmulatorFixture.MODEL).message(ChatMessage.user("Hello"))
                    .build());

            assertThat(fx.records).extracting(UsageRecord::outcome).containsExactly(Outcome.SUCCESS);
            assertThat(governance.budgetUsage(trial).spentUsd())
                    .isEqualByComparingTo(fx.records.get(0).cost().amount().orElseThrow());
            PolicySet policies = PolicyStore.fromFile(file).current();
            TenantPolicy trialPolicy = policies.policyFor(trial);
            assertThat(trialPolicy.budget().amountUsd()).isEqualByComparingTo(new BigDecimal("1.50"));
            assertThat(trialPolicy.requestsPerMinute()).isEqualTo(60L);
            TenantPolicy premium = policies.policyFor(TenantContext.of("acme").withTier(Tier.PREMIUM));
            assertThat(premium.requestsPerMinute()).isEqualTo(600L);
            assertThat(premium.allowedModels()).isEqualTo(Set.of(TenantPolicy.ANY_MODEL));
            assertThat(premium.maxConcurrentCalls()).isEqualTo(4);
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
