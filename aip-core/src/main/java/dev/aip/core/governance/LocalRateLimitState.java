package dev.aip.core.governance;

import dev.aip.core.tenant.TenantId;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.github.bucket4j.VerboseResult;
import java.util.function.LongSupplier;

/**
 * Bucket4j buckets in this process's memory, refilled by the governance's ticker. Governance keeps each bucket it
 * gets, so a new one per call is right here. The only class of {@code aip-core} that knows Bucket4j.
 */
final class LocalRateLimitState implements RateLimitState {

    private final TimeMeter time;

    LocalRateLimitState(LongSupplier ticker) {
        this.time = new TimeMeter() {
            @Override
            public long currentTimeNanos() {
                return ticker.getAsLong();
            }

            @Override
            public boolean isWallClockBased() {
                return false;
            }
        };
    }

    @Override
    public TokenBucket bucket(TenantId tenant, String name, Limit limit) {
        var builder = Bucket.builder().withCustomTimePrecision(time);
        for (var bandwidth : configuration(limit).getBandwidths()) {
            builder.addLimit(bandwidth);
        }
        return new Local(builder.build());
    }

    private static BucketConfiguration configuration(Limit limit) {
        return BucketConfiguration.builder()
                .addLimit(b -> b.capacity(limit.capacity()).refillGreedy(limit.refillTokens(), limit.refillPeriod()))
                .build();
    }

    /** One in-memory bucket. */
    private static final class Local implements TokenBucket {

        private final Bucket bucket;

        Local(Bucket bucket) {
            this.bucket = bucket;
        }

        /**
         * Tries the allocation-free {@code tryConsume} first; only a refusal asks Bucket4j for the level and the wait,
         * in a second attempt that may take the tokens after all (the bucket refilled in between). The attempt is
         * verbose because a probe reports a bucket in debt as holding 0 tokens; the state it ran on, read in the same
         * atomic step, tells the debt.
         */
        @Override
        public Consumption tryConsume(long tokens) {
            if (bucket.tryConsume(tokens)) {
                return Consumption.CONSUMED;
            }
            VerboseResult<ConsumptionProbe> result = bucket.asVerbose().tryConsumeAndReturnRemaining(tokens);
            ConsumptionProbe probe = result.getValue();
            return probe.isConsumed() ? Consumption.CONSUMED
                    : Consumption.refused(result.getDiagnostics().getAvailableTokens(),
                            probe.getNanosToWaitForRefill());
        }

        @Override
        public void addTokens(long tokens) {
            bucket.addTokens(tokens);
        }

        @Override
        public void consumeIgnoringLimit(long tokens) {
            bucket.consumeIgnoringRateLimits(tokens);
        }

        @Override
        public long availableTokens() {
            return bucket.getAvailableTokens();
        }

        @Override
        public void reconfigure(Limit limit) {
            bucket.replaceConfiguration(configuration(limit), TokensInheritanceStrategy.AS_IS);
        }
    }
}
