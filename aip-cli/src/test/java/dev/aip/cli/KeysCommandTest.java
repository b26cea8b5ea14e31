package dev.aip.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.keys.JdbcApiKeyStore;
import dev.aip.keys.KeyLimits;
import dev.aip.keys.KeyLookup;
import dev.aip.testkit.LocalPostgres;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(120)
class KeysCommandTest {

    private String url;
    private String schema;
    private JdbcApiKeyStore gateway;

    @BeforeEach
    void setUp() {
        url = LocalPostgres.url();
        schema = LocalPostgres.freshSchema();
    }

    @AfterEach
    void tearDown() {
        if (gateway != null) {
            gateway.close();
        }
    }

    /** What a gateway replica sees: the same store, refreshed when the test says. */
    private JdbcApiKeyStore gateway() {
        if (gateway == null) {
            gateway = JdbcApiKeyStore.builder().jdbcUrl(url).schema(schema).refreshInterval(Duration.ZERO).build();
        }
        gateway.refresh();
        return gateway;
    }

    private CliRun.Result keys(String... args) {
        String[] all = new String[args.length + 4];
        System.arraycopy(args, 0, all, 0, args.length);
        all[args.length] = "--jdbc-url";
        all[args.length + 1] = url;
        all[args.length + 2] = "--schema";
        all[args.length + 3] = schema;
        return CliRun.run(all);
    }

    @Test
    void create_printsTheKeyOnce_andTheGatewayAcceptsIt() {
        CliRun.Result run = keys("keys", "create", "--tenant", "acme", "--name", "backend",
                "--requests-per-minute", "600", "--tokens-per-minute", "100000");

        assertThat(run.exitCode()).as(run.err()).isZero();
        String key = run.out().strip();
        assertThat(key).startsWith("aip-sk-").hasSize(63);
        assertThat(run.error()).contains("created key " + key.substring(7, 19)).contains("shown only this once")
                .doesNotContain(key);
        KeyLookup found = gateway().lookup(key);
        assertThat(found).isInstanceOf(KeyLookup.Valid.class);
        assertThat(((KeyLookup.Valid) found).key().limits()).isEqualTo(new KeyLimits(600, 100_000));
    }

    @Test
    void list_showsKeysAndStatus_neverASecret() {
        String key = keys("keys", "create", "--tenant", "acme", "--name", "backend").out().strip();
        String other = keys("keys", "create", "--tenant", "globex", "--expires", "2099-01-01").out().strip();
        keys("keys", "revoke", key.substring(7, 19));

        CliRun.Result all = keys("keys", "list");
        CliRun.Result globex = keys("keys", "list", "--tenant", "globex");

        assertThat(all.exitCode()).as(all.err()).isZero();
        assertThat(all.out()).contains("ID", "TENANT", "STATUS", key.substring(7, 19), "revoked",
                other.substring(7, 19), "active", "2099-01-01T00:00:00Z");
        assertThat(all.out()).doesNotContain(key.substring(20)).doesNotContain(other.substring(20));
        assertThat(globex.out()).contains(other.substring(7, 19)).doesNotContain(key.substring(7, 19));
    }

    @Test
    void rotate_printsANewKey_oldOneStopsWithoutGrace() {
        String old = keys("keys", "create", "--tenant", "acme").out().strip();

        CliRun.Result run = keys("keys", "rotate", old.substring(7, 19));

        assertThat(run.exitCode()).as(run.err()).isZero();
        String fresh = run.out().strip();
        assertThat(fresh).startsWith(old.substring(0, 20)).isNotEqualTo(old);
        assertThat(gateway().lookup(fresh)).isInstanceOf(KeyLookup.Valid.class);
        assertThat(gateway().lookup(old)).isEqualTo(new KeyLookup.Refused(KeyLookup.Reason.UNKNOWN));
    }

    @Test
    void rotate_withGrace_oldOneStillWorks() {
        String old = keys("keys", "create", "--tenant", "acme").out().strip();

        CliRun.Result run = keys("keys", "rotate", old.substring(7, 19), "--grace", "15m");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.error()).contains("the old one works until");
        assertThat(gateway().lookup(old)).isInstanceOf(KeyLookup.Valid.class);
    }

    @Test
    void revoke_gatewayRefusesTheKeyAfterItsRefresh() {
        String key = keys("keys", "create", "--tenant", "acme").out().strip();
        assertThat(gateway().lookup(key)).isInstanceOf(KeyLookup.Valid.class);

        CliRun.Result run = keys("keys", "revoke", key.substring(7, 19));

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("revoked key " + key.substring(7, 19) + " of tenant acme");
        assertThat(gateway().lookup(key)).isEqualTo(new KeyLookup.Refused(KeyLookup.Reason.REVOKED));
    }

    @Test
    void badInput_isAUsageErrorOnOneLine() {
        CliRun.Result unknown = keys("keys", "revoke", "nosuchkey000");
        CliRun.Result badTenant = keys("keys", "create", "--tenant", "Not A Tenant!");
        CliRun.Result badGrace = keys("keys", "rotate", "abcdefghijkl", "--grace", "soon");
        CliRun.Result badExpiry = keys("keys", "create", "--tenant", "acme", "--expires", "tomorrow");
        CliRun.Result noUrl = CliRun.run("keys", "list");

        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.error()).contains("nosuchkey000").contains("aip keys list");
        assertThat(badTenant.exitCode()).isEqualTo(2);
        assertThat(badGrace.exitCode()).isEqualTo(2);
        assertThat(badGrace.error()).contains("--grace");
        assertThat(badExpiry.exitCode()).isEqualTo(2);
        assertThat(badExpiry.error()).contains("--expires");
        assertThat(noUrl.exitCode()).isEqualTo(2);
        assertThat(noUrl.error()).contains("--jdbc-url");
    }

    @Test
    void unreachableDatabase_isAFailureNamingIt() {
        CliRun.Result run = CliRun.run("keys", "list", "--jdbc-url", LocalPostgres.unreachableUrl());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.error()).startsWith("aip: cannot reach the key store at").doesNotContain("\n");
    }

    @Test
    void help_onEveryKeysCommand_succeeds() {
        for (String[] args : new String[][] {{"keys", "--help"}, {"keys", "create", "--help"},
            {"keys", "list", "--help"}, {"keys", "rotate", "--help"}, {"keys", "revoke", "--help"}}) {
            CliRun.Result run = CliRun.run(args);
            assertThat(run.exitCode()).as(String.join(" ", args)).isZero();
            assertThat(run.out()).as(String.join(" ", args)).startsWith("Usage: aip keys");
        }
    }
}
