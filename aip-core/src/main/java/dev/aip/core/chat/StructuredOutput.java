package dev.aip.core.chat;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Structured output: the model's text answer is one JSON document that validates against a JSON schema, enforced by
 * Bedrock (Converse {@code outputConfig.textFormat} of type {@code json_schema}, constrained decoding).
 *
 * <p>Only some models support it (per AWS: Claude Haiku 4.5, Sonnet 4.5, Opus 4.5 and 4.6, and some open-weight
 * models); for others Bedrock refuses the call with a {@code ValidationException}. Bedrock also refuses schemas it
 * cannot enforce (see "Get validated JSON results from models" in the Bedrock user guide: e.g. every object needs
 * {@code "additionalProperties": false}).
 *
 * <p>Immutable.
 *
 * @param name a name for the schema, 1–64 characters of {@code [a-zA-Z0-9_-]}
 * @param description what the answer holds, for the model; may be {@code null}
 * @param schemaJson the JSON schema, a JSON object
 */
public record StructuredOutput(String name, @Nullable String description, String schemaJson) {

    /** @throws IllegalArgumentException if the name is malformed or the schema is not a JSON object */
    public StructuredOutput {
        Objects.requireNonNull(name, "StructuredOutput.name");
        if (!name.matches("[a-zA-Z0-9_-]{1,64}")) {
            throw new IllegalArgumentException("StructuredOutput name \"" + Checks.abbreviate(name) + "\" must be"
                    + " 1-64 characters of [a-zA-Z0-9_-]");
        }
        Checks.jsonObject("StructuredOutput.schemaJson of " + name, schemaJson);
    }
}
