package dev.aip.core.governance;

import dev.aip.core.AipException;
import dev.aip.core.BudgetExceededException;
import dev.aip.core.RateLimitExceededException;
import dev.aip.core.chat.Admission;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * The answer of {@link Governance#tryAdmit}: a permit to release when the call is over, or the refusal.
 *
 * <p>The refusal is the typed exception {@link Governance#admit} would throw ({@link RateLimitExceededException},
 * {@link BudgetExceededException}, {@link dev.aip.core.PolicyViolationException} or
 * {@link dev.aip.core.GovernanceUnavailableException}), returned instead of thrown, with the limit, what remains and
 * when to retry. It is built on first request: a refused call that nobody asks about costs no exception and no
 * message.
 *
 * <p>Immutable and thread-safe.
 */
public final class Decision {

    private final Admission.@Nullable Permit permit;
    private final @Nullable Refusal refused;
    private volatile @Nullable AipException refusal;

    private Decision(Admission.@Nullable Permit permit, @Nullable Refusal refused) {
        this.permit = permit;
        this.refused = refused;
    }

    static Decision admit(Admission.Permit permit) {
        return new Decision(Objects.requireNonNull(permit, "permit"), null);
    }

    static Decision refuse(Refusal refused) {
        return new Decision(null, Objects.requireNonNull(refused, "refused"));
    }

    /**
     * Returns whether the call may go ahead.
     *
     * @return {@code true} if there is a permit
     */
    public boolean admitted() {
        return permit != null;
    }

    /**
     * Returns the permit of an admitted call.
     *
     * @return the permit, to release exactly once; {@code null} if refused
     */
    public Admission.@Nullable Permit permit() {
        return permit;
    }

    /**
     * Returns why the call was refused.
     *
     * @return the exception {@link Governance#admit} would throw, the same object on every call; {@code null} if
     *     admitted
     */
    public @Nullable AipException refusal() {
        if (refused == null) {
            return null;
        }
        AipException e = refusal;
        if (e == null) {
            synchronized (this) {
                e = refusal;
                if (e == null) {
                    e = refused.exception();
                    refusal = e;
                }
            }
        }
        return e;
    }

    /** The refusal as a value, or {@code null} if admitted; for tests and the async path's comparisons. */
    @Nullable Refusal refused() {
        return refused;
    }

    /**
     * Returns how long to wait before the same call may be admitted.
     *
     * @return the refusal's retry-after for rate limits and budgets; empty when admitted, or when waiting does not
     *     help (a policy violation)
     */
    public Optional<Duration> retryAfter() {
        return refused == null ? Optional.empty() : Optional.ofNullable(refused.retryAfter());
    }

    @Override
    public String toString() {
        return refused == null ? "Decision[admitted]" : "Decision[refused: " + refused + "]";
    }
}
