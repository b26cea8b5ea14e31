package dev.aip.emulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeType;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/** The emulator's one JSON mapper and the parsing rules every handler shares. Thread-safe. */
final class Json {

    static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    static {
        // Bounded nesting so a hostile body cannot exhaust the stack.
        MAPPER.getFactory().setStreamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(200).build());
    }

    private Json() {
    }

    /**
     * Parses a request body that must be a JSON object. An empty body counts as {@code {}}, as AWS treats it.
     *
     * @throws ApiError {@code ValidationException} (HTTP 400) naming what is wrong
     */
    static ObjectNode parseObject(byte[] body) {
        if (body.length == 0) {
            return MAPPER.createObjectNode();
        }
        JsonNode node;
        try {
            node = MAPPER.readTree(body);
        } catch (IOException e) {
            throw ApiError.validation("The request body is not valid JSON: " + firstLine(e.getMessage()));
        }
        if (node == null || node.isMissingNode()) {
            return MAPPER.createObjectNode();
        }
        if (node.getNodeType() != JsonNodeType.OBJECT) {
            throw ApiError.validation("The request body must be a JSON object, not " + node.getNodeType());
        }
        return (ObjectNode) node;
    }

    static byte[] write(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass(), e);
        }
    }

    private static String firstLine(String message) {
        if (message == null) {
            return "unreadable";
        }
        int nl = message.indexOf('\n');
        return nl < 0 ? message : message.substring(0, nl);
    }
}
