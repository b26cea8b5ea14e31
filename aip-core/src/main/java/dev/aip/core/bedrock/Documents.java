package dev.aip.core.bedrock;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.SdkNumber;
import software.amazon.awssdk.core.document.Document;

/** JSON text to and from the SDK's {@link Document}, for tool inputs and schemas. */
final class Documents {

    static final ObjectMapper JSON = new ObjectMapper();

    private Documents() {
    }

    static Document fromJson(String json) {
        try {
            return toDocument(JSON.readTree(json));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("Not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    static String toJson(Document document) {
        if (document == null) {
            return "{}";
        }
        try {
            return JSON.writeValueAsString(toNode(document));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot write a document as JSON", e);
        }
    }

    private static Document toDocument(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return Document.fromNull();
        }
        if (node.isObject()) {
            Map<String, Document> map = new LinkedHashMap<>();
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                map.put(f.getKey(), toDocument(f.getValue()));
            }
            return Document.fromMap(map);
        }
        if (node.isArray()) {
            List<Document> list = new ArrayList<>();
            node.forEach(n -> list.add(toDocument(n)));
            return Document.fromList(list);
        }
        if (node.isBoolean()) {
            return Document.fromBoolean(node.booleanValue());
        }
        if (node.isNumber()) {
            return Document.fromNumber(SdkNumber.fromString(node.numberValue().toString()));
        }
        return Document.fromString(node.asText());
    }

    private static JsonNode toNode(Document d) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        if (d.isNull()) {
            return f.nullNode();
        }
        if (d.isMap()) {
            ObjectNode o = f.objectNode();
            d.asMap().forEach((k, v) -> o.set(k, toNode(v)));
            return o;
        }
        if (d.isList()) {
            ArrayNode a = f.arrayNode();
            d.asList().forEach(v -> a.add(toNode(v)));
            return a;
        }
        if (d.isBoolean()) {
            return f.booleanNode(d.asBoolean());
        }
        if (d.isNumber()) {
            return f.numberNode(new BigDecimal(d.asNumber().stringValue()));
        }
        return f.textNode(d.asString());
    }
}
