package dev.aip.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RouterTest {

    private static final EmulatorConfig CONFIG = new EmulatorConfig(InetAddress.getLoopbackAddress(), 0,
            "123456789012", "us-east-1", 42, Clock.systemUTC(), 10, 1 << 20, 1 << 16, 4);

    private final ControlPlane controlPlane = new ControlPlane(CONFIG);
    private final Router router = new Router(controlPlane, new RuntimeApi(CONFIG, controlPlane));

    @Test
    void segments_encodedArn_staysOneSegment() {
        List<String> segments = Router.segments(
                "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Aapplication-inference-profile%2Fabc123def456"
                        + "/converse");

        assertThat(segments).containsExactly("model",
                "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123def456", "converse");
    }

    @Test
    void percentDecode_multiByteUtf8_decodes() {
        assertThat(Router.percentDecode("caf%C3%A9+x")).isEqualTo("café+x");
    }

    @Test
    void percentDecode_truncatedEscape_isValidationError() {
        assertThatThrownBy(() -> Router.percentDecode("abc%4"))
                .isInstanceOfSatisfying(ApiError.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.code()).isEqualTo("ValidationException");
                });
        assertThatThrownBy(() -> Router.percentDecode("abc%zz")).isInstanceOf(ApiError.class);
    }

    @Test
    void query_repeatedAndEncodedParameters_parsed() {
        Map<String, List<String>> q = Router.query("maxResults=10&type=APPLICATION&nextToken=a%2Bb&flag&type=X");

        assertThat(q.get("maxResults")).containsExactly("10");
        assertThat(q.get("type")).containsExactly("APPLICATION", "X");
        assertThat(q.get("nextToken")).containsExactly("a+b");
        assertThat(q.get("flag")).containsExactly("");
    }

    @Test
    void handle_unknownPath_is404WithTypedErrorAndRequestId() throws IOException {
        Captured r = call("GET", "/no-such-thing", null, new byte[0]);

        assertThat(r.status).isEqualTo(404);
        assertThat(r.headers).containsEntry(Router.ERROR_TYPE, "UnknownOperationException")
                .containsKey(Router.REQUEST_ID);
        assertThat(r.json().get("message").asText()).contains("/no-such-thing");
    }

    @Test
    void handle_wrongMethodOnKnownPath_is404() {
        assertThat(call("PUT", "/inference-profiles", null, new byte[0]).status).isEqualTo(404);
        assertThat(call("GET", "/model/x/converse", null, new byte[0]).status).isEqualTo(404);
        assertThat(call("POST", "/model/x/unknown-op", null, new byte[0]).status).isEqualTo(404);
    }

    @Test
    void handle_emptySegment_isValidationError() {
        Captured r = call("GET", "/inference-profiles//x", null, new byte[0]);

        assertThat(r.status).isEqualTo(400);
        assertThat(r.headers).containsEntry(Router.ERROR_TYPE, "ValidationException");
    }

    @Test
    void handle_nonJsonContentType_is415() {
        Captured r = call("POST", "/inference-profiles", "text/plain", "{}".getBytes(StandardCharsets.UTF_8));

        assertThat(r.status).isEqualTo(415);
        assertThat(r.headers).containsKey(Router.ERROR_TYPE);
    }

    @Test
    void handle_malformedJson_is400() throws IOException {
        for (String body : List.of("{", "[1,2]", "\"str\"", "{\"a\":1} trailing", "\u0000\u0001garbage")) {
            Captured r = call("POST", "/tagResource", "application/json", body.getBytes(StandardCharsets.UTF_8));

            assertThat(r.status).as(body).isEqualTo(400);
            assertThat(r.headers).as(body).containsEntry(Router.ERROR_TYPE, "ValidationException");
            assertThat(r.json().get("message").asText()).as(body).isNotBlank();
        }
    }

    @Test
    void handle_deeplyNestedJson_is400NotStackOverflow() {
        String body = "[".repeat(100_000);
        Captured r = call("POST", "/tagResource", "application/json", body.getBytes(StandardCharsets.UTF_8));

        assertThat(r.status).isEqualTo(400);
    }

    @Test
    void handle_health_answersUp() throws IOException {
        Captured r = call("GET", "/_emulator/health", null, new byte[0]);

        assertThat(r.status).isEqualTo(200);
        assertThat(r.json().get("status").asText()).isEqualTo("UP");
    }

    private Captured call(String method, String path, String contentType, byte[] body) {
        Captured captured = new Captured();
        Map<String, String> headers = contentType == null ? Map.of() : Map.of("Content-Type", contentType);
        router.handle(new EmulatorRequest(method, path, null, headers, body, "HTTP/1.1"), captured);
        assertThat(captured.status).as("answered").isPositive();
        return captured;
    }

    private static final class Captured implements Responder {
        int status;
        Map<String, String> headers;
        byte[] body;

        @Override
        public void respond(int status, Map<String, String> headers, byte[] body) {
            this.status = status;
            this.headers = headers;
            this.body = body;
        }

        @Override
        public StreamSink openStream(int status, Map<String, String> headers) {
            throw new AssertionError("no stream expected");
        }

        @Override
        public void schedule(java.time.Duration delay, Runnable step) {
            step.run();
        }

        JsonNode json() throws IOException {
            return Json.MAPPER.readTree(body);
        }
    }
}
