package dev.aip.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;

import dev.aip.emulator.BedrockEmulator;
import dev.aip.emulator.InvocationRecord;
import jakarta.servlet.Filter;
import org.junit.jupiter.api.Test;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.model.bedrock.converse.autoconfigure.BedrockConverseProxyChatAutoConfiguration;
import org.springframework.ai.model.chat.client.autoconfigure.ChatClientAutoConfiguration;
import org.springframework.ai.model.tool.autoconfigure.ToolCallingAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.http.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.autoconfigure.web.servlet.WebMvcAutoConfiguration;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.context.WebApplicationContext;

/**
 * The README's Spring AI controller, exactly as printed there (ReadmeSnippetsTest in aip-core checks it; the class is
 * below this one), served by the auto-configuration in dev mode: the tenant of the request's header gets the answer
 * from its own profile.
 */
class ReadmeControllerTest {

    @Test
    void readmeController_requestWithTenantHeader_isAnsweredThroughTheTenantsProfile() {
        new WebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(AipAutoConfiguration.class, AipSpringAiAutoConfiguration.class,
                        AipWebAutoConfiguration.class, ToolCallingAutoConfiguration.class,
                        BedrockConverseProxyChatAutoConfiguration.class, ChatClientAutoConfiguration.class,
                        HttpMessageConvertersAutoConfiguration.class, WebMvcAutoConfiguration.class))
                .withUserConfiguration(Campaigns.class)
                .withPropertyValues("spring.ai.bedrock.aws.region=us-east-1",
                        "aip.emulator.enabled=true",
                        "aip.profiles.routes.claude-haiku=us.anthropic.claude-3-5-haiku-20241022-v1:0",
                        "aip.tenants.acme.tier=premium",
                        "aip.tenant.header=X-Tenant-Id",
                        "spring.ai.bedrock.converse.chat.options.model=claude-haiku")
                .run(context -> {
                    assertThat(context).hasNotFailed();
                    BedrockEmulator emulator = context.getBean(BedrockEmulator.class);
                    emulator.script().forModel("us.anthropic.claude-3-5-haiku-20241022-v1:0")
                            .whenPromptContains("A tagline for socks").replyText("Socks that keep up.");
                    Filter tenantFilter = ((FilterRegistrationBean<?>) context.getBean("aipTenantFilter")).getFilter();
                    MockMvc mvc = MockMvcBuilders.webAppContextSetup((WebApplicationContext) context.getSourceApplicationContext())
                            .addFilters(tenantFilter).build();

                    MvcResult result = mvc.perform(get("/tagline").param("product", "socks")
                            .header("X-Tenant-Id", "acme")).andReturn();

                    assertThat(result.getResponse().getStatus()).isEqualTo(200);
                    assertThat(result.getResponse().getContentAsString()).isEqualTo("Socks that keep up.");
                    assertThat(emulator.invocations()).singleElement().satisfies(call -> {
                        assertThat(call.outcome()).isEqualTo(InvocationRecord.Outcome.SUCCESS);
                        assertThat(call.profileArn()).contains(":application-inference-profile/");
                        assertThat(call.requestMetadata()).containsEntry("tenantId", "acme");
                    });
                });
    }
}

// --- as in the README ---
@RestController
class Campaigns {
    private final ChatClient chat;
    Campaigns(ChatClient.Builder builder) { this.chat = builder.build(); }   // TenantAdvisor already on it

    @GetMapping("/tagline")
    String tagline(@RequestParam String product) {                           // tenant from X-Tenant-Id
        return chat.prompt().user("A tagline for " + product).call().content();
    }
}
// --- end ---
