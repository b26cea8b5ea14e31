package dev.aip.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.sink.InMemoryUsageAggregates;
import dev.aip.core.sink.TenantUsage;
import dev.aip.core.sink.UsageSinks;
import dev.aip.core.tenant.TenantId;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;

/** The fan-out keeps the usage sink contract for every sink behind it, one of which always throws. */
class FanOutContractTest extends UsageSinkContract<UsageSinks.FanOut> {

    private final Map<UsageSinks.FanOut, InMemoryUsageAggregates[]> behind = new IdentityHashMap<>();

    @Override
    protected UsageSinks.FanOut newSink() {
        InMemoryUsageAggregates first = new InMemoryUsageAggregates();
        InMemoryUsageAggregates second = new InMemoryUsageAggregates();
        UsageSinks.FanOut sink = UsageSinks.fanOut(first, record -> {
            throw new IllegalStateException("a broken sink");
        }, second);
        behind.put(sink, new InMemoryUsageAggregates[] {first, second});
        return sink;
    }

    @Override
    protected Optional<Tally> tally(UsageSinks.FanOut sink, TenantId tenant) {
        InMemoryUsageAggregates[] sinks = behind.get(sink);
        TenantUsage first = sinks[0].snapshot(tenant);
        TenantUsage second = sinks[1].snapshot(tenant);
        assertThat(second).as("what the sink after the broken one got").isEqualTo(first);
        return Optional.of(new Tally(first.calls(), first.tokens().outputTokens()));
    }
}
