package dev.aip.spring;

import dev.aip.core.metering.UsageMeter;
import dev.aip.core.profile.TagDiscoveryProfileResolver;
import dev.aip.core.profile.TenantProfileResolver;
import dev.aip.core.sink.JsonLinesLedger;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;

/**
 * Health of aip's moving parts.
 * <ul>
 *   <li><b>Ledger</b>: down when records were lost or an fsync failed (the ledger can no longer promise what it
 *       holds); details give the path and counts.</li>
 *   <li><b>Profile resolver</b>: a tag-discovery resolver is down until its index has loaded once; other resolvers
 *       are up (they resolve on demand).</li>
 *   <li><b>UsageMeter</b>: sink failures are reported as a detail (a failing sink does not fail calls).</li>
 *   <li><b>Policies</b>: the version in force and, when the policy file is watched, the last check; a file that
 *       failed to load is a detail ({@code policies.status = STALE}, with the reason), not a reason to take the
 *       replica out of service: it keeps enforcing the policies it had.</li>
 * </ul>
 *
 * <p>Thread-safe.
 */
public class AipHealthIndicator extends AbstractHealthIndicator {

    private final JsonLinesLedger ledger;
    private final TenantProfileResolver resolver;
    private final UsageMeter meter;
    private final PolicyReloads policies;

    AipHealthIndicator(JsonLinesLedger ledger, TenantProfileResolver resolver, UsageMeter meter,
                       PolicyReloads policies) {
        super("aip health check failed");
        this.ledger = ledger;
        this.resolver = resolver;
        this.meter = meter;
        this.policies = policies;
    }

    @Override
    protected void doHealthCheck(Health.Builder builder) {
        boolean up = true;
        if (ledger != null) {
            boolean ledgerOk = ledger.lostRecords() == 0 && ledger.syncFailures() == 0
                    && ledger.unconfirmedRecords() == 0;
            up &= ledgerOk;
            builder.withDetail("ledger", java.util.Map.of("status", ledgerOk ? "UP" : "DOWN",
                    "path", ledger.path().toString(), "writtenRecords", ledger.writtenRecords(),
                    "lostRecords", ledger.lostRecords(), "syncFailures", ledger.syncFailures(),
                    "unconfirmedRecords", ledger.unconfirmedRecords(),
                    "throttledAppends", ledger.throttledAppends()));
        } else {
            builder.withDetail("ledger", "none (aip.ledger.path not set)");
        }
        String resolverStatus = "UP";
        TenantProfileResolver resolver = this.resolver instanceof HintingResolver hinting ? hinting.delegate()
                : this.resolver;
        if (resolver instanceof TagDiscoveryProfileResolver tags) {
            resolverStatus = tags.lastRefresh().isPresent() ? "UP" : "DOWN";
            up &= tags.lastRefresh().isPresent();
            builder.withDetail("profileIndexRefreshedAt", tags.lastRefresh().map(Object::toString).orElse("never"));
        }
        builder.withDetail("profileResolver", java.util.Map.of("type", resolver.getClass().getSimpleName(),
                "status", resolverStatus));
        builder.withDetail("meter", java.util.Map.of("settledRecords", meter.settledCount(),
                "sinkFailures", meter.sinkFailures()));
        if (policies != null) {
            java.util.Map<String, Object> detail = new java.util.LinkedHashMap<>();
            detail.put("status", policies.failing() ? "STALE" : "UP");
            detail.putAll(policies.status());
            builder.withDetail("policies", detail);
        }
        if (up) {
            builder.up();
        } else {
            builder.down();
        }
    }
}
