package dev.aip.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;

/**
 * Structured output over generated schemas of the supported subset: every schema is accepted, and every JSON text
 * the emulator generates for it validates (checked by {@link JsonSchemaCheck}, which shares no code with the
 * generator) and is the same for the same seed. Objects have at most two properties and one optional property and
 * nesting is at most three deep, so no generated schema reaches the documented complexity limits.
 */
class OutputSchemaProperties {

    private static final List<String> NAMES = List.of("id", "name", "tags", "score", "owner", "kind");

    @Property(tries = 300)
    void generate_anySupportedSchema_validatesAgainstIt(@ForAll("schemas") JsonNode schema, @ForAll long seed) {
        OutputSchema parsed = OutputSchema.of(schema.toString(), "generated");

        String text = parsed.generate(new SplittableRandom(seed));

        JsonNode json = RuntimeFixture.read(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        assertThat(JsonSchemaCheck.violations(json, schema)).as("%s for %s", text, schema).isEmpty();
        assertThat(parsed.generate(new SplittableRandom(seed))).isEqualTo(text);
    }

    @Provide
    Arbitrary<JsonNode> schemas() {
        Arbitrary<ObjectNode> body = schema(3);
        return Combinators.combine(body, Arbitraries.of(true, false)).as((s, viaDefs) -> {
            if (!viaDefs) {
                return (JsonNode) s;
            }
            ObjectNode root = Json.MAPPER.createObjectNode().put("$ref", "#/$defs/body");
            root.putObject("$defs").set("body", s);
            return (JsonNode) root;
        });
    }

    private Arbitrary<ObjectNode> schema(int depth) {
        Arbitrary<ObjectNode> leaf = Arbitraries.oneOf(
                Arbitraries.of("string", "number", "integer", "boolean", "null").map(t -> node().put("type", t)),
                Arbitraries.of("date-time", "date", "time", "email", "uri", "uuid", "ipv4", "hostname")
                        .map(f -> node().put("type", "string").put("format", f)),
                Arbitraries.of("string", "integer").map(t -> {
                    ObjectNode n = node();
                    n.putArray("type").add(t).add("null");
                    return n;
                }),
                Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(6).list().ofMinSize(1).ofMaxSize(4)
                        .map(values -> {
                            ObjectNode n = node().put("type", "string");
                            ArrayNode e = n.putArray("enum");
                            values.forEach(e::add);
                            return n;
                        }),
                Arbitraries.integers().between(-5, 5).map(v -> node().put("const", v)));
        if (depth == 0) {
            return leaf;
        }
        Arbitrary<ObjectNode> inner = Arbitraries.lazy(() -> schema(depth - 1));
        Arbitrary<ObjectNode> object = Combinators.combine(
                Arbitraries.subsetOf(NAMES).ofMaxSize(2),
                inner.list().ofSize(2),
                Arbitraries.of(true, false)).as((names, children, oneOptional) -> {
                    ObjectNode n = node().put("type", "object").put("additionalProperties", false);
                    ObjectNode properties = n.putObject("properties");
                    ArrayNode required = n.putArray("required");
                    int i = 0;
                    for (String name : names.stream().sorted().toList()) {
                        properties.set(name, children.get(i));
                        if (!(oneOptional && i == 0)) {
                            required.add(name);
                        }
                        i++;
                    }
                    return n;
                });
        Arbitrary<ObjectNode> array = Combinators.combine(inner, Arbitraries.of(0, 1)).as((items, min) -> {
            ObjectNode n = node().put("type", "array").put("minItems", min);
            n.set("items", items);
            return n;
        });
        Arbitrary<ObjectNode> anyOf = inner.list().ofMinSize(1).ofMaxSize(2).map(branches -> {
            ObjectNode n = node();
            ArrayNode a = n.putArray("anyOf");
            branches.forEach(a::add);
            return n;
        });
        return Arbitraries.frequencyOf(Tuple.of(3, leaf), Tuple.of(3, object), Tuple.of(2, array),
                Tuple.of(1, anyOf));
    }

    private static ObjectNode node() {
        return Json.MAPPER.createObjectNode();
    }
}
