package dev.aip.core.metering;

import dev.aip.core.tenant.TenantContext;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * One model call attempt being metered. Whoever drives the attempt reports what it learns ({@link #awsRequestId},
 * {@link #accepted()}, {@link #firstToken()}, {@link #outputSeen(int)}, {@link #reported(TokenUsage)}) and then
 * settles it with exactly
 * one of {@link #succeed()}, {@link #succeed(TokenUsage)}, {@link #fail(Outcome, String)} or {@link #cancel()}.
 *
 * <p><b>Exactly once.</b> The first settlement wins; it prices the usage, builds the {@link UsageRecord} and hands
 * it to the meter's sink. Every later settlement, from any thread, is a no-op that returns {@code false}. Reports
 * arriving after settlement are ignored.
 *
 * <p><b>Which tokens are recorded.</b>
 * <ul>
 *   <li>{@code succeed(usage)}: {@code usage}, {@link UsageProvenance#REPORTED}.</li>
 *   <li>{@code succeed()}: the {@linkplain #reported reported} usage ({@code REPORTED}) if there is one, else an
 *       estimate ({@code ESTIMATED}): a stream that ended without its usage event.</li>
 *   <li>{@code cancel()}: the reported usage if it arrived, else an estimate from the input estimate of the
 *       {@link CallInfo} and the output characters seen ({@code ESTIMATED}). Bedrock bills abandoned streams, so
 *       a cancelled attempt is never recorded as free.</li>
 *   <li>{@code timeOut(code)}: as {@code cancel()}, recorded as {@link Outcome#TIMEOUT}.</li>
 *   <li>{@code fail(...)}: the reported usage if it arrived; else an estimate if Bedrock had
 *       {@linkplain #accepted() accepted} the attempt or the model had started to answer (first token or output
 *       seen); else zero tokens with {@link UsageProvenance#NONE}: an attempt Bedrock never accepted (refused
 *       with an HTTP error, never answered) is not billed.</li>
 * </ul>
 * <b>The estimate</b> is the input estimate of the {@link CallInfo} (the one admission reserved with:
 * {@link UsageMeter#estimateTokens} of the request's characters) and, for output, {@link UsageMeter#estimateTokens}
 * of the
 * output characters received (text and tool input): what Bedrock generated but never delivered cannot be known,
 * so an accepted stream cut before its first delta is estimated at its input alone. Cache read and write tokens
 * stay in their own buckets; estimates never invent cache tokens. So a record is {@code ESTIMATED} exactly when
 * the attempt reached Bedrock (accepted, or cancelled by the caller while Bedrock was answering) and Bedrock did not
 * deliver its usage.
 *
 * <p>Thread-safe: reports and settlements may come from any threads, concurrently.
 */
public final class MeteredCall {

    private static final long NOT_SEEN = Long.MIN_VALUE;

    private final UsageMeter meter;
    private final CallInfo info;
    private final String region;
    private final Instant startedAt;
    private final long startNanos;

    // Plain fields updated through VarHandles: the same atomicity as Atomic* objects without four extra
    // allocations per model call.
    private static final VarHandle SETTLED;
    private static final VarHandle FIRST_TOKEN_NANOS;
    private static final VarHandle OUTPUT_CHARS;
    private static final VarHandle REPORTED;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            SETTLED = lookup.findVarHandle(MeteredCall.class, "settled", boolean.class);
            FIRST_TOKEN_NANOS = lookup.findVarHandle(MeteredCall.class, "firstTokenNanos", long.class);
            OUTPUT_CHARS = lookup.findVarHandle(MeteredCall.class, "outputChars", long.class);
            REPORTED = lookup.findVarHandle(MeteredCall.class, "reported", TokenUsage.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private volatile boolean settled;
    private volatile boolean accepted;
    private volatile long firstTokenNanos = NOT_SEEN;
    private volatile long outputChars;
    private volatile TokenUsage reported;
    private volatile String awsRequestId;
    private volatile UsageRecord record;
    private volatile boolean buildFailed;

    MeteredCall(UsageMeter meter, CallInfo info, String region, Instant startedAt, long startNanos) {
        this.meter = meter;
        this.info = info;
        this.region = region;
        this.startedAt = startedAt;
        this.startNanos = startNanos;
    }

    /**
     * Returns what was known when the attempt started.
     *
     * @return the call info
     */
    public CallInfo info() {
        return info;
    }

    /**
     * Records the AWS request id of the attempt's response. The last id reported before settlement is kept.
     *
     * @param requestId the {@code x-amzn-RequestId}; {@code null} is ignored
     */
    public void awsRequestId(@Nullable String requestId) {
        if (requestId != null && !requestId.isBlank()) {
            awsRequestId = requestId;
        }
    }

    /**
     * Marks the attempt as accepted by Bedrock: a successful (2xx) response status arrived. Bedrock bills an accepted
     * attempt whatever happens to it afterwards, so from now on a failure without reported usage is recorded with an
     * estimate, never as free.
     */
    public void accepted() {
        accepted = true;
    }

    /**
     * Marks the arrival of the first content (a stream's first content delta). Only the first call counts; it sets
     * the record's time to first token for streaming attempts.
     */
    public void firstToken() {
        if (firstTokenNanos == NOT_SEEN) {
            FIRST_TOKEN_NANOS.compareAndSet(this, NOT_SEEN, meter.now());
        }
    }

    /**
     * Adds output characters seen so far, for estimates when no usage is reported.
     *
     * @param chars characters of text or tool input received; negative values are ignored
     */
    public void outputSeen(int chars) {
        if (chars > 0) {
            OUTPUT_CHARS.getAndAdd(this, (long) chars);
        }
    }

    /**
     * Records the usage Bedrock reported (a stream's {@code metadata} event), without settling. A later
     * {@link #succeed()}, {@link #cancel()} or {@link #fail} records it as {@code REPORTED}.
     *
     * @param usage the reported usage
     */
    public void reported(TokenUsage usage) {
        reported = Objects.requireNonNull(usage, "usage");
    }

    /**
     * Settles the attempt as a success with the reported usage, or an estimate if none was reported.
     *
     * @return {@code true} if this call settled the attempt, {@code false} if it was already settled
     */
    public boolean succeed() {
        TokenUsage r = reported;
        return r != null
                ? settle(Outcome.SUCCESS, null, r, UsageProvenance.REPORTED)
                : settle(Outcome.SUCCESS, null, estimate(), UsageProvenance.ESTIMATED);
    }

    /**
     * Settles the attempt as a success with the usage Bedrock returned.
     *
     * @param usage the usage from the response
     * @return {@code true} if this call settled the attempt, {@code false} if it was already settled
     */
    public boolean succeed(TokenUsage usage) {
        Objects.requireNonNull(usage, "usage");
        return settle(Outcome.SUCCESS, null, usage, UsageProvenance.REPORTED);
    }

    /**
     * Settles the attempt as failed.
     *
     * @param outcome how it failed; not {@link Outcome#SUCCESS}
     * @param errorCode the error code (e.g. {@code ThrottlingException}), or {@code null}
     * @return {@code true} if this call settled the attempt, {@code false} if it was already settled
     * @throws IllegalArgumentException if {@code outcome} is {@code SUCCESS}
     */
    public boolean fail(Outcome outcome, @Nullable String errorCode) {
        Objects.requireNonNull(outcome, "outcome");
        if (outcome == Outcome.SUCCESS) {
            throw new IllegalArgumentException("fail(SUCCESS) is not a failure; use succeed()");
        }
        TokenUsage r = reported;
        if (r != null) {
            return settle(outcome, errorCode, r, UsageProvenance.REPORTED);
        }
        if (accepted || firstTokenNanos != NOT_SEEN || outputChars > 0) {
            return settle(outcome, errorCode, estimate(), UsageProvenance.ESTIMATED);
        }
        return settle(outcome, errorCode, TokenUsage.ZERO, UsageProvenance.NONE);
    }

    /**
     * Settles the attempt as abandoned by the caller, with the reported usage if it arrived, else an estimate.
     *
     * @return {@code true} if this call settled the attempt, {@code false} if it was already settled
     */
    public boolean cancel() {
        return abandon(Outcome.CANCELLED, null);
    }

    /**
     * Settles the attempt as abandoned at the caller's deadline: as {@link #cancel()} (the reported usage if it
     * arrived, else an estimate; Bedrock bills the call it was given), with the outcome {@link Outcome#TIMEOUT}.
     *
     * @param errorCode the error code to record, e.g. {@code CallTimeout}
     * @return {@code true} if this call settled the attempt, {@code false} if it was already settled
     */
    public boolean timeOut(@Nullable String errorCode) {
        return abandon(Outcome.TIMEOUT, errorCode);
    }

    private boolean abandon(Outcome outcome, @Nullable String errorCode) {
        TokenUsage r = reported;
        return r != null
                ? settle(outcome, errorCode, r, UsageProvenance.REPORTED)
                : settle(outcome, errorCode, estimate(), UsageProvenance.ESTIMATED);
    }

    /**
     * Returns whether the attempt has been settled.
     *
     * @return {@code true} once any settlement has won
     */
    public boolean isSettled() {
        return settled;
    }

    /**
     * Returns the record of the attempt, once settled. Once settled, this waits for the winning settlement to build
     * the record (microseconds: the record is set before it goes to the sink), so that a losing settlement on
     * another thread sees it too.
     *
     * @return the record, or empty while the attempt is running (or if building it failed)
     */
    public Optional<UsageRecord> record() {
        UsageRecord r = record;
        if (r == null && settled) {
            for (int spins = 0; (r = record) == null && !buildFailed; spins++) {
                if (spins < 100) {
                    Thread.onSpinWait();
                } else {
                    Thread.yield();
                }
            }
        }
        return Optional.ofNullable(r);
    }

    /** The tenant's attributes overlaid with the call's; the call's win, as for the record builder. */
    private static Map<String, String> attributes(Map<String, String> tenant, Map<String, String> call) {
        if (call.isEmpty()) {
            return tenant;
        }
        if (tenant.isEmpty()) {
            return call;
        }
        Map<String, String> merged = new TreeMap<>(tenant);
        merged.putAll(call);
        return merged;
    }

    private TokenUsage estimate() {
        return TokenUsage.of(info.estimatedInputTokens(), UsageMeter.estimateTokens(outputChars));
    }

    private boolean settle(Outcome outcome, String errorCode, TokenUsage usage, UsageProvenance provenance) {
        if (!SETTLED.compareAndSet(this, false, true)) {
            return false;
        }
        long end = meter.now();
        long first = firstTokenNanos;
        Duration ttft = info.streaming() && first != NOT_SEEN ? nonNegative(first - startNanos) : null;
        // The record's constructors, not its builder: this runs once per model call and allocates only the record
        // and its four small parts.
        TenantContext tenant = info.tenant();
        UsageRecord r;
        try {
            r = new UsageRecord(new AttemptIdentity(RecordIds.next(), info.callId(), info.attempt()), tenant.id(),
                    tenant.tier(), new CallTarget(info.operation(), info.requestedModel(), info.profileArn(),
                            info.profileId(), info.sourceModelId(), region, info.pooled()),
                    usage, provenance, meter.price(info.sourceModelId(), region, usage),
                    new AttemptResult(outcome, errorCode, awsRequestId),
                    new AttemptTiming(startedAt, nonNegative(end - startNanos), ttft),
                    attributes(tenant.attributes(), info.attributes()));
        } catch (RuntimeException | Error e) {
            buildFailed = true;
            throw e;
        }
        record = r;
        meter.publish(r);
        return true;
    }

    private static Duration nonNegative(long nanos) {
        return Duration.ofNanos(Math.max(0, nanos));
    }
}
