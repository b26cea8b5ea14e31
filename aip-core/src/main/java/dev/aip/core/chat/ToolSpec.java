package dev.aip.core.chat;

import org.jspecify.annotations.Nullable;

/**
 * A tool the model may ask to use.
 *
 * <p>Immutable.
 *
 * @param name the name, 1–64 characters of {@code [a-zA-Z0-9_-]}
 * @param description what the tool does, for the model; may be {@code null}
 * @param inputSchemaJson the JSON Schema of the tool's input, a JSON object
 */
public record ToolSpec(String name, @Nullable String description, String inputSchemaJson) {

    /** @throws IllegalArgumentException if the name is malformed or the schema is not a JSON object */
    public ToolSpec {
        Checks.toolName(name);
        Checks.jsonObject("ToolSpec.inputSchemaJson of " + name, inputSchemaJson);
    }
}
