package dev.aip.core.profile;

import dev.aip.core.ConfigurationException;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How a tenant's profile is named, e.g. {@code "{tenant}-{model}"}. Placeholders: {@code {tenant}} (required),
 * {@code {model}} (the logical model) and {@code {tier}}.
 *
 * <p>Bedrock names are 1-64 characters of {@code ([0-9a-zA-Z][ _-]?)+}. A rendered name that already fits is used
 * as is: {@code acme-claude-haiku}. Otherwise it is sanitised (every character other than a letter, digit, space,
 * {@code _} or {@code -} becomes {@code -}, runs of separators collapse to their first character, separators at
 * either end are dropped), cut to fit, and suffixed with {@code _h} and ten base-32 characters of the SHA-256 of the
 * unsanitised text: {@code acme-claude-3-5-haiku_hq3xk2m7a4d}. A rendered name that merely looks like such a
 * suffixed name is suffixed too, so a plain name can never equal a suffixed one. Hence, for one model, distinct
 * tenants always get distinct names (up to a 50-bit hash collision among suffixed names), and the name of a tenant
 * never changes between runs.
 *
 * <p>Names are for people; ownership is decided by tags only (see {@link TagSchema}).
 *
 * <p>Immutable.
 *
 * @param pattern the template text
 */
public record ProfileNameTemplate(String pattern) {

    private static final String POOL_PATTERN = "pool-{tier}-{model}";
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{([^}]*)}");
    private static final Pattern HASHED = Pattern.compile("_h[a-z2-7]{10}$");
    private static final int HASH_CHARS = 10;
    private static final int SUFFIX_LENGTH = 2 + HASH_CHARS;
    private static final char[] BASE32 = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();

    /** The default template, {@code {tenant}-{model}}. */
    public static final ProfileNameTemplate DEFAULT = new ProfileNameTemplate("{tenant}-{model}");

    /**
     * Validates the template.
     *
     * @throws ConfigurationException if it lacks {@code {tenant}} or uses an unknown placeholder
     */
    public ProfileNameTemplate {
        Objects.requireNonNull(pattern, "pattern");
        var m = PLACEHOLDER.matcher(pattern);
        while (m.find()) {
            String name = m.group(1);
            if (!name.equals("tenant") && !name.equals("model") && !name.equals("tier")) {
                throw new ConfigurationException("Profile name template \"" + pattern + "\" uses the unknown"
                        + " placeholder {" + name + "}; use {tenant}, {model} and {tier}");
            }
        }
        if (!pattern.contains("{tenant}")) {
            throw new ConfigurationException("Profile name template \"" + pattern + "\" lacks {tenant}; without it"
                    + " all tenants would get the same profile name");
        }
    }

    /** A template from its text, e.g. {@code ProfileNameTemplate.of("saas-{tenant}-{model}")}. */
    public static ProfileNameTemplate of(String pattern) {
        return new ProfileNameTemplate(pattern);
    }

    /**
     * Renders the name of a tenant's profile.
     *
     * @return a valid Bedrock profile name, at most 64 characters
     */
    public String render(TenantId tenant, Tier tier, String logicalModel) {
        Objects.requireNonNull(tenant, "tenant");
        return fit(substitute(pattern, tenant.value(), tier, logicalModel));
    }

    /** The name of a tier's pool profile for a logical model: {@code pool-TIER-MODEL}, fitted the same way. */
    static String renderPool(Tier tier, String logicalModel) {
        return fit(substitute(POOL_PATTERN, "", tier, logicalModel));
    }

    private static String substitute(String pattern, String tenant, Tier tier, String logicalModel) {
        Objects.requireNonNull(tier, "tier");
        Objects.requireNonNull(logicalModel, "logicalModel");
        return pattern.replace("{tenant}", tenant).replace("{model}", logicalModel).replace("{tier}", tier.name());
    }

    static String fit(String raw) {
        if (raw.length() <= Constraints.MAX_NAME_LENGTH && Constraints.NAME.matcher(raw).matches()
                && !HASHED.matcher(raw).find()) {
            return raw;
        }
        String base = sanitise(raw);
        int room = Constraints.MAX_NAME_LENGTH - SUFFIX_LENGTH;
        if (base.length() > room) {
            base = stripTrailingSeparators(base.substring(0, room));
        }
        String suffix = "_h" + hash(raw);
        return base.isEmpty() ? "p" + suffix : base + suffix;
    }

    private static String sanitise(String raw) {
        StringBuilder out = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
            if (alnum) {
                out.append(c);
                continue;
            }
            char sep = (c == ' ' || c == '_' || c == '-') ? c : '-';
            int last = out.length() - 1;
            if (last >= 0 && !isSeparator(out.charAt(last))) {
                out.append(sep);
            }
        }
        return stripTrailingSeparators(out.toString());
    }

    private static boolean isSeparator(char c) {
        return c == ' ' || c == '_' || c == '-';
    }

    private static String stripTrailingSeparators(String s) {
        int end = s.length();
        while (end > 0 && isSeparator(s.charAt(end - 1))) {
            end--;
        }
        return s.substring(0, end);
    }

    private static String hash(String raw) {
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-256").digest(raw.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every JDK", e);
        }
        StringBuilder out = new StringBuilder(HASH_CHARS);
        long bits = 0;
        for (int i = 0; i < 8; i++) {
            bits = (bits << 8) | (digest[i] & 0xff);
        }
        for (int i = 0; i < HASH_CHARS; i++) {
            out.append(BASE32[(int) ((bits >>> (59 - 5 * i)) & 31)]);
        }
        return out.toString();
    }
}
