package dev.aip.testkit;

import dev.aip.core.sink.AsyncUsageSink;
import dev.aip.core.sink.InMemoryUsageAggregates;
import dev.aip.core.sink.TenantUsage;
import dev.aip.core.tenant.TenantId;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The queue in front of a slow sink keeps the usage sink contract, read back through its delegate. The queue blocks
 * producers when full, so the concurrency checks can ask for every record.
 */
class AsyncUsageSinkContractTest extends UsageSinkContract<AsyncUsageSink> {

    private final Map<AsyncUsageSink, InMemoryUsageAggregates> delegates = new IdentityHashMap<>();

    @Override
    protected AsyncUsageSink newSink() {
        InMemoryUsageAggregates delegate = new InMemoryUsageAggregates();
        AsyncUsageSink sink = AsyncUsageSink.builder(delegate).capacity(64)
                .overflowPolicy(AsyncUsageSink.OverflowPolicy.BLOCK).build();
        delegates.put(sink, delegate);
        return sink;
    }

    @Override
    protected Optional<Tally> tally(AsyncUsageSink sink, TenantId tenant) {
        TenantUsage usage = delegates.get(sink).snapshot(tenant);
        return Optional.of(new Tally(usage.calls(), usage.tokens().outputTokens()));
    }
}
