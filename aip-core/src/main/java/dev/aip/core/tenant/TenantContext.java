package dev.aip.core.tenant;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * Who a model call is made for: the tenant, its tier, and free attributes (end user, feature, workflow run, step)
 * that are copied into every usage record and may be forwarded to Bedrock as {@code requestMetadata}.
 *
 * <p>Because attributes may be forwarded to {@code requestMetadata}, they follow its rules, slightly tightened:
 * <ul>
 *   <li>at most {@value #MAX_ATTRIBUTES} entries, leaving two of Bedrock's 16 for the tenant id and tier the
 *       library adds;</li>
 *   <li>keys of 1 to 256 characters and values of 0 to 256 characters from
 *       {@code [a-zA-Z0-9 :_@$#=/+,.-]}. Bedrock also accepts tabs and line breaks here; they are refused because
 *       they break log lines.</li>
 * </ul>
 * Attributes are kept sorted by key, so they print and forward in a stable order.
 *
 * <p>Immutable; the {@code with*} methods return new instances.
 *
 * @param id the tenant
 * @param tier the tenant's tier
 * @param attributes free attributes, copied; never {@code null}
 */
public record TenantContext(TenantId id, Tier tier, Map<String, String> attributes) {

    /** The maximum number of attributes. */
    public static final int MAX_ATTRIBUTES = 14;

    /** The maximum length of an attribute key or value, in characters. */
    public static final int MAX_ATTRIBUTE_LENGTH = 256;

    /**
     * Validates and creates a context; the attribute map is copied.
     *
     * @throws NullPointerException if any argument, key or value is {@code null}
     * @throws IllegalArgumentException if an attribute breaks the rules above
     */
    public TenantContext {
        if (id == null) {
            throw new NullPointerException("TenantContext.id is null");
        }
        if (tier == null) {
            throw new NullPointerException("TenantContext.tier is null; use Tier.STANDARD when there is no tier");
        }
        if (attributes == null) {
            throw new NullPointerException("TenantContext.attributes is null; use Map.of() for none");
        }
        TreeMap<String, String> copy = new TreeMap<>();
        for (Map.Entry<String, String> e : attributes.entrySet()) {
            checkAttribute(e.getKey(), e.getValue());
            copy.put(e.getKey(), e.getValue());
        }
        if (copy.size() > MAX_ATTRIBUTES) {
            throw new IllegalArgumentException("Tenant " + id + " has " + copy.size() + " attributes; at most "
                    + MAX_ATTRIBUTES + " are allowed because they may be forwarded as Bedrock requestMetadata"
                    + " (16 entries, two used by the library). Put the rest in the usage record's attributes.");
        }
        attributes = Collections.unmodifiableMap(copy);
    }

    /**
     * Creates a context for a tenant in the {@link Tier#STANDARD} tier with no attributes.
     *
     * @param id the tenant id, validated
     * @return the context
     * @throws dev.aip.core.InvalidTenantIdException if {@code id} is not a valid tenant id
     */
    public static TenantContext of(String id) {
        return new TenantContext(TenantId.of(id), Tier.STANDARD, Map.of());
    }

    /**
     * Creates a context for a tenant in the {@link Tier#STANDARD} tier with no attributes.
     *
     * @param id the tenant
     * @return the context
     */
    public static TenantContext of(TenantId id) {
        return new TenantContext(id, Tier.STANDARD, Map.of());
    }

    /**
     * Returns a copy in another tier.
     *
     * @param newTier the tier
     * @return a new context
     */
    public TenantContext withTier(Tier newTier) {
        return new TenantContext(id, newTier, attributes);
    }

    /**
     * Returns a copy with one attribute added or replaced.
     *
     * @param key the attribute key
     * @param value the attribute value
     * @return a new context
     * @throws IllegalArgumentException if the key or value breaks the attribute rules, or there would be too many
     */
    public TenantContext withAttribute(String key, String value) {
        TreeMap<String, String> copy = new TreeMap<>(attributes);
        copy.put(key, value);
        return new TenantContext(id, tier, copy);
    }

    private static void checkAttribute(String key, String value) {
        if (key == null || value == null) {
            throw new NullPointerException("Attribute " + (key == null ? "key" : "\"" + Texts.escape(key) + "\"")
                    + " is null; attributes need a non-null key and value");
        }
        if (key.isEmpty() || key.length() > MAX_ATTRIBUTE_LENGTH) {
            throw new IllegalArgumentException("Attribute key \"" + Texts.escape(key) + "\" has " + key.length()
                    + " characters; keys need 1-" + MAX_ATTRIBUTE_LENGTH);
        }
        if (value.length() > MAX_ATTRIBUTE_LENGTH) {
            throw new IllegalArgumentException("Attribute \"" + Texts.escape(key) + "\" has a value of "
                    + value.length() + " characters; at most " + MAX_ATTRIBUTE_LENGTH + " are allowed");
        }
        checkChars("key", key, key);
        checkChars("value", key, value);
    }

    private static void checkChars(String what, String key, String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (!isMetadataChar(c)) {
                throw new IllegalArgumentException("Attribute " + what + " of \"" + Texts.escape(key)
                        + "\" contains the disallowed character " + Texts.describe(c) + " at index " + i
                        + "; allowed are ASCII letters, digits, space and :_@$#=/+,.- (Bedrock requestMetadata)");
            }
        }
    }

    private static boolean isMetadataChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || " :_@$#=/+,.-".indexOf(c) >= 0;
    }
}
