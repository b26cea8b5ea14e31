package dev.aip.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A model-native body format of InvokeModel / InvokeModelWithResponseStream. The chat codecs are stateless; an
 * embedding codec ({@link TitanEmbedCodec}) holds the request it parsed and is made per call.
 */
interface InvokeCodec {

    /** Validates the body and reduces it to a prompt (without request metadata, which comes from a header). */
    Prompt parse(ObjectNode body);

    /** The InvokeModel response body. */
    byte[] response(ModelReply reply, Usage usage, String foundationModelId, String messageId);

    /** The model-native events of InvokeModelWithResponseStream, each sent as one {@code chunk}. */
    List<StreamEvent> streamEvents(ModelReply reply, Usage usage, String foundationModelId, String messageId,
                                   int chunkTokens);

    /**
     * Whether the model generates output tokens: {@code false} for an embedding model, whose answer has input
     * tokens only and whose InvokeModel response has no output token count header.
     */
    default boolean generates() {
        return true;
    }

    /** The codec for a foundation model, or by the body's shape for models of other providers. */
    static InvokeCodec forModel(String foundationModelId, ObjectNode body) {
        if (foundationModelId.startsWith(TitanEmbedCodec.MODEL_PREFIX)) {
            return new TitanEmbedCodec();
        }
        if (foundationModelId.contains("anthropic.")) {
            return AnthropicCodec.INSTANCE;
        }
        if (foundationModelId.contains("amazon.nova")) {
            return NovaCodec.INSTANCE;
        }
        if (body.has("anthropic_version")) {
            return AnthropicCodec.INSTANCE;
        }
        if (body.has("messages")) {
            return NovaCodec.INSTANCE;
        }
        throw ApiError.validation("Malformed input request: the emulator accepts InvokeModel bodies in the "
                + "Anthropic Messages and Amazon Nova (messages-v1) formats, please reformat your input and try again.");
    }

    static JsonNode parseJson(String json) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Splits a tool input into the partial JSON strings a stream sends. */
    static List<String> jsonFragments(String json) {
        List<String> out = new ArrayList<>();
        int size = 16;
        for (int i = 0; i < json.length(); ) {
            int end = Math.min(json.length(), i + size);
            if (end < json.length() && Character.isHighSurrogate(json.charAt(end - 1))) {
                end++;
            }
            out.add(json.substring(i, end));
            i = end;
        }
        if (out.isEmpty()) {
            out.add("");
        }
        return out;
    }
}
