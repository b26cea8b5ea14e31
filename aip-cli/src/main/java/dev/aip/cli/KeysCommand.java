package dev.aip.cli;

import dev.aip.core.ConfigurationException;
import dev.aip.core.InvalidTenantIdException;
import dev.aip.core.tenant.TenantId;
import dev.aip.keys.ApiKey;
import dev.aip.keys.ApiKeyNotFoundException;
import dev.aip.keys.IssuedKey;
import dev.aip.keys.JdbcApiKeyStore;
import dev.aip.keys.KeyLimits;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code aip keys}: the gateway's API keys in PostgreSQL (the store every gateway replica reads). A key is printed
 * once, on standard output, by {@code create} and {@code rotate}; the store keeps only its hash.
 *
 * <pre>{@code
 * aip keys create --jdbc-url jdbc:postgresql://db:5432/aip --tenant acme --name backend --requests-per-minute 600
 * aip keys list   --jdbc-url ... [--tenant acme]
 * aip keys rotate --jdbc-url ... KEY_ID [--grace 1h]
 * aip keys revoke --jdbc-url ... KEY_ID
 * }</pre>
 */
@Command(name = "keys", mixinStandardHelpOptions = true,
        description = "The gateway's API keys in PostgreSQL: create, list, rotate, revoke.",
        subcommands = {KeysCommand.Create.class, KeysCommand.ListKeys.class, KeysCommand.Rotate.class,
            KeysCommand.Revoke.class})
final class KeysCommand extends GroupCommand {

    /** Where the keys are: the options every {@code aip keys} command takes. */
    static final class StoreOptions {

        @Option(names = "--jdbc-url", paramLabel = "URL", required = true,
                description = "The PostgreSQL database (jdbc:postgresql://host:5432/db); the same as the gateway's"
                        + " aip.gateway.key-store.jdbc-url.")
        String jdbcUrl;

        @Option(names = "--username", paramLabel = "USER", description = "The database user (else the URL's).")
        String username;

        @Option(names = "--schema", paramLabel = "NAME",
                description = "The schema of the keys' table (the gateway's aip.gateway.key-store.schema).")
        String schema;
    }

    /** The common part of the leaf commands: opens the store, runs, closes it. */
    abstract static class KeysSubcommand extends Subcommand {

        @Mixin
        StoreOptions store;

        /** The clock that stamps changes and judges expiry; tests replace it. */
        Clock clock = Clock.systemUTC();

        /** Does the work on an open store. */
        abstract int run(JdbcApiKeyStore keys);

        @Override
        final int execute() {
            JdbcApiKeyStore.Builder b;
            try {
                b = JdbcApiKeyStore.builder().jdbcUrl(store.jdbcUrl).clock(clock).refreshInterval(Duration.ZERO);
                if (store.username != null) {
                    b.username(store.username);
                }
                // The password from the environment, never from the command line (which others can see).
                String password = ((AipCommand) spec.root().userObject()).env.apply("PGPASSWORD");
                if (password != null) {
                    b.password(password);
                }
                if (store.schema != null) {
                    b.schema(store.schema);
                }
            } catch (ConfigurationException e) {
                throw CliException.usage(e.getMessage(), e);
            }
            try (JdbcApiKeyStore keys = b.build()) {
                if (keys.health().lastFailure() != null) {
                    throw CliException.failure("cannot reach the key store at " + store.jdbcUrl + ": "
                            + keys.health().lastFailure());
                }
                return run(keys);
            } catch (ApiKeyNotFoundException e) {
                throw CliException.usage(e.getMessage(), e);
            }
        }

        static String describe(ApiKey k, Instant now) {
            return k.revoked() ? "revoked" : k.expiredAt(now) ? "expired" : "active";
        }
    }

    /** {@code aip keys create}. */
    @Command(name = "create", mixinStandardHelpOptions = true,
            description = {"Create a key for a tenant and print it once on standard output: store it now, it cannot"
                    + " be shown again."})
    static final class Create extends KeysSubcommand {

        @Option(names = "--tenant", paramLabel = "ID", required = true, description = "The tenant the key calls for.")
        String tenant;

        @Option(names = "--name", paramLabel = "TEXT", description = "A label: what or who the key is for"
                + " (default: the tenant).")
        String name;

        @Option(names = "--expires", paramLabel = "ISO",
                description = "When the key stops working: an instant (2027-01-31T00:00:00Z) or a date (UTC).")
        String expires;

        @Option(names = "--requests-per-minute", paramLabel = "N", defaultValue = "0",
                description = "The key's own request limit (default 0: none).")
        long requestsPerMinute;

        @Option(names = "--tokens-per-minute", paramLabel = "N", defaultValue = "0",
                description = "The key's own token limit, input plus output (default 0: none).")
        long tokensPerMinute;

        @Override
        int run(JdbcApiKeyStore keys) {
            TenantId id;
            KeyLimits limits;
            try {
                id = TenantId.of(tenant);
                limits = new KeyLimits(requestsPerMinute, tokensPerMinute);
            } catch (InvalidTenantIdException | IllegalArgumentException e) {
                throw CliException.usage(e.getMessage(), e);
            }
            Instant expiry = expires == null ? null : instant(expires);
            IssuedKey issued;
            try {
                issued = keys.create(id, name == null ? tenant : name, expiry, limits);
            } catch (IllegalArgumentException e) {
                throw CliException.usage(e.getMessage(), e);
            }
            out().println(issued.secret());
            out().flush();
            err().println("aip: created key " + issued.key().id() + " for tenant " + tenant
                    + "; it is shown only this once");
            err().flush();
            return AipCommand.EXIT_OK;
        }

        private static Instant instant(String text) {
            try {
                return Instant.parse(text);
            } catch (DateTimeParseException notInstant) {
                try {
                    return LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant();
                } catch (DateTimeParseException notDate) {
                    throw CliException.usage("--expires needs an ISO-8601 instant (2027-01-31T00:00:00Z) or date"
                            + " (2027-01-31), got '" + text + "'");
                }
            }
        }
    }

    /** {@code aip keys list}. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"List the keys (never their secrets), oldest first, revoked ones included."})
    static final class ListKeys extends KeysSubcommand {

        @Option(names = "--tenant", paramLabel = "ID", description = "Only this tenant's keys.")
        String tenant;

        @Override
        int run(JdbcApiKeyStore keys) {
            TenantId only;
            try {
                only = tenant == null ? null : TenantId.of(tenant);
            } catch (InvalidTenantIdException | IllegalArgumentException e) {
                throw CliException.usage("--tenant: " + e.getMessage(), e);
            }
            List<ApiKey> all = keys.list(only);
            Instant now = clock.instant();
            TextTable table = new TextTable("ID", "TENANT", "NAME", "STATUS", "CREATED", "EXPIRES",
                    ">REQ/MIN", ">TOK/MIN");
            for (ApiKey k : all) {
                table.row(k.id(), k.tenant().value(), k.name(), describe(k, now), k.createdAt(),
                        k.expiresAt() == null ? "-" : k.expiresAt(), limit(k.limits().requestsPerMinute()),
                        limit(k.limits().tokensPerMinute()));
            }
            table.print(out(), "");
            out().flush();
            return AipCommand.EXIT_OK;
        }

        private static String limit(long n) {
            return n == 0 ? "-" : Long.toString(n);
        }
    }

    /** {@code aip keys rotate}. */
    @Command(name = "rotate", mixinStandardHelpOptions = true,
            description = {"Give a key a new secret and print it once on standard output; the old secret keeps"
                    + " working for --grace."})
    static final class Rotate extends KeysSubcommand {

        @Parameters(paramLabel = "KEY_ID", description = "The key's id (see aip keys list).")
        String keyId;

        @Option(names = "--grace", paramLabel = "DURATION", defaultValue = "0s",
                description = "How long the old secret keeps working: 0s, 90s, 15m, 2h, 1d or ISO-8601 (PT15M);"
                        + " default ${DEFAULT-VALUE}.")
        String grace;

        @Override
        int run(JdbcApiKeyStore keys) {
            IssuedKey issued = keys.rotate(keyId, duration(grace));
            out().println(issued.secret());
            out().flush();
            err().println("aip: rotated key " + keyId + "; the new secret is shown only this once"
                    + (issued.key().previousValidUntil() == null ? "; the old one no longer works"
                    : "; the old one works until " + issued.key().previousValidUntil()));
            err().flush();
            return AipCommand.EXIT_OK;
        }

        static Duration duration(String text) {
            String t = text.trim().toLowerCase(Locale.ROOT);
            try {
                if (t.startsWith("p")) {
                    return Duration.parse(t.toUpperCase(Locale.ROOT));
                }
                long n = Long.parseLong(t.substring(0, t.length() - 1));
                Duration d = switch (t.charAt(t.length() - 1)) {
                    case 's' -> Duration.ofSeconds(n);
                    case 'm' -> Duration.ofMinutes(n);
                    case 'h' -> Duration.ofHours(n);
                    case 'd' -> Duration.ofDays(n);
                    default -> throw new NumberFormatException();
                };
                if (d.isNegative()) {
                    throw new NumberFormatException();
                }
                return d;
            } catch (RuntimeException e) {
                throw CliException.usage("--grace needs a duration such as 0s, 90s, 15m, 2h, 1d or PT15M, got '"
                        + text + "'");
            }
        }
    }

    /** {@code aip keys revoke}. */
    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = {"Revoke a key for good; every gateway replica refuses it after its next refresh"
                    + " (2 s by default)."})
    static final class Revoke extends KeysSubcommand {

        @Parameters(paramLabel = "KEY_ID", description = "The key's id (see aip keys list).")
        String keyId;

        @Override
        int run(JdbcApiKeyStore keys) {
            ApiKey k = keys.revoke(keyId);
            out().println("aip: revoked key " + k.id() + " of tenant " + k.tenant().value() + " at " + k.revokedAt());
            out().flush();
            return AipCommand.EXIT_OK;
        }
    }
}
