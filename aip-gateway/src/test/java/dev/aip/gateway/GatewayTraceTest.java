package dev.aip.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * With an OpenTelemetry bean the gateway traces each call and continues the caller's trace: a request carrying a
 * W3C {@code traceparent} yields a call span in that trace, whose parent is the caller's span, with the attempt spans
 * under it; whole answers and streams alike. Without a {@code traceparent} the call starts a trace of its own.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT, properties = {
    "aip.emulator.enabled=true",
    "aip.profiles.routes.claude-haiku=us.anthropic.claude-3-5-haiku-20241022-v1:0",
    "aip.profiles.routes.titan-embed=amazon.titan-embed-text-v2:0",
    "aip.gateway.max-attempts=1"})
@Import({GatewayTests.Capture.class, GatewayTraceTest.Tracing.class})
class GatewayTraceTest {

    static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String CALLER_SPAN_ID = "00f067aa0ba902b7";
    static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("aip.attempt");
    static final AttributeKey<String> TENANT = AttributeKey.stringKey("aip.tenant.id");
    static final InMemorySpanExporter EXPORTER = InMemorySpanExporter.create();

    @TestConfiguration(proxyBeanMethods = false)
    static class Tracing {
        @Bean
        OpenTelemetry testOpenTelemetry() {
            return OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
                    .addSpanProcessor(SimpleSpanProcessor.create(EXPORTER)).build()).build();
        }
    }

    @DynamicPropertySource
    static void keys(DynamicPropertyRegistry registry) {
        registry.add("aip.tenants.traced.tier", () -> "standard");
        GatewayTests.registerKeys(registry, List.of("traced"));
    }

    @LocalServerPort
    int port;

    @Autowired
    GatewayTests.Records records;

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeEach
    void clear() {
        EXPORTER.reset();
    }

    private HttpResponse<String> post(String body, String traceparent) throws IOException, InterruptedException {
        return post("/v1/chat/completions", body, traceparent);
    }

    private HttpResponse<String> post(String path, String body, String traceparent)
            throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + GatewayTests.key("traced"))
                .header("Content-Type", "application/json")
                .timeout(Duration.ofMinutes(2)).POST(HttpRequest.BodyPublishers.ofString(body));
        if (traceparent != null) {
            b.header("traceparent", traceparent);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static List<SpanData> calls() {
        return EXPORTER.getFinishedSpanItems().stream().filter(s -> s.getAttributes().get(ATTEMPT) == null)
                .filter(s -> "traced".equals(s.getAttributes().get(TENANT))).toList();
    }

    private static List<SpanData> attempts() {
        return EXPORTER.getFinishedSpanItems().stream().filter(s -> s.getAttributes().get(ATTEMPT) != null).toList();
    }

    @Test
    void chatCompletion_withTraceparent_isACallSpanInTheCallersTraceUnderTheCallersSpan() throws Exception {
        HttpResponse<String> r = post("{\"model\":\"claude-haiku\",\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"Hello\"}]}", "00-" + TRACE_ID + "-" + CALLER_SPAN_ID + "-01");

        assertThat(r.statusCode()).isEqualTo(200);
        GatewayTests.await(() -> calls().size() == 1 && attempts().size() == 1);
        SpanData call = calls().get(0);
        assertThat(call.getName()).isEqualTo("chat claude-haiku");
        assertThat(call.getTraceId()).isEqualTo(TRACE_ID);
        assertThat(call.getParentSpanId()).isEqualTo(CALLER_SPAN_ID);
        assertThat(call.getParentSpanContext().isRemote()).isTrue();
        assertThat(call.getAttributes().get(AttributeKey.stringKey("aip.call.id")))
                .isEqualTo(records.of("traced").get(records.of("traced").size() - 1).callId());
        assertThat(attempts().get(0).getTraceId()).isEqualTo(TRACE_ID);
        assertThat(attempts().get(0).getParentSpanId()).isEqualTo(call.getSpanId());
    }

    @Test
    void streamedChatCompletion_withTraceparent_continuesTheCallersTraceToo() throws Exception {
        HttpResponse<String> r = post("{\"model\":\"claude-haiku\",\"stream\":true,\"messages\":[{\"role\":\"user\","
                + "\"content\":\"Hello\"}]}", "00-" + TRACE_ID + "-" + CALLER_SPAN_ID + "-01");

        assertThat(r.statusCode()).isEqualTo(200);
        GatewayTests.await(() -> calls().size() == 1);
        assertThat(calls().get(0).getTraceId()).isEqualTo(TRACE_ID);
        assertThat(calls().get(0).getParentSpanId()).isEqualTo(CALLER_SPAN_ID);
    }

    @Test
    void embeddings_withTraceparent_continueTheCallersTraceThroughTheSdkInterceptor() throws Exception {
        HttpResponse<String> r = post("/v1/embeddings", "{\"model\":\"titan-embed\",\"input\":\"one text\"}",
                "00-" + TRACE_ID + "-" + CALLER_SPAN_ID + "-01");

        assertThat(r.statusCode()).isEqualTo(200);
        GatewayTests.await(() -> calls().size() == 1);
        assertThat(calls().get(0).getName()).isEqualTo("embeddings titan-embed");
        assertThat(calls().get(0).getTraceId()).isEqualTo(TRACE_ID);
        assertThat(calls().get(0).getParentSpanId()).isEqualTo(CALLER_SPAN_ID);
    }

    @Test
    void chatCompletion_withoutTraceparent_startsATraceOfItsOwn() throws Exception {
        HttpResponse<String> r = post("{\"model\":\"claude-haiku\",\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"Hello\"}]}", null);

        assertThat(r.statusCode()).isEqualTo(200);
        GatewayTests.await(() -> calls().size() == 1);
        assertThat(calls().get(0).getTraceId()).isNotEqualTo(TRACE_ID);
        assertThat(calls().get(0).getParentSpanContext().isValid()).isFalse();
    }
}
