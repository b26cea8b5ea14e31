package dev.aip.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Shape and constraint checks shared by the runtime codecs. Every failure is a 400 {@code ValidationException}
 * whose message names the member path and the constraint, in the wording AWS uses for its own validation errors.
 * Stateless; character classes are tested by hand so the hot path compiles no regular expression.
 */
final class Check {

    private Check() {
    }

    static ApiError invalid(String path, String constraint) {
        return ApiError.validation("1 validation error detected: Value at '" + path
                + "' failed to satisfy constraint: " + constraint);
    }

    static ObjectNode object(JsonNode node, String path) {
        if (node == null || !node.isObject()) {
            throw invalid(path, "Member must be a JSON object");
        }
        return (ObjectNode) node;
    }

    static ArrayNode array(JsonNode node, String path) {
        if (node == null || !node.isArray()) {
            throw invalid(path, "Member must be a JSON array");
        }
        return (ArrayNode) node;
    }

    static String string(JsonNode node, String path) {
        if (node == null || !node.isTextual()) {
            throw invalid(path, "Member must be a string");
        }
        return node.textValue();
    }

    static String string(JsonNode node, String path, int min, int max) {
        String s = string(node, path);
        if (s.length() < min || s.length() > max) {
            throw invalid(path, "Member must have length between " + min + " and " + max);
        }
        return s;
    }

    static String oneOf(JsonNode node, String path, Set<String> values) {
        String s = string(node, path);
        if (!values.contains(s)) {
            throw invalid(path, "Member must satisfy enum value set: " + values);
        }
        return s;
    }

    /** A union: exactly one member set, and that member is one of {@code members}. Returns the member's name. */
    static String union(JsonNode node, String path, Set<String> members) {
        ObjectNode object = object(node, path);
        String found = null;
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isNull()) {
                continue;
            }
            if (!members.contains(e.getKey())) {
                throw invalid(path, "Member '" + e.getKey() + "' is not one of the union members " + members);
            }
            if (found != null) {
                throw invalid(path, "Union must have exactly one member set, found '" + found + "' and '"
                        + e.getKey() + "'");
            }
            found = e.getKey();
        }
        if (found == null) {
            throw invalid(path, "Union must have exactly one member set, one of " + members);
        }
        return found;
    }

    static int positiveInt(JsonNode node, String path) {
        if (node == null || !node.isIntegralNumber() || !node.canConvertToInt()) {
            throw invalid(path, "Member must be an integer");
        }
        int v = node.intValue();
        if (v < 1) {
            throw invalid(path, "Member must have value greater than or equal to 1");
        }
        return v;
    }

    static void unitInterval(JsonNode node, String path) {
        if (node == null || !node.isNumber()) {
            throw invalid(path, "Member must be a number");
        }
        double v = node.doubleValue();
        if (!(v >= 0.0 && v <= 1.0)) {
            throw invalid(path, "Member must have value between 0 and 1");
        }
    }

    /** {@code [a-zA-Z0-9_-]+}, 1–64 characters: tool names. */
    static String toolName(JsonNode node, String path) {
        String s = string(node, path, 1, 64);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(isAlnum(c) || c == '_' || c == '-')) {
                throw invalid(path, "Member must satisfy regular expression pattern: [a-zA-Z0-9_-]+");
            }
        }
        return s;
    }

    /** {@code [a-zA-Z0-9_.:-]+}, 1–64 characters: toolUse ids. */
    static String toolUseId(JsonNode node, String path) {
        String s = string(node, path, 1, 64);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(isAlnum(c) || c == '_' || c == '.' || c == ':' || c == '-')) {
                throw invalid(path, "Member must satisfy regular expression pattern: [a-zA-Z0-9_.:-]+");
            }
        }
        return s;
    }

    /**
     * Request metadata: 1–16 entries; keys 1–256 and values 0–256 characters of {@code [a-zA-Z0-9\s:_@$#=/+,\-.]}.
     */
    static Map<String, String> requestMetadata(JsonNode node, String path, int minEntries) {
        ObjectNode object = object(node, path);
        if (object.size() < minEntries || object.size() > 16) {
            throw invalid(path, "Map must have between " + minEntries + " and 16 entries");
        }
        Map<String, String> out = new LinkedHashMap<>(object.size() * 2);
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            if (key.isEmpty() || key.length() > 256 || !metadataChars(key)) {
                throw invalid(path + ".key", "Member must have length between 1 and 256 and satisfy regular "
                        + "expression pattern: [a-zA-Z0-9\\s:_@$#=/+,-.]{1,256} (key '" + key + "')");
            }
            String value = string(e.getValue(), path + "." + key);
            if (value.length() > 256 || !metadataChars(value)) {
                throw invalid(path + "." + key, "Member must have length between 0 and 256 and satisfy regular "
                        + "expression pattern: [a-zA-Z0-9\\s:_@$#=/+,-.]{0,256}");
            }
            out.put(key, value);
        }
        return out;
    }

    private static boolean metadataChars(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = isAlnum(c) || c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r'
                    || c == ':' || c == '_' || c == '@' || c == '$' || c == '#' || c == '=' || c == '/' || c == '+'
                    || c == ',' || c == '-' || c == '.';
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    static boolean isBlank(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (!Character.isWhitespace(s.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isAlnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }
}
