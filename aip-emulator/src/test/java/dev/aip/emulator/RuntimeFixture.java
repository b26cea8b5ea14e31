package dev.aip.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import software.amazon.awssdk.eventstream.HeaderValue;
import software.amazon.awssdk.eventstream.Message;
import software.amazon.awssdk.eventstream.MessageDecoder;

/** A {@link RuntimeApi} with a fake resolver and a movable clock, plus capture and decoding helpers for tests. */
final class RuntimeFixture {

    static final String HAIKU = "anthropic.claude-3-5-haiku-20241022-v1:0";
    static final String NOVA = "amazon.nova-lite-v1:0";
    /** The system-defined profile the fixture's application profile was copied from. */
    static final String US_HAIKU = "us." + HAIKU;
    static final String US_HAIKU_ARN = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/" + US_HAIKU;
    static final String AIP_ID = "abc123def456";
    static final String AIP_ARN = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/" + AIP_ID;
    static final String CLAUDE_ANTHROPIC_BODY = "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":100,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";

    /** A clock tests move by hand. Thread-safe. */
    static final class MutableClock extends Clock {
        private final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));

        void advance(Duration d) {
            now.updateAndGet(i -> i.plus(d));
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now.get();
        }
    }

    final MutableClock clock = new MutableClock();
    final RuntimeApi api;

    RuntimeFixture() {
        this(42, RuntimeSettings.DEFAULTS);
    }

    RuntimeFixture(long seed, RuntimeSettings settings) {
        EmulatorConfig config = new EmulatorConfig(InetAddress.getLoopbackAddress(), 0, "123456789012", "us-east-1",
                seed, clock, 1000, 26 * 1024 * 1024, 64 * 1024, 4);
        api = new RuntimeApi(config, RuntimeFixture::resolve, settings);
    }

    static RuntimeTarget resolve(String id) {
        return switch (id) {
            case HAIKU, NOVA -> new RuntimeTarget(id, RuntimeTarget.Kind.FOUNDATION_MODEL, id, null, null, id);
            case US_HAIKU, US_HAIKU_ARN -> new RuntimeTarget(id, RuntimeTarget.Kind.SYSTEM_PROFILE, HAIKU,
                    US_HAIKU_ARN, US_HAIKU, id);
            case AIP_ARN, AIP_ID -> new RuntimeTarget(id, RuntimeTarget.Kind.APPLICATION_PROFILE, HAIKU, AIP_ARN,
                    AIP_ID, AIP_ID, US_HAIKU_ARN, US_HAIKU);
            default -> throw ApiError.validation("The provided model identifier is invalid.");
        };
    }

    /** What a handler answered. */
    static final class Captured implements Responder {
        int status;
        Map<String, String> headers;
        byte[] body;
        ByteBuffer stream = ByteBuffer.allocate(0);
        boolean streamed;
        boolean closed;
        boolean aborted;
        int flushes;
        /** Writes accepted before the fake client goes away; -1 for never. */
        int clientLeavesAfterWrites = -1;
        int writes;
        /** The waits the handler scheduled, in order; the fake runs each step at once instead of waiting. */
        final List<Duration> waits = new ArrayList<>();

        @Override
        public void schedule(Duration delay, Runnable step) {
            waits.add(delay);
            step.run();
        }

        @Override
        public void respond(int status, Map<String, String> headers, byte[] body) {
            this.status = status;
            this.headers = headers;
            this.body = body;
        }

        @Override
        public StreamSink openStream(int status, Map<String, String> headers) {
            this.status = status;
            this.headers = headers;
            this.streamed = true;
            this.stream = ByteBuffer.allocate(1 << 20);
            return new StreamSink() {
                @Override
                public boolean write(byte[] bytes) {
                    if (clientLeavesAfterWrites >= 0 && writes >= clientLeavesAfterWrites) {
                        return false;
                    }
                    writes++;
                    stream.put(bytes);
                    return true;
                }

                @Override
                public void flush() {
                    flushes++;
                }

                @Override
                public void close() {
                    closed = true;
                }

                @Override
                public void abort() {
                    aborted = true;
                }

                @Override
                public boolean isOpen() {
                    return !closed && !aborted;
                }
            };
        }

        JsonNode json() {
            return read(body);
        }

        /** The stream's frames, decoded by the AWS SDK's own event-stream decoder. */
        List<Frame> frames() {
            List<Frame> out = new ArrayList<>();
            MessageDecoder decoder = new MessageDecoder(m -> out.add(Frame.of(m)));
            byte[] bytes = new byte[stream.position()];
            stream.duplicate().flip().get(bytes);
            decoder.feed(bytes);
            return out;
        }
    }

    /** One decoded event-stream frame. */
    record Frame(Map<String, String> headers, JsonNode payload) {
        static Frame of(Message m) {
            Map<String, String> h = new LinkedHashMap<>();
            for (Map.Entry<String, HeaderValue> e : m.getHeaders().entrySet()) {
                h.put(e.getKey(), e.getValue().getString());
            }
            JsonNode payload = m.getPayload().length == 0 ? null : read(m.getPayload());
            return new Frame(h, payload);
        }

        String type() {
            String event = headers.get(":event-type");
            return event != null ? event : headers.get(":exception-type");
        }

        /** For a {@code chunk}: the model-native event inside. */
        JsonNode chunk() {
            return read(Base64.getDecoder().decode(payload.get("bytes").asText()));
        }
    }

    static JsonNode read(byte[] bytes) {
        try {
            return Json.MAPPER.readTree(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ObjectNode obj(String json) {
        return (ObjectNode) read(json.getBytes(StandardCharsets.UTF_8));
    }

    static EmulatorRequest request(String json) {
        return request(json, Map.of("Content-Type", "application/json"));
    }

    static EmulatorRequest request(String json, Map<String, String> headers) {
        return new EmulatorRequest("POST", "/model/x/converse", "", headers, json.getBytes(StandardCharsets.UTF_8),
                "HTTP/1.1");
    }

    Captured call(RuntimeOperation op, String modelId, String json) {
        return call(op, modelId, request(json));
    }

    Captured call(RuntimeOperation op, String modelId, EmulatorRequest request) {
        Captured c = new Captured();
        api.handle(op, modelId, request, "req-" + System.nanoTime(), c);
        return c;
    }

    /** Calls and returns the error the handler threw (which the router would render). */
    ApiError error(RuntimeOperation op, String modelId, String json) {
        try {
            call(op, modelId, json);
        } catch (ApiError e) {
            return e;
        }
        throw new AssertionError("expected an ApiError");
    }

    static String converse(String userText) {
        return "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":" + quote(userText) + "}]}]}";
    }

    static String quote(String s) {
        return Json.MAPPER.valueToTree(s).toString();
    }

    List<InvocationRecord> log() {
        return api.view().invocations();
    }

    InvocationRecord last() {
        List<InvocationRecord> log = log();
        return log.get(log.size() - 1);
    }
}
