package dev.aip.examples;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import software.amazon.awssdk.core.SdkBytes;

/**
 * The Amazon Nova InvokeModel body the workshop sends ({@code {"messages":[{"role":"user","content":[{"text":...}]}]}})
 * and the parts of the answer it reads ({@code output.message.content[0].text}, {@code usage}). Stateless.
 */
final class NovaMessages {

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * What a Nova InvokeModel call answered. Immutable.
     *
     * @param text the first text block of the answer
     * @param inputTokens {@code usage.inputTokens}
     * @param outputTokens {@code usage.outputTokens}
     */
    record Reply(String text, long inputTokens, long outputTokens) {
    }

    private NovaMessages() {
    }

    /** The request body: one user message, and a cap on the answer's length. */
    static SdkBytes request(String prompt, int maxTokens) {
        ObjectNode body = JSON.createObjectNode();
        body.putArray("messages").addObject().put("role", "user").putArray("content").addObject().put("text", prompt);
        body.putObject("inferenceConfig").put("max_new_tokens", maxTokens);
        try {
            return SdkBytes.fromByteArray(JSON.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Reads an answer body.
     *
     * @throws IllegalArgumentException if the body is not a Nova answer
     */
    static Reply parse(SdkBytes body) {
        JsonNode root;
        try {
            root = JSON.readTree(body.asByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException("the InvokeModel answer is not JSON", e);
        }
        JsonNode usage = root.path("usage");
        if (!usage.has("inputTokens") || !usage.has("outputTokens")) {
            throw new IllegalArgumentException("the InvokeModel answer has no Nova usage: " + root);
        }
        return new Reply(root.path("output").path("message").path("content").path(0).path("text").asText(""),
                usage.get("inputTokens").asLong(), usage.get("outputTokens").asLong());
    }
}
