package dev.aip.emulator;

import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

/** Builders shared by the control-plane tests. */
final class ControlPlaneFixtures {

    static final String ACCOUNT = "123456789012";
    static final String REGION = "us-east-1";
    static final Instant T0 = Instant.parse("2026-01-02T03:04:05Z");
    static final String HAIKU_35 = "anthropic.claude-3-5-haiku-20241022-v1:0";
    static final String SONNET_37 = "anthropic.claude-3-7-sonnet-20250219-v1:0";
    static final String HAIKU_35_ARN = "arn:aws:bedrock:us-east-1::foundation-model/" + HAIKU_35;
    static final String US_SONNET_37 = "us." + SONNET_37;
    static final String US_SONNET_37_ARN = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/" + US_SONNET_37;

    private ControlPlaneFixtures() {
    }

    static EmulatorConfig config(String region, long seed, int quota, Clock clock) {
        return new EmulatorConfig(InetAddress.getLoopbackAddress(), 0, ACCOUNT, region, seed, clock, quota,
                1024 * 1024, 64 * 1024, 4);
    }

    static ControlPlane controlPlane() {
        return new ControlPlane(config(REGION, 42, 1000, Clock.fixed(T0, ZoneOffset.UTC)));
    }

    static ControlPlane controlPlane(int quota) {
        return new ControlPlane(config(REGION, 42, quota, Clock.fixed(T0, ZoneOffset.UTC)));
    }

    static ObjectNode json(String text) {
        try {
            return (ObjectNode) Json.MAPPER.readTree(text.replace('\'', '"'));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static ObjectNode createBody(String name, String copyFrom) {
        ObjectNode body = Json.MAPPER.createObjectNode().put("inferenceProfileName", name);
        body.putObject("modelSource").put("copyFrom", copyFrom);
        return body;
    }

    static ObjectNode withTags(ObjectNode body, Map<String, String> tags) {
        ArrayNode list = body.putArray("tags");
        tags.forEach((k, v) -> list.addObject().put("key", k).put("value", v));
        return body;
    }

    static Map<String, String> tags(int n, String prefix) {
        Map<String, String> tags = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            tags.put(prefix + i, "v" + i);
        }
        return tags;
    }

    /** Creates a profile copied from Claude 3.5 Haiku and returns its ARN. */
    static String create(ControlPlane cp, String name) {
        return cp.createInferenceProfile(createBody(name, HAIKU_35_ARN)).get("inferenceProfileArn").asText();
    }

    static ObjectNode tagBody(String arn, Map<String, String> tags) {
        return withTags(Json.MAPPER.createObjectNode().put("resourceARN", arn), tags);
    }

    static ObjectNode untagBody(String arn, String... keys) {
        ObjectNode body = Json.MAPPER.createObjectNode().put("resourceARN", arn);
        ArrayNode list = body.putArray("tagKeys");
        for (String k : keys) {
            list.add(k);
        }
        return body;
    }

    static Map<String, List<String>> query(String... pairs) {
        Map<String, List<String>> q = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            q.computeIfAbsent(pairs[i], k -> new ArrayList<>()).add(pairs[i + 1]);
        }
        return q;
    }

    static ApiError apiError(ThrowingCallable call) {
        ApiError e = catchThrowableOfType(ApiError.class, call);
        if (e == null) {
            throw new AssertionError("expected an ApiError");
        }
        return e;
    }

    static String id(String arn) {
        return arn.substring(arn.lastIndexOf('/') + 1);
    }

    /** A clock tests move by hand. */
    static final class ManualClock extends Clock {
        private volatile Instant now;

        ManualClock(Instant start) {
            this.now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
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
            return now;
        }
    }
}
