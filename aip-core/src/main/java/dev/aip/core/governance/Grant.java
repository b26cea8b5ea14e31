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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one admitted call holds: maybe a concurrency slot, maybe tokens reserved in a bucket, maybe a budget
 * reservation, all taken under the policy in force at admission. Released exactly once, by the caller
 * ({@link #release}) or by the lease sweeper ({@link #expire}), whichever comes first: the CAS on {@code over} decides.
 *
 * <p>A grant is created when admission starts and records each thing as it is taken, so that a refusal gives back
 * exactly what was taken ({@link #giveBack}). Those fields are written only by the admitting thread before the grant
 * is registered in {@link OpenPermits} (a monitor) and handed to the caller, and read only after that.
 */
final class Grant implements Admission.Permit {

    private static final Logger LOG = LoggerFactory.getLogger(Grant.class);
    private static final VarHandle OVER;

    static {
        try {
            OVER = MethodHandles.lookup().findVarHandle(Grant.class, "over", int.class);
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
    FairShareController.Ticket share;

    /** Registry links, guarded by the stripe's monitor. */
    OpenPermits.Stripe stripe;
    Grant prev;
    Grant next;

    @SuppressWarnings("unused") // through OVER
    private volatile int over;
    private volatile boolean expired;

    Grant(Governance governance, TenantContext tenant, ResolvedProfile profile, TenantLimits limits,
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

    /**
     * Gives back, in reverse order, what a refused admission took; never throws. The budget is the last check, so a
     * refused call holds no reservation.
     */
    void giveBack() {
        if (share != null) {
            try {
                share.cancel();
            } catch (RuntimeException e) {
                LOG.warn("Could not give back the fair-share reservation a refused call of tenant {} took",
                        tenant.id(), e);
            }
        }
        if (tokenBucket != null) {
            try {
                tokenBucket.addTokens(reservedTokens);
            } catch (RuntimeException e) {
                LOG.warn("Could not give back the tokens a refused call of tenant {} took", tenant.id(), e);
            }
        }
        if (requestBucket != null) {
            try {
                requestBucket.addTokens(1);
            } catch (RuntimeException e) {
                LOG.warn("Could not give back the request a refused call of tenant {} took", tenant.id(), e);
            }
        }
        releaseSlot();
    }

    /** Releases the concurrency slot, if one was taken; never throws. */
    void releaseSlot() {
        if (slot != null) {
            try {
                slot.release();
            } catch (RuntimeException e) {
                LOG.warn("Could not release the concurrency slot of a call of tenant {}; a shared state reclaims it"
                        + " when its lease ends", tenant.id(), e);
            }
        }
    }

    boolean expired() {
        return expired;
    }
}
