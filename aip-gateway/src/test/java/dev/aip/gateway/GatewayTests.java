package dev.aip.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.metering.UsageRecord;
import dev.aip.core.sink.UsageSink;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;

/** What the gateway tests share: API keys (tenant {@code t} has the key {@code sk-test-t}) and bounded waits. */
final class GatewayTests {

    private GatewayTests() {
    }

    /** The key of a tenant. */
    static String key(String tenant) {
        return "sk-test-" + tenant;
    }

    /** Registers {@code aip.gateway.keys[i]} for each tenant, in order. */
    static void registerKeys(DynamicPropertyRegistry registry, List<String> tenants) {
        for (int i = 0; i < tenants.size(); i++) {
            String tenant = tenants.get(i);
            registry.add("aip.gateway.keys[" + i + "].tenant", () -> tenant);
            registry.add("aip.gateway.keys[" + i + "].sha256", () -> ApiKeys.sha256Hex(key(tenant)));
        }
    }

    /** Waits until {@code condition} holds, failing the test after 30 s. */
    static void await(BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition within 30 s").isLessThan(deadline);
            LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
        }
    }

    /** Captures every usage record the gateway settles (register it as a bean in the test's configuration). */
    static final class Records implements UsageSink {
        final List<UsageRecord> all = new CopyOnWriteArrayList<>();

        @Override
        public void accept(UsageRecord record) {
            all.add(record);
        }

        /** The records of one tenant, in settlement order. */
        List<UsageRecord> of(String tenant) {
            return all.stream().filter(r -> r.tenant().value().equals(tenant)).toList();
        }

        /** The record with this id. */
        UsageRecord byId(String recordId) {
            return all.stream().filter(r -> r.recordId().equals(recordId)).findFirst().orElseThrow();
        }
    }

    /** Registers a {@link Records} bean in a gateway test's context: {@code @Import(GatewayTests.Capture.class)}. */
    @TestConfiguration(proxyBeanMethods = false)
    static class Capture {
        @Bean
        Records testRecords() {
            return new Records();
        }
    }
}
