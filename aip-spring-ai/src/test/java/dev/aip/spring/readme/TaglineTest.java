package dev.aip.spring.readme;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.emulator.BedrockEmulator;
import dev.aip.emulator.FaultPlan;
import dev.aip.emulator.InvocationRecord;
import dev.aip.spring.TenantAdvisor;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * The README's "Dev mode in a Spring Boot test" example, exactly as printed there; the application class the example
 * assumes follows it.
 */
@SpringBootTest(properties = {
        "aip.emulator.enabled=true",
        "aip.profiles.routes.claude-haiku=us.anthropic.claude-3-5-haiku-20241022-v1:0",
        "aip.tenants.acme.tier=premium",
        "spring.ai.bedrock.converse.chat.options.model=claude-haiku"})
class TaglineTest {

    // Scripts and faults match the foundation model behind every tenant's claude-haiku profile.
    static final String HAIKU = "anthropic.claude-3-5-haiku-20241022-v1:0";

    @Autowired BedrockEmulator emulator;          // dev mode's emulator (its endpoint is in the start-up log)
    @Autowired ChatClient.Builder chat;

    @Test
    void tagline_isTheScriptedAnswer_evenAfterAThrottle() {
        emulator.script().forModel(HAIKU).whenPromptContains("tagline").replyText("Baked before dawn.");
        emulator.faults().set(HAIKU, FaultPlan.builder().throttleSequence(true, false).build());

        String tagline = chat.build().prompt().user("A tagline for our bakery")
                .advisors(a -> a.param(TenantAdvisor.TENANT, "acme")).call().content();

        assertThat(tagline).isEqualTo("Baked before dawn.");
        assertThat(emulator.invocations()).extracting(InvocationRecord::outcome)
                .containsExactly(InvocationRecord.Outcome.THROTTLED, InvocationRecord.Outcome.SUCCESS);
        assertThat(emulator.invocations()).allSatisfy(i -> assertThat(i.requestMetadata())
                .containsEntry("tenantId", "acme").containsEntry("tier", "premium"));
    }
}

/** The application the example runs in (alone in this package, so the test finds it). */
@SpringBootConfiguration
@EnableAutoConfiguration
class TaglineApplication {
}
