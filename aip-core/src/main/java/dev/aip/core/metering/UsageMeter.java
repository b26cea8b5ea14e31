package dev.aip.core.metering;

import dev.aip.core.ConfigurationException;
import dev.aip.core.pricing.PriceCatalog;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The metering engine: turns each model call attempt into exactly one priced {@link UsageRecord} and hands it to a
 * sink ({@code dev.aip.core.sink.UsageSink}).
 *
 * <p>Both ways into Bedrock meter through a {@code UsageMeter}: the chat pipeline's metering stage and the SDK
 * {@code TenantRoutingInterceptor}. They start a {@link MeteredCall} per attempt, report what they learn (request
 * id, first token, usage) and settle it once; so both paths produce the same records.
 *
 * <pre>{@code
 * UsageMeter meter = UsageMeter.builder()
 *     .sink(ledger::accept)
 *     .region("us-east-1")
 *     .build();
 * MeteredCall call = meter.start(info);
 * ...
 * call.succeed(usage);
 * }</pre>
 *
 * <p>The sink is any {@code Consumer<UsageRecord>}; give it a {@code UsageSink} as {@code sink::accept} (the
 * metering package does not depend on the sink package, which depends on it). The sink is called on the thread that
 * settles the call. A sink that throws never reaches the caller: the failure is logged and counted
 * ({@link #sinkFailures()}).
 *
 * <p>Thread-safe; share one instance.
 */
public final class UsageMeter {

    private static final Logger LOG = LoggerFactory.getLogger(UsageMeter.class);

    /** Characters per token for estimates: the usual rule of thumb for English text and JSON. */
    private static final int CHARS_PER_TOKEN = 4;

    private final Consumer<? super UsageRecord> sink;
    private final CostCalculator costs;
    private final Clock clock;
    private final LongSupplier ticker;
    private final String region;
    private final AtomicLong sinkFailures = new AtomicLong();
    private final AtomicLong settled = new AtomicLong();

    private UsageMeter(Builder b) {
        this.sink = b.sink;
        this.costs = new CostCalculator(b.priceCatalog != null ? b.priceCatalog : PriceCatalog.bundled());
        this.clock = b.clock;
        this.ticker = b.ticker;
        this.region = b.region;
    }

    /**
     * Returns a builder. A sink is required; the other settings have defaults.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Estimates the tokens of a text from its length, for calls whose usage Bedrock never reported.
     *
     * @param chars the number of characters, non-negative
     * @return {@code ceil(chars / 4)}
     */
    public static long estimateTokens(long chars) {
        if (chars < 0) {
            throw new IllegalArgumentException("chars is negative: " + chars);
        }
        return (chars + CHARS_PER_TOKEN - 1) / CHARS_PER_TOKEN;
    }

    /**
     * Starts metering one attempt. The attempt's clock starts now: latency and time to first token are measured
     * from this call.
     *
     * @param info what is known about the attempt
     * @return the attempt, to be settled exactly once
     * @throws IllegalArgumentException if neither {@code info} nor this meter names a region
     */
    public MeteredCall start(CallInfo info) {
        Objects.requireNonNull(info, "info");
        String callRegion = info.region() != null ? info.region() : region;
        if (callRegion == null) {
            throw new IllegalArgumentException("No region for call " + info.callId()
                    + ": set CallInfo.region or UsageMeter.builder().region(...)");
        }
        return new MeteredCall(this, info, callRegion, clock.instant(), ticker.getAsLong());
    }

    /**
     * Returns how many records the sink refused by throwing. Such records are lost to that sink; wrap slow or
     * fallible sinks in a buffering sink.
     *
     * @return the count since this meter was built
     */
    public long sinkFailures() {
        return sinkFailures.get();
    }

    /**
     * Returns how many attempts have been settled (and handed to the sink).
     *
     * @return the count since this meter was built
     */
    public long settledCount() {
        return settled.get();
    }

    long now() {
        return ticker.getAsLong();
    }

    Cost price(String sourceModelId, String callRegion, TokenUsage usage) {
        return costs.cost(sourceModelId, callRegion, usage);
    }

    void publish(UsageRecord record) {
        settled.incrementAndGet();
        try {
            sink.accept(record);
        } catch (RuntimeException e) {
            long n = sinkFailures.incrementAndGet();
            LOG.warn("Usage sink {} refused record {} (tenant {}, call {}); {} failure(s) so far",
                    sink, record.recordId(), record.tenant(), record.callId(), n, e);
        }
    }

    /**
     * Builds a {@link UsageMeter}. Not thread-safe; confine to one thread.
     *
     * <p>Each setting may be set once; a second set is a {@link ConfigurationException}.
     */
    public static final class Builder {
        private final Map<String, Object> given = new HashMap<>();
        private Consumer<? super UsageRecord> sink;
        private PriceCatalog priceCatalog;
        private Clock clock = Clock.systemUTC();
        private LongSupplier ticker = System::nanoTime;
        private String region;

        private Builder() {
        }

        /**
         * Sets where records go (required): a {@code UsageSink} as {@code sink::accept}; combine several with
         * {@code UsageSinks.fanOut}.
         *
         * @param value the sink
         * @return this builder
         */
        public Builder sink(Consumer<? super UsageRecord> value) {
            ConfigurationException.requireFirstSet(given, "UsageMeter.sink", value);
            sink = Objects.requireNonNull(value, "sink");
            return this;
        }

        /** Sets the prices; default {@link PriceCatalog#bundled()}. */
        public Builder priceCatalog(PriceCatalog value) {
            ConfigurationException.requireFirstSet(given, "UsageMeter.priceCatalog", value);
            priceCatalog = Objects.requireNonNull(value, "priceCatalog");
            return this;
        }

        /** Sets the clock for {@code startedAt}; default the system UTC clock. */
        public Builder clock(Clock value) {
            ConfigurationException.requireFirstSet(given, "UsageMeter.clock", value);
            clock = Objects.requireNonNull(value, "clock");
            return this;
        }

        /** Sets the nanosecond ticker for latency and time to first token; default {@link System#nanoTime()}. */
        public Builder ticker(LongSupplier value) {
            ConfigurationException.requireFirstSet(given, "UsageMeter.ticker", value);
            ticker = Objects.requireNonNull(value, "ticker");
            return this;
        }

        /** Sets the region used when a {@link CallInfo} names none. */
        public Builder region(String value) {
            ConfigurationException.requireFirstSet(given, "UsageMeter.region", value);
            region = Objects.requireNonNull(value, "region");
            return this;
        }

        /**
         * Builds the meter.
         *
         * @return the meter
         * @throws ConfigurationException if no sink was set
         */
        public UsageMeter build() {
            if (sink == null) {
                throw new ConfigurationException("UsageMeter needs a sink: UsageMeter.builder().sink(...)");
            }
            return new UsageMeter(this);
        }
    }
}
