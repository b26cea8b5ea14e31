package dev.aip.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Checks the members of one request against the constraints of the Bedrock service model and reports every
 * violation at once, worded the way AWS services word them:
 *
 * <pre>{@code
 * 1 validation error detected: Value 'a!' at 'inferenceProfileName' failed to satisfy constraint: Member must
 * satisfy regular expression pattern: ([0-9a-zA-Z][ _-]?)+
 * }</pre>
 *
 * <p>The patterns are the model's, verbatim. Confined: one instance per request, on one thread.
 */
final class Validation {

    static final String PROFILE_NAME_PATTERN = "([0-9a-zA-Z][ _-]?)+";
    static final String DESCRIPTION_PATTERN = "([0-9a-zA-Z:.][ _-]?)+";
    static final String REQUEST_TOKEN_PATTERN = "[a-zA-Z0-9]([-a-zA-Z0-9]{0,254}[a-zA-Z0-9])?";
    static final String COPY_FROM_PATTERN = "arn:aws(|-us-gov|-cn|-iso|-iso-b):bedrock:(|[0-9a-z-]{0,20}):(|[0-9]{12}):"
            + "(inference-profile|foundation-model)/[a-zA-Z0-9-:.]+";
    static final String TAG_PATTERN = "[a-zA-Z0-9\\s._:/=+@-]*";
    static final String PROFILE_IDENTIFIER_PATTERN = "(arn:aws(|-us-gov|-cn|-iso|-iso-b):bedrock:(|[0-9a-z-]{0,20}):"
            + "(|[0-9]{12}):(inference-profile|application-inference-profile)/)?[a-zA-Z0-9-:.]+";
    /** The branch of the model's long {@code TaggableResourcesArn} alternation that covers inference profiles. */
    static final String TAGGABLE_PROFILE_ARN_PATTERN = ".*(arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:([0-9]{12}|):"
            + "(inference-profile|application-inference-profile)/[a-zA-Z0-9-:.]+).*";
    static final String NEXT_TOKEN_PATTERN = "\\S*";
    static final String PROVIDER_PATTERN = "[A-Za-z0-9- ]{1,63}";

    static final Pattern PROFILE_NAME = Pattern.compile(PROFILE_NAME_PATTERN);
    static final Pattern DESCRIPTION = Pattern.compile(DESCRIPTION_PATTERN);
    static final Pattern REQUEST_TOKEN = Pattern.compile(REQUEST_TOKEN_PATTERN);
    static final Pattern COPY_FROM = Pattern.compile(COPY_FROM_PATTERN);
    static final Pattern TAG = Pattern.compile(TAG_PATTERN);
    static final Pattern PROFILE_IDENTIFIER = Pattern.compile(PROFILE_IDENTIFIER_PATTERN);
    static final Pattern TAGGABLE_PROFILE_ARN = Pattern.compile(TAGGABLE_PROFILE_ARN_PATTERN);
    static final Pattern NEXT_TOKEN = Pattern.compile(NEXT_TOKEN_PATTERN);
    static final Pattern PROVIDER = Pattern.compile(PROVIDER_PATTERN);

    private static final int SHOWN_VALUE_CHARS = 128;

    private final List<String> violations = new ArrayList<>();

    /** Reads an optional string member; JSON {@code null} counts as absent, as in AWS's deserialisers. */
    static String string(JsonNode parent, String member, String path) {
        JsonNode node = parent.get(member);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual()) {
            throw ApiError.validation("1 validation error detected: Value at '" + path
                    + "' failed to satisfy constraint: Member must be a string, was " + node.getNodeType());
        }
        return node.textValue();
    }

    /** Records a violation when a required member is absent. Returns whether it is present. */
    boolean required(String path, Object value) {
        if (value == null) {
            violations.add("Value null at '" + path + "' failed to satisfy constraint: Member must not be null");
            return false;
        }
        return true;
    }

    /**
     * Checks length bounds and then, if the length is within bounds, the pattern. The pattern is skipped for an
     * over-long value because {@code java.util.regex} recurses once per repetition of a group and a multi-megabyte
     * value would overflow the stack; the length violation already rejects the request.
     */
    Validation text(String path, String value, int min, int max, Pattern pattern, boolean sensitive) {
        if (value == null) {
            return this;
        }
        String shown = sensitive ? "*** Sensitive Data Redacted ***" : shown(value);
        boolean lengthOk = true;
        if (value.length() < min) {
            violations.add(valueAt(shown, path) + "Member must have length greater than or equal to " + min);
            lengthOk = false;
        }
        if (value.length() > max) {
            violations.add(valueAt(shown, path) + "Member must have length less than or equal to " + max);
            lengthOk = false;
        }
        if (lengthOk && pattern != null && !pattern.matcher(value).matches()) {
            violations.add(valueAt(shown, path) + "Member must satisfy regular expression pattern: "
                    + pattern.pattern());
        }
        return this;
    }

    Validation listSize(String path, int size, int max) {
        if (size > max) {
            violations.add("Value at '" + path + "' failed to satisfy constraint: Member must have length less than"
                    + " or equal to " + max);
        }
        return this;
    }

    Validation range(String path, long value, long min, long max) {
        if (value < min) {
            violations.add("Value '" + value + "' at '" + path
                    + "' failed to satisfy constraint: Member must have value greater than or equal to " + min);
        } else if (value > max) {
            violations.add("Value '" + value + "' at '" + path
                    + "' failed to satisfy constraint: Member must have value less than or equal to " + max);
        }
        return this;
    }

    Validation oneOf(String path, String value, List<String> allowed) {
        if (value != null && !allowed.contains(value)) {
            violations.add(valueAt(shown(value), path) + "Member must satisfy enum value set: " + allowed);
        }
        return this;
    }

    /** Records a violation worded by the caller, for constraints the model states in prose. */
    Validation violation(String path, String value, String constraint) {
        violations.add(valueAt(shown(value), path) + constraint);
        return this;
    }

    boolean ok() {
        return violations.isEmpty();
    }

    /** Throws one {@code ValidationException} listing every violation recorded so far, if any. */
    void throwIfInvalid() {
        if (violations.isEmpty()) {
            return;
        }
        int n = violations.size();
        throw ApiError.validation(n + " validation error" + (n == 1 ? "" : "s") + " detected: "
                + String.join("; ", violations));
    }

    private static String valueAt(String shown, String path) {
        return "Value '" + shown + "' at '" + path + "' failed to satisfy constraint: ";
    }

    private static String shown(String value) {
        return value.length() <= SHOWN_VALUE_CHARS ? value : value.substring(0, SHOWN_VALUE_CHARS) + "...";
    }
}
