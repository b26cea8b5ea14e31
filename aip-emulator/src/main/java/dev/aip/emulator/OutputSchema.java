package dev.aip.emulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;

/**
 * Converse structured output ({@code outputConfig.textFormat} of type {@code json_schema}): checks the schema the
 * way Bedrock does and generates, from a seeded PRNG, JSON text that validates against it. Immutable once built.
 *
 * <p>Bedrock validates a schema against a subset of JSON Schema draft 2020-12 and answers 400 for anything outside
 * it (<a href="https://docs.aws.amazon.com/bedrock/latest/userguide/structured-output.html">Get validated JSON
 * results from models</a>); the subset is Anthropic's for Claude. What the emulator accepts:
 * <ul>
 *   <li>{@code type} (one of {@code object}, {@code array}, {@code string}, {@code number}, {@code integer},
 *       {@code boolean}, {@code null}, or an array of them), {@code enum} and {@code const} of strings, numbers,
 *       booleans or null, {@code anyOf}, {@code allOf} of exactly one schema, {@code $ref} into the schema's own
 *       {@code $defs} / {@code definitions};</li>
 *   <li>objects: {@code properties}, {@code required} (each a listed property), and {@code additionalProperties}
 *       which must be present and {@code false};</li>
 *   <li>arrays: {@code items} (one schema) and {@code minItems} of 0 or 1;</li>
 *   <li>strings: {@code format} of {@code date-time}, {@code time}, {@code date}, {@code duration}, {@code email},
 *       {@code hostname}, {@code uri}, {@code ipv4}, {@code ipv6}, {@code uuid};</li>
 *   <li>annotations: {@code title}, {@code description}, {@code default}, {@code examples}, {@code $schema},
 *       {@code $id}, {@code $comment}.</li>
 * </ul>
 * Refused (each a {@code ValidationException} naming the keyword and where it is): recursive and external
 * {@code $ref}; numeric constraints ({@code minimum}, {@code maximum}, {@code exclusiveMinimum},
 * {@code exclusiveMaximum}, {@code multipleOf}); string length and {@code pattern}; array constraints other than
 * {@code minItems} 0 or 1; {@code oneOf}, {@code not}, {@code if}/{@code then}/{@code else}, {@code prefixItems},
 * {@code patternProperties} and every other keyword; complex values in {@code enum}; a schema without
 * {@code type}, {@code enum}, {@code const}, {@code anyOf}, {@code allOf} or {@code $ref}; more than
 * {@value #MAX_OPTIONAL} optional properties or {@value #MAX_UNIONS} union-typed schemas in one schema (Anthropic's
 * documented complexity limits); nesting deeper than {@value #MAX_DEPTH} (the emulator's own limit). Where AWS does
 * not document a rule ({@code pattern}, an empty schema, a {@code required} name that is not a property), the
 * emulator refuses rather than guess.
 */
final class OutputSchema {

    static final int MAX_OPTIONAL = 24;
    static final int MAX_UNIONS = 16;
    static final int MAX_DEPTH = 32;

    private static final String PATH = "outputConfig.textFormat.structure.jsonSchema.schema";
    private static final Set<String> TYPES = Set.of("object", "array", "string", "number", "integer", "boolean",
            "null");
    private static final Set<String> FORMATS = Set.of("date-time", "time", "date", "duration", "email", "hostname",
            "uri", "ipv4", "ipv6", "uuid");
    private static final Set<String> KEYWORDS = Set.of("type", "properties", "required", "additionalProperties",
            "items", "minItems", "enum", "const", "anyOf", "allOf", "$ref", "$defs", "definitions", "format",
            "title", "description", "default", "examples", "$schema", "$id", "$comment");
    private static final String[] WORDS = {"amber", "harbour", "lantern", "meadow", "orchard", "granite", "compass",
        "river", "summit", "willow", "cobalt", "ember", "falcon", "juniper", "marble", "saffron"};

    private final JsonNode schema;
    private final String name;

    private OutputSchema(JsonNode schema, String name) {
        this.schema = schema;
        this.name = name;
    }

    /** The schema as sent, parsed. */
    JsonNode schema() {
        return schema;
    }

    /** The schema's name, or {@code null}. */
    String name() {
        return name;
    }

    /**
     * Validates Converse's {@code outputConfig}; returns {@code null} when it has no {@code textFormat}.
     *
     * @throws ApiError a {@code ValidationException} for a malformed member or an unsupported schema
     */
    static OutputSchema fromOutputConfig(JsonNode node) {
        ObjectNode config = Check.object(node, "outputConfig");
        if (config.hasNonNull("effort")) {
            Check.string(config.get("effort"), "outputConfig.effort");
        }
        if (!config.hasNonNull("textFormat")) {
            return null;
        }
        ObjectNode format = Check.object(config.get("textFormat"), "outputConfig.textFormat");
        if (!format.hasNonNull("type")) {
            throw Check.invalid("outputConfig.textFormat.type", "Member must not be null");
        }
        Check.oneOf(format.get("type"), "outputConfig.textFormat.type", Set.of("json_schema"));
        Check.union(format.get("structure"), "outputConfig.textFormat.structure", Set.of("jsonSchema"));
        ObjectNode definition = Check.object(format.get("structure").get("jsonSchema"),
                "outputConfig.textFormat.structure.jsonSchema");
        String text = Check.string(definition.get("schema"), PATH);
        String name = null;
        if (definition.hasNonNull("name")) {
            name = Check.string(definition.get("name"), "outputConfig.textFormat.structure.jsonSchema.name");
        }
        if (definition.hasNonNull("description")) {
            Check.string(definition.get("description"), "outputConfig.textFormat.structure.jsonSchema.description");
        }
        return of(text, name);
    }

    /** Parses and checks a schema given as JSON text. */
    static OutputSchema of(String schemaJson, String name) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(schemaJson);
        } catch (JsonProcessingException e) {
            throw ApiError.validation("The JSON schema at " + PATH + " is not valid JSON: "
                    + e.getOriginalMessage() + ". Send the schema as a JSON object in a string and try again.");
        }
        if (root == null || !root.isObject()) {
            throw ApiError.validation("The JSON schema at " + PATH + " must be a JSON object. Send the schema as a "
                    + "JSON object in a string and try again.");
        }
        Walk walk = new Walk(root);
        walk.check(root, "#", 0);
        walk.refuseCycles();
        return new OutputSchema(root, name);
    }

    private static ApiError unsupported(String pointer, String what) {
        return ApiError.validation("The JSON schema at " + PATH + " is not supported for structured outputs: "
                + what + " (at " + pointer + "). Remove or rewrite that part of the schema and try again.");
    }

    /** One pass over a schema: keyword checks, $ref resolution with a recursion guard, complexity counts. */
    private static final class Walk {
        final JsonNode root;
        final Set<String> acyclic = new HashSet<>();
        int optional;
        int unions;

        Walk(JsonNode root) {
            this.root = root;
        }

        void check(JsonNode node, String at, int depth) {
            if (depth > MAX_DEPTH) {
                throw unsupported(at, "the schema nests deeper than " + MAX_DEPTH + " levels");
            }
            if (!node.isObject()) {
                throw unsupported(at, "a schema must be a JSON object (boolean schemas are not supported)");
            }
            Iterator<String> names = node.fieldNames();
            while (names.hasNext()) {
                String keyword = names.next();
                if (!KEYWORDS.contains(keyword)) {
                    throw unsupported(at, "the keyword '" + keyword + "' is not supported");
                }
            }
            for (String defs : List.of("$defs", "definitions")) {
                if (node.has(defs)) {
                    if (!node.get(defs).isObject()) {
                        throw unsupported(at + "/" + defs, "'" + defs + "' must be an object of schemas");
                    }
                    if (node != root) {
                        throw unsupported(at + "/" + defs, "'" + defs + "' is supported at the top level only");
                    }
                    node.get(defs).fields().forEachRemaining(e -> check(e.getValue(), at + "/" + defs + "/"
                            + e.getKey(), depth + 1));
                }
            }
            boolean typed = false;
            if (node.has("$ref")) {
                typed = true;
                resolve(text(node.get("$ref"), at + "/$ref"), at + "/$ref");
            }
            if (node.has("enum")) {
                typed = true;
                JsonNode values = node.get("enum");
                if (!values.isArray() || values.isEmpty()) {
                    throw unsupported(at + "/enum", "'enum' must be a non-empty array");
                }
                for (JsonNode v : values) {
                    if (v.isContainerNode()) {
                        throw unsupported(at + "/enum", "complex types (objects, arrays) in 'enum' are not supported");
                    }
                }
            }
            if (node.has("const")) {
                typed = true;
                if (node.get("const").isContainerNode()) {
                    throw unsupported(at + "/const", "complex types (objects, arrays) in 'const' are not supported");
                }
            }
            if (node.has("anyOf")) {
                typed = true;
                JsonNode branches = node.get("anyOf");
                if (!branches.isArray() || branches.isEmpty()) {
                    throw unsupported(at + "/anyOf", "'anyOf' must be a non-empty array of schemas");
                }
                union(at + "/anyOf");
                for (int i = 0; i < branches.size(); i++) {
                    check(branches.get(i), at + "/anyOf/" + i, depth + 1);
                }
            }
            if (node.has("allOf")) {
                typed = true;
                JsonNode parts = node.get("allOf");
                if (!parts.isArray() || parts.size() != 1) {
                    throw unsupported(at + "/allOf", "the emulator supports 'allOf' with exactly one schema");
                }
                check(parts.get(0), at + "/allOf/0", depth + 1);
            }
            if (node.has("type")) {
                typed = true;
                List<String> types = types(node.get("type"), at + "/type");
                if (types.size() > 1) {
                    union(at + "/type");
                }
                if (types.contains("object")) {
                    object(node, at, depth);
                } else if (node.has("properties") || node.has("required") || node.has("additionalProperties")) {
                    throw unsupported(at, "object keywords on a schema whose type is not object");
                }
                if (types.contains("array")) {
                    if (node.has("items")) {
                        check(node.get("items"), at + "/items", depth + 1);
                    }
                    if (node.has("minItems")) {
                        JsonNode min = node.get("minItems");
                        if (!min.isIntegralNumber() || (min.asLong() != 0 && min.asLong() != 1)) {
                            throw unsupported(at + "/minItems", "'minItems' other than 0 or 1 is not supported");
                        }
                    }
                } else if (node.has("items") || node.has("minItems")) {
                    throw unsupported(at, "array keywords on a schema whose type is not array");
                }
                if (node.has("format")) {
                    String format = text(node.get("format"), at + "/format");
                    if (!types.contains("string") || !FORMATS.contains(format)) {
                        throw unsupported(at + "/format", "the string format '" + format + "' is not supported");
                    }
                }
            }
            if (!typed) {
                throw unsupported(at, "every schema needs 'type', 'enum', 'const', 'anyOf', 'allOf' or '$ref'");
            }
        }

        private void object(JsonNode node, String at, int depth) {
            JsonNode additional = node.get("additionalProperties");
            if (additional == null || !additional.isBoolean() || additional.booleanValue()) {
                throw unsupported(at, "every object must set 'additionalProperties' to false");
            }
            JsonNode properties = node.get("properties");
            if (properties != null && !properties.isObject()) {
                throw unsupported(at + "/properties", "'properties' must be an object of schemas");
            }
            List<String> required = new ArrayList<>();
            if (node.has("required")) {
                JsonNode names = node.get("required");
                if (!names.isArray()) {
                    throw unsupported(at + "/required", "'required' must be an array of property names");
                }
                for (JsonNode n : names) {
                    String name = text(n, at + "/required");
                    if (properties == null || !properties.has(name)) {
                        throw unsupported(at + "/required", "the required property '" + name + "' is not listed "
                                + "in 'properties'");
                    }
                    required.add(name);
                }
            }
            if (properties != null) {
                Iterator<Map.Entry<String, JsonNode>> fields = properties.fields();
                while (fields.hasNext()) {
                    Map.Entry<String, JsonNode> e = fields.next();
                    if (!required.contains(e.getKey()) && ++optional > MAX_OPTIONAL) {
                        throw unsupported(at + "/properties/" + e.getKey(), "a schema can have at most "
                                + MAX_OPTIONAL + " optional properties");
                    }
                    check(e.getValue(), at + "/properties/" + e.getKey(), depth + 1);
                }
            }
        }

        /** Refuses a reference that leads back to itself: recursive schemas are not supported. */
        void refuseCycles() {
            for (String defs : List.of("$defs", "definitions")) {
                root.path(defs).fieldNames().forEachRemaining(name -> visit("#/" + defs + "/" + name,
                        new ArrayDeque<>()));
            }
        }

        private void visit(String ref, Deque<String> path) {
            if (path.contains(ref)) {
                throw unsupported(ref, "recursive schemas are not supported ('" + ref + "' refers back to itself)");
            }
            if (acyclic.contains(ref)) {
                return;
            }
            path.push(ref);
            List<String> out = new ArrayList<>();
            refsIn(resolve(ref, ref), out);
            for (String next : out) {
                visit(next, path);
            }
            path.pop();
            acyclic.add(ref);
        }

        private static void refsIn(JsonNode node, List<String> out) {
            if (node.isObject()) {
                node.fields().forEachRemaining(e -> {
                    if (e.getKey().equals("$ref") && e.getValue().isTextual()) {
                        out.add(e.getValue().textValue());
                    } else if (!e.getKey().equals("$defs") && !e.getKey().equals("definitions")) {
                        refsIn(e.getValue(), out);
                    }
                });
            } else if (node.isArray()) {
                node.forEach(n -> refsIn(n, out));
            }
        }

        private void union(String at) {
            if (++unions > MAX_UNIONS) {
                throw unsupported(at, "a schema can have at most " + MAX_UNIONS + " union types (anyOf or type "
                        + "arrays)");
            }
        }

        private JsonNode resolve(String ref, String at) {
            String prefix = ref.startsWith("#/$defs/") ? "$defs" : ref.startsWith("#/definitions/") ? "definitions"
                    : null;
            if (prefix == null) {
                throw unsupported(at, "only references into the schema's own $defs or definitions are supported ('"
                        + ref + "')");
            }
            JsonNode target = root.path(prefix).get(ref.substring(prefix.length() + 3));
            if (target == null) {
                throw unsupported(at, "the reference '" + ref + "' does not resolve");
            }
            return target;
        }

        private static List<String> types(JsonNode node, String at) {
            List<String> out = new ArrayList<>();
            if (node.isTextual()) {
                out.add(node.textValue());
            } else if (node.isArray() && !node.isEmpty()) {
                node.forEach(t -> out.add(text(t, at)));
            } else {
                throw unsupported(at, "'type' must be a type name or an array of them");
            }
            for (String t : out) {
                if (!TYPES.contains(t)) {
                    throw unsupported(at, "'" + t + "' is not a JSON Schema type");
                }
            }
            return out;
        }

        private static String text(JsonNode node, String at) {
            if (node == null || !node.isTextual()) {
                throw unsupported(at, "a string is expected");
            }
            return node.textValue();
        }
    }

    // ----------------------------------------------------------------------------------------------- generation

    /** Compact JSON text, valid against the schema, chosen by {@code random}. */
    String generate(SplittableRandom random) {
        return value(schema, random).toString();
    }

    private JsonNode value(JsonNode node, SplittableRandom random) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (node.has("const")) {
            return node.get("const");
        }
        if (node.has("enum")) {
            JsonNode values = node.get("enum");
            return values.get(random.nextInt(values.size()));
        }
        if (node.has("$ref")) {
            String ref = node.get("$ref").textValue();
            String prefix = ref.startsWith("#/$defs/") ? "$defs" : "definitions";
            return value(schema.path(prefix).get(ref.substring(prefix.length() + 3)), random);
        }
        if (node.has("anyOf")) {
            JsonNode branches = node.get("anyOf");
            return value(branches.get(random.nextInt(branches.size())), random);
        }
        if (node.has("allOf")) {
            return value(node.get("allOf").get(0), random);
        }
        JsonNode typeNode = node.get("type");
        String type = typeNode.isTextual() ? typeNode.textValue() : typeNode.get(random.nextInt(typeNode.size()))
                .textValue();
        return switch (type) {
            case "object" -> {
                ObjectNode out = f.objectNode();
                JsonNode properties = node.get("properties");
                Set<String> required = new HashSet<>();
                node.path("required").forEach(n -> required.add(n.textValue()));
                if (properties != null) {
                    properties.fields().forEachRemaining(e -> {
                        if (required.contains(e.getKey()) || random.nextBoolean()) {
                            out.set(e.getKey(), value(e.getValue(), random));
                        }
                    });
                }
                yield out;
            }
            case "array" -> {
                ArrayNode out = f.arrayNode();
                int n = Math.max(node.path("minItems").asInt(0), random.nextInt(4));
                JsonNode items = node.get("items");
                for (int i = 0; i < n; i++) {
                    out.add(items == null ? f.textNode(word(random)) : value(items, random));
                }
                yield out;
            }
            case "string" -> f.textNode(node.has("format") ? formatted(node.get("format").textValue(), random)
                    : word(random) + " " + word(random));
            case "integer" -> f.numberNode(random.nextInt(1000));
            case "number" -> f.numberNode(new BigDecimal(random.nextInt(100_000)).movePointLeft(2));
            case "boolean" -> f.booleanNode(random.nextBoolean());
            default -> f.nullNode();
        };
    }

    private static String word(SplittableRandom random) {
        return WORDS[random.nextInt(WORDS.length)];
    }

    private static String formatted(String format, SplittableRandom random) {
        int a = random.nextInt(256);
        int b = random.nextInt(256);
        return switch (format) {
            case "date-time" -> String.format("2025-%02d-%02dT%02d:%02d:00Z", 1 + a % 12, 1 + b % 28, a % 24,
                    b % 60);
            case "time" -> String.format("%02d:%02d:00Z", a % 24, b % 60);
            case "date" -> String.format("2025-%02d-%02d", 1 + a % 12, 1 + b % 28);
            case "duration" -> "PT" + (1 + a % 48) + "H";
            case "email" -> word(random) + "@example.com";
            case "hostname" -> word(random) + ".example.com";
            case "uri" -> "https://" + word(random) + ".example.com/" + word(random);
            case "ipv4" -> "192.0.2." + a;
            case "ipv6" -> "2001:db8::" + Integer.toHexString(a * 256 + b);
            default -> new UUID(random.nextLong(), random.nextLong()).toString();
        };
    }
}
