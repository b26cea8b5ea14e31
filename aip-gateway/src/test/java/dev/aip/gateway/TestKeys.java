package dev.aip.gateway;

import java.util.List;
import org.springframework.test.context.DynamicPropertyRegistry;

/** The tests' API keys: tenant {@code t} has the key {@code sk-test-t}, stored as its SHA-256. */
final class TestKeys {

    private TestKeys() {
    }

    /** The key of a tenant. */
    static String key(String tenant) {
        return "sk-test-" + tenant;
    }

    /** Registers {@code aip.gateway.keys[i]} for each tenant, in order. */
    static void register(DynamicPropertyRegistry registry, List<String> tenants) {
        for (int i = 0; i < tenants.size(); i++) {
            String tenant = tenants.get(i);
            registry.add("aip.gateway.keys[" + i + "].tenant", () -> tenant);
            registry.add("aip.gateway.keys[" + i + "].sha256", () -> ApiKeys.sha256Hex(key(tenant)));
        }
    }
}
