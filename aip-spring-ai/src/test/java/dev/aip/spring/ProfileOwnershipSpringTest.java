package dev.aip.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.aip.core.ProfileResolutionException;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.TenantScope;
import dev.aip.emulator.BedrockEmulator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.ai.bedrock.converse.BedrockChatOptions;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.bedrock.converse.autoconfigure.BedrockConverseProxyChatAutoConfiguration;
import org.springframework.ai.model.chat.client.autoconfigure.ChatClientAutoConfiguration;
import org.springframework.ai.model.tool.autoconfigure.ToolCallingAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/**
 * A Spring AI call naming a profile ARN as its model, in dev mode (the provisioning resolver on the emulator), with
 * and without governance: another tenant's profile is refused before anything reaches the emulator, with one
 * rejected record, through the ChatClient (advisor) and through the chat model alone (SDK interceptor); the tenant's
 * own profile is served.
 */
class ProfileOwnershipSpringTest {

    static final String HAIKU = "us.anthropic.claude-3-5-haiku-20241022-v1:0";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(AipAutoConfiguration.class, AipSpringAiAutoConfiguration.class,
                    ToolCallingAutoConfiguration.class, BedrockConverseProxyChatAutoConfiguration.class,
                    ChatClientAutoConfiguration.class))
            .withUserConfiguration(AipAutoConfigurationTest.Records.class)
            .withPropertyValues("spring.ai.bedrock.aws.region=us-east-1", "aip.emulator.enabled=true",
                    "aip.profiles.routes.claude-haiku=" + HAIKU,
                    "spring.ai.bedrock.converse.chat.options.model=claude-haiku");

    @ParameterizedTest(name = "governed={0}")
    @ValueSource(booleans = {false, true})
    void promptNamingAnotherTenantsProfileArn_isRefusedAndReachesNothing(boolean governed, @TempDir Path dir)
            throws Exception {
        Path policies = dir.resolve("policies.yaml");
        Files.writeString(policies, "defaults:\n  allowedModels: [\"*\"]\n", StandardCharsets.UTF_8);
        List<String> properties = new ArrayList<>();
        if (governed) {
            properties.add("aip.policy-file=" + policies);
        }
        runner.withPropertyValues(properties.toArray(String[]::new)).run(context -> {
            assertThat(context).hasNotFailed();
            BedrockEmulator emulator = context.getBean(BedrockEmulator.class);
            List<UsageRecord> records = context.getBean(AipAutoConfigurationTest.Records.class).records;
            ChatClient chat = context.getBean(ChatClient.Builder.class).build();
            ChatModel model = context.getBean(ChatModel.class);
            TenantContext acme = context.getBean(TenantDirectory.class).contextOf(TenantId.of("acme"));

            // Both tenants have used the application: each has its own profile, created on first use.
            assertThat(chat.prompt().user("Hello").advisors(a -> a.param(TenantAdvisor.TENANT, "globex")).call()
                    .content()).isNotBlank();
            assertThat(chat.prompt().user("Hello").advisors(a -> a.param(TenantAdvisor.TENANT, "acme")).call()
                    .content()).isNotBlank();
            String globexArn = records.get(0).profileArn();
            String acmeArn = records.get(1).profileArn();
            assertThat(globexArn).isNotEqualTo(acmeArn).contains(":application-inference-profile/");
            BedrockChatOptions globexProfile = BedrockChatOptions.builder().model(globexArn).build();
            records.clear();
            int before = emulator.invocations().size();

            Throwable advised = catchThrowable(() -> chat.prompt().options(globexProfile).user("Hello")
                    .advisors(a -> a.param(TenantAdvisor.TENANT, "acme")).call().content());
            Throwable streamed = catchThrowable(() -> chat.prompt().options(globexProfile).user("Hello")
                    .advisors(a -> a.param(TenantAdvisor.TENANT, "acme")).stream().content()
                    .blockLast(Duration.ofSeconds(30)));
            Throwable direct = catchThrowable(() -> TenantScope.get(acme, () -> model.call(
                    new Prompt("Hello", globexProfile))));

            for (Throwable refused : List.of(advised, streamed, direct)) {
                assertThat(causeOfType(refused)).isInstanceOfSatisfying(ProfileResolutionException.class, e -> {
                    assertThat(e.tenant()).contains(TenantId.of("acme"));
                    assertThat(e.getMessage()).contains(globexArn);
                });
            }
            assertThat(emulator.invocations()).hasSize(before);
            assertThat(records).hasSize(3).allSatisfy(r -> {
                assertThat(r.tenant()).isEqualTo(TenantId.of("acme"));
                assertThat(r.outcome()).isEqualTo(Outcome.REJECTED_BY_POLICY);
                assertThat(r.errorCode()).isEqualTo("ProfileResolutionException");
                assertThat(r.requestedModel()).isEqualTo(globexArn);
            });
            records.clear();

            String own = chat.prompt().options(BedrockChatOptions.builder().model(acmeArn).build()).user("Hello")
                    .advisors(a -> a.param(TenantAdvisor.TENANT, "acme")).call().content();

            assertThat(own).isNotBlank();
            assertThat(emulator.invocations()).hasSize(before + 1);
            assertThat(emulator.invocations().get(before).profileArn()).isEqualTo(acmeArn);
            assertThat(records).singleElement().satisfies(r -> {
                assertThat(r.tenant()).isEqualTo(TenantId.of("acme"));
                assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
                assertThat(r.profileArn()).isEqualTo(acmeArn);
                assertThat(r.cost().isPriced()).isTrue();
            });
        });
    }

    /** The refusal, however Spring AI or Reactor wrapped it on its way out. */
    private static Throwable causeOfType(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ProfileResolutionException) {
                return c;
            }
        }
        return t;
    }
}
