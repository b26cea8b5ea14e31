package dev.aip.core.governance;

import dev.aip.core.chat.AdmissionRequest;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.InferenceSettings;
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
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Shared values and fakes for the governance tests. Prices are round: 1 USD per million input tokens (cache tokens
 * alike), 5 USD per million output tokens; so a call of 100 input and 100 output tokens reserves 0.0006 USD.
 */
final class Gov {

    static final String MODEL = "chat";
    static final String SOURCE = "test.model-v1:0";
    static final String REGION = "us-east-1";
    static final PriceCatalog PRICES = PriceCatalog.of("test-1",
            List.of(ModelPrice.of(SOURCE, "*", BigDecimal.ONE, new BigDecimal("5"))));
    static final CostCalculator COSTS = new CostCalculator(PRICES);
    static final Instant T0 = Instant.parse("2026-03-10T12:00:00Z");
    static final TenantContext ACME = TenantContext.of("acme");

    private Gov() {
    }

    static ResolvedProfile profile(TenantContext tenant) {
        return profile(tenant, SOURCE);
    }

    static ResolvedProfile profile(TenantContext tenant, String sourceModel) {
        String id = tenant.id().value() + "prof";
        return new ResolvedProfile(tenant.id(), MODEL,
                "arn:aws:bedrock:" + REGION + ":123456789012:application-inference-profile/" + id, id, sourceModel,
                REGION, false);
    }

    /** A request of {@code inputTokens × 4} characters, so its input estimate is {@code inputTokens}. */
    static AdmissionRequest request(int inputTokens, Integer maxTokens) {
        return request(MODEL, inputTokens, maxTokens);
    }

    static AdmissionRequest request(String model, int inputTokens, Integer maxTokens) {
        InferenceSettings settings = maxTokens == null ? InferenceSettings.DEFAULTS
                : InferenceSettings.DEFAULTS.withMaxTokens(maxTokens);
        return AdmissionRequest.of(ChatRequest.builder().model(model)
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

    static BigDecimal usd(String amount) {
        return new BigDecimal(amount);
    }

    static Budget monthly(String usd) {
        return Budget.of(new BigDecimal(usd), BudgetPeriod.monthly(ZoneOffset.UTC));
    }

    static Budget monthly(String usd, ZoneId zone) {
        return Budget.of(new BigDecimal(usd), BudgetPeriod.monthly(zone));
    }

    /** A clock that moves only when told. */
    static final class ManualClock extends Clock {
        private volatile Instant now;

        ManualClock(Instant start) {
            now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        void set(Instant instant) {
            now = instant;
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException();
        }
    }

    /** A nanosecond ticker that moves only when told. */
    static final class ManualTicker implements LongSupplier {
        private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

        void advance(Duration d) {
            nanos.addAndGet(d.toNanos());
        }

        @Override
        public long getAsLong() {
            return nanos.get();
        }
    }
}
