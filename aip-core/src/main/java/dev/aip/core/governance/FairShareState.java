package dev.aip.core.governance;

import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * Where {@link FairShare} keeps what it knows: per source model and region, the tokens each tenant used in the
 * sliding minute and the AIMD capacity estimate. The default is this {@link Governance} instance's memory; a shared
 * state ({@link Governance.Builder#fairShareState}, e.g. {@code RedisGovernanceState.fairShareState()} in the
 * {@code aip-governance-redis} module) makes N instances keep one set of windows and one estimate per model, so that
 * together they give a flooding tenant its share once, not N times, and a throttle one instance sees lowers the
 * estimate for all.
 *
 * <p><b>Contract.</b> An implementation decides exactly as {@link FairShare} describes: it adds the call's tokens to
 * its tenant's and its model's windows, and admits the call if the model stays within its estimate less the headroom,
 * or the tenant stays within its share (or used nothing before), else it takes the tokens back and returns a
 * {@link Shed}. The add, the decision and the take-back are one atomic step, so no other call, in this instance or
 * another, sees a shed call's tokens. {@link Reservation#settle} replaces the estimate by the attempts' real tokens in
 * the second the estimate was counted in, counts fail-overs in their own model's window and reports throttles to the
 * estimate (at most one decrease per cooldown, whoever reports). The additive increase is due by time, not by call:
 * however many instances ask, the estimate grows by one step per interval.
 *
 * <p><b>Failures.</b> A shared state that cannot be reached throws (or fails the stage of
 * {@link #reserveAsync}); {@link Governance} then decides by the tier's {@link FailurePolicy#rateLimits()} mode: fail
 * open decides the call on this instance's own fair share (its local windows and estimate, as without a shared
 * state) and counts it in {@link Governance#failOpenAdmissions()}; fail closed refuses it with a retryable
 * {@link dev.aip.core.GovernanceUnavailableException} ({@code fair-share}). Every call tries the shared state again,
 * so decisions are shared again as soon as it answers.
 *
 * <p>Implementations are thread-safe; share one per Governance.
 */
public interface FairShareState {

    /**
     * Reserves a call's estimated tokens in its model's and tenant's windows, or sheds it.
     *
     * @param settings the fair-share settings in force
     * @param tenant the tenant
     * @param tier its tier (the policy's, else the caller's)
     * @param sourceModelId the foundation model the call will use
     * @param region its region: with the model, the quota unit
     * @param tokens the call's estimated tokens, at least 1
     * @return the reservation, whose {@link Reservation#shed()} is set when the call is shed (and nothing is held)
     * @throws RuntimeException when a shared state cannot be reached
     */
    Reservation reserve(FairShare settings, TenantId tenant, Tier tier, String sourceModelId, String region,
                        long tokens);

    /**
     * {@link #reserve} without parking the thread on a round trip; by default {@link #reserve} itself.
     *
     * @return the reservation, or a stage failed with what a shared state failed with
     */
    default CompletionStage<Reservation> reserveAsync(FairShare settings, TenantId tenant, Tier tier,
                                                      String sourceModelId, String region, long tokens) {
        return CompletableFuture.completedFuture(reserve(settings, tenant, tier, sourceModelId, region, tokens));
    }

    /**
     * Returns what the state knows now, for operators.
     *
     * @param settings the settings in force
     * @return the snapshot
     * @throws RuntimeException when a shared state cannot be reached
     */
    FairShareSnapshot snapshot(FairShare settings);

    /**
     * Whether every operation is a round trip to another process, so {@link Governance} settles permits off the
     * thread that ends the call.
     *
     * @return {@code false} by default
     */
    default boolean remote() {
        return false;
    }

    /**
     * One call's tokens held in its model's and tenant's windows. Settled exactly once, or cancelled when a later
     * admission step refuses the call. Thread-safe.
     */
    interface Reservation {

        /**
         * Returns why the call was shed.
         *
         * @return the shed, or {@code null} if the call was admitted
         */
        @Nullable Shed shed();

        /**
         * Takes the reservation back: a later step refused the call. Never throws for an unreachable shared state:
         * the failure is logged, and the tokens stay counted until they leave the minute.
         */
        void cancel();

        /**
         * {@link #cancel()} without parking the thread on a round trip; by default {@link #cancel()}.
         *
         * @return completed when done; never failed
         */
        default CompletionStage<@Nullable Void> cancelAsync() {
            cancel();
            return CompletableFuture.completedFuture(null);
        }

        /**
         * Replaces the reservation by what the attempts used, and reports their throttles. Never throws.
         *
         * @param attempts the call's attempts, or {@code null} when its lease expired (the reservation stands)
         */
        void settle(@Nullable List<Attempt> attempts);
    }

    /**
     * What fair share needs of one attempt of a call.
     *
     * <p>Immutable.
     *
     * @param sourceModelId the model the attempt went to, or {@code null} if unknown (counted on the reserved one)
     * @param region its region, or {@code null} if unknown
     * @param tokens the tokens it used (all of them, cache tokens included), at least 0
     * @param throttled whether Bedrock refused it for lack of capacity (a 429 other than a model still loading)
     */
    record Attempt(@Nullable String sourceModelId, @Nullable String region, long tokens, boolean throttled) {

        /** Validates. */
        public Attempt {
            if (tokens < 0) {
                throw new IllegalArgumentException("An attempt's tokens must be at least 0, was " + tokens);
            }
        }

        /**
         * Returns what fair share needs of an attempt's usage record.
         *
         * @param record the record
         * @return the attempt
         */
        public static Attempt of(UsageRecord record) {
            return new Attempt(record.sourceModelId(), record.region(), record.usage().totalTokens(),
                    FairShareController.throttled(record));
        }

        /**
         * Returns {@link #of} of each record, or {@code null} for {@code null}.
         *
         * @param records the records, or {@code null}
         * @return the attempts, or {@code null}
         */
        public static @Nullable List<Attempt> of(@Nullable List<UsageRecord> records) {
            if (records == null) {
                return null;
            }
            List<Attempt> out = new ArrayList<>(records.size());
            for (UsageRecord r : records) {
                out.add(of(r));
            }
            return out;
        }

        /**
         * Whether the attempt went to another model or region than {@code sourceModelId} in {@code region}.
         *
         * @param sourceModelId the reserved model
         * @param region the reserved region
         * @return {@code true} only when both of the attempt's are known and one differs
         */
        public boolean elsewhere(String sourceModelId, String region) {
            return this.sourceModelId != null && this.region != null
                    && (!this.sourceModelId.equals(sourceModelId) || !this.region.equals(region));
        }
    }

    /**
     * Why a call was shed: its tenant is above its share of a congested model.
     *
     * <p>Immutable.
     *
     * @param shareTokensPerMinute the tenant's share of the estimate
     * @param usedTokens what the tenant used in the last minute, without this call
     * @param retryAfter when enough of the tenant's or the model's use leaves the minute for the call to pass
     * @param capacityTokensPerMinute the capacity estimate
     * @param modelTokens what all tenants used in the last minute, without this call
     */
    record Shed(long shareTokensPerMinute, long usedTokens, Duration retryAfter, long capacityTokensPerMinute,
                long modelTokens) {

        /** Validates. */
        public Shed {
            Objects.requireNonNull(retryAfter, "retryAfter");
        }
    }
}
