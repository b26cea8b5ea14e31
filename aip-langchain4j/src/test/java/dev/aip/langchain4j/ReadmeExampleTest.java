package dev.aip.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.governance.Governance;
import dev.aip.core.governance.PolicySet;
import dev.aip.core.governance.TenantPolicy;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.TenantScope;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.MemoryId;
import dev.langchain4j.service.UserMessage;
import dev.langchain4j.store.memory.chat.ChatMemoryStore;
import dev.langchain4j.store.memory.chat.InMemoryChatMemoryStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.regions.Region;

/**
 * The README's LangChain4j examples, run as printed there (the code between the markers is the README's, which
 * {@link #readmeSnippets_areTheCodeThisTestRuns} checks) on the emulator, with a scripted tool call.
 */
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
        try (EmulatorFixture fx = new EmulatorFixture("acme", "globex")) {
            fx.emulator.script().forAnyModel().whenPromptContains("How many tickets?")
                    .useTool("openTickets", "{}", "You have 4 open tickets.");
            var resolver = fx.resolver;
            var meter = fx.meter;
            Governance governance = Governance.builder().policies(PolicySet.of(TenantPolicy.EMPTY)).build();
            var credentials = EmulatorFixture.DUMMY;
            var endpoint = fx.emulator.endpoint();

            // README: begin
            TenantBedrockModels models = TenantBedrockModels.builder()
                    .resolver(resolver)                  // each tenant's profile for "claude-haiku"
                    .meter(meter)                        // one usage record per model call
                    .admission(governance)               // optional: limits, budgets, model policy
                    .client(c -> c.region(Region.US_WEST_2)             // both SDK clients: chat and streaming
                            .credentialsProvider(credentials)
                            .endpointOverride(endpoint))                // optional, e.g. the aip emulator's
                    .build();
            ChatModel model = models.chatModel("claude-haiku");  // one model for every tenant
            Assistant assistant = AiServices.builder(Assistant.class).chatModel(model).tools(new Tools()).build();

            String answer = TenantScope.get(TenantContext.of("acme"), () -> assistant.chat("How many tickets?"));
            // README: end

            assertThat(answer).isEqualTo("You have 4 open tickets.");
            assertThat(fx.records).hasSize(2).hasSameSizeAs(fx.emulator.invocations());
            fx.reset();

            // README: begin
            interface Support {
                String chat(@MemoryId String user, @UserMessage String message);
            }

            ChatMemoryStore store = new InMemoryChatMemoryStore();    // or the application's own store
            TenantChatMemories memories = TenantChatMemories.of(id -> MessageWindowChatMemory.builder()
                    .id(id).maxMessages(20).chatMemoryStore(store).build());
            Support support = AiServices.builder(Support.class).chatModel(model).chatMemoryProvider(memories).build();

            TenantScope.run(TenantContext.of("acme"), () -> support.chat("user-1", "My order number is 1234."));
            TenantScope.run(TenantContext.of("globex"), () -> support.chat("user-1", "What is my order number?"));  // not acme's
            // README: end

            assertThat(fx.emulator.invocations()).extracting(fx::ownerOf).containsExactly("acme", "globex");
            assertThat(TenantScope.get(TenantContext.of("globex"), () -> memories.get("user-1").messages()))
                    .hasSize(2).noneMatch(m -> m.toString().contains("1234"));
            assertThat(store.getMessages(new TenantMemoryId(TenantId.of("acme"), "user-1"))).hasSize(2)
                    .anyMatch(m -> m.toString().contains("1234"));
            assertThat(store.getMessages(new TenantMemoryId(TenantId.of("globex"), "user-1"))).hasSize(2);
            models.close();
        }
    }

    /** The README's LangChain4j section shows exactly the code between the markers above, in the same order. */
    @Test
    void readmeSnippets_areTheCodeThisTestRuns() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        int section = readme.indexOf("## Using aip-langchain4j");
        assertThat(section).as("README section \"Using aip-langchain4j\"").isNotNegative();
        int next = readme.indexOf("\n## ", section + 1);
        List<String> printed = new ArrayList<>();
        Matcher blocks = Pattern.compile("```java\n(.*?)```", Pattern.DOTALL)
                .matcher(readme.substring(section, next < 0 ? readme.length() : next));
        while (blocks.find()) {
            printed.add(blocks.group(1).stripTrailing());
        }

        String source = Files.readString(Path.of("src/test/java/dev/aip/langchain4j/ReadmeExampleTest.java"));
        List<String> run = new ArrayList<>();
        Matcher marked = Pattern.compile("// README: begin\n(.*?)\n\\s*// README: end", Pattern.DOTALL)
                .matcher(source);
        while (marked.find()) {
            run.add(marked.group(1).stripIndent().stripTrailing());
        }

        assertThat(run).hasSize(2);
        assertThat(printed).containsExactlyElementsOf(run);
    }
}
