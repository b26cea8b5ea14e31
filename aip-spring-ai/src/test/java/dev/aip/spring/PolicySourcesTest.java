package dev.aip.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.ConfigurationException;
import dev.aip.core.PolicyViolationException;
import dev.aip.core.RateLimitExceededException;
import dev.aip.core.governance.Governance;
import dev.aip.core.governance.PolicyStore;
import dev.aip.core.governance.TenantPolicy;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import dev.aip.emulator.BedrockEmulator;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.model.bedrock.converse.autoconfigure.BedrockConverseProxyChatAutoConfiguration;
import org.springframework.ai.model.chat.client.autoconfigure.ChatClientAutoConfiguration;
import org.springframework.ai.model.tool.autoconfigure.ToolCallingAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Policies and tenants from Spring resource locations (inside a packaged jar too) and policies written inline. */
class PolicySourcesTest {

    static final String HAIKU = "us.anthropic.claude-3-5-haiku-20241022-v1:0";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(AipAutoConfiguration.class, AipSpringAiAutoConfiguration.class,
                    ToolCallingAutoConfiguration.class, BedrockConverseProxyChatAutoConfiguration.class,
                    ChatClientAutoConfiguration.class))
            .withPropertyValues("spring.ai.bedrock.aws.region=us-east-1");

    @Test
    void classpathLocations_insideAPackagedJar_areRead(@TempDir Path dir) throws Exception {
        Path jar = dir.resolve("app.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            put(out, "config/policies.yaml", """
                    defaults:
                      allowedModels: [claude-haiku]
                    tenants:
                      trial:
                        requestsPerMinute: 7
                    """);
            put(out, "config/tenants.yaml", """
                    globex:
                      tier: basic
                      attributes: { plan: bronze }
                    """);
        }
        try (URLClassLoader loader = new URLClassLoader(new URL[] {jar.toUri().toURL()},
                PolicySourcesTest.class.getClassLoader())) {
            assertThat(loader.getResource("config/policies.yaml").getProtocol()).isEqualTo("jar");
            runner.withClassLoader(loader).withPropertyValues("aip.region=us-east-1",
                            "aip.policy-file=classpath:config/policies.yaml",
                            "aip.tenants-file=classpath:config/tenants.yaml")
                    .run(context -> {
                        assertThat(context).hasNotFailed().hasSingleBean(Governance.class);
                        PolicyStore policies = context.getBean(PolicyStore.class);
                        assertThat(policies.current().defaults().allowedModels()).containsExactly("claude-haiku");
                        assertThat(policies.current().policyFor(TenantContext.of("trial")).requestsPerMinute())
                                .isEqualTo(7L);
                        // A resource inside a jar cannot change under the running application: nothing to reload.
                        assertThatThrownBy(policies::reload).isInstanceOf(ConfigurationException.class);

                        TenantContext globex = context.getBean(TenantDirectory.class)
                                .contextOf(TenantId.of("globex"));
                        assertThat(globex.tier()).isEqualTo(Tier.BASIC);
                        assertThat(globex.attributes()).containsEntry("plan", "bronze");
                    });
        }
    }

    @Test
    void plainAndFileLocations_onTheFileSystem_reload(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("policies.yaml");
        Files.writeString(file, "defaults: { requestsPerMinute: 10 }\n", StandardCharsets.UTF_8);
        for (String location : new String[] {file.toString(), file.toUri().toString()}) {
            runner.withPropertyValues("aip.region=us-east-1", "aip.policy-file=" + location).run(context -> {
                PolicyStore policies = context.getBean(PolicyStore.class);
                assertThat(policies.current().defaults().requestsPerMinute()).isEqualTo(10L);
                Files.writeString(file, "defaults: { requestsPerMinute: 20 }\n", StandardCharsets.UTF_8);
                policies.reload();
                assertThat(policies.current().defaults().requestsPerMinute()).isEqualTo(20L);
                Files.writeString(file, "defaults: { requestsPerMinute: 10 }\n", StandardCharsets.UTF_8);
            });
        }
    }

    @Test
    void missingLocation_failsStartUpNamingTheProperty() {
        runner.withPropertyValues("aip.region=us-east-1", "aip.policy-file=classpath:nowhere/policies.yaml")
                .run(context -> assertThat(StartupChecksTest.rootConfigurationException(
                        context.getStartupFailure()).getMessage())
                        .contains("aip.policy-file", "classpath:nowhere/policies.yaml", "does not exist"));
        runner.withPropertyValues("aip.region=us-east-1", "aip.tenants-file=classpath:nowhere/tenants.yaml")
                .run(context -> assertThat(StartupChecksTest.rootConfigurationException(
                        context.getStartupFailure()).getMessage())
                        .contains("aip.tenants-file", "does not exist"));
    }

    @Test
    void inlinePolicies_areEnforced() {
        runner.withPropertyValues("aip.emulator.enabled=true", "aip.profiles.routes.claude-haiku=" + HAIKU,
                        "aip.profiles.routes.nova-lite=us.amazon.nova-lite-v1:0",
                        "spring.ai.bedrock.converse.chat.options.model=claude-haiku",
                        "aip.tenants.acme.tier=premium",
                        "aip.policies.defaults.allowed-models[0]=claude-haiku",
                        "aip.policies.defaults.requests-per-minute=1",
                        "aip.policies.defaults.budget.usd=20.00",
                        "aip.policies.defaults.budget.period=day",
                        "aip.policies.tiers.premium.requests-per-minute=unlimited",
                        "aip.policies.tenants.trial.allowed-models[0]=nova-lite",
                        "aip.policies.tenants.trial.budget.period=window",
                        "aip.policies.tenants.trial.budget.usd=1.50",
                        "aip.policies.tenants.trial.budget.length=6h",
                        "aip.policies.tenants.trial.default-settings.max-tokens=256")
                .run(context -> {
                    assertThat(context).hasNotFailed().hasSingleBean(Governance.class);
                    TenantPolicy trial = context.getBean(PolicyStore.class).current()
                            .policyFor(TenantContext.of("trial"));
                    assertThat(trial.budget().amountUsd()).isEqualByComparingTo(new BigDecimal("1.50"));
                    assertThat(trial.defaultSettings().maxTokens()).isEqualTo(256);
                    ChatClient chat = context.getBean(ChatClient.Builder.class).build();

                    assertThat(ask(chat, "acme")).isNotBlank();
                    assertThat(ask(chat, "acme")).isNotBlank();                  // premium: no request limit
                    assertThat(ask(chat, "globex")).isNotBlank();
                    assertThatThrownBy(() -> ask(chat, "globex"))                // default: 1 per minute
                            .isInstanceOf(RateLimitExceededException.class);
                    assertThatThrownBy(() -> ask(chat, "trial"))                 // only nova-lite
                            .isInstanceOf(PolicyViolationException.class);
                    assertThat(context.getBean(BedrockEmulator.class).invocations()).hasSize(3);
                });
    }

    @Test
    void inlinePolicies_invalidOrBesideAPolicyFile_failStartUp(@TempDir Path dir) throws Exception {
        runner.withPropertyValues("aip.region=us-east-1", "aip.policies.defaults.requests-per-minute=lots")
                .run(context -> assertThat(StartupChecksTest.rootConfigurationException(
                        context.getStartupFailure()).getMessage())
                        .contains("aip.policies", "requestsPerMinute", "lots"));
        Path file = dir.resolve("policies.json");
        Files.writeString(file, "{\"defaults\": {\"requestsPerMinute\": 5}}", StandardCharsets.UTF_8);
        runner.withPropertyValues("aip.region=us-east-1", "aip.policy-file=" + file,
                        "aip.policies.defaults.requests-per-minute=5")
                .run(context -> assertThat(StartupChecksTest.rootConfigurationException(
                        context.getStartupFailure()).getMessage())
                        .contains("aip.policy-file", "aip.policies", "keep one"));
    }

    private static String ask(ChatClient chat, String tenant) {
        return chat.prompt().user("Hello").advisors(a -> a.param(TenantAdvisor.TENANT, tenant)).call().content();
    }

    private static void put(JarOutputStream jar, String name, String text) throws Exception {
        jar.putNextEntry(new JarEntry(name));
        OutputStream out = jar;
        out.write(text.getBytes(StandardCharsets.UTF_8));
        jar.closeEntry();
    }

}
