package dev.aip.core.governance;

import dev.aip.core.tenant.TenantId;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.TimeMeter;

/**
 * Buckets in this process's memory, refilled by the governance's ticker. Governance keeps each bucket it gets, so a
 * new one per call is right here.
 */
final class LocalRateLimitState implements RateLimitState {

    private final TimeMeter time;

    LocalRateLimitState(TimeMeter time) {
        this.time = time;
    }

    @Override
    public Bucket bucket(TenantId tenant, String limit, BucketConfiguration configuration) {
        var builder = Bucket.builder().withCustomTimePrecision(time);
        for (var bandwidth : configuration.getBandwidths()) {
            builder.addLimit(bandwidth);
        }
        return builder.build();
    }
}
