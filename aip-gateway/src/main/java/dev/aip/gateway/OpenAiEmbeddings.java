package dev.aip.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * OpenAI's embeddings request and answer ({@code POST /v1/embeddings}) and their translation to and from the
 * InvokeModel body of Amazon Titan Text Embeddings V2, the embedding model the gateway serves.
 *
 * <p>Request: {@code model}, {@code input} (a string or an array of at most {@value #MAX_INPUTS} non-empty strings;
 * token arrays are refused: Bedrock embeds text), {@code dimensions} (256, 512 or 1024, the sizes Titan Text
 * Embeddings V2 produces; absent: 1024), {@code encoding_format} ({@code float}, the default, or {@code base64}:
 * little-endian float32, as OpenAI encodes it), {@code user} (kept on the usage records). Other fields are ignored,
 * as for chat. Titan takes one text per call, so each input string is one Bedrock call.
 *
 * <p>Stateless.
 */
final class OpenAiEmbeddings {

    /** OpenAI's limit on the inputs of one request. */
    static final int MAX_INPUTS = 2048;
    /** The output sizes Titan Text Embeddings V2 accepts. */
    static final Set<Integer> TITAN_DIMENSIONS = Set.of(256, 512, 1024);
    /** Foundation models of the family the gateway speaks (Titan Text Embeddings V2's InvokeModel body). */
    static final String TITAN_V2 = "amazon.titan-embed-text-v2";

    private OpenAiEmbeddings() {
    }

    /**
     * A valid request.
     *
     * @param model the logical model
     * @param inputs the texts, in order
     * @param dimensions the requested size, or {@code null} for the model's default
     * @param base64 whether vectors are answered as base64 strings
     * @param user the end user, or {@code null}
     */
    record Parsed(String model, List<String> inputs, Integer dimensions, boolean base64, String user) {
        Parsed {
            inputs = List.copyOf(inputs);
        }
    }

    /** Whether a route's source (a foundation model id or ARN, or a system profile id or ARN) is Titan Embed V2. */
    static boolean isTitanEmbedding(String source) {
        if (source == null) {
            return false;
        }
        String id = source.substring(source.lastIndexOf('/') + 1);
        return id.startsWith(TITAN_V2) || id.contains("." + TITAN_V2);
    }

    /** Reads a request body; a {@link GatewayError} (400) names the field that is wrong. */
    static Parsed parse(ObjectMapper json, byte[] body) {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JsonProcessingException e) {
            throw GatewayError.badRequest(null, "The request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw GatewayError.badRequest(null, "The request body cannot be read.");
        }
        if (root == null || !root.isObject()) {
            throw GatewayError.badRequest(null, "The request body must be a JSON object.");
        }
        JsonNode model = root.get("model");
        if (model == null || !model.isTextual() || model.asText().isBlank()) {
            throw GatewayError.badRequest("model", "'model' is required: an embedding model from GET /v1/models.");
        }
        List<String> inputs = inputs(root.get("input"));
        Integer dimensions = null;
        JsonNode dims = root.get("dimensions");
        if (dims != null && !dims.isNull()) {
            if (!dims.isIntegralNumber() || !TITAN_DIMENSIONS.contains(dims.asInt())) {
                throw GatewayError.badRequest("dimensions", "'dimensions' must be 256, 512 or 1024, the sizes"
                        + " Titan Text Embeddings V2 produces; was " + dims + ".");
            }
            dimensions = dims.asInt();
        }
        boolean base64 = false;
        JsonNode format = root.get("encoding_format");
        if (format != null && !format.isNull()) {
            if (!format.isTextual() || !Set.of("float", "base64").contains(format.asText())) {
                throw GatewayError.badRequest("encoding_format", "'encoding_format' must be \"float\" or"
                        + " \"base64\"; was " + format + ".");
            }
            base64 = format.asText().equals("base64");
        }
        JsonNode user = root.get("user");
        String endUser = user != null && user.isTextual() && !user.asText().isEmpty()
                ? (user.asText().length() > 256 ? user.asText().substring(0, 256) : user.asText()) : null;
        return new Parsed(model.asText(), inputs, dimensions, base64, endUser);
    }

    private static List<String> inputs(JsonNode input) {
        if (input == null || input.isNull()) {
            throw GatewayError.badRequest("input", "'input' is required: a string or an array of strings.");
        }
        if (input.isTextual()) {
            return List.of(text(input, "input"));
        }
        if (!input.isArray() || input.isEmpty()) {
            throw GatewayError.badRequest("input", "'input' must be a string or a non-empty array of strings.");
        }
        if (input.size() > MAX_INPUTS) {
            throw GatewayError.badRequest("input", "'input' has " + input.size() + " items; send at most "
                    + MAX_INPUTS + " per request.");
        }
        List<String> out = new ArrayList<>(input.size());
        for (int i = 0; i < input.size(); i++) {
            JsonNode item = input.get(i);
            if (item.isNumber() || item.isArray()) {
                throw GatewayError.badRequest("input", "'input' holds token arrays; Bedrock embeds text, so send"
                        + " the texts as strings.");
            }
            out.add(text(item, "input[" + i + "]"));
        }
        return out;
    }

    private static String text(JsonNode node, String param) {
        if (!node.isTextual()) {
            throw GatewayError.badRequest(param, "'" + param + "' must be a string.");
        }
        if (node.asText().isEmpty()) {
            throw GatewayError.badRequest(param, "'" + param + "' is empty; every input must have text.");
        }
        return node.asText();
    }

    /** The InvokeModel body of Titan Text Embeddings V2 for one text (float vectors, normalized: its defaults). */
    static byte[] titanBody(ObjectMapper json, String text, Integer dimensions) {
        ObjectNode body = json.createObjectNode().put("inputText", text);
        if (dimensions != null) {
            body.put("dimensions", dimensions);
        }
        try {
            return json.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * One Titan answer.
     *
     * @param vector the embedding
     * @param inputTokens the input tokens Bedrock counted
     */
    record Embedding(float[] vector, long inputTokens) {
    }

    /** Reads Titan's answer: {@code embedding} and {@code inputTextTokenCount}. */
    static Embedding titanAnswer(ObjectMapper json, byte[] body) {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (IOException e) {
            throw new IllegalStateException("The embedding model answered a body that is not JSON", e);
        }
        JsonNode embedding = root == null ? null : root.get("embedding");
        if (embedding == null || !embedding.isArray()) {
            throw new IllegalStateException("The embedding model answered without an 'embedding' array");
        }
        float[] vector = new float[embedding.size()];
        for (int i = 0; i < vector.length; i++) {
            vector[i] = embedding.get(i).floatValue();
        }
        return new Embedding(vector, root.path("inputTextTokenCount").asLong(0));
    }

    /** The answer in OpenAI's shape; {@code prompt_tokens} and {@code total_tokens} are the summed input tokens. */
    static ObjectNode answer(ObjectMapper json, Parsed request, List<Embedding> embeddings) {
        ObjectNode out = json.createObjectNode().put("object", "list");
        ArrayNode data = out.putArray("data");
        long tokens = 0;
        for (int i = 0; i < embeddings.size(); i++) {
            Embedding e = embeddings.get(i);
            ObjectNode item = data.addObject().put("object", "embedding").put("index", i);
            if (request.base64()) {
                item.put("embedding", base64(e.vector()));
            } else {
                ArrayNode values = item.putArray("embedding");
                for (float v : e.vector()) {
                    values.add(v);
                }
            }
            tokens = Math.addExact(tokens, e.inputTokens());
        }
        out.put("model", request.model());
        out.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
        return out;
    }

    /** Little-endian float32, base64: what OpenAI's clients decode. */
    static String base64(float[] vector) {
        ByteBuffer bytes = ByteBuffer.allocate(vector.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : vector) {
            bytes.putFloat(v);
        }
        return Base64.getEncoder().encodeToString(bytes.array());
    }

    /** The record attributes of a request: its end user, as chat records carry it. */
    static Map<String, String> recordAttributes(Parsed request) {
        return request.user() == null ? Map.of() : Map.of("user", request.user());
    }
}
