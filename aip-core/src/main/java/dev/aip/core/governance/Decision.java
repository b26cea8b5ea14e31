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
 * {@link BudgetExceededException} or {@link dev.aip.core.PolicyViolationException}), returned instead of thrown,
 * with the limit, what remains and when to retry.
 *
 * <p>Immutable.
 *
 * @param permit the permit of an admitted call, {@code null} if refused; release it exactly once
 * @param refusal why the call was refused, {@code null} if admitted
 */
public record Decision(Admission.@Nullable Permit permit, @Nullable AipException refusal) {

    /**
     * Validates.
     *
     * @throws IllegalArgumentException unless exactly one of permit and refusal is given
     */
    public Decision {
        if ((permit == null) == (refusal == null)) {
            throw new IllegalArgumentException("A decision holds either a permit or a refusal");
        }
    }

    static Decision admit(Admission.Permit permit) {
        return new Decision(Objects.requireNonNull(permit, "permit"), null);
    }

    static Decision refuse(AipException refusal) {
        return new Decision(null, Objects.requireNonNull(refusal, "refusal"));
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
     * Returns how long to wait before the same call may be admitted.
     *
     * @return the refusal's retry-after for rate limits and budgets; empty when admitted, or when waiting does not
     *     help (a policy violation)
     */
    public Optional<Duration> retryAfter() {
        if (refusal instanceof RateLimitExceededException e) {
            return Optional.of(e.retryAfter());
        }
        if (refusal instanceof BudgetExceededException e) {
            return Optional.of(e.retryAfter());
        }
        return Optional.empty();
    }
}
