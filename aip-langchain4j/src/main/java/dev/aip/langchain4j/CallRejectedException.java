package dev.aip.langchain4j;

import dev.aip.core.AipException;
import dev.langchain4j.exception.NonRetriableException;
import java.util.Objects;

/**
 * A model call that aip refused before sending it to Bedrock: no tenant, a profile that could not be resolved, or a
 * governance refusal (rate limit, budget, policy). The aip exception that says why is the {@linkplain #getCause()
 * cause} and {@link #aipException()}.
 *
 * <p>It extends LangChain4j's {@link NonRetriableException} because LangChain4j's model retry repeats every other
 * exception (twice, after 0.5 s and 0.75 s): a refusal would be asked again at once, each time writing another
 * {@code REJECTED_BY_POLICY} record, and a budget or policy refusal cannot change in that time. Whether and when a
 * retry can succeed is the caller's decision: see {@link AipException#retryable()} and, for rate limits,
 * {@link dev.aip.core.RateLimitExceededException#retryAfter()}.
 *
 * <p>Immutable after construction.
 */
public final class CallRejectedException extends NonRetriableException {

    private static final long serialVersionUID = 1L;

    private final transient AipException aipException;

    /**
     * Wraps a refusal.
     *
     * @param aipException why aip refused the call
     */
    public CallRejectedException(AipException aipException) {
        super(Objects.requireNonNull(aipException, "aipException").getMessage(), aipException);
        this.aipException = aipException;
    }

    /**
     * Returns why aip refused the call.
     *
     * @return the refusal, e.g. a {@link dev.aip.core.BudgetExceededException}
     */
    public AipException aipException() {
        return aipException;
    }
}
