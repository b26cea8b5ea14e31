package dev.aip.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The Amazon Nova {@code messages-v1} body of InvokeModel. Its request is the Converse shape, so it is validated
 * and counted by {@link ConverseParser}; {@code inferenceConfig.max_new_tokens} is accepted for {@code maxTokens}.
 * Stateless.
 */
final class NovaCodec implements InvokeCodec {

    static final NovaCodec INSTANCE = new NovaCodec();

    private NovaCodec() {
    }

    @Override
    public Prompt parse(ObjectNode body) {
        JsonNode schema = body.get("schemaVersion");
        if (schema != null && !"messages-v1".equals(schema.asText())) {
            throw ApiError.validation("Malformed input request: schemaVersion must be messages-v1, please reformat "
                    + "your input and try again.");
        }
        JsonNode inference = body.get("inferenceConfig");
        if (inference != null && inference.isObject() && inference.has("max_new_tokens")
                && !inference.has("maxTokens")) {
            ObjectNode copy = body.deepCopy();
            ((ObjectNode) copy.get("inferenceConfig")).set("maxTokens", inference.get("max_new_tokens"));
            body = copy;
        }
        for (String converseOnly : new String[] {"requestMetadata", "outputConfig"}) {
            if (body.has(converseOnly)) {
                throw ApiError.validation("Malformed input request: extraneous key [" + converseOnly + "] is not "
                        + "permitted, please reformat your input and try again.");
            }
        }
        return ConverseParser.parseConverse(body).withRequestMetadata(Map.of());
    }

    @Override
    public byte[] response(ModelReply reply, Usage usage, String foundationModelId, String messageId) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ObjectNode message = root.putObject("output").putObject("message");
        message.put("role", "assistant");
        ArrayNode content = message.putArray("content");
        for (ModelReply.Block block : reply.blocks()) {
            if (block instanceof ModelReply.Text text) {
                content.addObject().put("text", text.text());
            } else if (block instanceof ModelReply.ToolCall call) {
                ConverseRenderer.toolUse(content.addObject().putObject("toolUse"), call);
            }
        }
        root.put("stopReason", reply.stopReason());
        usage(root.putObject("usage"), usage);
        return Json.write(root);
    }

    private static void usage(ObjectNode u, Usage usage) {
        u.put("inputTokens", usage.input());
        u.put("outputTokens", usage.output());
        u.put("totalTokens", usage.total());
        u.put("cacheReadInputTokenCount", usage.cacheRead());
        u.put("cacheWriteInputTokenCount", usage.cacheWrite());
    }

    @Override
    public List<StreamEvent> streamEvents(ModelReply reply, Usage usage, String foundationModelId, String messageId,
                                          int chunkTokens) {
        List<StreamEvent> events = new ArrayList<>();
        ObjectNode start = Json.MAPPER.createObjectNode();
        start.putObject("messageStart").put("role", "assistant");
        events.add(StreamEvent.chunk(start, false, 0));
        long done = 0;
        int index = 0;
        for (ModelReply.Block block : reply.blocks()) {
            if (block instanceof ModelReply.Text text) {
                StringBuilder sent = new StringBuilder();
                for (String piece : DeterministicModel.chunks(text.text(), chunkTokens)) {
                    sent.append(piece);
                    ObjectNode delta = Json.MAPPER.createObjectNode();
                    ObjectNode d = delta.putObject("contentBlockDelta");
                    d.putObject("delta").put("text", piece);
                    d.put("contentBlockIndex", index);
                    events.add(StreamEvent.chunk(delta, true, done + PromptDigest.textTokens(sent)));
                }
            } else if (block instanceof ModelReply.ToolCall call) {
                ObjectNode s = Json.MAPPER.createObjectNode();
                ObjectNode cbs = s.putObject("contentBlockStart");
                cbs.putObject("start").putObject("toolUse").put("toolUseId", call.converseId())
                        .put("name", call.name());
                cbs.put("contentBlockIndex", index);
                events.add(StreamEvent.chunk(s, false, done));
                int chars = 0;
                for (String piece : InvokeCodec.jsonFragments(call.inputJson())) {
                    chars += piece.length();
                    ObjectNode delta = Json.MAPPER.createObjectNode();
                    ObjectNode d = delta.putObject("contentBlockDelta");
                    d.putObject("delta").putObject("toolUse").put("input", piece);
                    d.put("contentBlockIndex", index);
                    events.add(StreamEvent.chunk(delta, true, done + call.tokens(chars)));
                }
            }
            done += block.tokens();
            ObjectNode stop = Json.MAPPER.createObjectNode();
            stop.putObject("contentBlockStop").put("contentBlockIndex", index);
            events.add(StreamEvent.chunk(stop, false, done));
            index++;
        }
        ObjectNode stop = Json.MAPPER.createObjectNode();
        stop.putObject("messageStop").put("stopReason", reply.stopReason());
        events.add(StreamEvent.chunk(stop, false, done));
        ObjectNode metadata = Json.MAPPER.createObjectNode();
        ObjectNode m = metadata.putObject("metadata");
        usage(m.putObject("usage"), usage);
        m.putObject("metrics");
        m.putObject("trace");
        events.add(StreamEvent.finalUsageChunk(metadata, usage, done));
        return events;
    }
}
