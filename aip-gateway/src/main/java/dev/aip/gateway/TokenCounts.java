package dev.aip.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.ChatRole;
import dev.aip.core.chat.ContentPart;
import dev.aip.core.chat.ToolSpec;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.SdkNumber;
import software.amazon.awssdk.core.document.Document;
import software.amazon.awssdk.services.bedrockruntime.model.AnyToolChoice;
import software.amazon.awssdk.services.bedrockruntime.model.AutoToolChoice;
import software.amazon.awssdk.services.bedrockruntime.model.CachePointBlock;
import software.amazon.awssdk.services.bedrockruntime.model.CachePointType;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseTokensRequest;
import software.amazon.awssdk.services.bedrockruntime.model.CountTokensInput;
import software.amazon.awssdk.services.bedrockruntime.model.CountTokensRequest;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.SpecificToolChoice;
import software.amazon.awssdk.services.bedrockruntime.model.SystemContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.Tool;
import software.amazon.awssdk.services.bedrockruntime.model.ToolChoice;
import software.amazon.awssdk.services.bedrockruntime.model.ToolConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.ToolInputSchema;
import software.amazon.awssdk.services.bedrockruntime.model.ToolResultBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ToolResultContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ToolResultStatus;
import software.amazon.awssdk.services.bedrockruntime.model.ToolSpecification;
import software.amazon.awssdk.services.bedrockruntime.model.ToolUseBlock;

/**
 * A chat request as a Bedrock {@code CountTokens} request in its Converse form: the same messages, system prompt,
 * cache points and tools the model call would send, for the foundation model behind the tenant's profile.
 *
 * <p>Thread-safe: stateless.
 */
final class TokenCounts {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final CachePointBlock CACHE_POINT = CachePointBlock.builder().type(CachePointType.DEFAULT).build();

    private TokenCounts() {
    }

    /** The CountTokens request for {@code request} on {@code foundationModelId}. */
    static CountTokensRequest request(String foundationModelId, ChatRequest request) {
        List<Message> messages = new ArrayList<>();
        for (ChatMessage m : request.messages()) {
            List<ContentBlock> blocks = new ArrayList<>();
            for (ContentPart p : m.content()) {
                blocks.add(block(p));
            }
            messages.add(Message.builder().role(m.role() == ChatRole.ASSISTANT ? ConversationRole.ASSISTANT
                    : ConversationRole.USER).content(blocks).build());
        }
        ConverseTokensRequest.Builder converse = ConverseTokensRequest.builder().messages(messages);
        if (!request.system().isEmpty()) {
            List<SystemContentBlock> system = new ArrayList<>();
            for (ContentPart p : request.system()) {
                system.add(p instanceof ContentPart.Text t ? SystemContentBlock.fromText(t.text())
                        : SystemContentBlock.fromCachePoint(CACHE_POINT));
            }
            converse.system(system);
        }
        if (!request.tools().isEmpty()) {
            converse.toolConfig(tools(request));
        }
        return CountTokensRequest.builder().modelId(foundationModelId)
                .input(CountTokensInput.builder().converse(converse.build()).build()).build();
    }

    private static ContentBlock block(ContentPart p) {
        if (p instanceof ContentPart.Text t) {
            return ContentBlock.fromText(t.text());
        }
        if (p instanceof ContentPart.ToolUse u) {
            return ContentBlock.fromToolUse(ToolUseBlock.builder().toolUseId(u.id()).name(u.name())
                    .input(document(u.inputJson())).build());
        }
        if (p instanceof ContentPart.ToolResult r) {
            return ContentBlock.fromToolResult(ToolResultBlock.builder().toolUseId(r.toolUseId())
                    .content(ToolResultContentBlock.fromText(r.content()))
                    .status(r.isError() ? ToolResultStatus.ERROR : ToolResultStatus.SUCCESS).build());
        }
        return ContentBlock.fromCachePoint(CACHE_POINT);
    }

    private static ToolConfiguration tools(ChatRequest r) {
        List<Tool> tools = new ArrayList<>();
        for (ToolSpec t : r.tools()) {
            tools.add(Tool.fromToolSpec(ToolSpecification.builder().name(t.name()).description(t.description())
                    .inputSchema(ToolInputSchema.fromJson(document(t.inputSchemaJson()))).build()));
        }
        ToolConfiguration.Builder b = ToolConfiguration.builder().tools(tools);
        if (r.toolChoice() != null) {
            b.toolChoice(switch (r.toolChoice().mode()) {
                case AUTO -> ToolChoice.fromAuto(AutoToolChoice.builder().build());
                case ANY -> ToolChoice.fromAny(AnyToolChoice.builder().build());
                case TOOL -> ToolChoice.fromTool(SpecificToolChoice.builder().name(r.toolChoice().toolName())
                        .build());
            });
        }
        return b.build();
    }

    private static Document document(String json) {
        try {
            return document(JSON.readTree(json));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("Not valid JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static Document document(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return Document.fromNull();
        }
        if (node.isObject()) {
            Map<String, Document> map = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> f = node.fields(); f.hasNext(); ) {
                Map.Entry<String, JsonNode> e = f.next();
                map.put(e.getKey(), document(e.getValue()));
            }
            return Document.fromMap(map);
        }
        if (node.isArray()) {
            List<Document> list = new ArrayList<>();
            node.forEach(n -> list.add(document(n)));
            return Document.fromList(list);
        }
        if (node.isBoolean()) {
            return Document.fromBoolean(node.booleanValue());
        }
        if (node.isNumber()) {
            return Document.fromNumber(SdkNumber.fromString(node.numberValue().toString()));
        }
        return Document.fromString(node.asText());
    }
}
