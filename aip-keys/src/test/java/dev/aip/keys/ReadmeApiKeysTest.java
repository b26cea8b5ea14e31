package dev.aip.keys;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.tenant.TenantId;
import dev.aip.testkit.LocalPostgres;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The README's API key store example, exactly as printed there (ReadmeSnippetsTest checks it). */
@Timeout(120)
class ReadmeApiKeysTest {

    @Test
    void readmeExample_keyCreatedThenRevoked_isValidThenRefused() throws Exception {
        String schema = LocalPostgres.freshSchema();
        try (Connection c = DriverManager.getConnection(LocalPostgres.url()); Statement s = c.createStatement()) {
            s.execute("CREATE SCHEMA " + schema);
        }
        String jdbcUrl = LocalPostgres.url() + (LocalPostgres.url().contains("?") ? "&" : "?") + "currentSchema="
                + schema;
        String user = "postgres";      // the test server trusts loopback connections; AIP_PG_URL carries its own
        String secret = "unused";
        // --- as in the README ---
        JdbcApiKeyStore keys = JdbcApiKeyStore.builder()
                .jdbcUrl(jdbcUrl).username(user).password(secret)   // or .dataSource(pool); .schema(name) of its own
                .refreshInterval(Duration.ofSeconds(2))             // how soon a change made elsewhere is seen
                .build();
        IssuedKey issued = keys.create(TenantId.of("acme"), "acme backend", null, new KeyLimits(600, 200_000));
        String shownOnce = issued.secret();                        // aip-sk-<id>-<secret>; only its hash is kept
        KeyLookup found = keys.lookup(shownOnce);                  // from memory, never a database round trip
        keys.revoke(issued.key().id());                            // every replica refuses it after its next refresh
        // --- end ---
        try (keys) {
            assertThat(found).isEqualTo(new KeyLookup.Valid(issued.key()));
            assertThat(keys.lookup(shownOnce)).isEqualTo(new KeyLookup.Refused(KeyLookup.Reason.REVOKED));
        }
    }
}
