package dev.aip.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.metering.UsageRecord;
import dev.aip.core.sink.UsageSink;
import dev.aip.core.tenant.TenantId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The README's "Testing your integration" code, exactly as printed there (ReadmeSnippetsTest in aip-core checks
 * it): the fixture registered as shown, and the contract subclass as shown, run against a sink an application might
 * write (rows in a database, a map here).
 */
class ReadmeTestkitTest {

    /** An application's own sink: one row per record in its warehouse. Thread-safe. */
    static final class WarehouseSink implements UsageSink {
        private final Map<TenantId, List<UsageRecord>> database;

        WarehouseSink(Map<TenantId, List<UsageRecord>> database) {
            this.database = database;
        }

        @Override
        public void accept(UsageRecord record) {
            database.computeIfAbsent(record.tenant(), t -> new CopyOnWriteArrayList<>()).add(record);
        }

        long rows(TenantId tenant) {
            return database.getOrDefault(tenant, List.of()).size();
        }

        long outputTokens(TenantId tenant) {
            return database.getOrDefault(tenant, List.of()).stream().mapToLong(r -> r.usage().outputTokens()).sum();
        }
    }

    /** A fresh, empty database for each sink the contract makes. */
    static Map<TenantId, List<UsageRecord>> testDatabase() {
        return new ConcurrentHashMap<>();
    }

    // --- as in the README ---
    @RegisterExtension
    static final EmulatorFixture BEDROCK = EmulatorFixture.builder().tenants("acme", "globex").build();

    class WarehouseSinkContractTest extends UsageSinkContract<WarehouseSink> {
        @Override protected WarehouseSink newSink() { return new WarehouseSink(testDatabase()); }
        @Override protected Optional<Tally> tally(WarehouseSink sink, TenantId tenant) {
            return Optional.of(new Tally(sink.rows(tenant), sink.outputTokens(tenant)));
        }
    }
    // --- end ---

    /** The README's contract test, run as JUnit runs a nested class. */
    @Nested
    class AsPrinted extends WarehouseSinkContractTest {
    }

    @Test
    void fixture_registeredAsPrinted_givesEachTenantItsOwnProfile() {
        assertThat(BEDROCK.profileArn("acme")).contains(":application-inference-profile/");
        assertThat(BEDROCK.profileArn("globex")).contains(":application-inference-profile/")
                .isNotEqualTo(BEDROCK.profileArn("acme"));
    }
}
