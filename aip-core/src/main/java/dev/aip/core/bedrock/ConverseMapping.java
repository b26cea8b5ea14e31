package dev.aip.core.bedrock;

import dev.aip.core.chat.ChatInvocation;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.ChatResponse;
import dev.aip.core.chat.ChatRole;
import dev.aip.core.chat.ContentPart;
import dev.aip.core.chat.InferenceSettings;
import dev.aip.core.chat.StopReason;
import dev.aip.core.chat.StructuredOutput;
import dev.aip.core.chat.ToolSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.bedrockruntime.model.AnyToolChoice;
import software.amazon.awssdk.services.bedrockruntime.model.AutoToolChoice;
import software.amazon.awssdk.services.bedrockruntime.model.CachePointBlock;
import software.amazon.awssdk.services.bedrockruntime.model.CachePointType;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseTokensRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ImageBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ImageFormat;
import software.amazon.awssdk.services.bedrockruntime.model.ImageSource;
import software.amazon.awssdk.services.bedrockruntime.model.InferenceConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.JsonSchemaDefinition;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.OutputConfig;
import software.amazon.awssdk.services.bedrockruntime.model.OutputFormat;
import software.amazon.awssdk.services.bedrockruntime.model.OutputFormatStructure;
import software.amazon.awssdk.services.bedrockruntime.model.OutputFormatType;
import software.amazon.awssdk.services.bedrockruntime.model.SpecificToolChoice;
import software.amazon.awssdk.services.bedrockruntime.model.SystemContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.Tool;
import software.amazon.awssdk.services.bedrockruntime.model.ToolConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.ToolInputSchema;
import software.amazon.awssdk.services.bedrockruntime.model.ToolResultBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ToolResultContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ToolResultStatus;
import software.amazon.awssdk.services.bedrockruntime.model.ToolSpecification;
import software.amazon.awssdk.services.bedrockruntime.model.ToolUseBlock;

/**
 * The chat model to and from Converse shapes. Both directions exist: the transport sends chat requests as Converse,
 * and the interceptor reads users' Converse requests back as chat requests, so both paths estimate input the same
 * way.
 */
final class ConverseMapping {

    private static final CachePointBlock CACHE_POINT = CachePointBlock.builder().type(CachePointType.DEFAULT).build();

    private ConverseMapping() {
    }

    static ConverseRequest toConverse(ChatInvocation invocation) {
        ChatRequest r = invocation.request();
        ConverseRequest.Builder b = ConverseRequest.builder()
                .modelId(invocation.profile().profileArn())
                .messages(messages(r.messages()))
                .requestMetadata(invocation.requestMetadata());
        if (!r.system().isEmpty()) {
            b.system(system(r.system()));
        }
        if (!r.settings().isDefault()) {
            b.inferenceConfig(inference(r.settings()));
        }
        if (!r.tools().isEmpty()) {
            b.toolConfig(tools(r));
        }
        if (r.structuredOutput() != null) {
            b.outputConfig(outputConfig(r.structuredOutput()));
        }
        return b.build();
    }

    /**
     * The Converse form of {@code r} as CountTokens takes it: the same messages, system prompt, cache points, images
     * and tools {@link #toConverse} sends. CountTokens has no inference or output settings, so none are sent.
     */
    static ConverseTokensRequest toConverseTokens(ChatRequest r) {
        ConverseTokensRequest.Builder b = ConverseTokensRequest.builder().messages(messages(r.messages()));
        if (!r.system().isEmpty()) {
            b.system(system(r.system()));
        }
        if (!r.tools().isEmpty()) {
            b.toolConfig(tools(r));
        }
        return b.build();
    }

    /** Converse structured output: {@code outputConfig.textFormat} of type {@code json_schema}. */
    private static OutputConfig outputConfig(StructuredOutput output) {
        return OutputConfig.builder().textFormat(OutputFormat.builder()
                .type(OutputFormatType.JSON_SCHEMA)
                .structure(OutputFormatStructure.fromJsonSchema(JsonSchemaDefinition.builder()
                        .name(output.name())
                        .description(output.description())
                        .schema(output.schemaJson())
                        .build()))
                .build()).build();
    }

    static ConverseStreamRequest toConverseStream(ChatInvocation invocation) {
        ConverseRequest c = toConverse(invocation);
        ConverseStreamRequest.Builder b = ConverseStreamRequest.builder()
                .modelId(c.modelId())
                .messages(c.messages())
                .requestMetadata(c.requestMetadata());
        if (c.hasSystem()) {
            b.system(c.system());
        }
        if (c.inferenceConfig() != null) {
            b.inferenceConfig(c.inferenceConfig());
        }
        if (c.toolConfig() != null) {
            b.toolConfig(c.toolConfig());
        }
        if (c.outputConfig() != null) {
            b.outputConfig(c.outputConfig());
        }
        return b.build();
    }

    static ChatResponse fromConverse(ConverseResponse response, String profileArn) {
        Message m = response.output() != null ? response.output().message() : null;
        List<ContentPart> parts = m == null ? List.of() : fromBlocks(m.content());
        ChatMessage message = new ChatMessage(ChatRole.ASSISTANT, parts);
        return new ChatResponse(message, stopReason(response.stopReasonAsString()),
                BedrockUsage.of(response.usage()), Duration.ZERO, response.responseMetadata().requestId(),
                profileArn, null);
    }

    static StopReason stopReason(String wire) {
        if (wire == null) {
            return StopReason.UNKNOWN;
        }
        try {
            return StopReason.valueOf(wire.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            return StopReason.UNKNOWN;
        }
    }

    /** Reads a Converse request as a chat request (model, messages, system, settings, tools). */
    static ChatRequest toChatRequest(String model, List<Message> messages, List<SystemContentBlock> system,
                                     InferenceConfiguration inference, ToolConfiguration tools) {
        ChatRequest.Builder b = ChatRequest.builder().model(model);
        for (Message m : messages) {
            List<ContentPart> parts = fromBlocks(m.content());
            if (!parts.isEmpty() && parts.stream().anyMatch(p -> !(p instanceof ContentPart.CachePoint))) {
                b.message(new ChatMessage(m.role() == ConversationRole.ASSISTANT ? ChatRole.ASSISTANT
                        : ChatRole.USER, parts));
            }
        }
        for (SystemContentBlock s : system) {
            if (s.text() != null && !s.text().isEmpty()) {
                b.system(s.text());
            } else if (s.cachePoint() != null) {
                b.system(ContentPart.cachePoint());
            }
        }
        if (inference != null) {
            b.settings(new InferenceSettings(inference.maxTokens(), inference.temperature(), inference.topP(),
                    inference.hasStopSequences() ? inference.stopSequences() : List.of()));
        }
        if (tools != null) {
            for (Tool t : tools.tools()) {
                ToolSpecification s = t.toolSpec();
                if (s != null) {
                    b.tool(new ToolSpec(s.name(), s.description(),
                            s.inputSchema() == null ? "{}" : Documents.toJson(s.inputSchema().json())));
                }
            }
        }
        return b.build();
    }

    static List<ContentPart> fromBlocks(List<ContentBlock> blocks) {
        List<ContentPart> parts = new ArrayList<>();
        for (ContentBlock c : blocks) {
            if (c.text() != null) {
                if (!c.text().isEmpty()) {
                    parts.add(ContentPart.text(c.text()));
                }
            } else if (c.toolUse() != null) {
                ToolUseBlock u = c.toolUse();
                parts.add(new ContentPart.ToolUse(u.toolUseId(), u.name(), jsonObject(Documents.toJson(u.input()))));
            } else if (c.toolResult() != null) {
                ToolResultBlock t = c.toolResult();
                StringBuilder text = new StringBuilder();
                for (ToolResultContentBlock rc : t.content()) {
                    text.append(rc.text() != null ? rc.text() : rc.json() != null ? Documents.toJson(rc.json()) : "");
                }
                parts.add(new ContentPart.ToolResult(t.toolUseId(), text.length() == 0 ? " " : text.toString(),
                        t.status() == ToolResultStatus.ERROR));
            } else if (c.cachePoint() != null) {
                parts.add(ContentPart.cachePoint());
            } else if (c.image() != null && c.image().source() != null && c.image().source().bytes() != null
                    && ContentPart.Image.FORMATS.contains(c.image().formatAsString())) {
                parts.add(new ContentPart.Image(c.image().formatAsString(),
                        c.image().source().bytes().asByteArrayUnsafe()));
            }
        }
        return parts;
    }

    private static String jsonObject(String json) {
        String t = json.strip();
        return t.startsWith("{") ? t : "{}";
    }

    private static List<Message> messages(List<ChatMessage> messages) {
        List<Message> out = new ArrayList<>(messages.size());
        for (ChatMessage m : messages) {
            List<ContentBlock> blocks = new ArrayList<>(m.content().size());
            for (ContentPart p : m.content()) {
                blocks.add(block(p));
            }
            out.add(Message.builder()
                    .role(m.role() == ChatRole.ASSISTANT ? ConversationRole.ASSISTANT : ConversationRole.USER)
                    .content(blocks)
                    .build());
        }
        return out;
    }

    private static ContentBlock block(ContentPart p) {
        if (p instanceof ContentPart.Text t) {
            return ContentBlock.fromText(t.text());
        }
        if (p instanceof ContentPart.ToolUse u) {
            return ContentBlock.fromToolUse(ToolUseBlock.builder()
                    .toolUseId(u.id()).name(u.name()).input(Documents.fromJson(u.inputJson())).build());
        }
        if (p instanceof ContentPart.ToolResult r) {
            return ContentBlock.fromToolResult(ToolResultBlock.builder()
                    .toolUseId(r.toolUseId())
                    .content(ToolResultContentBlock.fromText(r.content()))
                    .status(r.isError() ? ToolResultStatus.ERROR : ToolResultStatus.SUCCESS)
                    .build());
        }
        if (p instanceof ContentPart.Image i) {
            return ContentBlock.fromImage(ImageBlock.builder()
                    .format(ImageFormat.fromValue(i.format()))
                    .source(ImageSource.fromBytes(SdkBytes.fromByteArrayUnsafe(i.bytes())))
                    .build());
        }
        return ContentBlock.fromCachePoint(CACHE_POINT);
    }

    private static List<SystemContentBlock> system(List<ContentPart> parts) {
        List<SystemContentBlock> out = new ArrayList<>(parts.size());
        for (ContentPart p : parts) {
            out.add(p instanceof ContentPart.Text t ? SystemContentBlock.fromText(t.text())
                    : SystemContentBlock.fromCachePoint(CACHE_POINT));
        }
        return out;
    }

    private static InferenceConfiguration inference(InferenceSettings s) {
        InferenceConfiguration.Builder b = InferenceConfiguration.builder()
                .maxTokens(s.maxTokens())
                .temperature(s.temperature())
                .topP(s.topP());
        if (!s.stopSequences().isEmpty()) {
            b.stopSequences(s.stopSequences());
        }
        return b.build();
    }

    private static ToolConfiguration tools(ChatRequest r) {
        List<Tool> tools = new ArrayList<>();
        for (ToolSpec t : r.tools()) {
            tools.add(Tool.fromToolSpec(ToolSpecification.builder()
                    .name(t.name())
                    .description(t.description())
                    .inputSchema(ToolInputSchema.fromJson(Documents.fromJson(t.inputSchemaJson())))
                    .build()));
        }
        ToolConfiguration.Builder b = ToolConfiguration.builder().tools(tools);
        if (r.toolChoice() != null) {
            switch (r.toolChoice().mode()) {
                case AUTO -> b.toolChoice(software.amazon.awssdk.services.bedrockruntime.model.ToolChoice
                        .fromAuto(AutoToolChoice.builder().build()));
                case ANY -> b.toolChoice(software.amazon.awssdk.services.bedrockruntime.model.ToolChoice
                        .fromAny(AnyToolChoice.builder().build()));
                default -> b.toolChoice(software.amazon.awssdk.services.bedrockruntime.model.ToolChoice
                        .fromTool(SpecificToolChoice.builder().name(r.toolChoice().toolName()).build()));
            }
        }
        return b.build();
    }
}
