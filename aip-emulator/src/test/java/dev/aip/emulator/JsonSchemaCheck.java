package dev.aip.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * An independent, minimal JSON Schema validator for the subset structured outputs accept, so tests check the
 * emulator's JSON against the schema without trusting the emulator's own code. Returns the violations found.
 */
final class JsonSchemaCheck {

    private static final Pattern DATE = Pattern.compile("\\d{4}-\\d{2}-\\d{2}");
    private static final Pattern DATE_TIME = Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z");
    private static final Pattern UUID = Pattern.compile("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
    private static final Pattern EMAIL = Pattern.compile("[^@\\s]+@[^@\\s]+\\.[a-z]+");

    private final JsonNode root;
    private final List<String> errors = new ArrayList<>();

    private JsonSchemaCheck(JsonNode root) {
        this.root = root;
    }

    static List<String> violations(JsonNode value, JsonNode schema) {
        JsonSchemaCheck check = new JsonSchemaCheck(schema);
        check.validate(value, schema, "$");
        return check.errors;
    }

    private void validate(JsonNode value, JsonNode schema, String at) {
        if (schema.has("$ref")) {
            String ref = schema.get("$ref").asText();
            validate(value, root.at(ref.substring(1)), at);
        }
        if (schema.has("const") && !schema.get("const").equals(value)) {
            errors.add(at + ": not the const " + schema.get("const"));
        }
        if (schema.has("enum")) {
            boolean found = false;
            for (JsonNode v : schema.get("enum")) {
                found |= v.equals(value);
            }
            if (!found) {
                errors.add(at + ": " + value + " not in enum " + schema.get("enum"));
            }
        }
        if (schema.has("anyOf")) {
            boolean any = false;
            for (JsonNode branch : schema.get("anyOf")) {
                JsonSchemaCheck inner = new JsonSchemaCheck(root);
                inner.validate(value, branch, at);
                any |= inner.errors.isEmpty();
            }
            if (!any) {
                errors.add(at + ": matches no anyOf branch");
            }
        }
        if (schema.has("allOf")) {
            for (JsonNode part : schema.get("allOf")) {
                validate(value, part, at);
            }
        }
        if (!schema.has("type")) {
            return;
        }
        List<String> types = new ArrayList<>();
        if (schema.get("type").isTextual()) {
            types.add(schema.get("type").asText());
        } else {
            schema.get("type").forEach(t -> types.add(t.asText()));
        }
        String actual = value.isObject() ? "object" : value.isArray() ? "array" : value.isTextual() ? "string"
                : value.isIntegralNumber() ? "integer" : value.isNumber() ? "number" : value.isBoolean() ? "boolean"
                : "null";
        boolean typeOk = types.contains(actual) || (actual.equals("integer") && types.contains("number"));
        if (!typeOk) {
            errors.add(at + ": type " + actual + " not in " + types);
            return;
        }
        switch (actual) {
            case "object" -> {
                JsonNode properties = schema.path("properties");
                schema.path("required").forEach(r -> {
                    if (!value.has(r.asText())) {
                        errors.add(at + ": missing required " + r.asText());
                    }
                });
                value.fieldNames().forEachRemaining(name -> {
                    if (!properties.has(name)) {
                        if (schema.path("additionalProperties").asBoolean(true)) {
                            return;
                        }
                        errors.add(at + ": additional property " + name);
                    } else {
                        validate(value.get(name), properties.get(name), at + "." + name);
                    }
                });
            }
            case "array" -> {
                if (value.size() < schema.path("minItems").asInt(0)) {
                    errors.add(at + ": fewer than minItems");
                }
                if (schema.has("items")) {
                    for (int i = 0; i < value.size(); i++) {
                        validate(value.get(i), schema.get("items"), at + "[" + i + "]");
                    }
                }
            }
            case "string" -> {
                String format = schema.path("format").asText("");
                String s = value.asText();
                boolean ok = switch (format) {
                    case "date" -> DATE.matcher(s).matches();
                    case "date-time" -> DATE_TIME.matcher(s).matches();
                    case "uuid" -> UUID.matcher(s).matches();
                    case "email" -> EMAIL.matcher(s).matches();
                    case "uri" -> s.startsWith("https://");
                    default -> true;
                };
                if (!ok) {
                    errors.add(at + ": '" + s + "' is not a " + format);
                }
            }
            default -> {
            }
        }
    }
}
