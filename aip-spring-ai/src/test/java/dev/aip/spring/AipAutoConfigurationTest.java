package dev.aip.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.PolicyViolationException;
import dev.aip.core.UnknownTenantException;
import dev.aip.core.bedrock.TenantRoutingInterceptor;
import dev.aip.core.governance.Governance;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.metering.Operation;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.ProfileBalancer;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.profile.StaticProfileResolver;
import dev.aip.core.profile.TenantProfileResolver;
import dev.aip.core.sink.InMemoryUsageAggregates;
import dev.aip.core.sink.JsonLinesLedger;
import dev.aip.core.sink.UsageSink;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.TenantScope;
import dev.aip.core.tenant.Tier;
import dev.aip.emulator.BedrockEmulator;
import dev.aip.emulator.InvocationRecord;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.bedrock.converse.BedrockProxyChatModel;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.bedrock.converse.autoconfigure.BedrockConverseProxyChatAutoConfiguration;
import org.springframework.ai.model.chat.client.autoconfigure.ChatClientAutoConfiguration;
import org.springframework.ai.model.tool.autoconfigure.ToolCallingAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import reactor.core.scheduler.Schedulers;
import software.amazon.awssdk.auth.credentials.AnonymousCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;

class AipAutoConfigurationTest {

    static final String HAIKU = "us.anthropic.claude-3-5-haiku-20241022-v1:0";
    static final String ARN = "arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/acmehaiku01";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(AipAutoConfiguration.class, AipSpringAiAutoConfiguration.class,
                    ToolCallingAutoConfiguration.class, BedrockConverseProxyChatAutoConfiguration.class,
                    ChatClientAutoConfiguration.class))
            .withPropertyValues("spring.ai.bedrock.aws.region=us-east-1");

    @Test
    void devModeEmulator_springAiChatModel_routesAndMetersPerTenant() {
        runner.withUserConfiguration(Records.class).withPropertyValues(
                "aip.emulator.enabled=true",
                "aip.profiles.routes.claude-haiku=" + HAIKU,
                "aip.tenants.acme.tier=premium",
                "aip.tenants.acme.attributes.plan=gold",
                "spring.ai.bedrock.converse.chat.options.model=claude-haiku")
            .run(context -> {
                assertThat(context).hasNotFailed();
                BedrockEmulator emulator = context.getBean(BedrockEmulator.class);
                assertThat(context.getBean(AipConnection.class).endpoint()).isEqualTo(emulator.endpoint());
                AipClientInterceptors aip = context.getBean(AipClientInterceptors.class);
                assertThat(aip.presentIn(context.getBean(BedrockRuntimeClient.class).serviceClientConfiguration()
                        .overrideConfiguration())).isTrue();
                assertThat(aip.presentIn(context.getBean(BedrockRuntimeAsyncClient.class)
                        .serviceClientConfiguration().overrideConfiguration())).isTrue();
                assertThat(context.getBean(ChatModel.class)).isInstanceOf(TenantAwareChatModel.class);
                assertThat(context).hasSingleBean(BedrockProxyChatModel.class);
                assertThat(context).doesNotHaveBean(Governance.class);

                ChatModel chat = context.getBean(ChatModel.class);
                TenantContext acme = context.getBean(TenantDirectory.class).contextOf(TenantId.of("acme"));
                String answer = TenantScope.get(acme, () -> chat.call("Hello"));

                assertThat(answer).isNotBlank();
                List<UsageRecord> records = context.getBean(Records.class).records;
                assertThat(records).singleElement().satisfies(r -> {
                    assertThat(r.tenant().value()).isEqualTo("acme");
                    assertThat(r.tier()).isEqualTo(Tier.PREMIUM);
                    assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
                    assertThat(r.requestedModel()).isEqualTo("claude-haiku");
                });
                InvocationRecord seen = emulator.invocations().get(0);
                assertThat(seen.profileArn()).isEqualTo(records.get(0).profileArn());
                assertThat(seen.requestMetadata()).containsEntry("tenantId", "acme").containsEntry("tier", "premium")
                        .containsEntry("plan", "gold");
                assertThat(seen.outputTokens()).isEqualTo(records.get(0).usage().outputTokens());
                assertThat(context.getBean(InMemoryUsageAggregates.class).snapshot(TenantId.of("acme")).calls())
                        .isEqualTo(1);

                // A stream subscribed on another thread, with no scope there: the tenant rides the Reactor context.
                List<String> streamed = chat.stream(new Prompt("Hello again"))
                        .contextWrite(c -> c.put(TenantAwareChatModel.TENANT_KEY, acme))
                        .subscribeOn(Schedulers.boundedElastic())
                        .map(r -> r.getResult() == null ? "" : r.getResult().getOutput().getText())
                        .collectList().block(Duration.ofSeconds(60));
                assertThat(String.join("", streamed)).isNotBlank();
                assertThat(records).hasSize(2);
                assertThat(records.get(1).operation()).isEqualTo(Operation.CONVERSE_STREAM);
                assertThat(records.get(1).tier()).isEqualTo(Tier.PREMIUM);
                assertThat(records.get(1).profileArn()).isEqualTo(records.get(0).profileArn());
                assertThatThrownBy(() -> chat.stream(new Prompt("Who am I?")).subscribeOn(Schedulers.boundedElastic())
                        .blockLast(Duration.ofSeconds(60))).isInstanceOf(UnknownTenantException.class);
                assertThat(emulator.invocations()).hasSize(2);
            });
    }

    @Test
    void chatClient_advisorAdmitsOncePerCall_andARefusalNeverReachesBedrock(@TempDir Path dir) throws Exception {
        Path policies = dir.resolve("policies.yaml");
        Files.writeString(policies, """
                defaults:
                  allowedModels: [claude-haiku]
                tenants:
                  trial:
                    allowedModels: [nova-lite]
                """, StandardCharsets.UTF_8);
        runner.withUserConfiguration(Records.class).withPropertyValues(
                "aip.emulator.enabled=true",
                "aip.profiles.routes.claude-haiku=" + HAIKU,
                "aip.policy-file=" + policies,
                "spring.ai.bedrock.converse.chat.options.model=claude-haiku")
            .run(context -> {
                assertThat(context).hasSingleBean(Governance.class).hasSingleBean(AdmissionGate.class);
                ChatClient chat = context.getBean(ChatClient.Builder.class).build();

                String answer = chat.prompt().user("Hello")
                        .advisors(a -> a.param(TenantAdvisor.TENANT, "globex")).call().content();
                assertThat(answer).isNotBlank();

                assertThatThrownBy(() -> chat.prompt().user("Hello")
                        .advisors(a -> a.param(TenantAdvisor.TENANT, "trial")).call().content())
                        .isInstanceOf(PolicyViolationException.class);

                List<UsageRecord> records = context.getBean(Records.class).records;
                assertThat(records).extracting(r -> r.tenant().value() + ":" + r.outcome())
                        .containsExactlyInAnyOrder("globex:SUCCESS", "trial:REJECTED_BY_POLICY");
                BedrockEmulator emulator = context.getBean(BedrockEmulator.class);
                assertThat(emulator.invocations()).singleElement()
                        .satisfies(i -> assertThat(i.requestMetadata()).containsEntry("tenantId", "globex")
                                .doesNotContainKey(TenantBridgeInterceptor.COVER_KEY));
                assertThat(context.getBean(AdmissionGate.class).openCovers()).isZero();
                assertThat(context.getBean(Governance.class).openPermits()).isZero();
            });
    }

    @Test
    void properties_bindTenantsFileStaticProfilesAndLedger(@TempDir Path dir) throws Exception {
        Path tenantsFile = dir.resolve("tenants.yaml");
        Files.writeString(tenantsFile, """
                globex:
                  tier: basic
                  profiles:
                    claude-haiku: arn:aws:bedrock:us-east-1:111122223333:application-inference-profile/globex01
                """, StandardCharsets.UTF_8);
        runner.withPropertyValues(
                "aip.region=us-east-1",
                "aip.tenants.acme.tier=premium",
                "aip.tenants.acme.profiles.claude-haiku=" + ARN + ", " + ARN.replace("acmehaiku01", "acmehaiku02"),
                "aip.profiles.balancer=least-loaded",
                "aip.tenants-file=" + tenantsFile,
                "aip.profiles.source-models.claude-haiku=anthropic.claude-3-5-haiku-20241022-v1:0",
                "aip.ledger.path=" + dir.resolve("usage.jsonl"),
                "aip.ledger.durability=sync", "aip.ledger.max-lag=50ms")
            .run(context -> {
                assertThat(context).hasNotFailed();
                TenantDirectory tenants = context.getBean(TenantDirectory.class);
                assertThat(tenants.tenants()).containsOnlyKeys(TenantId.of("acme"), TenantId.of("globex"));
                assertThat(tenants.contextOf(TenantId.of("globex")).tier()).isEqualTo(Tier.BASIC);
                assertThat(tenants.contextOf(TenantId.of("stranger")).tier()).isEqualTo(Tier.STANDARD);

                TenantProfileResolver resolver = context.getBean(TenantProfileResolver.class);
                assertThat(resolver).isInstanceOf(HintingResolver.class);
                assertThat(((HintingResolver) resolver).delegate()).isInstanceOf(StaticProfileResolver.class);
                ResolvedProfile acme = resolver.resolve(tenants.contextOf(TenantId.of("acme")), "claude-haiku");
                assertThat(acme.profileArn()).isEqualTo(ARN);
                assertThat(acme.sourceModelId()).isEqualTo("anthropic.claude-3-5-haiku-20241022-v1:0");
                assertThat(resolver.resolveAll(tenants.contextOf(TenantId.of("acme")), "claude-haiku"))
                        .extracting(ResolvedProfile::profileId).containsExactly("acmehaiku01", "acmehaiku02");
                assertThat(context).hasSingleBean(ProfileBalancer.class);
                assertThat(resolver.resolve(tenants.contextOf(TenantId.of("globex")), "claude-haiku").profileId())
                        .isEqualTo("globex01");
                // A tenant without a profile (and no default profile) is told which properties to set.
                assertThatThrownBy(() -> resolver.resolve(tenants.contextOf(TenantId.of("stranger")), "claude-haiku"))
                        .isInstanceOf(UnknownTenantException.class)
                        .hasMessageContaining("aip.tenants.stranger.profiles.claude-haiku")
                        .hasMessageContaining("aip.profiles.default-profiles.claude-haiku")
                        .hasMessageNotContaining("builder()");

                assertThat(context).hasSingleBean(JsonLinesLedger.class);
                assertThat(context.getBean(JsonLinesLedger.class).path()).isEqualTo(dir.resolve("usage.jsonl"));
                assertThat(context.getBean(JsonLinesLedger.class).durability())
                        .isEqualTo(JsonLinesLedger.Durability.SYNC);
                assertThat(context.getBean(AipConnection.class).region()).isEqualTo(Region.US_EAST_1);
                assertThat(context.getBean(AipConnection.class).endpoint()).isNull();
            });
    }

    @Test
    void userBeans_autoConfigurationBacksOff() {
        runner.withUserConfiguration(UserBeans.class).withPropertyValues("aip.region=us-east-1")
            .run(context -> {
                assertThat(context).hasNotFailed();
                assertThat(context.getBean(TenantProfileResolver.class)).isSameAs(UserBeans.RESOLVER);
                assertThat(context.getBean(BedrockRuntimeClient.class))
                        .isSameAs(context.getBean("userRuntimeClient"));
                assertThat(context).hasSingleBean(BedrockRuntimeClient.class);
                assertThat(context.getBean(UsageMeter.class)).isSameAs(context.getBean("userMeter"));
                // The interceptor is still built, from the user's resolver and meter, for the user to add.
                assertThat(context).hasSingleBean(TenantRoutingInterceptor.class);
            });
    }

    @Test
    void disabled_createsNothing() {
        runner.withPropertyValues("aip.enabled=false", "aip.region=us-east-1")
            .run(context -> assertThat(context).doesNotHaveBean(UsageMeter.class)
                    .doesNotHaveBean(AipClientInterceptors.class).doesNotHaveBean(TenantAwareChatModel.class));
    }

    @Test
    void configurationMetadata_describesTheProperties() throws Exception {
        String metadata = new String(AipAutoConfigurationTest.class.getResourceAsStream(
                "/META-INF/spring-configuration-metadata.json").readAllBytes(), StandardCharsets.UTF_8);
        assertThat(metadata).contains("\"aip.tenants-file\"", "\"aip.policy-file\"", "\"aip.emulator.enabled\"",
                "\"aip.ledger.path\"", "\"aip.ledger.durability\"", "\"aip.ledger.max-lag\"",
                "\"aip.profiles.strategy\"", "\"aip.tenant.jwt-claim\"",
                "\"aip.metrics.tenant-tag\"", "Start an in-process Bedrock emulator");
    }

    /** Collects every record the meter publishes. */
    @Configuration(proxyBeanMethods = false)
    static class Records implements UsageSink {
        final List<UsageRecord> records = new CopyOnWriteArrayList<>();

        @Override
        public void accept(UsageRecord record) {
            records.add(record);
        }
    }

    @Configuration(proxyBeanMethods = false)
    static class UserBeans {
        static final TenantProfileResolver RESOLVER = (tenant, model) -> new ResolvedProfile(tenant.id(), model,
                ARN, "acmehaiku01", "anthropic.claude-3-5-haiku-20241022-v1:0", "us-east-1", false);

        @Bean
        TenantProfileResolver userResolver() {
            return RESOLVER;
        }

        @Bean
        UsageMeter userMeter() {
            return UsageMeter.builder().region("us-east-1").sink(r -> { }).build();
        }

        @Bean
        BedrockRuntimeClient userRuntimeClient() {
            return BedrockRuntimeClient.builder().region(Region.US_EAST_1)
                    .credentialsProvider(AnonymousCredentialsProvider.create()).build();
        }
    }
}
