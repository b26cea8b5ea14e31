package dev.aip.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.ChatResponse;
import dev.aip.core.chat.ContentPart;
import dev.aip.core.chat.StopReason;
import dev.aip.core.metering.TokenUsage;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Anthropic's answer shapes: a whole {@code message}, and the server-sent events of a streamed one.
 *
 * <p>A stream is {@code message_start} (the message with empty content; its usage is zero because Bedrock reports
 * usage at the end of a stream), {@code ping}, then per content block {@code content_block_start},
 * {@code content_block_delta} ({@code text_delta}, or one {@code input_json_delta} with a tool's whole input, which
 * Bedrock's stream hands over complete) and {@code content_block_stop}, with indexes counting from 0 in order; then
 * {@code message_delta} with the stop reason and the whole usage ({@code input_tokens}, {@code output_tokens} and the
 * cache tokens, cumulative, as Anthropic's current API sends them) and {@code message_stop}. A failure after the
 * first event is an {@code error} event, and the stream ends.
 *
 * <p>Usage: {@code input_tokens} excludes cache tokens, as Anthropic and Bedrock count them;
 * {@code cache_creation_input_tokens} are Bedrock's cache writes, {@code cache_read_input_tokens} its cache reads.
 *
 * <p>The static methods are thread-safe; a {@link Stream} is confined to its response's event sequence.
 */
final class AnthropicEvents {

    /** One server-sent event: its {@code event:} name and its {@code data:} JSON. */
    record Event(String name, String data) {
    }

    private AnthropicEvents() {
    }

    /** A whole answer as Anthropic's {@code message} object. */
    static ObjectNode message(ObjectMapper json, String id, ChatRequest request, ChatResponse answer) {
        ObjectNode out = json.createObjectNode();
        out.put("id", id);
        out.put("type", "message");
        out.put("role", "assistant");
        out.put("model", request.model());
        ArrayNode content = out.putArray("content");
        for (ContentPart p : answer.message().content()) {
            if (p instanceof ContentPart.Text t) {
                content.addObject().put("type", "text").put("text", t.text());
            } else if (p instanceof ContentPart.ToolUse u) {
                content.addObject().put("type", "tool_use").put("id", u.id()).put("name", u.name())
                        .set("input", parse(json, u.inputJson()));
            }
        }
        out.put("stop_reason", stopReason(answer.stopReason()));
        putStopSequence(out, request, answer.stopReason());
        usage(out.putObject("usage"), answer.usage());
        return out;
    }

    /** Anthropic's {@code stop_reason} for Bedrock's. */
    static String stopReason(StopReason reason) {
        return switch (reason) {
            case MAX_TOKENS -> "max_tokens";
            case STOP_SEQUENCE -> "stop_sequence";
            case TOOL_USE -> "tool_use";
            case GUARDRAIL_INTERVENED, CONTENT_FILTERED -> "refusal";
            case MODEL_CONTEXT_WINDOW_EXCEEDED -> "model_context_window_exceeded";
            default -> "end_turn";
        };
    }

    /**
     * {@code stop_sequence}: Bedrock does not say which sequence stopped the model, so it is named only when the
     * request had exactly one; otherwise {@code null}.
     */
    private static void putStopSequence(ObjectNode out, ChatRequest request, StopReason reason) {
        List<String> stops = request.settings().stopSequences();
        if (reason == StopReason.STOP_SEQUENCE && stops.size() == 1) {
            out.put("stop_sequence", stops.get(0));
        } else {
            out.putNull("stop_sequence");
        }
    }

    private static void usage(ObjectNode u, TokenUsage usage) {
        u.put("input_tokens", usage.inputTokens());
        u.put("output_tokens", usage.outputTokens());
        u.put("cache_creation_input_tokens", usage.cacheWriteInputTokens());
        u.put("cache_read_input_tokens", usage.cacheReadInputTokens());
    }

    /** The answer of a request that failed, in Anthropic's error shape. */
    static ObjectNode error(ObjectMapper json, AnthropicError e, String requestId) {
        ObjectNode out = json.createObjectNode().put("type", "error");
        out.putObject("error").put("type", e.type).put("message", e.getMessage());
        out.put("request_id", requestId);
        return out;
    }

    private static JsonNode parse(ObjectMapper json, String object) {
        try {
            return json.readTree(object);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The events of one streamed answer, in order. Confined: one listener event at a time. */
    static final class Stream {
        private final ObjectMapper json;
        private final String id;
        private final ChatRequest request;
        private int index = -1;
        private boolean textOpen;

        Stream(ObjectMapper json, String id, ChatRequest request) {
            this.json = json;
            this.id = id;
            this.request = request;
        }

        /** {@code message_start} and a {@code ping}. */
        List<Event> start() {
            ObjectNode message = json.createObjectNode();
            message.put("id", id).put("type", "message").put("role", "assistant").put("model", request.model());
            message.putArray("content");
            message.putNull("stop_reason");
            message.putNull("stop_sequence");
            usage(message.putObject("usage"), TokenUsage.ZERO);
            ObjectNode start = json.createObjectNode().put("type", "message_start");
            start.set("message", message);
            return List.of(event("message_start", start), event("ping", json.createObjectNode().put("type", "ping")));
        }

        /** What one item of the bridge (text, a tool use, the whole answer, or a failure) becomes. */
        List<Event> on(Object item) {
            List<Event> out = new ArrayList<>(4);
            if (item instanceof String text) {
                if (!textOpen) {
                    index++;
                    textOpen = true;
                    ObjectNode block = json.createObjectNode().put("type", "text").put("text", "");
                    out.add(event("content_block_start", blockStart(block)));
                }
                ObjectNode delta = json.createObjectNode().put("type", "text_delta").put("text", text);
                out.add(event("content_block_delta", blockDelta(delta)));
            } else if (item instanceof ContentPart.ToolUse use) {
                closeText(out);
                index++;
                ObjectNode block = json.createObjectNode().put("type", "tool_use").put("id", use.id())
                        .put("name", use.name());
                block.putObject("input");
                out.add(event("content_block_start", blockStart(block)));
                ObjectNode delta = json.createObjectNode().put("type", "input_json_delta")
                        .put("partial_json", use.inputJson());
                out.add(event("content_block_delta", blockDelta(delta)));
                out.add(event("content_block_stop", blockStop()));
            } else if (item instanceof ChatResponse done) {
                closeText(out);
                ObjectNode delta = json.createObjectNode().put("type", "message_delta");
                ObjectNode d = delta.putObject("delta").put("stop_reason", stopReason(done.stopReason()));
                putStopSequence(d, request, done.stopReason());
                usage(delta.putObject("usage"), done.usage());
                out.add(event("message_delta", delta));
                out.add(event("message_stop", json.createObjectNode().put("type", "message_stop")));
            } else if (item instanceof AnthropicError e) {
                ObjectNode error = json.createObjectNode().put("type", "error");
                error.putObject("error").put("type", e.type).put("message", e.getMessage());
                out.add(event("error", error));
            }
            return out;
        }

        private void closeText(List<Event> out) {
            if (textOpen) {
                textOpen = false;
                out.add(event("content_block_stop", blockStop()));
            }
        }

        private ObjectNode blockStart(ObjectNode block) {
            ObjectNode e = json.createObjectNode().put("type", "content_block_start").put("index", index);
            e.set("content_block", block);
            return e;
        }

        private ObjectNode blockDelta(ObjectNode delta) {
            ObjectNode e = json.createObjectNode().put("type", "content_block_delta").put("index", index);
            e.set("delta", delta);
            return e;
        }

        private ObjectNode blockStop() {
            return json.createObjectNode().put("type", "content_block_stop").put("index", index);
        }

        private Event event(String name, ObjectNode data) {
            try {
                return new Event(name, json.writeValueAsString(data));
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
