package dev.aip.core.chat;

import java.util.Objects;

/** Argument checks shared by the chat model's records; messages say what is wrong and what is allowed. */
final class Checks {

    private Checks() {
    }

    static void toolUseId(String id) {
        Objects.requireNonNull(id, "tool use id");
        if (!id.matches("[a-zA-Z0-9_.:-]{1,64}")) {
            throw new IllegalArgumentException("Tool use id \"" + abbreviate(id) + "\" must be 1-64 characters of"
                    + " [a-zA-Z0-9_.:-]");
        }
    }

    static void toolName(String name) {
        Objects.requireNonNull(name, "tool name");
        if (!name.matches("[a-zA-Z0-9_-]{1,64}")) {
            throw new IllegalArgumentException("Tool name \"" + abbreviate(name) + "\" must be 1-64 characters of"
                    + " [a-zA-Z0-9_-]");
        }
    }

    /** A light shape check; the JSON itself is parsed where it is sent. */
    static void jsonObject(String what, String json) {
        Objects.requireNonNull(json, what);
        String t = json.strip();
        if (!t.startsWith("{") || !t.endsWith("}")) {
            throw new IllegalArgumentException(what + " must be a JSON object, was: " + abbreviate(t));
        }
    }

    static String abbreviate(String s) {
        return s.length() <= 80 ? s : s.substring(0, 77) + "...";
    }
}
