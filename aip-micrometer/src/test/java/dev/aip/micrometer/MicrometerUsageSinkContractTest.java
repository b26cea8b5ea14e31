package dev.aip.micrometer;

import dev.aip.core.tenant.TenantId;
import dev.aip.testkit.UsageSinkContract;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;

/** The Micrometer sink keeps the usage sink contract, read back from its registry. */
class MicrometerUsageSinkContractTest extends UsageSinkContract<MicrometerUsageSink> {

    private final Map<MicrometerUsageSink, MeterRegistry> registries = new IdentityHashMap<>();

    @Override
    protected MicrometerUsageSink newSink() {
        MeterRegistry registry = new SimpleMeterRegistry();
        MicrometerUsageSink sink = MicrometerUsageSink.builder(registry).tenantTags(TENANTS).build();
        registries.put(sink, registry);
        return sink;
    }

    @Override
    protected Optional<Tally> tally(MicrometerUsageSink sink, TenantId tenant) {
        MeterRegistry registry = registries.get(sink);
        double calls = registry.find("aip.calls").tag("aip.tenant", tenant.value()).counters().stream()
                .mapToDouble(Counter::count).sum();
        double output = registry.find("gen_ai.client.token.usage").tag("aip.tenant", tenant.value())
                .tag("gen_ai.token.type", "output").summaries().stream()
                .mapToDouble(DistributionSummary::totalAmount).sum();
        return Optional.of(new Tally((long) calls, (long) output));
    }
}
