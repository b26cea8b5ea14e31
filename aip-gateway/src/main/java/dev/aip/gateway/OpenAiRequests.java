package dev.aip.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.InferenceSettings;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads an OpenAI chat completion request into an aip {@link ChatRequest}.
 *
 * <p>Mapped: {@code model} (a logical model), {@code messages} ({@code system} and {@code developer} become the
 * system prompt, {@code user} and {@code assistant} the conversation; content as a string or as {@code text}
 * parts), {@code max_completion_tokens} or {@code max_tokens}, {@code temperature} and {@code top_p} (0–1, Bedrock's
 * range), {@code stop} (a string or a list), {@code stream}, {@code stream_options.include_usage}, {@code user}
 * (a usage record attribute). Refused with 400: {@code n} other than 1, {@code tools}/{@code functions}, tool
 * messages and non-text content parts. Other fields are ignored.
 *
 * <p>Thread-safe: stateless.
 */
final class OpenAiRequests {

    /**
     * A parsed request.
     *
     * @param request the aip request
     * @param stream whether the answer is streamed
     * @param includeUsage whether a stream ends with a usage chunk
     */
    record Parsed(ChatRequest request, boolean stream, boolean includeUsage) {
    }

    private OpenAiRequests() {
    }

    static Parsed parse(ObjectMapper json, byte[] body) {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JsonProcessingException e) {
            throw GatewayError.badRequest(null, "The request body is not valid JSON: " + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw GatewayError.badRequest(null, "The request body cannot be read.");
        }
        if (root == null || !root.isObject()) {
            throw GatewayError.badRequest(null, "The request body must be a JSON object.");
        }
        JsonNode model = root.get("model");
        if (model == null || !model.isTextual() || model.asText().isBlank()) {
            throw GatewayError.badRequest("model", "'model' is required: a model name from GET /v1/models.");
        }
        ChatRequest.Builder b = ChatRequest.builder().model(model.asText());
        JsonNode messages = root.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw GatewayError.badRequest("messages", "'messages' must be a non-empty array.");
        }
        int conversation = 0;
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String param = "messages[" + i + "]";
            if (!m.isObject() || !m.path("role").isTextual()) {
                throw GatewayError.badRequest(param, param + " needs a 'role'.");
            }
            String role = m.get("role").asText();
            String text = content(m.get("content"), param);
            switch (role) {
                case "system", "developer" -> {
                    if (!text.isEmpty()) {
                        b.system(text);
                    }
                }
                case "user" -> {
                    b.message(ChatMessage.user(nonEmpty(text, param)));
                    conversation++;
                }
                case "assistant" -> {
                    b.message(ChatMessage.assistant(nonEmpty(text, param)));
                    conversation++;
                }
                default -> throw GatewayError.badRequest(param + ".role", "Role '" + role + "' is not supported;"
                        + " use system, developer, user or assistant.");
            }
        }
        if (conversation == 0) {
            throw GatewayError.badRequest("messages", "'messages' needs at least one user message.");
        }
        if (root.hasNonNull("tools") || root.hasNonNull("functions")) {
            throw GatewayError.badRequest("tools", "Tools are not supported by this gateway.");
        }
        if (root.hasNonNull("n") && root.get("n").asInt(-1) != 1) {
            throw GatewayError.badRequest("n", "Only n=1 is supported.");
        }
        Integer maxTokens = positiveInt(root, "max_completion_tokens");
        if (maxTokens == null) {
            maxTokens = positiveInt(root, "max_tokens");
        }
        Float temperature = unit(root, "temperature");
        Float topP = unit(root, "top_p");
        List<String> stop = new ArrayList<>();
        JsonNode s = root.get("stop");
        if (s != null && !s.isNull()) {
            if (s.isTextual()) {
                stop.add(s.asText());
            } else if (s.isArray()) {
                s.forEach(v -> {
                    if (!v.isTextual() || v.asText().isEmpty()) {
                        throw GatewayError.badRequest("stop", "'stop' entries must be non-empty strings.");
                    }
                    stop.add(v.asText());
                });
            } else {
                throw GatewayError.badRequest("stop", "'stop' must be a string or an array of strings.");
            }
            if (stop.stream().anyMatch(String::isEmpty)) {
                throw GatewayError.badRequest("stop", "'stop' entries must be non-empty strings.");
            }
        }
        b.settings(new InferenceSettings(maxTokens, temperature, topP, stop));
        JsonNode user = root.get("user");
        if (user != null && user.isTextual() && !user.asText().isEmpty()) {
            b.attribute("user", user.asText().length() > 256 ? user.asText().substring(0, 256) : user.asText());
        }
        boolean stream = root.path("stream").asBoolean(false);
        boolean includeUsage = root.path("stream_options").path("include_usage").asBoolean(false);
        try {
            return new Parsed(b.build(), stream, includeUsage);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw GatewayError.badRequest(null, e.getMessage());
        }
    }

    private static String content(JsonNode content, String param) {
        if (content == null || content.isNull()) {
            return "";
        }
        if (content.isTextual()) {
            return content.asText();
        }
        if (content.isArray()) {
            StringBuilder sb = new StringBuilder();
            for (JsonNode part : content) {
                if (!"text".equals(part.path("type").asText()) || !part.path("text").isTextual()) {
                    throw GatewayError.badRequest(param + ".content", "Only text content parts are supported.");
                }
                sb.append(part.get("text").asText());
            }
            return sb.toString();
        }
        throw GatewayError.badRequest(param + ".content", "'content' must be a string or an array of text parts.");
    }

    private static String nonEmpty(String text, String param) {
        if (text.isEmpty()) {
            throw GatewayError.badRequest(param + ".content", param + " has no text.");
        }
        return text;
    }

    private static Integer positiveInt(JsonNode root, String field) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.canConvertToInt() || !v.isIntegralNumber() || v.asInt() < 1) {
            throw GatewayError.badRequest(field, "'" + field + "' must be a positive integer.");
        }
        return v.asInt();
    }

    private static Float unit(JsonNode root, String field) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber() || v.asDouble() < 0 || v.asDouble() > 1) {
            throw GatewayError.badRequest(field, "'" + field + "' must be a number between 0 and 1 (Bedrock's"
                    + " range).");
        }
        return (float) v.asDouble();
    }
}
