package dev.aip.core.governance;

import dev.aip.core.chat.Admission;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.tenant.TenantContext;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;

/**
 * What one admitted call holds: maybe a concurrency slot, maybe tokens reserved in a bucket, maybe a budget
 * reservation, all taken under the policy in force at admission. Released exactly once, by the caller
 * ({@link #release}) or by the lease sweeper ({@link #expire}), whichever comes first: the CAS on {@code over} decides.
 *
 * <p>A grant is created when admission starts; each {@link AdmissionCheck} records in its own field what it took, so
 * that a refusal gives back exactly what was taken and settlement settles it. Those fields are written by the checks
 * one after the other (on the admitting thread, or on the threads completing an async admission's stages, each
 * step ordered after the one before by its stage's completion) before the grant is registered in
 * {@link OpenPermits} (a monitor) and handed to the caller, and read only after that.
 */
final class GovernancePermit implements Admission.Permit {

    private static final VarHandle OVER;

    static {
        try {
            OVER = MethodHandles.lookup().findVarHandle(GovernancePermit.class, "over", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    final TenantContext tenant;
    final ResolvedProfile profile;
    final TenantLimits limits;
    final long expiresAtMillis;
    private final Governance governance;

    /** The concurrency slot taken, or {@code null}. */
    ConcurrencyState.Slot slot;
    /** The bucket one request was taken from, or {@code null}; given back only on refusal. */
    RateLimitState.TokenBucket requestBucket;
    /** The bucket tokens were reserved in, or {@code null}. */
    RateLimitState.TokenBucket tokenBucket;
    long reservedTokens;
    /** The budget reservation, or {@code null}. */
    BudgetStore.Reservation budget;
    BigDecimal budgetLimit;
    /** The fair-share reservation, or {@code null}. */
    FairShareState.Reservation share;
    /** What a {@link SharedAdmission} took in one step, or {@code null}. */
    SharedAdmission.Hold shared;

    /** Registry links, guarded by the stripe's monitor. */
    OpenPermits.Stripe stripe;
    GovernancePermit prev;
    GovernancePermit next;

    @SuppressWarnings("unused") // through OVER
    private volatile int over;
    private volatile boolean expired;

    GovernancePermit(Governance governance, TenantContext tenant, ResolvedProfile profile, TenantLimits limits,
          long expiresAtMillis) {
        this.governance = governance;
        this.tenant = tenant;
        this.profile = profile;
        this.limits = limits;
        this.expiresAtMillis = expiresAtMillis;
    }

    @Override
    public void release(List<UsageRecord> attempts) {
        Objects.requireNonNull(attempts, "attempts");
        if (OVER.compareAndSet(this, 0, 1)) {
            governance.settle(this, List.copyOf(attempts));
        } else {
            governance.lateRelease(this);
        }
    }

    /** Settles at the reservations, as if the call used all it reserved; {@code false} if already released. */
    boolean expire() {
        if (OVER.compareAndSet(this, 0, 1)) {
            expired = true;
            governance.settle(this, null);
            return true;
        }
        return false;
    }

    boolean expired() {
        return expired;
    }
}
