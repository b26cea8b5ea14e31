package dev.aip.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Anthropic Messages body of InvokeModel and InvokeModelWithResponseStream on Bedrock: validation, reduction
 * to a {@link Prompt} (same token rules and content hash as the equivalent Converse request), the response body and
 * the streamed events. Stateless.
 */
final class AnthropicCodec implements InvokeCodec {

    static final AnthropicCodec INSTANCE = new AnthropicCodec();

    private static final Set<String> TOP_LEVEL = Set.of("anthropic_version", "anthropic_beta", "max_tokens",
            "system", "messages", "temperature", "top_p", "top_k", "stop_sequences", "tools", "tool_choice",
            "thinking", "metadata");
    private static final Set<String> ROLES = Set.of("user", "assistant");
    private static final Set<String> BLOCK_TYPES = Set.of("text", "image", "document", "tool_use", "tool_result",
            "thinking", "redacted_thinking");
    private static final Set<String> TOOL_CHOICES = Set.of("auto", "any", "tool", "none");

    private AnthropicCodec() {
    }

    private static ApiError malformed(String detail) {
        return ApiError.validation("Malformed input request: " + detail + ", please reformat your input and try again.");
    }

    @Override
    public Prompt parse(ObjectNode body) {
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!TOP_LEVEL.contains(name)) {
                throw malformed("#: extraneous key [" + name + "] is not permitted");
            }
        }
        JsonNode version = body.get("anthropic_version");
        if (version == null) {
            throw malformed("#: required key [anthropic_version] not found");
        }
        if (!version.isTextual() || !version.textValue().equals("bedrock-2023-05-31")) {
            throw malformed("#/anthropic_version: bedrock-2023-05-31 is the only accepted value, was " + version);
        }
        JsonNode max = body.get("max_tokens");
        if (max == null) {
            throw malformed("#: required key [max_tokens] not found");
        }
        if (!max.isIntegralNumber() || !max.canConvertToInt() || max.intValue() < 1) {
            throw malformed("#/max_tokens: must be an integer >= 1, was " + max);
        }
        if (body.has("temperature")) {
            unit(body.get("temperature"), "temperature");
        }
        if (body.has("top_p")) {
            unit(body.get("top_p"), "top_p");
        }
        List<String> stops = List.of();
        if (body.has("stop_sequences")) {
            stops = ConverseParser.stopSequences(body.get("stop_sequences"), "stop_sequences");
        }
        PromptDigest digest = new PromptDigest();
        List<String> toolNames = tools(body.get("tools"), digest);
        String choice = null;
        String choiceName = null;
        if (body.hasNonNull("tool_choice")) {
            ObjectNode tc = Check.object(body.get("tool_choice"), "tool_choice");
            choice = Check.oneOf(tc.get("type"), "tool_choice.type", TOOL_CHOICES);
            if (choice.equals("tool")) {
                choiceName = Check.toolName(tc.get("name"), "tool_choice.name");
                if (!toolNames.contains(choiceName)) {
                    throw malformed("#/tool_choice: tool " + choiceName + " is not defined in tools");
                }
            }
            if (choice.equals("none")) {
                choice = null;
            }
        }
        system(body.get("system"), digest);

        JsonNode messagesNode = body.get("messages");
        if (messagesNode == null) {
            throw malformed("#: required key [messages] not found");
        }
        ArrayNode messages = Check.array(messagesNode, "messages");
        if (messages.isEmpty()) {
            throw malformed("#/messages: expected minimum item count: 1, found: 0");
        }
        String lastUserText = "";
        boolean toolResultPending = false;
        String previous = null;
        for (int m = 0; m < messages.size(); m++) {
            String path = "messages." + m;
            ObjectNode message = Check.object(messages.get(m), path);
            String role = Check.oneOf(message.get("role"), path + ".role", ROLES);
            if (m == 0 && !role.equals("user")) {
                throw ApiError.validation("messages: first message must use the \"user\" role");
            }
            if (role.equals(previous)) {
                throw ApiError.validation("messages: roles must alternate between \"user\" and \"assistant\"");
            }
            previous = role;
            digest.overhead(role.equals("user") ? 'U' : 'A', PromptDigest.MESSAGE_OVERHEAD);
            JsonNode content = message.get("content");
            StringBuilder userText = null;
            boolean hasToolResult = false;
            if (content != null && content.isTextual()) {
                if (Check.isBlank(content.textValue())) {
                    throw ApiError.validation("messages: text content blocks must be non-empty");
                }
                digest.text(content.textValue());
                userText = new StringBuilder(content.textValue());
            } else {
                ArrayNode blocks = Check.array(content, path + ".content");
                if (blocks.isEmpty()) {
                    throw ApiError.validation("messages." + m + ": all messages must have non-empty content");
                }
                for (int b = 0; b < blocks.size(); b++) {
                    String bp = path + ".content." + b;
                    ObjectNode block = Check.object(blocks.get(b), bp);
                    String type = Check.oneOf(block.get("type"), bp + ".type", BLOCK_TYPES);
                    switch (type) {
                        case "text" -> {
                            String text = Check.string(block.get("text"), bp + ".text");
                            if (Check.isBlank(text)) {
                                throw ApiError.validation("messages: text content blocks must be non-empty");
                            }
                            digest.text(text);
                            userText = userText == null ? new StringBuilder(text) : userText.append('\n').append(text);
                        }
                        case "image" -> image(block, bp, digest);
                        case "document" -> digest.overhead('D', PromptDigest.MEDIA_TOKENS);
                        case "tool_use" -> {
                            Check.toolUseId(block.get("id"), bp + ".id");
                            String name = Check.toolName(block.get("name"), bp + ".name");
                            JsonNode input = Check.object(block.get("input"), bp + ".input");
                            digest.overhead('u', PromptDigest.BLOCK_OVERHEAD);
                            digest.text(name);
                            digest.text(input.toString());
                        }
                        case "tool_result" -> {
                            Check.toolUseId(block.get("tool_use_id"), bp + ".tool_use_id");
                            hasToolResult = true;
                            digest.overhead('r', PromptDigest.BLOCK_OVERHEAD);
                            JsonNode rc = block.get("content");
                            if (rc != null && rc.isTextual()) {
                                digest.text(rc.textValue());
                            } else if (rc != null && rc.isArray()) {
                                for (JsonNode item : rc) {
                                    if ("text".equals(item.path("type").asText())) {
                                        digest.text(item.path("text").asText());
                                    } else if ("image".equals(item.path("type").asText())) {
                                        image(item, bp + ".content", digest);
                                    } else {
                                        digest.overhead('I', PromptDigest.MEDIA_TOKENS);
                                    }
                                }
                            }
                        }
                        case "thinking" -> digest.text(block.path("thinking").asText());
                        default -> {
                        }
                    }
                    cacheControl(block, bp, digest);
                }
            }
            if (role.equals("user")) {
                if (userText != null) {
                    lastUserText = userText.toString();
                }
                toolResultPending = m == messages.size() - 1 && hasToolResult;
            } else {
                toolResultPending = false;
            }
        }
        return new Prompt(digest.tokens(), digest.hash(), digest.breakpoints(), lastUserText, toolResultPending,
                toolNames, choice, choiceName, max.intValue(), stops, Map.of(), null);
    }

    private static void unit(JsonNode node, String name) {
        if (node == null || !node.isNumber() || node.doubleValue() < 0 || node.doubleValue() > 1) {
            throw malformed("#/" + name + ": must be a number between 0 and 1, was " + node);
        }
    }

    private static List<String> tools(JsonNode node, PromptDigest digest) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        ArrayNode tools = Check.array(node, "tools");
        List<String> names = new ArrayList<>(tools.size());
        for (int i = 0; i < tools.size(); i++) {
            String path = "tools." + i;
            ObjectNode tool = Check.object(tools.get(i), path);
            String name = Check.toolName(tool.get("name"), path + ".name");
            if (names.contains(name)) {
                throw ApiError.validation("tools: Tool names must be unique.");
            }
            names.add(name);
            digest.overhead('S', PromptDigest.TOOL_OVERHEAD);
            digest.text(name);
            if (tool.hasNonNull("description")) {
                digest.text(Check.string(tool.get("description"), path + ".description"));
            }
            if (tool.has("input_schema")) {
                digest.text(Check.object(tool.get("input_schema"), path + ".input_schema").toString());
            } else if (!tool.has("type")) {
                throw malformed("#/tools/" + i + ": required key [input_schema] not found");
            }
            cacheControl(tool, path, digest);
        }
        return List.copyOf(names);
    }

    private static void system(JsonNode node, PromptDigest digest) {
        if (node == null || node.isNull()) {
            return;
        }
        if (node.isTextual()) {
            if (!node.textValue().isEmpty()) {
                digest.overhead('Z', PromptDigest.MESSAGE_OVERHEAD);
                digest.text(node.textValue());
            }
            return;
        }
        ArrayNode blocks = Check.array(node, "system");
        if (blocks.isEmpty()) {
            return;
        }
        digest.overhead('Z', PromptDigest.MESSAGE_OVERHEAD);
        for (int i = 0; i < blocks.size(); i++) {
            String path = "system." + i;
            ObjectNode block = Check.object(blocks.get(i), path);
            Check.oneOf(block.get("type"), path + ".type", Set.of("text"));
            digest.text(Check.string(block.get("text"), path + ".text"));
            cacheControl(block, path, digest);
        }
    }

    private static void cacheControl(ObjectNode block, String path, PromptDigest digest) {
        JsonNode cc = block.get("cache_control");
        if (cc == null || cc.isNull()) {
            return;
        }
        ObjectNode control = Check.object(cc, path + ".cache_control");
        Check.oneOf(control.get("type"), path + ".cache_control.type", Set.of("ephemeral"));
        JsonNode ttl = control.get("ttl");
        boolean hour = ttl != null && !ttl.isNull()
                && Check.oneOf(ttl, path + ".cache_control.ttl", Set.of("5m", "1h")).equals("1h");
        digest.cachePoint(hour ? ConverseParser.ONE_HOUR : ConverseParser.FIVE_MINUTES);
    }

    private static String modelName(String foundationModelId) {
        String name = foundationModelId.substring(foundationModelId.indexOf("anthropic.") + "anthropic.".length());
        int v = name.lastIndexOf("-v");
        return v > 0 ? name.substring(0, v) : name;
    }

    private static String stopReason(ModelReply reply) {
        return reply.stopReason();
    }

    @Override
    public byte[] response(ModelReply reply, Usage usage, String foundationModelId, String messageId) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        root.put("id", messageId);
        root.put("type", "message");
        root.put("role", "assistant");
        root.put("model", modelName(foundationModelId));
        ArrayNode content = root.putArray("content");
        for (ModelReply.Block block : reply.blocks()) {
            if (block instanceof ModelReply.Text text) {
                content.addObject().put("type", "text").put("text", text.text());
            } else if (block instanceof ModelReply.ToolCall call) {
                ObjectNode use = content.addObject().put("type", "tool_use").put("id", call.anthropicId())
                        .put("name", call.name());
                use.set("input", InvokeCodec.parseJson(call.inputJson()));
            }
        }
        root.put("stop_reason", stopReason(reply));
        root.put("stop_sequence", reply.stopSequence());
        usageNode(root.putObject("usage"), usage.input(), usage.output(), usage);
        return Json.write(root);
    }

    private static void usageNode(ObjectNode u, long input, long output, Usage usage) {
        u.put("input_tokens", input);
        u.put("cache_creation_input_tokens", usage.cacheWrite());
        u.put("cache_read_input_tokens", usage.cacheRead());
        u.put("output_tokens", output);
    }

    @Override
    public List<StreamEvent> streamEvents(ModelReply reply, Usage usage, String foundationModelId, String messageId,
                                          int chunkTokens) {
        List<StreamEvent> events = new ArrayList<>();
        ObjectNode start = Json.MAPPER.createObjectNode().put("type", "message_start");
        ObjectNode message = start.putObject("message");
        message.put("id", messageId).put("type", "message").put("role", "assistant")
                .put("model", modelName(foundationModelId));
        message.putArray("content");
        message.putNull("stop_reason");
        message.putNull("stop_sequence");
        usageNode(message.putObject("usage"), usage.input(), 1, usage);
        events.add(StreamEvent.chunk(start, false, 0));
        long done = 0;
        int index = 0;
        for (ModelReply.Block block : reply.blocks()) {
            ObjectNode blockStart = Json.MAPPER.createObjectNode().put("type", "content_block_start")
                    .put("index", index);
            if (block instanceof ModelReply.Text text) {
                blockStart.putObject("content_block").put("type", "text").put("text", "");
                events.add(StreamEvent.chunk(blockStart, false, done));
                StringBuilder sent = new StringBuilder();
                for (String piece : DeterministicModel.chunks(text.text(), chunkTokens)) {
                    sent.append(piece);
                    ObjectNode delta = Json.MAPPER.createObjectNode().put("type", "content_block_delta")
                            .put("index", index);
                    delta.putObject("delta").put("type", "text_delta").put("text", piece);
                    events.add(StreamEvent.chunk(delta, true, done + PromptDigest.textTokens(sent)));
                }
            } else if (block instanceof ModelReply.ToolCall call) {
                ObjectNode cb = blockStart.putObject("content_block");
                cb.put("type", "tool_use").put("id", call.anthropicId()).put("name", call.name());
                cb.putObject("input");
                events.add(StreamEvent.chunk(blockStart, false, done));
                int chars = 0;
                for (String piece : InvokeCodec.jsonFragments(call.inputJson())) {
                    chars += piece.length();
                    ObjectNode delta = Json.MAPPER.createObjectNode().put("type", "content_block_delta")
                            .put("index", index);
                    delta.putObject("delta").put("type", "input_json_delta").put("partial_json", piece);
                    events.add(StreamEvent.chunk(delta, true, done + call.tokens(chars)));
                }
            }
            done += block.tokens();
            events.add(StreamEvent.chunk(Json.MAPPER.createObjectNode().put("type", "content_block_stop")
                    .put("index", index), false, done));
            index++;
        }
        ObjectNode messageDelta = Json.MAPPER.createObjectNode().put("type", "message_delta");
        messageDelta.putObject("delta").put("stop_reason", stopReason(reply)).put("stop_sequence",
                reply.stopSequence());
        messageDelta.putObject("usage").put("output_tokens", reply.outputTokens());
        events.add(StreamEvent.chunk(messageDelta, false, done));
        ObjectNode stop = Json.MAPPER.createObjectNode().put("type", "message_stop");
        events.add(StreamEvent.finalChunk(stop, usage, done));
        return events;
    }

    /**
     * An image block: base64 data is counted by its size ({@link ImageTokens}), as Converse counts it; any other
     * source counts {@link PromptDigest#MEDIA_TOKENS}.
     */
    private static void image(JsonNode block, String path, PromptDigest digest) {
        JsonNode source = block.get("source");
        if (source != null && "base64".equals(source.path("type").asText())) {
            String mediaType = Check.string(source.get("media_type"), path + ".source.media_type");
            String format = switch (mediaType) {
                case "image/png" -> "png";
                case "image/jpeg" -> "jpeg";
                case "image/gif" -> "gif";
                case "image/webp" -> "webp";
                default -> throw ApiError.validation(path + ".source.media_type: Input should be 'image/jpeg', "
                        + "'image/png', 'image/gif' or 'image/webp'");
            };
            byte[] bytes = ImageTokens.decode(Check.string(source.get("data"), path + ".source.data"),
                    path + ".source.data");
            digest.media('I', ImageTokens.tokens(bytes, format, path), bytes);
        } else {
            digest.overhead('I', PromptDigest.MEDIA_TOKENS);
        }
    }
}
