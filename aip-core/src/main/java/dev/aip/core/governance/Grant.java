package dev.aip.core.governance;

import dev.aip.core.chat.Admission;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.tenant.TenantContext;
import io.github.bucket4j.Bucket;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * What one admitted call holds: maybe a concurrency slot, maybe tokens reserved in a bucket, maybe a budget
 * reservation, all taken under the policy in force at admission. Released exactly once, by the caller
 * ({@link #release}) or by the lease sweeper ({@link #expire}), whichever comes first: the CAS on {@code over} decides.
 */
final class Grant implements Admission.Permit {

    final TenantContext tenant;
    final ResolvedProfile profile;
    final TenantLimits limits;
    final boolean slot;
    /** The bucket tokens were reserved in, or {@code null}. */
    final Bucket tokenBucket;
    final long reservedTokens;
    /** The budget reservation, or {@code null}. */
    final BudgetStore.Reservation budget;
    final BigDecimal budgetLimit;
    final Instant expiresAt;
    /** The fair-share reservation, or {@code null}. */
    final FairShareController.Ticket share;
    private final Governance governance;
    private final AtomicBoolean over = new AtomicBoolean();
    private volatile boolean expired;

    Grant(Governance governance, TenantContext tenant, ResolvedProfile profile, TenantLimits limits, boolean slot,
          Bucket tokenBucket, long reservedTokens, BudgetStore.Reservation budget, BigDecimal budgetLimit,
          Instant expiresAt, FairShareController.Ticket share) {
        this.governance = governance;
        this.tenant = tenant;
        this.profile = profile;
        this.limits = limits;
        this.slot = slot;
        this.tokenBucket = tokenBucket;
        this.reservedTokens = reservedTokens;
        this.budget = budget;
        this.budgetLimit = budgetLimit;
        this.expiresAt = expiresAt;
        this.share = share;
    }

    @Override
    public void release(List<UsageRecord> attempts) {
        Objects.requireNonNull(attempts, "attempts");
        if (over.compareAndSet(false, true)) {
            governance.settle(this, List.copyOf(attempts));
        } else {
            governance.lateRelease(this);
        }
    }

    /** Settles at the reservations, as if the call used all it reserved; {@code false} if already released. */
    boolean expire() {
        if (over.compareAndSet(false, true)) {
            expired = true;
            governance.settle(this, null);
            return true;
        }
        return false;
    }

    boolean expired() {
        return expired;
    }

    boolean isOver() {
        return over.get();
    }
}
