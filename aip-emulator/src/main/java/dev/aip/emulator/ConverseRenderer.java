package dev.aip.emulator;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/** Renders a {@link ModelReply} as a Converse response body or as ConverseStream events. Stateless. */
final class ConverseRenderer {

    private ConverseRenderer() {
    }

    static byte[] response(ModelReply reply, Usage usage, boolean cacheUsed, long latencyMs) {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ObjectNode message = root.putObject("output").putObject("message");
        message.put("role", "assistant");
        ArrayNode content = message.putArray("content");
        for (ModelReply.Block block : reply.blocks()) {
            if (block instanceof ModelReply.Text text) {
                content.addObject().put("text", text.text());
            } else if (block instanceof ModelReply.ToolCall call) {
                toolUse(content.addObject().putObject("toolUse"), call);
            }
        }
        root.put("stopReason", reply.stopReason());
        usage(root.putObject("usage"), usage, cacheUsed);
        root.putObject("metrics").put("latencyMs", latencyMs);
        return Json.write(root);
    }

    static void toolUse(ObjectNode node, ModelReply.ToolCall call) {
        node.put("toolUseId", call.converseId());
        node.put("name", call.name());
        node.set("input", InvokeCodec.parseJson(call.inputJson()));
    }

    /** The Converse {@code TokenUsage}; cache members only when the request has cache points. */
    static void usage(ObjectNode u, Usage usage, boolean cacheUsed) {
        u.put("inputTokens", usage.input());
        u.put("outputTokens", usage.output());
        u.put("totalTokens", usage.total());
        if (cacheUsed) {
            u.put("cacheReadInputTokens", usage.cacheRead());
            u.put("cacheWriteInputTokens", usage.cacheWrite());
            ArrayNode details = u.putArray("cacheDetails");
            if (usage.write1h() > 0) {
                details.addObject().put("ttl", "1h").put("inputTokens", usage.write1h());
            }
            if (usage.write5m() > 0) {
                details.addObject().put("ttl", "5m").put("inputTokens", usage.write5m());
            }
        }
    }

    /**
     * The events in Bedrock's order: {@code messageStart}; per block {@code contentBlockStart} (tool use only),
     * {@code contentBlockDelta}..., {@code contentBlockStop}; {@code messageStop}; {@code metadata} last.
     */
    static List<StreamEvent> streamEvents(ModelReply reply, Usage usage, boolean cacheUsed, int chunkTokens) {
        List<StreamEvent> events = new ArrayList<>();
        events.add(StreamEvent.converse("messageStart", Json.MAPPER.createObjectNode().put("role", "assistant"),
                false, 0));
        long done = 0;
        int index = 0;
        for (ModelReply.Block block : reply.blocks()) {
            if (block instanceof ModelReply.Text text) {
                List<String> pieces = DeterministicModel.chunks(text.text(), chunkTokens);
                if (pieces.isEmpty()) {
                    pieces = List.of("");
                }
                StringBuilder sent = new StringBuilder();
                for (String piece : pieces) {
                    sent.append(piece);
                    ObjectNode delta = Json.MAPPER.createObjectNode().put("contentBlockIndex", index);
                    delta.putObject("delta").put("text", piece);
                    events.add(StreamEvent.converse("contentBlockDelta", delta, true,
                            done + PromptDigest.textTokens(sent)));
                }
            } else if (block instanceof ModelReply.ToolCall call) {
                ObjectNode start = Json.MAPPER.createObjectNode().put("contentBlockIndex", index);
                start.putObject("start").putObject("toolUse").put("toolUseId", call.converseId())
                        .put("name", call.name());
                events.add(StreamEvent.converse("contentBlockStart", start, false, done));
                int chars = 0;
                for (String piece : InvokeCodec.jsonFragments(call.inputJson())) {
                    chars += piece.length();
                    ObjectNode delta = Json.MAPPER.createObjectNode().put("contentBlockIndex", index);
                    delta.putObject("delta").putObject("toolUse").put("input", piece);
                    events.add(StreamEvent.converse("contentBlockDelta", delta, true, done + call.tokens(chars)));
                }
            }
            done += block.tokens();
            events.add(StreamEvent.converse("contentBlockStop",
                    Json.MAPPER.createObjectNode().put("contentBlockIndex", index), false, done));
            index++;
        }
        events.add(StreamEvent.converse("messageStop",
                Json.MAPPER.createObjectNode().put("stopReason", reply.stopReason()), false, done));
        ObjectNode metadata = Json.MAPPER.createObjectNode();
        usage(metadata.putObject("usage"), usage, cacheUsed);
        events.add(StreamEvent.converseMetadata(metadata, done));
        return events;
    }
}
