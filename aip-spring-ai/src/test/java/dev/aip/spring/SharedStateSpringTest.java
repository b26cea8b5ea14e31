package dev.aip.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.RateLimitExceededException;
import dev.aip.core.metering.UsageRecord;
import dev.aip.governance.redis.RedisGovernanceState;
import dev.aip.ledger.jdbc.JdbcLedger;
import dev.aip.testkit.LocalPostgres;
import dev.aip.testkit.LocalRedis;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.ds.PGSimpleDataSource;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.model.bedrock.converse.autoconfigure.BedrockConverseProxyChatAutoConfiguration;
import org.springframework.ai.model.chat.client.autoconfigure.ChatClientAutoConfiguration;
import org.springframework.ai.model.tool.autoconfigure.ToolCallingAutoConfiguration;
import org.springframework.boot.actuate.health.HealthIndicator;
import org.springframework.boot.actuate.health.Status;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

/** Two application contexts (replicas) on one Redis and one PostgreSQL, configured by properties alone. */
class SharedStateSpringTest {

    static final String HAIKU = "us.anthropic.claude-3-5-haiku-20241022-v1:0";

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(AipSharedStateAutoConfiguration.class,
                    AipAutoConfiguration.class, AipSpringAiAutoConfiguration.class,
                    ToolCallingAutoConfiguration.class, BedrockConverseProxyChatAutoConfiguration.class,
                    ChatClientAutoConfiguration.class))
            .withPropertyValues("spring.ai.bedrock.aws.region=us-east-1", "aip.emulator.enabled=true",
                    "aip.profiles.routes.claude-haiku=" + HAIKU,
                    "spring.ai.bedrock.converse.chat.options.model=claude-haiku");

    @Test
    void redisUri_twoReplicas_shareOneRateLimit() {
        String prefix = "spring" + System.nanoTime();
        ApplicationContextRunner replica = runner.withPropertyValues("aip.redis.uri=" + LocalRedis.url(),
                "aip.redis.key-prefix=" + prefix, "aip.policies.defaults.requests-per-minute=3");
        replica.run(a -> replica.run(b -> {
            assertThat(a).hasNotFailed().hasSingleBean(RedisGovernanceState.class);
            assertThat(b).hasNotFailed().hasSingleBean(RedisGovernanceState.class);
            List<ChatClient> replicas = List.of(a.getBean(ChatClient.Builder.class).build(),
                    b.getBean(ChatClient.Builder.class).build());
            int answered = 0;
            int refused = 0;
            for (int i = 0; i < 8; i++) {
                try {
                    ask(replicas.get(i % 2), "acme");
                    answered++;
                } catch (RateLimitExceededException e) {
                    refused++;
                }
            }
            // One limit of 3 per minute for both replicas: per-replica state would have answered 6.
            assertThat(answered).isEqualTo(3);
            assertThat(refused).isEqualTo(5);
        }));
    }

    @Test
    void jdbcUrl_twoReplicas_writeOneLedger(@TempDir Path dir) {
        String schema = LocalPostgres.freshSchema();
        ApplicationContextRunner replica = runner.withPropertyValues("aip.ledger.jdbc.url=" + LocalPostgres.url(),
                "aip.ledger.jdbc.schema=" + schema);
        Instant start = Instant.now().minusSeconds(1);
        replica.withPropertyValues("aip.ledger.jdbc.spool=" + dir.resolve("a.jsonl")).run(a -> {
            assertThat(a).hasNotFailed().hasSingleBean(JdbcLedger.class);
            ChatClient chat = a.getBean(ChatClient.Builder.class).build();
            ask(chat, "acme");
            ask(chat, "globex");
            assertThat(a.getBean("aipLedgerJdbcHealthIndicator", HealthIndicator.class).health().getStatus())
                    .isEqualTo(Status.UP);
        });
        replica.withPropertyValues("aip.ledger.jdbc.spool=" + dir.resolve("b.jsonl")).run(b -> {
            assertThat(b).hasNotFailed();
            ask(b.getBean(ChatClient.Builder.class).build(), "acme");
        });

        PGSimpleDataSource db = new PGSimpleDataSource();
        db.setURL(LocalPostgres.url() + "&currentSchema=" + schema);
        try (Stream<UsageRecord> records = JdbcLedger.read(db, start, Instant.now().plusSeconds(60))) {
            assertThat(records.map(r -> r.tenant().value()).sorted().toList())
                    .containsExactly("acme", "acme", "globex");
        }
    }

    @Test
    void jdbcDurabilitySync_callReturnsOnlyOnceItsRecordIsCommitted(@TempDir Path dir) {
        String schema = LocalPostgres.freshSchema();
        PGSimpleDataSource db = new PGSimpleDataSource();
        db.setURL(LocalPostgres.url() + "&currentSchema=" + schema);
        Instant start = Instant.now().minusSeconds(1);
        runner.withPropertyValues("aip.ledger.jdbc.url=" + LocalPostgres.url(), "aip.ledger.jdbc.schema=" + schema,
                "aip.ledger.jdbc.spool=" + dir.resolve("a.jsonl"), "aip.ledger.jdbc.durability=sync").run(a -> {
            assertThat(a).hasNotFailed();
            ChatClient chat = a.getBean(ChatClient.Builder.class).build();
            ask(chat, "acme");
            JdbcLedger ledger = a.getBean(JdbcLedger.class);
            ledger.flush(); // the first record may have outwaited the schema's migration on a cold JVM
            long unconfirmed = ledger.unconfirmedRecords();
            for (int i = 2; i <= 4; i++) {
                ask(chat, "acme");
                // No flush: the record is in the table because the call waited for its commit.
                try (Stream<UsageRecord> records = JdbcLedger.read(db, start, Instant.now().plusSeconds(60))) {
                    assertThat(records.count()).isEqualTo(i);
                }
            }
            assertThat(ledger.unconfirmedRecords()).isEqualTo(unconfirmed);
        });
    }

    @Test
    void sharedStateProperties_withoutTheirModule_failStartUpNamingTheDependency() {
        runner.withClassLoader(new FilteredClassLoader(RedisGovernanceState.class))
                .withPropertyValues("aip.redis.uri=redis://127.0.0.1:1")
                .run(context -> assertThat(StartupChecksTest.rootConfigurationException(
                        context.getStartupFailure()).getMessage())
                        .contains("aip.redis.uri", "dev.aip:aip-governance-redis"));
        runner.withClassLoader(new FilteredClassLoader(JdbcLedger.class))
                .withPropertyValues("aip.ledger.jdbc.url=jdbc:postgresql://127.0.0.1:1/aip")
                .run(context -> assertThat(StartupChecksTest.rootConfigurationException(
                        context.getStartupFailure()).getMessage())
                        .contains("aip.ledger.jdbc.url", "dev.aip:aip-ledger-jdbc"));
    }

    @Test
    void malformedRedisUri_failsStartUpNamingTheProperty() {
        runner.withPropertyValues("aip.redis.uri=not a uri")
                .run(context -> assertThat(StartupChecksTest.rootConfigurationException(
                        context.getStartupFailure()).getMessage())
                        .contains("aip.redis", "not a uri"));
    }

    private static String ask(ChatClient chat, String tenant) {
        return chat.prompt().user("Hello").advisors(a -> a.param(TenantAdvisor.TENANT, tenant)).call().content();
    }
}
