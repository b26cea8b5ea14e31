package dev.aip.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.ChatRole;
import dev.aip.core.chat.ContentPart;
import dev.aip.core.chat.InferenceSettings;
import dev.aip.core.chat.StructuredOutput;
import dev.aip.core.chat.ToolChoice;
import dev.aip.core.chat.ToolSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads an OpenAI chat completion request into an aip {@link ChatRequest}.
 *
 * <p><b>Messages.</b> {@code system} and {@code developer} become the system prompt; {@code user} content is a
 * string or {@code text} parts; {@code assistant} content is a string, text parts or {@code null}, and its
 * {@code tool_calls} become tool use blocks (the {@code arguments} string must be a JSON object); a {@code tool}
 * message ({@code tool_call_id}, {@code content}) becomes a tool result block. Converse wants user and assistant
 * turns to alternate, so consecutive messages of one side are merged into one turn: the tool results answering one
 * assistant turn become one user turn (followed by any user text sent after them).
 *
 * <p><b>Tools.</b> {@code tools} of type {@code function} ({@code name}, {@code description}, {@code parameters},
 * a JSON schema; an empty object schema if absent) become tool specs; {@code tool_choice} {@code auto} is the
 * model's default, {@code required} is Converse's {@code any}, {@code {"type":"function","function":{"name"}}} is
 * Converse's {@code tool}. Converse has no {@code none}: the tools are then left out of the request, so the model
 * cannot call them; only when the conversation already holds tool calls or results (which Converse accepts only
 * with the tool definitions) are they sent, without a choice, and the model may still ask for one. Bedrock decides
 * whether a model calls several tools at once; {@code parallel_tool_calls} is accepted and not forwarded.
 *
 * <p><b>Output.</b> {@code response_format} {@code json_schema} becomes Converse structured output (the caller
 * checks that the model takes it); {@code json_object} a forced tool whose input is the answer (see
 * {@link Parsed#jsonObject()}). User content parts may be {@code image_url} with a base64 {@code data:} URL.
 *
 * <p><b>Settings.</b> {@code max_completion_tokens} or {@code max_tokens}; {@code temperature} (OpenAI's 0–2, sent
 * as is up to 1 and as 1 above) and {@code top_p} (0–1); {@code stop} (a string or a list); {@code stream},
 * {@code stream_options.include_usage}; {@code user} (a usage record attribute). Refused with 400, naming the field:
 * {@code n} other than 1, {@code logprobs}/{@code top_logprobs}, legacy {@code functions}, the {@code function}
 * role, remote image URLs and content parts other than text and images. Other fields are ignored.
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
     * @param jsonObject whether JSON mode ({@code response_format} {@code json_object}) is served by the
     *     {@link #JSON_OBJECT_TOOL}: its input is the answer's content
     */
    record Parsed(ChatRequest request, boolean stream, boolean includeUsage, boolean jsonObject) {
    }

    /** The tool whose input is the answer in JSON mode. */
    static final String JSON_OBJECT_TOOL = "json_object";

    /** OpenAI's temperature goes to 2; Bedrock's models (Anthropic, Nova, Llama, Mistral) to 1. */
    static final double MAX_OPENAI_TEMPERATURE = 2;

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
        Turns turns = new Turns();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String param = "messages[" + i + "]";
            if (!m.isObject() || !m.path("role").isTextual()) {
                throw GatewayError.badRequest(param, param + " needs a 'role'.");
            }
            String role = m.get("role").asText();
            switch (role) {
                case "system", "developer" -> {
                    String text = text(m.get("content"), param);
                    if (!text.isEmpty()) {
                        b.system(text);
                    }
                }
                case "user" -> turns.add(ChatRole.USER, userContent(m.get("content"), param));
                case "assistant" -> turns.add(ChatRole.ASSISTANT, assistant(m, param));
                case "tool" -> turns.add(ChatRole.USER, List.of(toolResult(m, param)));
                default -> throw GatewayError.badRequest(param + ".role", "Role '" + role + "' is not supported;"
                        + " use system, developer, user, assistant or tool.");
            }
        }
        if (turns.messages.stream().noneMatch(m -> m.role() == ChatRole.USER)) {
            throw GatewayError.badRequest("messages", "'messages' needs at least one user message.");
        }
        b.messages(turns.messages);
        if (root.hasNonNull("functions") || root.hasNonNull("function_call")) {
            throw GatewayError.badRequest("functions", "'functions' and 'function_call' are OpenAI's deprecated"
                    + " form; send 'tools' and 'tool_choice' instead.");
        }
        boolean hasTools = tools(root, b, turns.hasToolBlocks);
        boolean jsonObject = responseFormat(root.get("response_format"), b, hasTools);
        if (root.hasNonNull("n") && !(root.get("n").isIntegralNumber() && root.get("n").asInt() == 1)) {
            throw GatewayError.badRequest("n", "Only n=1 is supported: Bedrock answers with one choice. Send"
                    + " several requests for several choices (each is metered).");
        }
        if (root.path("logprobs").asBoolean(false) || root.hasNonNull("top_logprobs")) {
            throw GatewayError.badRequest(root.hasNonNull("top_logprobs") ? "top_logprobs" : "logprobs",
                    "Log probabilities are not available: Bedrock's Converse API does not return them. Leave"
                    + " 'logprobs' and 'top_logprobs' out.");
        }
        Integer maxTokens = positiveInt(root, "max_completion_tokens");
        if (maxTokens == null) {
            maxTokens = positiveInt(root, "max_tokens");
        }
        Float temperature = temperature(root);
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
            return new Parsed(b.build(), stream, includeUsage, jsonObject);
        } catch (IllegalArgumentException | NullPointerException e) {
            throw GatewayError.badRequest(null, e.getMessage());
        }
    }

    /** The conversation as Converse wants it: consecutive messages of one side merged into one turn. */
    private static final class Turns {
        final List<ChatMessage> messages = new ArrayList<>();
        boolean hasToolBlocks;

        void add(ChatRole role, List<ContentPart> parts) {
            hasToolBlocks |= parts.stream().anyMatch(p -> p instanceof ContentPart.ToolUse
                    || p instanceof ContentPart.ToolResult);
            int last = messages.size() - 1;
            if (last >= 0 && messages.get(last).role() == role) {
                List<ContentPart> merged = new ArrayList<>(messages.get(last).content());
                merged.addAll(parts);
                messages.set(last, new ChatMessage(role, merged));
            } else {
                messages.add(new ChatMessage(role, parts));
            }
        }
    }

    private static List<ContentPart> assistant(JsonNode m, String param) {
        List<ContentPart> parts = new ArrayList<>();
        String text = text(m.get("content"), param);
        if (!text.isEmpty()) {
            parts.add(ContentPart.text(text));
        }
        JsonNode calls = m.get("tool_calls");
        if (calls != null && !calls.isNull()) {
            if (!calls.isArray()) {
                throw GatewayError.badRequest(param + ".tool_calls", "'tool_calls' must be an array.");
            }
            for (int i = 0; i < calls.size(); i++) {
                parts.add(toolUse(calls.get(i), param + ".tool_calls[" + i + "]"));
            }
        }
        if (parts.isEmpty()) {
            throw GatewayError.badRequest(param + ".content", param + " has neither text nor tool_calls.");
        }
        return parts;
    }

    private static ContentPart.ToolUse toolUse(JsonNode call, String param) {
        if (!call.isObject() || !call.path("id").isTextual() || !call.path("function").isObject()) {
            throw GatewayError.badRequest(param, param + " needs an 'id' and a 'function' with 'name' and"
                    + " 'arguments'.");
        }
        if (call.hasNonNull("type") && !"function".equals(call.get("type").asText())) {
            throw GatewayError.badRequest(param + ".type", "Only tool calls of type 'function' are supported.");
        }
        JsonNode function = call.get("function");
        String arguments = function.path("arguments").asText("");
        if (arguments.isBlank()) {
            arguments = "{}";
        }
        try {
            return new ContentPart.ToolUse(call.get("id").asText(), function.path("name").asText(""),
                    jsonObject(arguments, param + ".function.arguments"));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw GatewayError.badRequest(param, e.getMessage());
        }
    }

    private static ContentPart.ToolResult toolResult(JsonNode m, String param) {
        JsonNode id = m.get("tool_call_id");
        if (id == null || !id.isTextual() || id.asText().isEmpty()) {
            throw GatewayError.badRequest(param + ".tool_call_id", param + " (role tool) needs the 'tool_call_id'"
                    + " of the tool call it answers.");
        }
        String content = text(m.get("content"), param);
        try {
            // Bedrock rejects empty text; an empty tool output is sent as one space, as aip reads it back.
            return ContentPart.ToolResult.of(id.asText(), content.isEmpty() ? " " : content);
        } catch (IllegalArgumentException e) {
            throw GatewayError.badRequest(param + ".tool_call_id", e.getMessage());
        }
    }

    /** Adds the tools and the tool choice; returns whether any tool is sent. */
    private static boolean tools(JsonNode root, ChatRequest.Builder b, boolean conversationHasToolBlocks) {
        JsonNode tools = root.get("tools");
        JsonNode choice = root.get("tool_choice");
        boolean none = choice != null && "none".equals(choice.asText(null));
        if (tools == null || tools.isNull() || (tools.isArray() && tools.isEmpty())) {
            if (choice != null && !choice.isNull() && !none && !"auto".equals(choice.asText(null))) {
                throw GatewayError.badRequest("tool_choice", "'tool_choice' needs 'tools'.");
            }
            if (conversationHasToolBlocks) {
                throw GatewayError.badRequest("tools", "The messages hold tool calls or tool results, which"
                        + " Bedrock accepts only with the tool definitions: send the same 'tools' as before.");
            }
            return false;
        }
        if (!tools.isArray()) {
            throw GatewayError.badRequest("tools", "'tools' must be an array of {\"type\":\"function\","
                    + "\"function\":{...}} objects.");
        }
        if (none && !conversationHasToolBlocks) {
            // Converse has no "none": a model that does not see the tools cannot call them.
            return false;
        }
        for (int i = 0; i < tools.size(); i++) {
            String param = "tools[" + i + "]";
            JsonNode tool = tools.get(i);
            if (!tool.isObject() || !"function".equals(tool.path("type").asText())
                    || !tool.path("function").isObject()) {
                throw GatewayError.badRequest(param, param + " must be {\"type\":\"function\",\"function\":{\"name\""
                        + ",\"description\",\"parameters\"}}; other tool types are not supported.");
            }
            JsonNode function = tool.get("function");
            JsonNode parameters = function.get("parameters");
            String schema;
            if (parameters == null || parameters.isNull()) {
                schema = "{\"type\":\"object\",\"properties\":{}}";
            } else if (parameters.isObject()) {
                schema = parameters.toString();
            } else {
                throw GatewayError.badRequest(param + ".function.parameters", "'parameters' must be a JSON schema"
                        + " object.");
            }
            JsonNode description = function.get("description");
            try {
                b.tool(new ToolSpec(function.path("name").asText(""),
                        description != null && description.isTextual() && !description.asText().isEmpty()
                                ? description.asText() : null, schema));
            } catch (IllegalArgumentException | NullPointerException e) {
                throw GatewayError.badRequest(param + ".function.name", e.getMessage());
            }
        }
        if (choice == null || choice.isNull() || none) {
            return true;
        }
        if (choice.isTextual()) {
            switch (choice.asText()) {
                case "auto" -> b.toolChoice(ToolChoice.auto());
                case "required" -> b.toolChoice(ToolChoice.any());
                default -> throw GatewayError.badRequest("tool_choice", "'tool_choice' must be auto, none,"
                        + " required or {\"type\":\"function\",\"function\":{\"name\":...}}.");
            }
        } else if (choice.isObject() && "function".equals(choice.path("type").asText())
                && choice.path("function").path("name").isTextual()) {
            String name = choice.get("function").get("name").asText();
            boolean offered = false;
            for (JsonNode tool : tools) {
                offered |= name.equals(tool.path("function").path("name").asText());
            }
            if (!offered) {
                throw GatewayError.badRequest("tool_choice", "'tool_choice' names the function '" + name
                        + "', which is not among the 'tools'.");
            }
            try {
                b.toolChoice(ToolChoice.tool(name));
            } catch (IllegalArgumentException e) {
                throw GatewayError.badRequest("tool_choice", e.getMessage());
            }
        } else {
            throw GatewayError.badRequest("tool_choice", "'tool_choice' must be auto, none, required or"
                    + " {\"type\":\"function\",\"function\":{\"name\":...}}.");
        }
        return true;
    }

    /**
     * Maps {@code response_format}; returns whether JSON mode is served by the {@link #JSON_OBJECT_TOOL}.
     *
     * <p>{@code json_schema} becomes Converse structured output ({@code outputConfig.textFormat}), which Bedrock
     * always enforces: {@code strict: false} is served as strictly. The schema is sent as the caller wrote it:
     * Bedrock takes a subset of JSON Schema and documents no normalisation, so a keyword outside it (e.g.
     * {@code minimum}) is Bedrock's 400, which the controller answers with {@code param}
     * {@code response_format.json_schema.schema}. {@code json_object} (any JSON object) cannot be
     * a Converse output schema, which Bedrock requires to close every object; it is served as a tool the model must
     * call, whose input schema is any object, and the tool's input is returned as the answer's content. This works
     * on every model with tool use; it cannot be combined with the request's own tools.
     */
    private static boolean responseFormat(JsonNode format, ChatRequest.Builder b, boolean hasTools) {
        if (format == null || format.isNull()) {
            return false;
        }
        String type = format.path("type").asText("");
        switch (type) {
            case "text" -> {
                return false;
            }
            case "json_object" -> {
                if (hasTools) {
                    throw GatewayError.badRequest("response_format", "'response_format' json_object cannot be"
                            + " combined with 'tools' on this gateway; describe the answer with json_schema"
                            + " instead.");
                }
                b.tool(new ToolSpec(JSON_OBJECT_TOOL, "Give the answer as the input of this tool: one JSON"
                        + " object.", "{\"type\":\"object\"}"));
                b.toolChoice(ToolChoice.tool(JSON_OBJECT_TOOL));
                return true;
            }
            case "json_schema" -> {
                JsonNode spec = format.get("json_schema");
                if (spec == null || !spec.isObject() || !spec.path("schema").isObject()) {
                    throw GatewayError.badRequest("response_format.json_schema", "'response_format' json_schema"
                            + " needs 'json_schema': {\"name\", \"schema\": {...}, \"strict\"}.");
                }
                JsonNode description = spec.get("description");
                try {
                    b.structuredOutput(new StructuredOutput(spec.path("name").asText("response"),
                            description != null && description.isTextual() && !description.asText().isEmpty()
                                    ? description.asText() : null, spec.get("schema").toString()));
                } catch (IllegalArgumentException e) {
                    throw GatewayError.badRequest("response_format.json_schema.name", e.getMessage());
                }
                return false;
            }
            default -> throw GatewayError.badRequest("response_format.type", "'response_format' type must be"
                    + " text, json_object or json_schema.");
        }
    }

    /** A user message: text and image parts (images as data: URLs). */
    private static List<ContentPart> userContent(JsonNode content, String param) {
        if (content == null || content.isNull() || content.isTextual()) {
            return List.of(ContentPart.text(nonEmpty(content == null || content.isNull() ? "" : content.asText(),
                    param)));
        }
        if (!content.isArray()) {
            throw GatewayError.badRequest(param + ".content", "'content' must be a string or an array of text and"
                    + " image_url parts.");
        }
        List<ContentPart> parts = new ArrayList<>();
        for (int i = 0; i < content.size(); i++) {
            JsonNode part = content.get(i);
            String partParam = param + ".content[" + i + "]";
            switch (part.path("type").asText("")) {
                case "text" -> {
                    if (!part.path("text").isTextual()) {
                        throw GatewayError.badRequest(partParam + ".text", "A text part needs 'text'.");
                    }
                    if (!part.get("text").asText().isEmpty()) {
                        parts.add(ContentPart.text(part.get("text").asText()));
                    }
                }
                case "image_url" -> parts.add(image(part.path("image_url"), partParam + ".image_url"));
                default -> throw GatewayError.badRequest(partParam + ".type", "Content part type '"
                        + part.path("type").asText("") + "' is not supported; use text or image_url.");
            }
        }
        if (parts.isEmpty()) {
            throw GatewayError.badRequest(param + ".content", param + " has no text.");
        }
        return parts;
    }

    /**
     * An image part: a {@code data:image/<png|jpeg|gif|webp>;base64,...} URL. Remote URLs are refused: the gateway
     * does not fetch from the network on a caller's behalf (Bedrock takes the bytes).
     */
    private static ContentPart.Image image(JsonNode imageUrl, String param) {
        String url = imageUrl.isTextual() ? imageUrl.asText() : imageUrl.path("url").asText("");
        if (url.regionMatches(true, 0, "http://", 0, 7) || url.regionMatches(true, 0, "https://", 0, 8)) {
            throw GatewayError.badRequest(param + ".url", "Remote image URLs are not fetched by this gateway; send"
                    + " the image inline as a data URL (data:image/png;base64,...).");
        }
        int comma = url.indexOf(',');
        if (!url.regionMatches(true, 0, "data:", 0, 5) || comma < 0
                || !url.substring(0, comma).toLowerCase(java.util.Locale.ROOT).endsWith(";base64")) {
            throw GatewayError.badRequest(param + ".url", "An image must be a base64 data URL"
                    + " (data:image/png;base64,...).");
        }
        String mediaType = url.substring(5, comma - ";base64".length());
        byte[] bytes;
        try {
            bytes = java.util.Base64.getDecoder().decode(url.substring(comma + 1).replaceAll("\\s", ""));
        } catch (IllegalArgumentException e) {
            throw GatewayError.badRequest(param + ".url", "The image's data URL is not valid base64.");
        }
        try {
            return ContentPart.Image.of(mediaType, bytes);
        } catch (IllegalArgumentException e) {
            throw GatewayError.badRequest(param + ".url", e.getMessage());
        }
    }

    /**
     * OpenAI's temperature (0–2) on Bedrock's scale (0–1 for the models Bedrock serves through Converse): values up
     * to 1 are sent as they are, values above 1 are sent as 1, the model's most random setting. Scaling (dividing
     * by 2) would change the meaning of every common value (0.2, 0.7, 1) that clients written for OpenAI send.
     */
    private static Float temperature(JsonNode root) {
        JsonNode v = root.get("temperature");
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber() || v.asDouble() < 0 || v.asDouble() > MAX_OPENAI_TEMPERATURE) {
            throw GatewayError.badRequest("temperature", "'temperature' must be a number between 0 and 2.");
        }
        return (float) Math.min(1.0, v.asDouble());
    }

    private static String jsonObject(String json, String param) {
        JsonNode parsed;
        try {
            parsed = new ObjectMapper().readTree(json);
        } catch (JsonProcessingException e) {
            throw GatewayError.badRequest(param, "'" + param + "' is not valid JSON: " + e.getOriginalMessage());
        }
        if (parsed == null || !parsed.isObject()) {
            throw GatewayError.badRequest(param, "'" + param + "' must be a JSON object.");
        }
        return parsed.toString();
    }

    private static String text(JsonNode content, String param) {
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
