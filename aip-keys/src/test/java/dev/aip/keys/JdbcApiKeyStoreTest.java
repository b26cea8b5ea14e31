package dev.aip.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.ConfigurationException;
import dev.aip.core.tenant.TenantId;
import dev.aip.testkit.LocalPostgres;
import dev.aip.testkit.ManualClock;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class JdbcApiKeyStoreTest {

    private static final TenantId ACME = TenantId.of("acme");
    private static final TenantId GLOBEX = TenantId.of("globex");

    private final String schema = LocalPostgres.freshSchema();
    private final ManualClock clock = ManualClock.start();
    private final List<JdbcApiKeyStore> open = new ArrayList<>();

    /** A store that reads changes only when told to (no polling), so tests drive propagation themselves. */
    private JdbcApiKeyStore store() {
        JdbcApiKeyStore s = JdbcApiKeyStore.builder().jdbcUrl(LocalPostgres.url()).schema(schema).clock(clock)
                .refreshInterval(Duration.ZERO).build();
        open.add(s);
        return s;
    }

    @AfterEach
    void close() {
        open.forEach(JdbcApiKeyStore::close);
    }

    @Test
    void create_newKey_looksUpToItsTenantAndLimits() {
        JdbcApiKeyStore keys = store();

        IssuedKey issued = keys.create(ACME, "backend", null, new KeyLimits(60, 10_000));

        assertThat(issued.secret()).startsWith("aip-sk-" + issued.key().id() + "-").hasSize(63);
        assertThat(keys.lookup(issued.secret())).isEqualTo(new KeyLookup.Valid(issued.key()));
        assertThat(issued.key().tenant()).isEqualTo(ACME);
        assertThat(issued.key().limits()).isEqualTo(new KeyLimits(60, 10_000));
        assertThat(issued.toString()).doesNotContain(issued.secret());
    }

    @Test
    void create_twice_givesDistinctIdsAndSecrets() {
        JdbcApiKeyStore keys = store();

        IssuedKey a = keys.create(ACME, "a", null, KeyLimits.NONE);
        IssuedKey b = keys.create(ACME, "b", null, KeyLimits.NONE);

        assertThat(a.key().id()).isNotEqualTo(b.key().id());
        assertThat(a.secret().substring(20)).isNotEqualTo(b.secret().substring(20));
    }

    @Test
    void lookup_wrongSecretOfARealId_isUnknownNotRevokedOrExpired() {
        JdbcApiKeyStore keys = store();
        IssuedKey issued = keys.create(ACME, "backend", clock.instant().plusSeconds(60), KeyLimits.NONE);
        keys.revoke(issued.key().id());
        String forged = issued.secret().substring(0, 20) + "A".repeat(43);

        assertThat(keys.lookup(forged)).isEqualTo(new KeyLookup.Refused(KeyLookup.Reason.UNKNOWN));
        assertThat(keys.lookup("sk-something-else")).isEqualTo(new KeyLookup.Refused(KeyLookup.Reason.UNKNOWN));
        assertThat(keys.lookup(null)).isEqualTo(new KeyLookup.Refused(KeyLookup.Reason.UNKNOWN));
        assertThat(keys.lookup(issued.secret())).isEqualTo(new KeyLookup.Refused(KeyLookup.Reason.REVOKED));
    }

    @Test
    void create_storesOnlyTheHash_noColumnHoldsTheSecret() throws Exception {
        JdbcApiKeyStore keys = store();
        IssuedKey issued = keys.create(ACME, "backend", null, KeyLimits.NONE);
        IssuedKey rotated = keys.rotate(issued.key().id(), Duration.ofMinutes(5));
        String secretPart = issued.secret().substring(20);
        String rotatedPart = rotated.secret().substring(20);

        List<String> cells = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(LocalPostgres.url());
             Statement st = c.createStatement();
             ResultSet rs = st.executeQuery("SELECT * FROM " + schema + ".aip_api_keys")) {
            ResultSetMetaData meta = rs.getMetaData();
            while (rs.next()) {
                for (int i = 1; i <= meta.getColumnCount(); i++) {
                    byte[] raw = rs.getBytes(i);
                    if (raw != null) {
                        cells.add(new String(raw, StandardCharsets.ISO_8859_1));
                        cells.add(HexFormat.of().formatHex(raw));
                    }
                    String text = rs.getString(i);
                    if (text != null) {
                        cells.add(text);
                    }
                }
            }
        }

        assertThat(cells).isNotEmpty().allSatisfy(cell -> assertThat(cell)
                .doesNotContain(secretPart).doesNotContain(rotatedPart));
        assertThat(cells).contains(HexFormat.of().formatHex(KeySecrets.sha256(rotated.secret())));
    }

    @Test
    void lookup_afterExpiry_isExpired() {
        JdbcApiKeyStore keys = store();
        IssuedKey issued = keys.create(ACME, "trial", clock.instant().plus(Duration.ofDays(1)), KeyLimits.NONE);

        clock.advance(Duration.ofDays(1).minusSeconds(1));
        KeyLookup before = keys.lookup(issued.secret());
        clock.advance(Duration.ofSeconds(1));
        KeyLookup at = keys.lookup(issued.secret());

        assertThat(before).isInstanceOf(KeyLookup.Valid.class);
        assertThat(at).isEqualTo(new KeyLookup.Refused(KeyLookup.Reason.EXPIRED));
    }

    @Test
    void create_expiryNotInTheFuture_isRefused() {
        JdbcApiKeyStore keys = store();

        assertThatThrownBy(() -> keys.create(ACME, "x", clock.instant(), KeyLimits.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("in the future");
    }

    @Test
    void rotate_withGrace_oldSecretWorksUntilGraceEnds_newOneAfter() {
        JdbcApiKeyStore keys = store();
        IssuedKey old = keys.create(ACME, "backend", null, KeyLimits.NONE);

        IssuedKey rotated = keys.rotate(old.key().id(), Duration.ofMinutes(10));

        assertThat(rotated.key().id()).isEqualTo(old.key().id());
        assertThat(rotated.secret()).isNotEqualTo(old.secret());
        assertThat(keys.lookup(old.secret())).isInstanceOf(KeyLookup.Valid.class);
        assertThat(keys.lookup(rotated.secret())).isInstanceOf(KeyLookup.Valid.class);
        clock.advance(Duration.ofMinutes(10));
        assertThat(keys.lookup(old.secret())).isEqualTo(new KeyLookup.Refused(KeyLookup.Reason.UNKNOWN));
        assertThat(keys.lookup(rotated.secret())).isInstanceOf(KeyLookup.Valid.class);
    }

    @Test
    void rotate_withoutGrace_oldSecretStopsAtOnce() {
        JdbcApiKeyStore keys = store();
        IssuedKey old = keys.create(ACME, "backend", null, KeyLimits.NONE);

        IssuedKey rotated = keys.rotate(old.key().id(), Duration.ZERO);

        assertThat(keys.lookup(old.secret())).isEqualTo(new KeyLookup.Refused(KeyLookup.Reason.UNKNOWN));
        assertThat(keys.lookup(rotated.secret())).isInstanceOf(KeyLookup.Valid.class);
    }

    @Test
    void rotate_revokedKey_isRefusedWithWhatToDo() {
        JdbcApiKeyStore keys = store();
        IssuedKey issued = keys.create(ACME, "backend", null, KeyLimits.NONE);
        keys.revoke(issued.key().id());

        assertThatThrownBy(() -> keys.rotate(issued.key().id(), Duration.ZERO))
                .isInstanceOf(ApiKeyStoreException.class).hasMessageContaining("create a new key")
                .satisfies(e -> assertThat(((ApiKeyStoreException) e).retryable()).isFalse());
    }

    @Test
    void revokeAndRotate_unknownId_throwNotFound() {
        JdbcApiKeyStore keys = store();

        assertThatThrownBy(() -> keys.revoke("nosuchkey000")).isInstanceOf(ApiKeyNotFoundException.class)
                .hasMessageContaining("nosuchkey000");
        assertThatThrownBy(() -> keys.rotate("nosuchkey000", Duration.ZERO))
                .isInstanceOf(ApiKeyNotFoundException.class);
    }

    @Test
    void list_showsEveryKeyOrFilteredByTenant_withoutSecrets() {
        JdbcApiKeyStore keys = store();
        IssuedKey a = keys.create(ACME, "a", null, KeyLimits.NONE);
        clock.advance(Duration.ofSeconds(1));
        IssuedKey b = keys.create(GLOBEX, "b", null, new KeyLimits(5, 0));
        keys.revoke(a.key().id());

        List<ApiKey> all = keys.list(null);
        List<ApiKey> globex = keys.list(GLOBEX);

        assertThat(all).extracting(ApiKey::id).containsExactly(a.key().id(), b.key().id());
        assertThat(all.get(0).revoked()).isTrue();
        assertThat(globex).containsExactly(b.key());
    }

    @Test
    void revoke_seenByASecondInstanceAfterItsRefresh() {
        JdbcApiKeyStore replicaA = store();
        JdbcApiKeyStore replicaB = store();
        IssuedKey issued = replicaA.create(ACME, "backend", null, KeyLimits.NONE);
        assertThat(replicaB.lookup(issued.secret())).isEqualTo(new KeyLookup.Refused(KeyLookup.Reason.UNKNOWN));
        replicaB.refresh();
        assertThat(replicaB.lookup(issued.secret())).isInstanceOf(KeyLookup.Valid.class);

        replicaA.revoke(issued.key().id());
        KeyLookup beforeRefresh = replicaB.lookup(issued.secret());
        replicaB.refresh();

        assertThat(replicaA.lookup(issued.secret())).isEqualTo(new KeyLookup.Refused(KeyLookup.Reason.REVOKED));
        assertThat(beforeRefresh).isInstanceOf(KeyLookup.Valid.class);
        assertThat(replicaB.lookup(issued.secret())).isEqualTo(new KeyLookup.Refused(KeyLookup.Reason.REVOKED));
    }

    @Test
    void refresh_polling_revocationReachesASecondInstanceWithoutBeingAsked() throws Exception {
        JdbcApiKeyStore replicaA = store();
        JdbcApiKeyStore replicaB = JdbcApiKeyStore.builder().jdbcUrl(LocalPostgres.url()).schema(schema)
                .clock(clock).refreshInterval(Duration.ofMillis(100)).build();
        open.add(replicaB);
        IssuedKey issued = replicaA.create(ACME, "backend", null, KeyLimits.NONE);
        replicaA.revoke(issued.key().id());

        // Bounded wait for the poller; no assertion on how long it took.
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!(replicaB.lookup(issued.secret()) instanceof KeyLookup.Refused r
                && r.reason() == KeyLookup.Reason.REVOKED) && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }

        assertThat(replicaB.lookup(issued.secret())).isEqualTo(new KeyLookup.Refused(KeyLookup.Reason.REVOKED));
    }

    @Test
    void refresh_databaseGone_keepsServingLastKeys_keepsRevocations_andReportsStale() {
        String isolated = LocalPostgres.freshSchema();
        JdbcApiKeyStore writer = JdbcApiKeyStore.builder().jdbcUrl(LocalPostgres.url()).schema(isolated)
                .clock(clock).refreshInterval(Duration.ZERO).build();
        open.add(writer);
        IssuedKey kept = writer.create(ACME, "kept", null, KeyLimits.NONE);
        IssuedKey revoked = writer.create(ACME, "revoked", null, KeyLimits.NONE);
        writer.revoke(revoked.key().id());
        JdbcApiKeyStore replica = JdbcApiKeyStore.builder().jdbcUrl(LocalPostgres.url()).schema(isolated)
                .clock(clock).refreshInterval(Duration.ZERO).build();
        open.add(replica);
        assertThat(replica.health().stale()).isFalse();

        dropSchema(isolated);
        assertThatThrownBy(replica::refresh).isInstanceOf(ApiKeyStoreException.class)
                .satisfies(e -> assertThat(((ApiKeyStoreException) e).retryable()).isTrue());

        assertThat(replica.lookup(kept.secret())).isInstanceOf(KeyLookup.Valid.class);
        assertThat(replica.lookup(revoked.secret())).isEqualTo(new KeyLookup.Refused(KeyLookup.Reason.REVOKED));
        KeyStoreHealth health = replica.health();
        assertThat(health.stale()).isTrue();
        assertThat(health.keys()).isEqualTo(2);
        assertThat(health.lastFailure()).isNotBlank();
    }

    @Test
    void build_databaseUnreachable_startsEmptyAndStale() {
        JdbcApiKeyStore keys = JdbcApiKeyStore.builder().jdbcUrl(LocalPostgres.unreachableUrl())
                .connectTimeout(Duration.ofMillis(500)).refreshInterval(Duration.ZERO).build();
        open.add(keys);

        assertThat(keys.health().stale()).isTrue();
        assertThat(keys.health().lastRefresh()).isNull();
        assertThat(keys.lookup("aip-sk-abcdefghijkl-" + "A".repeat(43)))
                .isEqualTo(new KeyLookup.Refused(KeyLookup.Reason.UNKNOWN));
    }

    @Test
    void builder_badSettings_areRefusedWithTheirName() {
        assertThatThrownBy(() -> JdbcApiKeyStore.builder().jdbcUrl("jdbc:mysql://x/y"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("PostgreSQL");
        assertThatThrownBy(() -> JdbcApiKeyStore.builder().schema("Bad-Name"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("schema");
        assertThatThrownBy(() -> JdbcApiKeyStore.builder().refreshInterval(Duration.ofMillis(5)))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("refreshInterval");
        assertThatThrownBy(() -> JdbcApiKeyStore.builder().build())
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("jdbcUrl");
        assertThatThrownBy(() -> JdbcApiKeyStore.builder().clock(clock).clock(clock))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("already set");
    }

    private static void dropSchema(String name) {
        try (Connection c = DriverManager.getConnection(LocalPostgres.url());
             Statement st = c.createStatement()) {
            st.execute("DROP SCHEMA " + name + " CASCADE");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
