package dev.aip.governance.redis;

import dev.aip.core.chat.AdmissionRequest;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.InferenceSettings;
import dev.aip.core.governance.Budget;
import dev.aip.core.governance.BudgetPeriod;
import dev.aip.core.governance.RateLimitState;
import dev.aip.core.metering.Operation;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageProvenance;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.metering.CostCalculator;
import dev.aip.core.pricing.ModelPrice;
import dev.aip.core.pricing.PriceCatalog;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Shared values and fakes for the governance tests on Redis, as in {@code aip-core}'s governance tests. Prices are
 * round: 1 USD per million input tokens (cache tokens alike), 5 USD per million output tokens; so a call of 100 input
 * and 100 output tokens reserves 0.0006 USD.
 */
final class Gov {

    static final String MODEL = "chat";
    static final String SOURCE = "test.model-v1:0";
    static final String REGION = "us-east-1";
    static final PriceCatalog PRICES = PriceCatalog.of("test-1",
            List.of(ModelPrice.of(SOURCE, "*", BigDecimal.ONE, new BigDecimal("5"))));
    static final CostCalculator COSTS = new CostCalculator(PRICES);
    static final Instant T0 = Instant.parse("2026-03-10T12:00:00Z");

    private Gov() {
    }

    static ResolvedProfile profile(TenantContext tenant) {
        String id = tenant.id().value() + "prof";
        return new ResolvedProfile(tenant.id(), MODEL,
                "arn:aws:bedrock:" + REGION + ":123456789012:application-inference-profile/" + id, id, SOURCE,
                REGION, false);
    }

    /** A request of {@code inputTokens × 4} characters, so its input estimate is {@code inputTokens}. */
    static AdmissionRequest request(int inputTokens, Integer maxTokens) {
        InferenceSettings settings = maxTokens == null ? InferenceSettings.DEFAULTS
                : InferenceSettings.DEFAULTS.withMaxTokens(maxTokens);
        return AdmissionRequest.of(ChatRequest.builder().model(MODEL)
                .message(ChatMessage.user("x".repeat(inputTokens * 4))).settings(settings).build());
    }

    /** The record of one successful attempt that used {@code usage}, priced from {@link #PRICES}. */
    static UsageRecord attempt(TenantContext tenant, TokenUsage usage) {
        return UsageRecord.builder().tenant(tenant).operation(Operation.CONVERSE).requestedModel(MODEL)
                .sourceModelId(SOURCE).region(REGION).usage(usage).provenance(UsageProvenance.REPORTED)
                .cost(COSTS.cost(SOURCE, REGION, usage)).outcome(Outcome.SUCCESS).startedAt(T0)
                .latency(Duration.ofMillis(5)).build();
    }

    static BigDecimal cost(long input, long output) {
        return COSTS.cost(SOURCE, REGION, TokenUsage.of(input, output)).amountUsd();
    }

    static Budget monthly(String usd) {
        return Budget.of(new BigDecimal(usd), BudgetPeriod.monthly(ZoneOffset.UTC));
    }


    /** A nanosecond ticker that moves only when told. */
    static final class ManualTicker implements LongSupplier {
        private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

        @Override
        public long getAsLong() {
            return nanos.get();
        }
    }

    /**
     * A rate-limit state that hands out its delegate's buckets and remembers the last one per tenant and limit, so a
     * test reads the level of the very bucket governance draws from.
     */
    static final class SeenBuckets implements RateLimitState {
        private final RateLimitState delegate;
        private final Map<String, TokenBucket> buckets = new ConcurrentHashMap<>();

        SeenBuckets(RateLimitState delegate) {
            this.delegate = delegate;
        }

        @Override
        public TokenBucket bucket(TenantId tenant, String name, Limit limit) {
            TokenBucket bucket = delegate.bucket(tenant, name, limit);
            buckets.put(tenant.value() + "|" + name, bucket);
            return bucket;
        }

        /** Tokens left in the tenant's bucket of that limit, or -1 if governance never asked for it. */
        long available(TenantContext tenant, String name) {
            TokenBucket bucket = buckets.get(tenant.id().value() + "|" + name);
            return bucket == null ? -1 : bucket.availableTokens();
        }
    }
}
