package dev.aip.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.governance.Governance;
import dev.aip.core.governance.PolicySet;
import dev.aip.core.governance.TenantPolicy;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantScope;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.service.AiServices;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;

/** The README's LangChain4j example, as written there (plus the emulator's endpoint and a scripted tool call). */
class ReadmeExampleTest {

    interface Assistant {
        String chat(String message);
    }

    static final class Tools {
        @Tool("Returns the open support tickets of the current tenant")
        int openTickets() {
            return TenantScope.require().id().value().length();
        }
    }

    @Test
    void readmeExample_runsAsWritten() {
        try (EmulatorFixture fx = new EmulatorFixture("acme")) {
            fx.emulator.script().forAnyModel().useTool("openTickets", "{}", "You have 4 open tickets.");
            var resolver = fx.resolver;
            var meter = fx.meter;
            Governance governance = Governance.builder().policies(PolicySet.of(TenantPolicy.EMPTY)).build();

            // README: begin
            TenantBedrockModels models = TenantBedrockModels.builder()
                    .resolver(resolver)                  // each tenant's profile for "claude-haiku"
                    .meter(meter)                        // one usage record per model call
                    .admission(governance)               // optional: limits, budgets, model policy
                    .client(c -> c.region(Region.US_WEST_2)
                            .endpointOverride(fx.emulator.endpoint()).credentialsProvider(EmulatorFixture.DUMMY))
                    .build();
            ChatModel model = models.chatModel("claude-haiku");  // one model for every tenant
            Assistant assistant = AiServices.builder(Assistant.class).chatModel(model).tools(new Tools()).build();

            String answer = TenantScope.get(TenantContext.of("acme"), () -> assistant.chat("How many tickets?"));
            // README: end

            assertThat(answer).isEqualTo("You have 4 open tickets.");
            assertThat(fx.records).hasSize(2).hasSameSizeAs(fx.emulator.invocations());
            models.close();
        }
    }
}
