package dev.aip.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.ChatRole;
import dev.aip.core.chat.ContentPart;
import dev.aip.core.chat.InferenceSettings;
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
 * <p><b>Settings.</b> {@code max_completion_tokens} or {@code max_tokens}; {@code temperature} and {@code top_p}
 * (0–1, Bedrock's range); {@code stop} (a string or a list); {@code stream}, {@code stream_options.include_usage};
 * {@code user} (a usage record attribute). Refused with 400: {@code n} other than 1, legacy {@code functions}, the
 * {@code function} role and content parts other than text. Other fields are ignored.
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
                case "user" -> turns.add(ChatRole.USER, List.of(ContentPart.text(
                        nonEmpty(text(m.get("content"), param), param))));
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
        tools(root, b, turns.hasToolBlocks);
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

    private static void tools(JsonNode root, ChatRequest.Builder b, boolean conversationHasToolBlocks) {
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
            return;
        }
        if (!tools.isArray()) {
            throw GatewayError.badRequest("tools", "'tools' must be an array of {\"type\":\"function\","
                    + "\"function\":{...}} objects.");
        }
        if (none && !conversationHasToolBlocks) {
            // Converse has no "none": a model that does not see the tools cannot call them.
            return;
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
            return;
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
