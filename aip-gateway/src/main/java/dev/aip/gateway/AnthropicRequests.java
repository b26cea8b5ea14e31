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
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Reads an Anthropic Messages API request ({@code POST /v1/messages} or {@code /v1/messages/count_tokens}) into an
 * aip {@link ChatRequest}.
 *
 * <p>Mapped: {@code model} (a logical model, as on the OpenAI endpoint), {@code max_tokens} (required for messages),
 * {@code system} (a string or text blocks), {@code messages} ({@code user} and {@code assistant}; content a string or
 * blocks: {@code text}, {@code image} in user turns (a {@code base64} source with {@code media_type} image/png,
 * image/jpeg, image/gif or image/webp, sent to Bedrock as an image block), {@code tool_use} in assistant turns,
 * {@code tool_result} in user turns, whose content is a string or text blocks; consecutive turns of one role are
 * joined into one, as Anthropic does),
 * {@code temperature} and {@code top_p} (0–1, Anthropic's and Bedrock's range), {@code stop_sequences},
 * {@code stream}, {@code tools} ({@code name}, {@code description}, {@code input_schema}), {@code tool_choice}
 * ({@code auto}, {@code any}, {@code tool}; {@code none} sends no tools, which Bedrock requires when the conversation
 * has no tool blocks), {@code metadata.user_id} (the usage record's {@code user} attribute, as OpenAI's
 * {@code user}). {@code cache_control: {"type":"ephemeral"}} on a system block or a message block becomes a Converse
 * cache point right after that block.
 *
 * <p>Refused with 400 naming the field: any other field or block type (e.g. {@code top_k}, {@code thinking},
 * {@code document} blocks), image sources other than {@code base64} ({@code url}, {@code file}: the gateway does
 * not fetch images), {@code cache_control} on a tool (put it on the last system block,
 * which caches the tools too) or with a {@code ttl} other than {@code 5m}, {@code disable_parallel_tool_use: true}
 * (Converse cannot forbid parallel calls), and {@code tool_choice: none} in a conversation that has tool blocks.
 *
 * <p>Thread-safe: stateless.
 */
final class AnthropicRequests {

    private static final Set<String> MESSAGE_FIELDS = Set.of("model", "max_tokens", "system", "messages",
            "temperature", "top_p", "stop_sequences", "stream", "tools", "tool_choice", "metadata");
    private static final Set<String> COUNT_FIELDS = Set.of("model", "system", "messages", "tools", "tool_choice");

    /**
     * A parsed request.
     *
     * @param request the aip request
     * @param stream whether the answer is streamed
     */
    record Parsed(ChatRequest request, boolean stream) {
    }

    private AnthropicRequests() {
    }

    /** A {@code POST /v1/messages} body. */
    static Parsed parseMessages(ObjectMapper json, byte[] body) {
        return parse(json, body, false);
    }

    /** A {@code POST /v1/messages/count_tokens} body ({@code max_tokens} and sampling settings do not apply). */
    static ChatRequest parseCountTokens(ObjectMapper json, byte[] body) {
        return parse(json, body, true).request();
    }

    private static Parsed parse(ObjectMapper json, byte[] body, boolean counting) {
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JsonProcessingException e) {
            throw AnthropicError.invalid("The request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw AnthropicError.invalid("The request body cannot be read.");
        }
        if (root == null || !root.isObject()) {
            throw AnthropicError.invalid("The request body must be a JSON object.");
        }
        onlyFields(root, "", counting ? COUNT_FIELDS : MESSAGE_FIELDS);
        JsonNode model = root.get("model");
        if (model == null || !model.isTextual() || model.asText().isBlank()) {
            throw AnthropicError.invalid("model: Field required; name a model the gateway serves (GET /v1/models).");
        }
        ChatRequest.Builder b = ChatRequest.builder().model(model.asText());
        system(root.get("system"), b);
        boolean toolBlocks = messages(root.get("messages"), b);
        tools(root, b, toolBlocks);
        if (!counting) {
            JsonNode max = root.get("max_tokens");
            if (max == null || max.isNull()) {
                throw AnthropicError.invalid("max_tokens: Field required.");
            }
            if (!max.isIntegralNumber() || !max.canConvertToInt() || max.asInt() < 1) {
                throw AnthropicError.invalid("max_tokens: must be a positive integer.");
            }
            b.settings(new InferenceSettings(max.asInt(), unit(root, "temperature"), unit(root, "top_p"),
                    stopSequences(root.get("stop_sequences"))));
            JsonNode metadata = root.get("metadata");
            if (metadata != null && !metadata.isNull()) {
                if (!metadata.isObject()) {
                    throw AnthropicError.invalid("metadata: must be an object.");
                }
                onlyFields(metadata, "metadata.", Set.of("user_id"));
                JsonNode user = metadata.get("user_id");
                if (user != null && user.isTextual() && !user.asText().isEmpty()) {
                    String u = user.asText();
                    b.attribute("user", u.length() > 256 ? u.substring(0, 256) : u);
                } else if (user != null && !user.isNull()) {
                    throw AnthropicError.invalid("metadata.user_id: must be a string.");
                }
            }
        }
        JsonNode stream = root.get("stream");
        if (stream != null && !stream.isNull() && !stream.isBoolean()) {
            throw AnthropicError.invalid("stream: must be a boolean.");
        }
        try {
            return new Parsed(b.build(), stream != null && stream.asBoolean(false));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw AnthropicError.invalid(e.getMessage());
        }
    }

    private static void system(JsonNode system, ChatRequest.Builder b) {
        if (system == null || system.isNull()) {
            return;
        }
        if (system.isTextual()) {
            if (!system.asText().isEmpty()) {
                b.system(system.asText());
            }
            return;
        }
        if (!system.isArray()) {
            throw AnthropicError.invalid("system: must be a string or an array of text blocks.");
        }
        for (int i = 0; i < system.size(); i++) {
            JsonNode block = system.get(i);
            String at = "system." + i;
            if (!block.isObject() || !"text".equals(block.path("type").asText())) {
                throw AnthropicError.invalid(at + ": system blocks must be of type 'text'.");
            }
            onlyFields(block, at + ".", Set.of("type", "text", "cache_control", "citations"));
            noCitations(block, at);
            b.system(ContentPart.text(text(block, at)));
            if (cacheControl(block, at)) {
                b.system(ContentPart.cachePoint());
            }
        }
    }

    /** Adds the conversation; returns whether it has tool_use or tool_result blocks. */
    private static boolean messages(JsonNode messages, ChatRequest.Builder b) {
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw AnthropicError.invalid("messages: must be a non-empty array of user and assistant messages.");
        }
        boolean toolBlocks = false;
        ChatRole role = null;
        List<ContentPart> turn = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            String at = "messages." + i;
            if (!m.isObject()) {
                throw AnthropicError.invalid(at + ": must be an object with 'role' and 'content'.");
            }
            onlyFields(m, at + ".", Set.of("role", "content"));
            ChatRole r = switch (m.path("role").asText()) {
                case "user" -> ChatRole.USER;
                case "assistant" -> ChatRole.ASSISTANT;
                default -> throw AnthropicError.invalid(at + ".role: must be 'user' or 'assistant' (the system"
                        + " prompt goes in the top-level 'system' field).");
            };
            if (role != null && r != role) {
                b.message(new ChatMessage(role, turn));
                turn = new ArrayList<>();
            }
            role = r;
            toolBlocks |= content(m.get("content"), r, at + ".content", turn);
        }
        b.message(new ChatMessage(role, turn));
        return toolBlocks;
    }

    private static boolean content(JsonNode content, ChatRole role, String at, List<ContentPart> into) {
        if (content == null || content.isNull()) {
            throw AnthropicError.invalid(at + ": Field required.");
        }
        if (content.isTextual()) {
            if (content.asText().isEmpty()) {
                throw AnthropicError.invalid(at + ": text content must be non-empty.");
            }
            into.add(ContentPart.text(content.asText()));
            return false;
        }
        if (!content.isArray() || content.isEmpty()) {
            throw AnthropicError.invalid(at + ": must be a string or a non-empty array of content blocks.");
        }
        boolean toolBlocks = false;
        for (int j = 0; j < content.size(); j++) {
            JsonNode block = content.get(j);
            String bat = at + "." + j;
            String type = block.path("type").asText();
            switch (type) {
                case "text" -> {
                    onlyFields(block, bat + ".", Set.of("type", "text", "cache_control", "citations"));
                    noCitations(block, bat);
                    into.add(ContentPart.text(text(block, bat)));
                }
                case "tool_use" -> {
                    if (role != ChatRole.ASSISTANT) {
                        throw AnthropicError.invalid(bat + ": tool_use blocks belong in assistant messages.");
                    }
                    onlyFields(block, bat + ".", Set.of("type", "id", "name", "input", "cache_control"));
                    JsonNode input = block.get("input");
                    if (input == null || !input.isObject()) {
                        throw AnthropicError.invalid(bat + ".input: must be an object.");
                    }
                    try {
                        into.add(new ContentPart.ToolUse(block.path("id").asText(null),
                                block.path("name").asText(null), input.toString()));
                    } catch (IllegalArgumentException | NullPointerException e) {
                        throw AnthropicError.invalid(bat + ": " + e.getMessage());
                    }
                    toolBlocks = true;
                }
                case "tool_result" -> {
                    if (role != ChatRole.USER) {
                        throw AnthropicError.invalid(bat + ": tool_result blocks belong in user messages.");
                    }
                    onlyFields(block, bat + ".", Set.of("type", "tool_use_id", "content", "is_error",
                            "cache_control"));
                    String result = toolResultText(block.get("content"), bat + ".content");
                    try {
                        into.add(new ContentPart.ToolResult(block.path("tool_use_id").asText(null), result,
                                block.path("is_error").asBoolean(false)));
                    } catch (IllegalArgumentException | NullPointerException e) {
                        throw AnthropicError.invalid(bat + ": " + e.getMessage());
                    }
                    toolBlocks = true;
                }
                case "image" -> {
                    if (role != ChatRole.USER) {
                        throw AnthropicError.invalid(bat + ": image blocks belong in user messages.");
                    }
                    onlyFields(block, bat + ".", Set.of("type", "source", "cache_control"));
                    into.add(image(block.get("source"), bat + ".source"));
                }
                default -> throw AnthropicError.invalid(bat + ".type: '" + type + "' blocks are not supported by"
                        + " this gateway; send text, image, tool_use or tool_result blocks.");
            }
            if (cacheControl(block, bat)) {
                into.add(ContentPart.cachePoint());
            }
        }
        return toolBlocks;
    }

    /**
     * An image block's {@code source}: {@code {"type":"base64","media_type":"image/png","data":"..."}}. URL and file
     * sources are refused: the gateway does not fetch from the network on a caller's behalf (Bedrock takes the
     * bytes), and Anthropic's Files API is not Bedrock's.
     */
    private static ContentPart.Image image(JsonNode source, String at) {
        if (source == null || !source.isObject()) {
            throw AnthropicError.invalid(at + ": Field required; send {\"type\":\"base64\",\"media_type\":"
                    + "\"image/png\",\"data\":\"...\"}.");
        }
        String type = source.path("type").asText("");
        if (!"base64".equals(type)) {
            throw AnthropicError.invalid(at + ".type: '" + type + "' image sources are not supported by this"
                    + " gateway, which does not fetch images for its callers; send the image inline as"
                    + " {\"type\":\"base64\",\"media_type\":\"image/png\",\"data\":\"...\"}.");
        }
        onlyFields(source, at + ".", Set.of("type", "media_type", "data"));
        JsonNode data = source.get("data");
        if (data == null || !data.isTextual() || data.asText().isEmpty()) {
            throw AnthropicError.invalid(at + ".data: Field required: the image's bytes in base64.");
        }
        byte[] bytes;
        try {
            bytes = java.util.Base64.getDecoder().decode(data.asText().replaceAll("\\s", ""));
        } catch (IllegalArgumentException e) {
            throw AnthropicError.invalid(at + ".data: not valid base64.");
        }
        if (bytes.length == 0) {
            throw AnthropicError.invalid(at + ".data: Field required: the image's bytes in base64.");
        }
        try {
            return ContentPart.Image.of(source.path("media_type").asText(""), bytes);
        } catch (IllegalArgumentException e) {
            throw AnthropicError.invalid(at + ".media_type: " + e.getMessage() + ".");
        }
    }

    private static String toolResultText(JsonNode content, String at) {
        if (content == null || content.isNull()) {
            throw AnthropicError.invalid(at + ": Bedrock needs a tool result with content; send at least one"
                    + " character, e.g. \"ok\".");
        }
        if (content.isTextual()) {
            return content.asText();
        }
        if (!content.isArray()) {
            throw AnthropicError.invalid(at + ": must be a string or an array of text blocks.");
        }
        StringBuilder sb = new StringBuilder();
        for (int k = 0; k < content.size(); k++) {
            JsonNode part = content.get(k);
            if (!"text".equals(part.path("type").asText())) {
                throw AnthropicError.invalid(at + "." + k + ".type: only text blocks are supported in tool"
                        + " results.");
            }
            onlyFields(part, at + "." + k + ".", Set.of("type", "text", "citations"));
            sb.append(text(part, at + "." + k));
        }
        return sb.toString();
    }

    private static void tools(JsonNode root, ChatRequest.Builder b, boolean toolBlocks) {
        JsonNode tools = root.get("tools");
        JsonNode choice = root.get("tool_choice");
        boolean none = choice != null && choice.isObject() && "none".equals(choice.path("type").asText());
        if (none && toolBlocks) {
            throw AnthropicError.invalid("tool_choice: 'none' cannot be served on Bedrock for a conversation that"
                    + " has tool_use or tool_result blocks (Converse needs the tools then, and has no 'none');"
                    + " use 'auto'.");
        }
        if (tools != null && !tools.isNull()) {
            if (!tools.isArray()) {
                throw AnthropicError.invalid("tools: must be an array.");
            }
            for (int i = 0; i < tools.size(); i++) {
                JsonNode t = tools.get(i);
                String at = "tools." + i;
                if (!t.isObject()) {
                    throw AnthropicError.invalid(at + ": must be an object.");
                }
                if (t.has("type") && !"custom".equals(t.path("type").asText())) {
                    throw AnthropicError.invalid(at + ".type: '" + t.path("type").asText() + "' (a server or"
                            + " Anthropic-defined tool) is not supported; define a custom tool with name,"
                            + " description and input_schema.");
                }
                if (t.has("cache_control")) {
                    throw AnthropicError.invalid(at + ".cache_control: cache points on tools are not supported;"
                            + " put cache_control on the last system block, which caches the tools too.");
                }
                onlyFields(t, at + ".", Set.of("type", "name", "description", "input_schema"));
                JsonNode schema = t.get("input_schema");
                if (schema == null || !schema.isObject()) {
                    throw AnthropicError.invalid(at + ".input_schema: Field required (a JSON Schema object).");
                }
                JsonNode description = t.get("description");
                try {
                    if (!none) {
                        b.tool(new ToolSpec(t.path("name").asText(null),
                                description == null || description.isNull() ? null : description.asText(),
                                schema.toString()));
                    }
                } catch (IllegalArgumentException | NullPointerException e) {
                    throw AnthropicError.invalid(at + ": " + e.getMessage());
                }
            }
        }
        if (choice == null || choice.isNull() || none) {
            return;
        }
        if (!choice.isObject()) {
            throw AnthropicError.invalid("tool_choice: must be an object such as {\"type\":\"auto\"}.");
        }
        String type = choice.path("type").asText();
        onlyFields(choice, "tool_choice.", "tool".equals(type) ? Set.of("type", "name", "disable_parallel_tool_use")
                : Set.of("type", "disable_parallel_tool_use"));
        if (choice.path("disable_parallel_tool_use").asBoolean(false)) {
            throw AnthropicError.invalid("tool_choice.disable_parallel_tool_use: Bedrock's Converse cannot forbid"
                    + " parallel tool calls; leave it out or false.");
        }
        if (tools == null || !tools.isArray() || tools.isEmpty()) {
            throw AnthropicError.invalid("tool_choice: needs 'tools'.");
        }
        switch (type) {
            case "auto" -> b.toolChoice(ToolChoice.auto());
            case "any" -> b.toolChoice(ToolChoice.any());
            case "tool" -> {
                try {
                    b.toolChoice(ToolChoice.tool(choice.path("name").asText(null)));
                } catch (IllegalArgumentException | NullPointerException e) {
                    throw AnthropicError.invalid("tool_choice.name: " + e.getMessage());
                }
            }
            default -> throw AnthropicError.invalid("tool_choice.type: must be auto, any, tool or none.");
        }
    }

    /** Whether the block asks for a cache point after it. */
    private static boolean cacheControl(JsonNode block, String at) {
        JsonNode cc = block.get("cache_control");
        if (cc == null || cc.isNull()) {
            return false;
        }
        if (!cc.isObject() || !"ephemeral".equals(cc.path("type").asText())) {
            throw AnthropicError.invalid(at + ".cache_control: must be {\"type\":\"ephemeral\"}.");
        }
        onlyFields(cc, at + ".cache_control.", Set.of("type", "ttl"));
        JsonNode ttl = cc.get("ttl");
        if (ttl != null && !ttl.isNull() && !"5m".equals(ttl.asText())) {
            throw AnthropicError.invalid(at + ".cache_control.ttl: only '5m' (Bedrock's default cache point) is"
                    + " supported; leave ttl out.");
        }
        return true;
    }

    private static void noCitations(JsonNode block, String at) {
        JsonNode c = block.get("citations");
        if (c != null && !c.isNull() && !(c.isArray() && c.isEmpty())) {
            throw AnthropicError.invalid(at + ".citations: citations are not supported by this gateway.");
        }
    }

    private static String text(JsonNode block, String at) {
        JsonNode t = block.get("text");
        if (t == null || !t.isTextual() || t.asText().isEmpty()) {
            throw AnthropicError.invalid(at + ".text: must be a non-empty string.");
        }
        return t.asText();
    }

    private static void onlyFields(JsonNode object, String prefix, Set<String> allowed) {
        for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!allowed.contains(name)) {
                throw AnthropicError.invalid(prefix + name + ": Extra inputs are not permitted (this gateway does"
                        + " not support '" + name + "' here).");
            }
        }
    }

    private static Float unit(JsonNode root, String field) {
        JsonNode v = root.get(field);
        if (v == null || v.isNull()) {
            return null;
        }
        if (!v.isNumber() || v.asDouble() < 0 || v.asDouble() > 1) {
            throw AnthropicError.invalid(field + ": must be a number between 0 and 1.");
        }
        return (float) v.asDouble();
    }

    private static List<String> stopSequences(JsonNode s) {
        List<String> stop = new ArrayList<>();
        if (s == null || s.isNull()) {
            return stop;
        }
        if (!s.isArray()) {
            throw AnthropicError.invalid("stop_sequences: must be an array of strings.");
        }
        for (JsonNode v : s) {
            if (!v.isTextual() || v.asText().isEmpty()) {
                throw AnthropicError.invalid("stop_sequences: entries must be non-empty strings.");
            }
            stop.add(v.asText());
        }
        return stop;
    }
}
