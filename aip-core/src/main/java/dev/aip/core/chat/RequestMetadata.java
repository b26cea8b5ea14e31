package dev.aip.core.chat;

import dev.aip.core.tenant.TenantContext;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Set;

/**
 * The {@code requestMetadata} every routed call carries to Bedrock, and the rule that merges it with the caller's
 * own entries. Both the chat pipeline and the SDK interceptor use it, so both send the same entries.
 *
 * <p>Bedrock accepts 1–16 entries; keys of 1–256 and values of 0–256 characters of
 * {@code [a-zA-Z0-9 :_@$#=/+,.-]} (Bedrock also allows other whitespace; tabs and line breaks are refused here
 * because they break log lines). The merged map is, in this order:
 * <ol>
 *   <li><b>Library entries, always:</b> {@value #TENANT_KEY} = the tenant id, {@value #TIER_KEY} = the tier name,
 *       and {@value #POOLED_KEY} = {@code true} when the tenant runs on a shared tier profile (on a pooled profile
 *       these entries are what attributes the call in the invocation logs).</li>
 *   <li><b>The caller's own entries</b> (the request's {@code requestMetadata}): at most {@value #MAX_OWN_ENTRIES},
 *       so that they always fit next to the library entries. Breaking a rule is an error, never a silent trim: a
 *       reserved key with another value than the library's, a 14th entry, a bad character or length.</li>
 *   <li><b>The tenant context's attributes</b>, in key order, while there is room (16 in all); keys already present
 *       are skipped, and attributes that do not fit are left out of Bedrock's metadata (they are still in every
 *       usage record).</li>
 * </ol>
 *
 * <p>Thread-safe: stateless.
 */
public final class RequestMetadata {

    /** Key of the tenant id entry. */
    public static final String TENANT_KEY = "tenantId";
    /** Key of the tier entry. */
    public static final String TIER_KEY = "tier";
    /** Key of the pooled-profile entry, present with value {@code true} only on pooled profiles. */
    public static final String POOLED_KEY = "pooled";
    /** Bedrock's entry limit. */
    public static final int MAX_ENTRIES = 16;
    /** How many entries a caller may add: {@link #MAX_ENTRIES} less the three library keys. */
    public static final int MAX_OWN_ENTRIES = 13;
    /** Longest key or value, in characters. */
    public static final int MAX_LENGTH = 256;

    private static final Set<String> RESERVED = Set.of(TENANT_KEY, TIER_KEY, POOLED_KEY);

    private RequestMetadata() {
    }

    /**
     * Merges the library entries, the caller's own entries and the tenant's attributes by the rule above.
     *
     * @param tenant the tenant the call is for
     * @param pooled whether the call goes to a shared tier profile
     * @param own the caller's entries; reserved keys are allowed only with the library's value
     * @return the entries to send, in order; unmodifiable
     * @throws IllegalArgumentException if {@code own} breaks a rule; the message names the entry
     */
    public static Map<String, String> merge(TenantContext tenant, boolean pooled, Map<String, String> own) {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(own, "own");
        // Room for every entry the loops may add (the own-entry check throws only after the loop).
        Frozen out = new Frozen(3 + own.size() + Math.min(tenant.attributes().size(), MAX_ENTRIES));
        out.add(TENANT_KEY, tenant.id().value());
        out.add(TIER_KEY, tenant.tier().name());
        if (pooled) {
            out.add(POOLED_KEY, "true");
        }
        int ownCount = 0;
        // Most calls carry no entries of their own and tenants no attributes: skip the iterators then.
        for (Map.Entry<String, String> e : own.isEmpty() ? Set.<Map.Entry<String, String>>of() : own.entrySet()) {
            String key = e.getKey();
            String value = e.getValue();
            checkEntry(key, value);
            if (RESERVED.contains(key)) {
                String mine = out.get(key);
                if (!value.equals(mine)) {
                    throw new IllegalArgumentException("requestMetadata \"" + key + "\" = \"" + value
                            + "\" conflicts with the library's " + (mine == null ? "(absent)" : "\"" + mine + "\"")
                            + "; the keys " + RESERVED + " are set by the library from the call's tenant");
                }
                continue;
            }
            ownCount++;
            out.set(key, value);
        }
        if (ownCount > MAX_OWN_ENTRIES) {
            throw new IllegalArgumentException("requestMetadata has " + ownCount + " entries of its own; at most "
                    + MAX_OWN_ENTRIES + " fit next to the library's (Bedrock allows " + MAX_ENTRIES + ")."
                    + " Move the rest to usage record attributes.");
        }
        Map<String, String> attributes = tenant.attributes();
        for (Map.Entry<String, String> e : attributes.isEmpty() ? Set.<Map.Entry<String, String>>of()
                : attributes.entrySet()) {
            if (out.size() >= MAX_ENTRIES) {
                break;
            }
            if (!out.containsKey(e.getKey())) {
                out.add(e.getKey(), e.getValue());
            }
        }
        return out;
    }

    /**
     * Returns {@code entries} as an unmodifiable, ordered map: itself if it already is one made here (so the merged
     * metadata is not copied again for every attempt), else a copy.
     */
    static Map<String, String> frozen(Map<String, String> entries) {
        if (entries instanceof Frozen) {
            return entries;
        }
        Frozen copy = new Frozen(entries.size());
        entries.forEach(copy::set);
        return copy;
    }

    /**
     * An unmodifiable, insertion-ordered map over two small arrays (at most {@value #MAX_ENTRIES} entries, so a
     * linear search is as fast as hashing and allocates far less). Only this class fills it, before anyone sees it.
     */
    private static final class Frozen extends AbstractMap<String, String> {
        private final String[] keys;
        private final String[] values;
        private int size;

        Frozen(int capacity) {
            keys = new String[capacity];
            values = new String[capacity];
        }

        /** Appends a key known to be absent. */
        void add(String key, String value) {
            keys[size] = Objects.requireNonNull(key, "requestMetadata key");
            values[size] = Objects.requireNonNull(value, "requestMetadata value");
            size++;
        }

        /** Replaces the value of a present key, or appends; only while this class fills it ({@code put} throws). */
        String set(String key, String value) {
            int i = indexOf(key);
            if (i < 0) {
                add(key, value);
                return null;
            }
            String old = values[i];
            values[i] = Objects.requireNonNull(value, "requestMetadata value");
            return old;
        }

        private int indexOf(Object key) {
            for (int i = 0; i < size; i++) {
                if (keys[i].equals(key)) {
                    return i;
                }
            }
            return -1;
        }

        @Override
        public String get(Object key) {
            int i = indexOf(key);
            return i < 0 ? null : values[i];
        }

        @Override
        public boolean containsKey(Object key) {
            return indexOf(key) >= 0;
        }

        @Override
        public int size() {
            return size;
        }

        @Override
        public Set<Map.Entry<String, String>> entrySet() {
            return new AbstractSet<>() {
                @Override
                public Iterator<Map.Entry<String, String>> iterator() {
                    return new Iterator<>() {
                        private int next;

                        @Override
                        public boolean hasNext() {
                            return next < size;
                        }

                        @Override
                        public Map.Entry<String, String> next() {
                            if (next >= size) {
                                throw new NoSuchElementException();
                            }
                            Map.Entry<String, String> e = Map.entry(keys[next], values[next]);
                            next++;
                            return e;
                        }
                    };
                }

                @Override
                public int size() {
                    return size;
                }
            };
        }
    }

    /** Checks a request's own entries up front: reserved keys are refused (the request has no tenant yet). */
    static Map<String, String> checkOwn(Map<String, String> own) {
        Map<String, String> copy = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : own.entrySet()) {
            checkEntry(e.getKey(), e.getValue());
            if (RESERVED.contains(e.getKey())) {
                throw new IllegalArgumentException("requestMetadata key \"" + e.getKey() + "\" is reserved: the"
                        + " library sets " + RESERVED + " from the call's tenant");
            }
            copy.put(e.getKey(), e.getValue());
        }
        if (copy.size() > MAX_OWN_ENTRIES) {
            throw new IllegalArgumentException("requestMetadata has " + copy.size() + " entries; at most "
                    + MAX_OWN_ENTRIES + " fit next to the library's (Bedrock allows " + MAX_ENTRIES + ")."
                    + " Move the rest to usage record attributes.");
        }
        return copy.isEmpty() ? Map.of() : Collections.unmodifiableMap(copy);
    }

    private static void checkEntry(String key, String value) {
        Objects.requireNonNull(key, "requestMetadata key");
        Objects.requireNonNull(value, () -> "requestMetadata value of " + key);
        if (key.isEmpty() || key.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("requestMetadata key \"" + Checks.abbreviate(key) + "\" has "
                    + key.length() + " characters; keys need 1-" + MAX_LENGTH);
        }
        if (value.length() > MAX_LENGTH) {
            throw new IllegalArgumentException("requestMetadata value of \"" + key + "\" has " + value.length()
                    + " characters; at most " + MAX_LENGTH + " are allowed");
        }
        checkChars(key, key, "key");
        checkChars(key, value, "value");
    }

    private static void checkChars(String key, String text, String what) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || " :_@$#=/+,.-".indexOf(c) >= 0;
            if (!ok) {
                throw new IllegalArgumentException("requestMetadata " + what + " of \"" + Checks.abbreviate(key)
                        + "\" has the character '" + c + "' (U+" + String.format("%04X", (int) c) + ") at index "
                        + i + "; allowed are ASCII letters, digits, space and :_@$#=/+,.-");
            }
        }
    }
}
