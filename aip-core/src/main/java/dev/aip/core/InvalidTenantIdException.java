package dev.aip.core;

/**
 * Thrown when a string is not a valid tenant id.
 *
 * <p>{@link #reason()} says which rule was broken and {@link #index()} where, so callers can map the failure to their
 * own error responses. The message shows the rejected value with control characters escaped, and is safe to log.
 *
 * <p>Never retryable: the same input fails again. {@link #tenant()} is always empty, since the id is not valid.
 *
 * <p>Immutable.
 *
 * @see dev.aip.core.tenant.TenantId
 */
public final class InvalidTenantIdException extends AipException {

    private static final long serialVersionUID = 1L;

    /** The rule a rejected tenant id broke. */
    public enum Reason {
        /** The value was {@code null}. */
        NULL,
        /** The value was the empty string. */
        EMPTY,
        /** The value contained only whitespace. */
        BLANK,
        /** The value was longer than the maximum length. */
        TOO_LONG,
        /** The value contained a control character (for example a line break or NUL). */
        CONTROL_CHARACTER,
        /** The first character was not an ASCII letter or digit. */
        INVALID_FIRST_CHARACTER,
        /** A character other than an ASCII letter, digit, {@code .}, {@code _} or {@code -} was found. */
        DISALLOWED_CHARACTER
    }

    private final Reason reason;
    private final int index;

    /**
     * Creates the exception.
     *
     * @param reason the rule that was broken
     * @param index the index of the offending character, or {@code -1} when the problem is not one character
     * @param message the full message, naming the problem and the rule
     */
    public InvalidTenantIdException(Reason reason, int index, String message) {
        super(message, null, false, null);
        this.reason = reason;
        this.index = index;
    }

    /**
     * Returns the rule that was broken.
     *
     * @return the reason, never {@code null}
     */
    public Reason reason() {
        return reason;
    }

    /**
     * Returns the index (in UTF-16 chars) of the offending character.
     *
     * @return the index, or {@code -1} when the problem is not a single character (null, empty, blank, too long)
     */
    public int index() {
        return index;
    }
}
