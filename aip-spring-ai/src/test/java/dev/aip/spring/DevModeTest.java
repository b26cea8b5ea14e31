package dev.aip.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.ConfigurationException;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantScope;
import dev.aip.emulator.BedrockEmulator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.ai.bedrock.converse.BedrockProxyChatModel;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.model.bedrock.converse.autoconfigure.BedrockConverseProxyChatAutoConfiguration;
import org.springframework.ai.model.chat.client.autoconfigure.ChatClientAutoConfiguration;
import org.springframework.ai.model.tool.autoconfigure.ToolCallingAutoConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

/** Dev mode started as an application starts (environment post-processors included), on a machine without AWS. */
@ExtendWith(OutputCaptureExtension.class)
class DevModeTest {

    @Test
    void devModeStartUp_withoutAwsSettings_isQuiet_andLogsTheEmulatorEndpoint(CapturedOutput output) {
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(DevApp.class)
                .web(WebApplicationType.NONE)
                .properties("spring.main.banner-mode=off", "aip.emulator.enabled=true",
                        "aip.profiles.routes.claude-haiku=us.anthropic.claude-3-5-haiku-20241022-v1:0",
                        "spring.ai.bedrock.converse.chat.options.model=claude-haiku")
                .run()) {
            BedrockEmulator emulator = context.getBean(BedrockEmulator.class);

            assertThat(output.getAll()).contains("Bedrock emulator on " + emulator.endpoint())
                    .doesNotContainIgnoringCase("ec2")
                    .doesNotContain("Unable to load region")
                    .doesNotContain("IMDS");
            assertThat(context.getBean(AipConnection.class).endpoint()).isEqualTo(emulator.endpoint());
            // Spring AI's chat model, with Spring AI's options, on aip's clients.
            BedrockProxyChatModel model = context.getBean(BedrockProxyChatModel.class);
            assertThat(model.getDefaultOptions().getModel()).isEqualTo("claude-haiku");
            String answer = TenantScope.get(TenantContext.of("acme"),
                    () -> context.getBean(ChatClient.Builder.class).build().prompt().user("Hello").call().content());
            assertThat(answer).isNotBlank();
            assertThat(emulator.invocations()).singleElement()
                    .satisfies(i -> assertThat(i.requestMetadata()).containsEntry("tenantId", "acme"));
        }
    }

    @Test
    void devModeStartUp_withAnUnroutedSpringAiModel_failsWithBootsReportNamingTheProperty(CapturedOutput output) {
        SpringApplicationBuilder app = new SpringApplicationBuilder(DevApp.class).web(WebApplicationType.NONE)
                .properties("spring.main.banner-mode=off", "aip.emulator.enabled=true",
                        "spring.ai.bedrock.converse.chat.options.model=claude-haiku");

        assertThatThrownBy(app::run).hasRootCauseInstanceOf(ConfigurationException.class);
        assertThat(output.getAll()).contains("APPLICATION FAILED TO START", "Description:",
                "aip.profiles.routes.claude-haiku", "Action:", "aip configuration");
    }

    @Configuration(proxyBeanMethods = false)
    @ImportAutoConfiguration({AipAutoConfiguration.class, AipSpringAiAutoConfiguration.class,
        ToolCallingAutoConfiguration.class, BedrockConverseProxyChatAutoConfiguration.class,
        ChatClientAutoConfiguration.class})
    static class DevApp {
    }
}
