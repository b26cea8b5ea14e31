package dev.aip.core.profile;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * Bedrock's control-plane input constraints, checked before a request leaves the process so that the error names
 * the offending value (AWS's own messages do not). Values from the Bedrock API model (CreateInferenceProfile,
 * TagResource). Stateless.
 */
final class Constraints {

    static final int MAX_NAME_LENGTH = 64;
    static final int MAX_DESCRIPTION_LENGTH = 200;
    static final int MAX_TOKEN_LENGTH = 256;
    static final int MAX_TAG_KEY_LENGTH = 128;
    static final int MAX_TAG_VALUE_LENGTH = 256;
    static final int MAX_TAGS_PER_RESOURCE = 50;

    static final Pattern NAME = Pattern.compile("([0-9a-zA-Z][ _-]?)+");
    static final Pattern DESCRIPTION = Pattern.compile("([0-9a-zA-Z:.][ _-]?)+");
    static final Pattern TOKEN = Pattern.compile("[a-zA-Z0-9]([-a-zA-Z0-9]{0,254}[a-zA-Z0-9])?");
    static final Pattern COPY_FROM = Pattern.compile(
            "arn:aws(|-us-gov|-cn|-iso|-iso-b):bedrock:(|[0-9a-z-]{0,20}):(|[0-9]{12}):"
                    + "(inference-profile|foundation-model)/[a-zA-Z0-9-:.]+");
    static final Pattern PROFILE_ARN = Pattern.compile(
            "arn:aws(|-us-gov|-cn|-iso|-iso-b):bedrock:(|[0-9a-z-]{0,20}):(|[0-9]{12}):"
                    + "(inference-profile|application-inference-profile)/[a-zA-Z0-9-:.]+");
    static final Pattern IDENTIFIER = Pattern.compile(
            "(arn:aws(|-us-gov|-cn|-iso|-iso-b):bedrock:(|[0-9a-z-]{0,20}):(|[0-9]{12}):"
                    + "(inference-profile|application-inference-profile)/)?[a-zA-Z0-9-:.]+");
    static final Pattern TAG_TEXT = Pattern.compile("[a-zA-Z0-9\\s._:/=+@-]*");

    private Constraints() {
    }

    static String requireName(String name) {
        if (name == null) {
            throw new IllegalArgumentException("profile name is null");
        }
        if (name.isEmpty() || name.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("profile name \"" + name + "\" has " + name.length()
                    + " characters; Bedrock accepts 1-" + MAX_NAME_LENGTH);
        }
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("profile name \"" + name + "\" does not match " + NAME.pattern()
                    + ": letters and digits, with single space, '_' or '-' separators, starting with a letter"
                    + " or digit");
        }
        return name;
    }

    static String requireDescription(String description) {
        if (description == null) {
            return null;
        }
        if (description.isEmpty() || description.length() > MAX_DESCRIPTION_LENGTH) {
            throw new IllegalArgumentException("profile description \"" + description + "\" has "
                    + description.length() + " characters; Bedrock accepts 1-" + MAX_DESCRIPTION_LENGTH);
        }
        if (!DESCRIPTION.matcher(description).matches()) {
            throw new IllegalArgumentException("profile description \"" + description + "\" does not match "
                    + DESCRIPTION.pattern() + ": letters, digits, ':' and '.', with single space, '_' or '-'"
                    + " separators (no commas, slashes or brackets)");
        }
        return description;
    }

    static String requireToken(String token) {
        if (token == null) {
            return null;
        }
        if (token.length() > MAX_TOKEN_LENGTH || !TOKEN.matcher(token).matches()) {
            throw new IllegalArgumentException("clientRequestToken \"" + token + "\" must match "
                    + TOKEN.pattern() + " and have at most " + MAX_TOKEN_LENGTH + " characters");
        }
        return token;
    }

    static String requireCopyFrom(String copyFrom) {
        if (copyFrom == null) {
            throw new IllegalArgumentException("copyFrom ARN is null");
        }
        if (copyFrom.length() > 2048 || !COPY_FROM.matcher(copyFrom).matches()) {
            throw new IllegalArgumentException("copyFrom \"" + copyFrom + "\" is not a foundation-model ARN"
                    + " (arn:aws:bedrock:REGION::foundation-model/MODEL_ID) or a system inference-profile ARN"
                    + " (arn:aws:bedrock:REGION:ACCOUNT:inference-profile/PROFILE_ID); application profiles"
                    + " cannot be copied");
        }
        return copyFrom;
    }

    static String requireProfileArn(String arn) {
        if (arn == null) {
            throw new IllegalArgumentException("profile ARN is null");
        }
        if (arn.length() > 2048 || !PROFILE_ARN.matcher(arn).matches()) {
            throw new IllegalArgumentException("\"" + arn + "\" is not an inference-profile ARN"
                    + " (arn:aws:bedrock:REGION:ACCOUNT:application-inference-profile/ID)");
        }
        return arn;
    }

    static String requireIdentifier(String arnOrId) {
        if (arnOrId == null) {
            throw new IllegalArgumentException("profile identifier is null");
        }
        if (arnOrId.isEmpty() || arnOrId.length() > 2048 || !IDENTIFIER.matcher(arnOrId).matches()) {
            throw new IllegalArgumentException("\"" + arnOrId + "\" is neither an inference-profile ARN nor a"
                    + " profile id ([a-zA-Z0-9-:.]+)");
        }
        return arnOrId;
    }

    static void requireTag(String key, String value) {
        requireTagKey(key);
        if (value == null) {
            throw new IllegalArgumentException("tag \"" + key + "\" has a null value; use \"\" for an empty one");
        }
        if (value.length() > MAX_TAG_VALUE_LENGTH) {
            throw new IllegalArgumentException("tag \"" + key + "\" has a value of " + value.length()
                    + " characters; Bedrock accepts at most " + MAX_TAG_VALUE_LENGTH);
        }
        if (!TAG_TEXT.matcher(value).matches()) {
            throw new IllegalArgumentException("tag \"" + key + "\" has the value \"" + value
                    + "\", which does not match " + TAG_TEXT.pattern()
                    + " (letters, digits, whitespace and . _ : / = + @ -)");
        }
    }

    static void requireTagKey(String key) {
        if (key == null) {
            throw new IllegalArgumentException("tag key is null");
        }
        if (key.isEmpty() || key.length() > MAX_TAG_KEY_LENGTH) {
            throw new IllegalArgumentException("tag key \"" + key + "\" has " + key.length()
                    + " characters; Bedrock accepts 1-" + MAX_TAG_KEY_LENGTH);
        }
        if (!TAG_TEXT.matcher(key).matches()) {
            throw new IllegalArgumentException("tag key \"" + key + "\" does not match " + TAG_TEXT.pattern()
                    + " (letters, digits, whitespace and . _ : / = + @ -)");
        }
        if (key.regionMatches(true, 0, "aws:", 0, 4)) {
            throw new IllegalArgumentException("tag key \"" + key + "\" uses the prefix aws:, which AWS reserves");
        }
    }

    static void requireTags(Map<String, String> tags) {
        if (tags.size() > MAX_TAGS_PER_RESOURCE) {
            throw new IllegalArgumentException(tags.size() + " tags given; Bedrock allows at most "
                    + MAX_TAGS_PER_RESOURCE + " per resource (keys: " + tags.keySet() + ")");
        }
        tags.forEach(Constraints::requireTag);
    }
}
