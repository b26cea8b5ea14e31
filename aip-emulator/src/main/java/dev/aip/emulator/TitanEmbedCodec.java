package dev.aip.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The InvokeModel body of Amazon Titan Text Embeddings V2 ({@code amazon.titan-embed-text-v2:0}), as the Bedrock user
 * guide documents it (https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-embed-text.html):
 * request {@code {"inputText", "dimensions": 1024 (default) | 512 | 256, "normalize": true (default),
 * "embeddingTypes": ["float" (default), "binary"]}}, response {@code {"embedding": [float...],
 * "inputTextTokenCount", "embeddingsByType": {"float": [...], "binary": [0|1...]}}}; one text per call.
 *
 * <p>The vector is deterministic: seeded by the text alone (the same text gives the same vector in every emulator and
 * every dimension's vector is the start of the 1024-dimension one before normalizing), of unit length when
 * {@code normalize} is true. Input tokens are counted by the emulator's text rule ({@link PromptDigest#textTokens});
 * a text over {@value #MAX_INPUT_TOKENS} tokens is refused as Bedrock refuses it. An embedding has no output tokens.
 *
 * <p>Unlike the chat codecs, an instance holds the request it parsed, for the response it renders: one instance per
 * call ({@link InvokeCodec#forModel} makes a new one), confined to that call.
 */
final class TitanEmbedCodec implements InvokeCodec {

    static final String MODEL_PREFIX = "amazon.titan-embed-text-v2";
    static final int DEFAULT_DIMENSIONS = 1024;
    static final List<Integer> DIMENSIONS = List.of(1024, 512, 256);
    static final int MAX_INPUT_TOKENS = 8192;
    private static final Set<String> KEYS = Set.of("inputText", "dimensions", "normalize", "embeddingTypes");
    private static final Set<String> TYPES = Set.of("float", "binary");

    private String text;
    private int dimensions = DEFAULT_DIMENSIONS;
    private boolean normalize = true;
    private Set<String> types = Set.of("float");

    @Override
    public Prompt parse(ObjectNode body) {
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!KEYS.contains(name)) {
                throw malformed("#: extraneous key [" + name + "] is not permitted");
            }
        }
        JsonNode input = body.get("inputText");
        if (input == null) {
            throw malformed("#: required key [inputText] not found");
        }
        if (!input.isTextual()) {
            throw malformed("#/inputText: expected type: String, found: " + jsonType(input));
        }
        text = input.asText();
        if (text.isEmpty()) {
            throw malformed("#/inputText: expected minLength: 1, actual: 0");
        }
        JsonNode dims = body.get("dimensions");
        if (dims != null && !dims.isNull()) {
            if (!dims.isIntegralNumber() || !DIMENSIONS.contains(dims.asInt())) {
                throw malformed("#/dimensions: " + dims + " is not a valid enum value");
            }
            dimensions = dims.asInt();
        }
        JsonNode norm = body.get("normalize");
        if (norm != null && !norm.isNull()) {
            if (!norm.isBoolean()) {
                throw malformed("#/normalize: expected type: Boolean, found: " + jsonType(norm));
            }
            normalize = norm.asBoolean();
        }
        JsonNode embeddingTypes = body.get("embeddingTypes");
        if (embeddingTypes != null && !embeddingTypes.isNull()) {
            if (!embeddingTypes.isArray() || embeddingTypes.isEmpty()) {
                throw malformed("#/embeddingTypes: expected a non-empty list of \"float\" and \"binary\"");
            }
            Set<String> requested = new LinkedHashSet<>();
            for (JsonNode t : embeddingTypes) {
                if (!t.isTextual() || !TYPES.contains(t.asText())) {
                    throw malformed("#/embeddingTypes: " + t + " is not a valid enum value");
                }
                requested.add(t.asText());
            }
            types = Set.copyOf(requested);
        }
        long tokens = PromptDigest.textTokens(text);
        if (tokens > MAX_INPUT_TOKENS) {
            throw ApiError.validation("400 Bad Request: Too many input tokens. Max input tokens: " + MAX_INPUT_TOKENS
                    + ", request input token count: " + tokens);
        }
        // maxTokens 0: an embedding generates nothing, so the account quota reserves its input only.
        return new Prompt(tokens, seed(text), List.of(), text, false, List.of(), null, null, 0, List.of(), Map.of(),
                null);
    }

    @Override
    public boolean generates() {
        return false;
    }

    @Override
    public byte[] response(ModelReply reply, Usage usage, String foundationModelId, String messageId) {
        float[] vector = vector(text, dimensions, normalize);
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode embedding = out.putArray("embedding");
        for (float v : vector) {
            embedding.add(v);
        }
        out.put("inputTextTokenCount", usage.input());
        ObjectNode byType = out.putObject("embeddingsByType");
        if (types.contains("float")) {
            byType.set("float", embedding.deepCopy());
        }
        if (types.contains("binary")) {
            ArrayNode bits = byType.putArray("binary");
            for (float v : vector) {
                bits.add(v > 0 ? 1 : 0);
            }
        }
        return Json.write(out);
    }

    @Override
    public List<StreamEvent> streamEvents(ModelReply reply, Usage usage, String foundationModelId, String messageId,
                                          int chunkTokens) {
        throw new IllegalStateException("embedding models are refused on InvokeModelWithResponseStream earlier");
    }

    /**
     * The embedding of {@code text}: the first {@code dimensions} of 1024 components drawn from a generator seeded by
     * the text, scaled to unit length when {@code normalize} is true.
     */
    static float[] vector(String text, int dimensions, boolean normalize) {
        SplittableRandom random = new SplittableRandom(seed(text));
        double[] raw = new double[dimensions];
        double sumSquares = 0;
        for (int i = 0; i < dimensions; i++) {
            raw[i] = random.nextDouble(-1.0, 1.0);
            sumSquares += raw[i] * raw[i];
        }
        double scale = normalize && sumSquares > 0 ? 1.0 / Math.sqrt(sumSquares) : 1.0;
        float[] out = new float[dimensions];
        for (int i = 0; i < dimensions; i++) {
            out[i] = (float) (raw[i] * scale);
        }
        return out;
    }

    /** FNV-1a over the text's chars: the same text seeds the same vector on every JVM. */
    private static long seed(String text) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < text.length(); i++) {
            h = (h ^ text.charAt(i)) * 0x100000001b3L;
        }
        return h;
    }

    private static ApiError malformed(String detail) {
        return ApiError.validation("Malformed input request: " + detail + ", please reformat your input and try"
                + " again.");
    }

    private static String jsonType(JsonNode node) {
        return switch (node.getNodeType()) {
            case NUMBER -> node.isIntegralNumber() ? "Integer" : "BigDecimal";
            case BOOLEAN -> "Boolean";
            case ARRAY -> "JSONArray";
            case OBJECT -> "JSONObject";
            case NULL -> "Null";
            default -> "String";
        };
    }
}
