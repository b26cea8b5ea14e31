package dev.aip.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Validates a Converse / ConverseStream body (and the {@code converse} input of CountTokens) the way Bedrock does and
 * reduces it to a {@link Prompt}. Stateless.
 *
 * <p>Content is digested in the order Bedrock builds a prompt cache prefix: tools, then system, then messages.
 */
final class ConverseParser {

    static final long FIVE_MINUTES = 5 * 60_000L;
    static final long ONE_HOUR = 60 * 60_000L;

    private static final Set<String> ROLES = Set.of("user", "assistant");
    private static final Set<String> CONTENT_BLOCKS = Set.of("text", "image", "document", "video", "audio",
            "toolUse", "toolResult", "guardContent", "cachePoint", "reasoningContent", "citationsContent",
            "searchResult", "toolAddition", "toolRemoval");
    private static final Set<String> SYSTEM_BLOCKS = Set.of("text", "guardContent", "cachePoint");
    private static final Set<String> TOOLS = Set.of("toolSpec", "systemTool", "cachePoint");
    private static final Set<String> TOOL_CHOICES = Set.of("auto", "any", "tool");
    private static final Set<String> TOOL_RESULT_ITEMS = Set.of("json", "text", "image", "document", "video",
            "searchResult");
    private static final Set<String> IMAGE_FORMATS = Set.of("png", "jpeg", "gif", "webp");
    private static final Set<String> DOCUMENT_FORMATS = Set.of("pdf", "csv", "doc", "docx", "xls", "xlsx", "html",
            "txt", "md");
    private static final Set<String> MEDIA_SOURCES = Set.of("bytes", "s3Location");
    private static final Set<String> TTLS = Set.of("5m", "1h");
    private static final Set<String> LATENCIES = Set.of("standard", "optimized");
    private static final Set<String> TIERS = Set.of("priority", "default", "flex", "reserved");
    private static final Set<String> TOOL_RESULT_STATUS = Set.of("success", "error");

    private ConverseParser() {
    }

    /** A full Converse or ConverseStream request. */
    static Prompt parseConverse(ObjectNode body) {
        return parse(body, true);
    }

    /** The {@code input.converse} member of CountTokens: messages, system, toolConfig. */
    static Prompt parseCountTokens(ObjectNode converse) {
        return parse(converse, false);
    }

    private static Prompt parse(ObjectNode body, boolean full) {
        PromptDigest digest = new PromptDigest();
        ToolConfig tools = toolConfig(body.get("toolConfig"), digest);
        system(body.get("system"), digest);
        Conversation conversation = messages(body.get("messages"), digest, tools != null);

        Integer maxTokens = null;
        List<String> stopSequences = List.of();
        Map<String, String> metadata = Map.of();
        OutputSchema outputSchema = null;
        if (full) {
            if (body.hasNonNull("outputConfig")) {
                outputSchema = OutputSchema.fromOutputConfig(body.get("outputConfig"));
            }
            JsonNode inference = body.get("inferenceConfig");
            if (inference != null && !inference.isNull()) {
                ObjectNode config = Check.object(inference, "inferenceConfig");
                JsonNode max = config.get("maxTokens");
                if (max != null && !max.isNull()) {
                    maxTokens = Check.positiveInt(max, "inferenceConfig.maxTokens");
                }
                if (config.hasNonNull("temperature")) {
                    Check.unitInterval(config.get("temperature"), "inferenceConfig.temperature");
                }
                if (config.hasNonNull("topP")) {
                    Check.unitInterval(config.get("topP"), "inferenceConfig.topP");
                }
                if (config.hasNonNull("stopSequences")) {
                    stopSequences = stopSequences(config.get("stopSequences"), "inferenceConfig.stopSequences");
                }
            }
            if (body.hasNonNull("requestMetadata")) {
                metadata = Check.requestMetadata(body.get("requestMetadata"), "requestMetadata", 1);
            }
            if (body.hasNonNull("additionalModelRequestFields")) {
                Check.object(body.get("additionalModelRequestFields"), "additionalModelRequestFields");
            }
            if (body.hasNonNull("additionalModelResponseFieldPaths")) {
                ArrayNode paths = Check.array(body.get("additionalModelResponseFieldPaths"),
                        "additionalModelResponseFieldPaths");
                if (paths.size() > 10) {
                    throw Check.invalid("additionalModelResponseFieldPaths", "Member must have length less than "
                            + "or equal to 10");
                }
                for (int i = 0; i < paths.size(); i++) {
                    Check.string(paths.get(i), "additionalModelResponseFieldPaths." + i, 1, 256);
                }
            }
            if (body.hasNonNull("performanceConfig") && body.get("performanceConfig").hasNonNull("latency")) {
                Check.oneOf(body.get("performanceConfig").get("latency"), "performanceConfig.latency", LATENCIES);
            }
            if (body.hasNonNull("serviceTier") && body.get("serviceTier").hasNonNull("type")) {
                Check.oneOf(body.get("serviceTier").get("type"), "serviceTier.type", TIERS);
            }
            if (body.hasNonNull("guardrailConfig")) {
                ObjectNode guardrail = Check.object(body.get("guardrailConfig"), "guardrailConfig");
                Check.string(guardrail.get("guardrailIdentifier"), "guardrailConfig.guardrailIdentifier", 0, 2048);
                String version = Check.string(guardrail.get("guardrailVersion"), "guardrailConfig.guardrailVersion");
                if (!guardrailVersion(version)) {
                    throw Check.invalid("guardrailConfig.guardrailVersion",
                            "Member must satisfy regular expression pattern: (|[1-9][0-9]{0,7}|DRAFT)");
                }
            }
        }
        List<String> toolNames = tools == null ? List.of() : tools.names;
        return new Prompt(digest.tokens(), digest.hash(), digest.breakpoints(), conversation.lastUserText,
                conversation.toolResultPending, toolNames, tools == null ? null : tools.choice,
                tools == null ? null : tools.choiceName, maxTokens, stopSequences, metadata, outputSchema);
    }

    static List<String> stopSequences(JsonNode node, String path) {
        ArrayNode array = Check.array(node, path);
        if (array.size() > 2500) {
            throw Check.invalid(path, "Member must have length less than or equal to 2500");
        }
        List<String> out = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            out.add(Check.string(array.get(i), path + "." + i, 1, Integer.MAX_VALUE));
        }
        return List.copyOf(out);
    }

    static long ttl(JsonNode cachePoint, String path) {
        ObjectNode point = Check.object(cachePoint, path);
        Check.oneOf(point.get("type"), path + ".type", Set.of("default"));
        JsonNode ttl = point.get("ttl");
        if (ttl == null || ttl.isNull()) {
            return FIVE_MINUTES;
        }
        return Check.oneOf(ttl, path + ".ttl", TTLS).equals("1h") ? ONE_HOUR : FIVE_MINUTES;
    }

    private static boolean guardrailVersion(String v) {
        if (v.isEmpty() || v.equals("DRAFT")) {
            return true;
        }
        if (v.length() > 8 || v.charAt(0) < '1' || v.charAt(0) > '9') {
            return false;
        }
        for (int i = 1; i < v.length(); i++) {
            if (v.charAt(i) < '0' || v.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private record ToolConfig(List<String> names, String choice, String choiceName) {
    }

    private static ToolConfig toolConfig(JsonNode node, PromptDigest digest) {
        if (node == null || node.isNull()) {
            return null;
        }
        ObjectNode config = Check.object(node, "toolConfig");
        ArrayNode tools = Check.array(config.get("tools"), "toolConfig.tools");
        if (tools.isEmpty()) {
            throw Check.invalid("toolConfig.tools", "Member must have length greater than or equal to 1");
        }
        List<String> names = new ArrayList<>(tools.size());
        for (int i = 0; i < tools.size(); i++) {
            String path = "toolConfig.tools." + i;
            String member = Check.union(tools.get(i), path, TOOLS);
            JsonNode value = tools.get(i).get(member);
            switch (member) {
                case "toolSpec" -> {
                    ObjectNode spec = Check.object(value, path + ".toolSpec");
                    String name = Check.toolName(spec.get("name"), path + ".toolSpec.name");
                    if (names.contains(name)) {
                        throw ApiError.validation("The toolConfig field contains more than one tool named " + name
                                + ". Tool names must be unique.");
                    }
                    names.add(name);
                    digest.overhead('S', PromptDigest.TOOL_OVERHEAD);
                    digest.text(name);
                    if (spec.hasNonNull("description")) {
                        digest.text(Check.string(spec.get("description"), path + ".toolSpec.description", 1,
                                Integer.MAX_VALUE));
                    }
                    String schemaPath = path + ".toolSpec.inputSchema";
                    Check.union(spec.get("inputSchema"), schemaPath, Set.of("json"));
                    digest.text(Check.object(spec.get("inputSchema").get("json"), schemaPath + ".json").toString());
                }
                case "systemTool" -> {
                    String name = Check.toolName(Check.object(value, path + ".systemTool").get("name"),
                            path + ".systemTool.name");
                    names.add(name);
                    digest.overhead('Y', PromptDigest.TOOL_OVERHEAD);
                    digest.text(name);
                }
                default -> digest.cachePoint(ttl(value, path + ".cachePoint"));
            }
        }
        String choice = null;
        String choiceName = null;
        if (config.hasNonNull("toolChoice")) {
            choice = Check.union(config.get("toolChoice"), "toolConfig.toolChoice", TOOL_CHOICES);
            Check.object(config.get("toolChoice").get(choice), "toolConfig.toolChoice." + choice);
            if (choice.equals("tool")) {
                choiceName = Check.toolName(config.get("toolChoice").get("tool").get("name"),
                        "toolConfig.toolChoice.tool.name");
                if (!names.contains(choiceName)) {
                    throw ApiError.validation("The tool " + choiceName + " named in toolConfig.toolChoice is not "
                            + "defined in toolConfig.tools.");
                }
            }
        }
        return new ToolConfig(List.copyOf(names), choice, choiceName);
    }

    private static void system(JsonNode node, PromptDigest digest) {
        if (node == null || node.isNull()) {
            return;
        }
        ArrayNode blocks = Check.array(node, "system");
        if (blocks.isEmpty()) {
            return;
        }
        digest.overhead('Z', PromptDigest.MESSAGE_OVERHEAD);
        for (int i = 0; i < blocks.size(); i++) {
            String path = "system." + i;
            String member = Check.union(blocks.get(i), path, SYSTEM_BLOCKS);
            JsonNode value = blocks.get(i).get(member);
            switch (member) {
                case "text" -> {
                    String text = Check.string(value, path + ".text");
                    if (Check.isBlank(text)) {
                        throw ApiError.validation("The text field in the SystemContentBlock object at " + path
                                + " is blank. Add text to the text field, and try again.");
                    }
                    digest.text(text);
                }
                case "guardContent" -> guardContent(value, path + ".guardContent", digest);
                default -> digest.cachePoint(ttl(value, path + ".cachePoint"));
            }
        }
    }

    private static final class Conversation {
        String lastUserText = "";
        boolean toolResultPending;
    }

    private static Conversation messages(JsonNode node, PromptDigest digest, boolean toolsDefined) {
        if (node == null || node.isNull()) {
            throw ApiError.validation("The messages field is required. Add at least one message, starting with a "
                    + "user message, and try again.");
        }
        ArrayNode messages = Check.array(node, "messages");
        if (messages.isEmpty()) {
            throw ApiError.validation("A conversation must start with a user message. Try again with a "
                    + "conversation that starts with a user message.");
        }
        Conversation out = new Conversation();
        String previousRole = null;
        Set<String> openToolUses = Set.of();
        for (int m = 0; m < messages.size(); m++) {
            String path = "messages." + m;
            ObjectNode message = Check.object(messages.get(m), path);
            String role = Check.oneOf(message.get("role"), path + ".role", ROLES);
            if (m == 0 && !role.equals("user")) {
                throw ApiError.validation("A conversation must start with a user message. Try again with a "
                        + "conversation that starts with a user message.");
            }
            if (role.equals(previousRole)) {
                throw ApiError.validation("A conversation must alternate between user and assistant roles. Make "
                        + "sure the conversation alternates between user and assistant roles and try again.");
            }
            previousRole = role;
            ArrayNode content = Check.array(message.get("content"), path + ".content");
            if (content.isEmpty()) {
                throw ApiError.validation("The content field in the Message object at " + path + " is empty. Add a "
                        + "ContentBlock object to the content field and try again.");
            }
            digest.overhead(role.equals("user") ? 'U' : 'A', PromptDigest.MESSAGE_OVERHEAD);
            Set<String> toolUses = role.equals("assistant") ? new HashSet<>() : Set.of();
            Set<String> toolResults = role.equals("user") ? new HashSet<>() : Set.of();
            StringBuilder userText = null;
            for (int b = 0; b < content.size(); b++) {
                String blockPath = path + ".content." + b;
                String member = Check.union(content.get(b), blockPath, CONTENT_BLOCKS);
                JsonNode value = content.get(b).get(member);
                switch (member) {
                    case "text" -> {
                        String text = Check.string(value, blockPath + ".text");
                        if (Check.isBlank(text)) {
                            throw ApiError.validation("The text field in the ContentBlock object at " + blockPath
                                    + " is blank. Add text to the text field, and try again.");
                        }
                        digest.text(text);
                        if (role.equals("user")) {
                            userText = userText == null ? new StringBuilder(text) : userText.append('\n').append(text);
                        }
                    }
                    case "toolUse" -> {
                        if (!role.equals("assistant")) {
                            throw ApiError.validation("toolUse blocks are only allowed in assistant messages; found "
                                    + "one at " + blockPath + ".");
                        }
                        requireTools(toolsDefined);
                        ObjectNode use = Check.object(value, blockPath + ".toolUse");
                        String id = Check.toolUseId(use.get("toolUseId"), blockPath + ".toolUse.toolUseId");
                        String name = Check.toolName(use.get("name"), blockPath + ".toolUse.name");
                        JsonNode input = use.get("input");
                        if (input == null || input.isNull()) {
                            throw Check.invalid(blockPath + ".toolUse.input", "Member must not be null");
                        }
                        toolUses.add(id);
                        digest.overhead('u', PromptDigest.BLOCK_OVERHEAD);
                        digest.text(name);
                        digest.text(input.toString());
                    }
                    case "toolResult" -> {
                        if (!role.equals("user")) {
                            throw ApiError.validation("toolResult blocks are only allowed in user messages; found "
                                    + "one at " + blockPath + ".");
                        }
                        requireTools(toolsDefined);
                        toolResult(value, blockPath + ".toolResult", digest, toolResults, openToolUses, path);
                    }
                    case "image" -> image(value, blockPath + ".image", digest);
                    case "document" -> {
                        document(value, blockPath + ".document");
                        digest.overhead('D', PromptDigest.MEDIA_TOKENS);
                    }
                    case "video", "audio" -> {
                        Check.object(value, blockPath + "." + member);
                        digest.overhead('V', PromptDigest.MEDIA_TOKENS);
                    }
                    case "guardContent" -> guardContent(value, blockPath + ".guardContent", digest);
                    case "cachePoint" -> digest.cachePoint(ttl(value, blockPath + ".cachePoint"));
                    case "reasoningContent" -> {
                        JsonNode reasoning = Check.object(value, blockPath + ".reasoningContent").get("reasoningText");
                        if (reasoning != null && reasoning.hasNonNull("text")) {
                            digest.text(reasoning.get("text").asText());
                        }
                    }
                    default -> digest.text(Check.object(value, blockPath + "." + member).toString());
                }
            }
            if (role.equals("user")) {
                if (!openToolUses.isEmpty() && !toolResults.containsAll(openToolUses)) {
                    Set<String> missing = new HashSet<>(openToolUses);
                    missing.removeAll(toolResults);
                    throw ApiError.validation("Expected toolResult blocks at " + path + ".content for the following "
                            + "Ids: " + String.join(", ", missing));
                }
                if (userText != null) {
                    out.lastUserText = userText.toString();
                }
                out.toolResultPending = m == messages.size() - 1 && !toolResults.isEmpty();
                openToolUses = Set.of();
            } else {
                openToolUses = toolUses;
                out.toolResultPending = false;
            }
        }
        return out;
    }

    private static void requireTools(boolean toolsDefined) {
        if (!toolsDefined) {
            throw ApiError.validation("The toolConfig field must be defined when using toolUse and toolResult "
                    + "content blocks.");
        }
    }

    private static void toolResult(JsonNode value, String path, PromptDigest digest, Set<String> results,
                                   Set<String> openToolUses, String messagePath) {
        ObjectNode result = Check.object(value, path);
        String id = Check.toolUseId(result.get("toolUseId"), path + ".toolUseId");
        if (!openToolUses.contains(id)) {
            throw ApiError.validation("The toolUseId " + id + " in the toolResult block at " + path + " does not "
                    + "match any toolUse block of the previous assistant turn.");
        }
        results.add(id);
        if (result.hasNonNull("status")) {
            Check.oneOf(result.get("status"), path + ".status", TOOL_RESULT_STATUS);
        }
        ArrayNode content = Check.array(result.get("content"), path + ".content");
        digest.overhead('r', PromptDigest.BLOCK_OVERHEAD);
        for (int i = 0; i < content.size(); i++) {
            String itemPath = path + ".content." + i;
            String member = Check.union(content.get(i), itemPath, TOOL_RESULT_ITEMS);
            JsonNode item = content.get(i).get(member);
            switch (member) {
                case "text" -> digest.text(Check.string(item, itemPath + ".text"));
                case "json" -> digest.text(item.toString());
                case "image" -> image(item, itemPath + ".image", digest);
                case "document" -> {
                    document(item, itemPath + ".document");
                    digest.overhead('D', PromptDigest.MEDIA_TOKENS);
                }
                default -> digest.overhead('V', PromptDigest.MEDIA_TOKENS);
            }
        }
    }

    private static void guardContent(JsonNode value, String path, PromptDigest digest) {
        JsonNode text = Check.object(value, path).get("text");
        if (text != null && text.hasNonNull("text")) {
            digest.text(text.get("text").asText());
        }
    }

    /**
     * An image block: bytes are counted by their size ({@link ImageTokens}); an S3 location, which the emulator
     * cannot read, counts {@link PromptDigest#MEDIA_TOKENS}.
     */
    private static void image(JsonNode value, String path, PromptDigest digest) {
        ObjectNode image = Check.object(value, path);
        String format = Check.oneOf(image.get("format"), path + ".format", IMAGE_FORMATS);
        String source = Check.union(image.get("source"), path + ".source", MEDIA_SOURCES);
        if (source.equals("bytes")) {
            String sourcePath = path + ".source.bytes";
            byte[] bytes = ImageTokens.decode(Check.string(image.get("source").get("bytes"), sourcePath), sourcePath);
            digest.media('I', ImageTokens.tokens(bytes, format, path), bytes);
        } else {
            Check.object(image.get("source").get("s3Location"), path + ".source.s3Location");
            digest.overhead('I', PromptDigest.MEDIA_TOKENS);
        }
    }

    private static void document(JsonNode value, String path) {
        ObjectNode document = Check.object(value, path);
        if (document.hasNonNull("format")) {
            Check.oneOf(document.get("format"), path + ".format", DOCUMENT_FORMATS);
        }
        Check.string(document.get("name"), path + ".name", 1, 200);
        Check.object(document.get("source"), path + ".source");
    }
}
