package dev.aip.core.tenant;

import dev.aip.core.InvalidTenantIdException;
import dev.aip.core.InvalidTenantIdException.Reason;

/**
 * The validated identity of one tenant.
 *
 * <p>A tenant id is 1 to 64 characters matching {@code [A-Za-z0-9][A-Za-z0-9._-]{0,63}}: an ASCII letter or digit,
 * then ASCII letters, digits, {@code .}, {@code _} or {@code -}. Comparison is case-sensitive ({@code Acme} and
 * {@code acme} are two tenants), as AWS tag values are.
 *
 * <p>Why this alphabet: the id is written, unchanged, where AWS restricts characters the most.
 * <ul>
 *   <li>Tag values ({@code [a-zA-Z0-9\s._:/=+@-]*}, up to 256): every tenant-id character is allowed, so the
 *       {@code TenantId} tag on a profile holds the exact id. That tag, not the profile name, is the proof of
 *       ownership.</li>
 *   <li>{@code requestMetadata} values ({@code [a-zA-Z0-9\s:_@$#=/+,\-.]}, up to 256): likewise allowed, so
 *       attribution of calls on a shared (pooled) profile keeps the exact id.</li>
 *   <li>Profile names ({@code ([0-9a-zA-Z][ _-]?)+}, up to 64): every character is allowed except {@code .}, which
 *       maps to {@code -}. A name is a label, not the identity: mapping is not one-to-one ({@code a.b} and
 *       {@code a-b} meet, {@code a-.b} becomes {@code a--b}, which the pattern forbids) and a name prefix shortens
 *       the room left. Profile-name templates must therefore collapse separator runs, shorten with a hash when
 *       needed, and rely on the tag for ownership.</li>
 * </ul>
 * No whitespace, no {@code /}, {@code :} or {@code @}: they are legal in tags but would make ids ambiguous in ARNs,
 * log lines and paths. Map external ids (emails, UUIDs in braces, ids with spaces) to this alphabet before calling.
 *
 * <p>Immutable.
 *
 * @param value the id, exactly as validated
 */
public record TenantId(String value) implements Comparable<TenantId> {

    /** The maximum length of a tenant id, in characters. */
    public static final int MAX_LENGTH = 64;

    /** The pattern every tenant id matches, as a regular expression, for use in messages and documentation. */
    public static final String PATTERN = "[A-Za-z0-9][A-Za-z0-9._-]{0,63}";

    /**
     * Validates and creates a tenant id.
     *
     * @throws InvalidTenantIdException if {@code value} does not match {@link #PATTERN}; its reason and message name
     *     the problem (null, empty, blank, too long, control character, disallowed character at an index)
     */
    public TenantId {
        validate(value);
    }

    /**
     * Validates and creates a tenant id.
     *
     * @param value the candidate id
     * @return the tenant id
     * @throws InvalidTenantIdException if {@code value} does not match {@link #PATTERN}
     */
    public static TenantId of(String value) {
        return new TenantId(value);
    }

    /** Orders ids by their value, character by character (case-sensitive). */
    @Override
    public int compareTo(TenantId other) {
        return value.compareTo(other.value);
    }

    /** Returns the id itself, so a {@code TenantId} prints as the tenant id. */
    @Override
    public String toString() {
        return value;
    }

    private static void validate(String value) {
        if (value == null) {
            throw invalid(Reason.NULL, -1, "Tenant id is null");
        }
        if (value.isEmpty()) {
            throw invalid(Reason.EMPTY, -1, "Tenant id is empty");
        }
        if (value.isBlank()) {
            throw invalid(Reason.BLANK, -1, "Tenant id \"" + Texts.escape(value) + "\" is blank");
        }
        if (value.length() > MAX_LENGTH) {
            throw invalid(Reason.TOO_LONG, -1, "Tenant id \"" + Texts.escape(value) + "\" is too long: "
                    + value.length() + " characters, at most " + MAX_LENGTH + " allowed");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isISOControl(c)) {
                throw invalid(Reason.CONTROL_CHARACTER, i, "Tenant id \"" + Texts.escape(value)
                        + "\" contains a control character " + Texts.describe(c) + " at index " + i);
            }
            if (i == 0 && !isAsciiLetterOrDigit(c)) {
                throw invalid(Reason.INVALID_FIRST_CHARACTER, 0, "Tenant id \"" + Texts.escape(value)
                        + "\" starts with " + Texts.describe(c) + "; the first character must be an ASCII letter"
                        + " or digit");
            }
            if (!isAsciiLetterOrDigit(c) && c != '.' && c != '_' && c != '-') {
                throw invalid(Reason.DISALLOWED_CHARACTER, i, "Tenant id \"" + Texts.escape(value)
                        + "\" contains the disallowed character " + Texts.describe(c) + " at index " + i);
            }
        }
    }

    private static InvalidTenantIdException invalid(Reason reason, int index, String problem) {
        return new InvalidTenantIdException(reason, index, problem + ". A tenant id must match " + PATTERN
                + " (1-" + MAX_LENGTH + " ASCII letters, digits, '.', '_' or '-', starting with a letter or digit);"
                + " map external ids to this form before calling.");
    }

    private static boolean isAsciiLetterOrDigit(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }
}
