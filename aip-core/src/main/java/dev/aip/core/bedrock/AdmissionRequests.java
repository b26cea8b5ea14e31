package dev.aip.core.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aip.core.chat.AdmissionRequest;
import dev.aip.core.chat.InferenceSettings;
import dev.aip.core.metering.UsageMeter;
import java.io.IOException;
import java.util.List;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.InferenceConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.SystemContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.Tool;
import software.amazon.awssdk.services.bedrockruntime.model.ToolConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.ToolResultContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ToolSpecification;
import software.amazon.awssdk.services.bedrockruntime.model.ToolUseBlock;

/**
 * The {@link AdmissionRequest} of a request the SDK is about to send, counted straight from the SDK's own types (the
 * messages are never converted): the input characters as {@link dev.aip.core.chat.ChatRequest#inputChars()} counts
 * them for the same conversation, so the SDK path and the pipeline estimate and reserve alike. And the way back: the
 * settings the admission {@linkplain dev.aip.core.chat.Admission#shape shaped} into a Converse
 * {@code inferenceConfig}.
 */
final class AdmissionRequests {

    private AdmissionRequests() {
    }

    /**
     * A Converse or ConverseStream request: text, tool use (name and input JSON) and tool result characters of the
     * messages, system text, and each tool's name, description and schema. {@code null} without a model id.
     */
    static AdmissionRequest ofConverse(String model, List<Message> messages, List<SystemContentBlock> system,
                                       InferenceConfiguration inference, ToolConfiguration tools) {
        if (model == null || model.isBlank()) {
            return null;
        }
        long chars = 0;
        for (Message m : messages) {
            for (ContentBlock c : m.content()) {
                chars += chars(c);
            }
        }
        for (SystemContentBlock s : system) {
            chars += s.text() == null ? 0 : s.text().length();
        }
        if (tools != null) {
            for (Tool t : tools.tools()) {
                ToolSpecification spec = t.toolSpec();
                if (spec != null) {
                    chars += spec.name().length() + (spec.description() == null ? 0 : spec.description().length())
                            + (spec.inputSchema() == null ? 2 : Documents.toJson(spec.inputSchema().json()).length());
                }
            }
        }
        return new AdmissionRequest(model, UsageMeter.estimateTokens(chars), settings(inference));
    }

    /**
     * An InvokeModel body: as many input characters as the body has bytes (the body is model-specific), with
     * {@code maxTokens} from the body's output limit when it has one. {@code null} without a model id.
     */
    static AdmissionRequest ofBody(String model, SdkBytes body) {
        if (model == null || model.isBlank()) {
            return null;
        }
        byte[] bytes = body == null ? new byte[0] : body.asByteArrayUnsafe();
        return new AdmissionRequest(model, UsageMeter.estimateTokens(bytes.length),
                new InferenceSettings(maxTokens(bytes), null, null, List.of()));
    }

    /**
     * The Converse {@code inferenceConfig} to send after shaping: the caller's own, with the settings it left unset
     * taken from the shaped request. The caller's own settings are never overwritten.
     */
    static InferenceConfiguration shaped(InferenceConfiguration original, AdmissionRequest asked,
                                         AdmissionRequest shaped) {
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

    /** The characters of one content block, as the chat model counts its part ({@code ChatRequest.inputChars}). */
    private static long chars(ContentBlock c) {
        if (c.text() != null) {
            return c.text().length();
        }
        if (c.toolUse() != null) {
            ToolUseBlock u = c.toolUse();
            String input = Documents.toJson(u.input()).strip();
            return (u.name() == null ? 0 : u.name().length()) + (input.startsWith("{") ? input.length() : 2);
        }
        if (c.toolResult() != null) {
            long n = 0;
            for (ToolResultContentBlock rc : c.toolResult().content()) {
                n += rc.text() != null ? rc.text().length() : rc.json() != null ? Documents.toJson(rc.json()).length()
                        : 0;
            }
            return n == 0 ? 1 : n;
        }
        return 0;
    }

    /**
     * The settings of a Converse {@code inferenceConfig}; a value the chat model would refuse (e.g. a temperature out
     * of range) is left out, since Bedrock answers it with its own validation error.
     */
    private static InferenceSettings settings(InferenceConfiguration inference) {
        if (inference == null) {
            return InferenceSettings.DEFAULTS;
        }
        Integer maxTokens = inference.maxTokens() != null && inference.maxTokens() > 0 ? inference.maxTokens() : null;
        try {
            return new InferenceSettings(maxTokens, inference.temperature(), inference.topP(),
                    inference.hasStopSequences() ? inference.stopSequences() : List.of());
        } catch (IllegalArgumentException e) {
            return new InferenceSettings(maxTokens, null, null, List.of());
        }
    }

    /**
     * The output limit an InvokeModel body asks for, in the body formats that have one: {@code max_tokens}
     * (Anthropic), {@code inferenceConfig.maxTokens} or {@code inferenceConfig.max_new_tokens} (Nova),
     * {@code textGenerationConfig.maxTokenCount} (Titan), {@code max_gen_len} (Llama); {@code null} without one.
     * An embedding body (Titan Embeddings' {@code inputText} without {@code textGenerationConfig}, Cohere Embed's
     * {@code texts} with {@code input_type}) generates nothing: 1, the least the settings allow, so an embedding is
     * reserved as its input, not at the tenant's output cap.
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
            if (json.path("inputText").isTextual() && !json.has("textGenerationConfig")
                    || json.path("texts").isArray() && json.has("input_type")) {
                return 1;
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
}
