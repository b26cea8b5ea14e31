package dev.aip.testkit;

import dev.aip.core.sink.InMemoryUsageAggregates;
import dev.aip.core.sink.TenantUsage;
import dev.aip.core.tenant.TenantId;
import java.util.Optional;

/** The in-memory aggregates keep the usage sink contract. */
class InMemoryUsageAggregatesContractTest extends UsageSinkContract<InMemoryUsageAggregates> {

    @Override
    protected InMemoryUsageAggregates newSink() {
        return new InMemoryUsageAggregates();
    }

    @Override
    protected Optional<Tally> tally(InMemoryUsageAggregates sink, TenantId tenant) {
        TenantUsage usage = sink.snapshot(tenant);
        return Optional.of(new Tally(usage.calls(), usage.tokens().outputTokens()));
    }
}
