package dev.aip.core.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.InferenceSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.bedrockruntime.model.InferenceConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.SystemContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ToolConfiguration;

/**
 * The {@link ChatRequest} that the interceptor shows to the admission for a request the SDK is about to send: what
 * the admission sizes a call by is its input characters, its logical model and its {@code maxTokens}. And the way
 * back: the settings the admission {@linkplain dev.aip.core.chat.Admission#shape shaped} into a Converse
 * {@code inferenceConfig}.
 */
final class AdmissionRequests {

    private AdmissionRequests() {
    }

    /**
     * A Converse or ConverseStream request as a chat request; when the chat model cannot express it (e.g. images
     * only), a request without input that keeps the model and {@code maxTokens}. {@code null} without a model id.
     */
    static ChatRequest ofConverse(String model, List<Message> messages, List<SystemContentBlock> system,
                                  InferenceConfiguration inference, ToolConfiguration tools) {
        if (model == null || model.isBlank()) {
            return null;
        }
        try {
            return ConverseMapping.toChatRequest(model, messages, system, inference, tools);
        } catch (RuntimeException e) {
            Integer maxTokens = inference == null ? null : inference.maxTokens();
            return sized(model, "", maxTokens != null && maxTokens > 0 ? maxTokens : null);
        }
    }

    /**
     * An InvokeModel body as a chat request of as many input characters as the body has bytes (the interceptor's
     * input estimate for bodies), with {@code maxTokens} from the body's {@code max_tokens} or
     * {@code inferenceConfig.maxTokens} when it has one. {@code null} without a model id.
     */
    static ChatRequest ofBody(String model, SdkBytes body) {
        if (model == null || model.isBlank()) {
            return null;
        }
        byte[] bytes = body == null ? new byte[0] : body.asByteArrayUnsafe();
        // ISO-8859-1 maps each byte to one char: the text has exactly the body's length.
        return sized(model, new String(bytes, StandardCharsets.ISO_8859_1), maxTokens(bytes));
    }

    /**
     * The Converse {@code inferenceConfig} to send after shaping: the caller's own, with the settings it left unset
     * taken from the shaped request. The caller's own settings are never overwritten (the shaped request may have
     * lost some, when the chat model could not express the request).
     */
    static InferenceConfiguration shaped(InferenceConfiguration original, ChatRequest asked, ChatRequest shaped) {
        if (shaped == null || shaped == asked) {
            return original;
        }
        InferenceSettings s = shaped.settings();
        InferenceConfiguration.Builder b = original == null ? InferenceConfiguration.builder() : original.toBuilder();
        boolean changed = false;
        if ((original == null || original.maxTokens() == null) && s.maxTokens() != null) {
            b.maxTokens(s.maxTokens());
            changed = true;
        }
        if ((original == null || original.temperature() == null) && s.temperature() != null) {
            b.temperature(s.temperature());
            changed = true;
        }
        if ((original == null || original.topP() == null) && s.topP() != null) {
            b.topP(s.topP());
            changed = true;
        }
        if ((original == null || !original.hasStopSequences() || original.stopSequences().isEmpty())
                && !s.stopSequences().isEmpty()) {
            b.stopSequences(s.stopSequences());
            changed = true;
        }
        return changed ? b.build() : original;
    }

    /**
     * The output limit an InvokeModel body asks for, in the body formats that have one: {@code max_tokens}
     * (Anthropic), {@code inferenceConfig.maxTokens} or {@code inferenceConfig.max_new_tokens} (Nova),
     * {@code textGenerationConfig.maxTokenCount} (Titan), {@code max_gen_len} (Llama); {@code null} without one.
     */
    static Integer maxTokens(byte[] body) {
        if (body.length == 0 || body[0] != '{' && !Character.isWhitespace(body[0])) {
            return null;
        }
        try {
            JsonNode json = Documents.JSON.readTree(body);
            if (json == null) {
                return null;
            }
            JsonNode n = json.path("max_tokens");
            if (!n.isIntegralNumber()) {
                n = json.path("inferenceConfig").path("maxTokens");
            }
            if (!n.isIntegralNumber()) {
                n = json.path("inferenceConfig").path("max_new_tokens");
            }
            if (!n.isIntegralNumber()) {
                n = json.path("textGenerationConfig").path("maxTokenCount");
            }
            if (!n.isIntegralNumber()) {
                n = json.path("max_gen_len");
            }
            return n.canConvertToInt() && n.isIntegralNumber() && n.intValue() > 0 ? n.intValue() : null;
        } catch (IOException e) {
            return null;
        }
    }

    private static ChatRequest sized(String model, String text, Integer maxTokens) {
        // A chat message needs some text: a single space stands for an input too small to count.
        return ChatRequest.builder().model(model).message(ChatMessage.user(text.isEmpty() ? " " : text))
                .settings(new InferenceSettings(maxTokens, null, null, List.of())).build();
    }
}
