package dev.aip.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.ModelStreamErrorException;
import software.amazon.awssdk.services.bedrockruntime.model.ThrottlingException;

/**
 * The transport against unmodified Bedrock runtime clients: the default async client (HTTP/2 prior knowledge over
 * Netty) and the sync client (HTTP/1.1 over Apache). The handler here is a stand-in that fakes Converse answers; the
 * point is the wire, not the model.
 */
class NettyTransportSdkTest {

    private static final String MODEL = "anthropic.claude-3-haiku-20240307-v1:0";
    private static final Set<String> PROTOCOLS = ConcurrentHashMap.newKeySet();
    private static NettyTransport transport;
    private static BedrockRuntimeAsyncClient async;
    private static BedrockRuntimeClient sync;

    @BeforeAll
    static void start() {
        EmulatorConfig config = new EmulatorConfig(InetAddress.getLoopbackAddress(), 0, "123456789012", "us-east-1",
                42, Clock.systemUTC(), 1000, 1 << 20, 16 * 1024, 16);
        transport = new NettyTransport(config, NettyTransportSdkTest::fakeBedrock);
        InetSocketAddress address = transport.start();
        URI endpoint = URI.create("http://127.0.0.1:" + address.getPort());
        async = BedrockRuntimeAsyncClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(SdkClients.DUMMY)
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
        sync = BedrockRuntimeClient.builder()
                .endpointOverride(endpoint)
                .region(Region.US_EAST_1)
                .credentialsProvider(SdkClients.DUMMY)
                .httpClientBuilder(Apache5HttpClient.builder())
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }

    @AfterAll
    static void stop() {
        async.close();
        sync.close();
        transport.close();
    }

    private static void fakeBedrock(EmulatorRequest request, Responder responder) {
        PROTOCOLS.add(request.protocol());
        String path = request.rawPath();
        String text = new String(request.body(), StandardCharsets.UTF_8).contains("throttle") ? "throttle" : "ok";
        if (path.endsWith("/converse")) {
            if (text.equals("throttle")) {
                Map<String, String> headers = new LinkedHashMap<>();
                headers.put("Content-Type", "application/json");
                headers.put("x-amzn-ErrorType", "ThrottlingException");
                headers.put("x-amzn-RequestId", UUID.randomUUID().toString());
                responder.respond(429, headers, utf8("{\"message\":\"slow down\"}"));
                return;
            }
            responder.respond(200, Map.of("Content-Type", "application/json", "x-amzn-RequestId", "req-1"),
                    utf8("{\"output\":{\"message\":{\"role\":\"assistant\",\"content\":[{\"text\":\"hello\"}]}},"
                            + "\"stopReason\":\"end_turn\",\"usage\":{\"inputTokens\":3,\"outputTokens\":1,"
                            + "\"totalTokens\":4},\"metrics\":{\"latencyMs\":1}}"));
        } else if (path.endsWith("/converse-stream")) {
            StreamSink sink = responder.openStream(200,
                    Map.of("Content-Type", EventStreamEncoder.CONTENT_TYPE, "x-amzn-RequestId", "req-2"));
            sink.write(EventStreamEncoder.event("messageStart", utf8("{\"role\":\"assistant\"}")));
            for (int i = 0; i < 5; i++) {
                sink.write(EventStreamEncoder.event("contentBlockDelta",
                        utf8("{\"contentBlockIndex\":0,\"delta\":{\"text\":\"t" + i + " \"}}")));
                sink.flush();
            }
            if (text.equals("throttle")) {
                sink.write(EventStreamEncoder.exception("modelStreamErrorException",
                        utf8("{\"message\":\"stream broke\",\"originalStatusCode\":500}")));
                sink.close();
                return;
            }
            sink.write(EventStreamEncoder.event("contentBlockStop", utf8("{\"contentBlockIndex\":0}")));
            sink.write(EventStreamEncoder.event("messageStop", utf8("{\"stopReason\":\"end_turn\"}")));
            sink.write(EventStreamEncoder.event("metadata", utf8("{\"usage\":{\"inputTokens\":3,\"outputTokens\":5,"
                    + "\"totalTokens\":8},\"metrics\":{\"latencyMs\":2}}")));
            sink.close();
        } else {
            throw new IllegalArgumentException("no such fake operation: " + path);
        }
    }

    @Test
    void converse_defaultAsyncClientOverHttp2_returnsTheAnswer() throws Exception {
        ConverseResponse response = async.converse(converse("hi")).get(20, TimeUnit.SECONDS);

        assertThat(response.output().message().content().get(0).text()).isEqualTo("hello");
        assertThat(response.usage().totalTokens()).isEqualTo(4);
        assertThat(response.responseMetadata().requestId()).isEqualTo("req-1");
        assertThat(PROTOCOLS).contains("HTTP/2");
    }

    @Test
    void converse_syncClientOverHttp1_returnsTheAnswer() {
        ConverseResponse response = sync.converse(converse("hi"));

        assertThat(response.output().message().content().get(0).text()).isEqualTo("hello");
        assertThat(PROTOCOLS).contains("HTTP/1.1");
    }

    @Test
    void converse_errorHeaders_becomeTheModelledException() {
        assertThatThrownBy(() -> sync.converse(converse("throttle")))
                .isInstanceOf(ThrottlingException.class)
                .hasMessageContaining("slow down");
    }

    @Test
    void converseStream_defaultAsyncClientOverHttp2_deliversEveryEventInOrder() throws Exception {
        List<String> events = new ArrayList<>();
        StringBuilder text = new StringBuilder();

        async.converseStream(converseStream("hi"), ConverseStreamResponseHandler.builder()
                .subscriber(ConverseStreamResponseHandler.Visitor.builder()
                        .onMessageStart(e -> events.add("start"))
                        .onContentBlockDelta(e -> {
                            events.add("delta");
                            text.append(e.delta().text());
                        })
                        .onContentBlockStop(e -> events.add("blockStop"))
                        .onMessageStop(e -> events.add("stop:" + e.stopReasonAsString()))
                        .onMetadata(e -> events.add("metadata:" + e.usage().totalTokens()))
                        .build())
                .build()).get(20, TimeUnit.SECONDS);

        assertThat(events).containsExactly("start", "delta", "delta", "delta", "delta", "delta", "blockStop",
                "stop:end_turn", "metadata:8");
        assertThat(text).hasToString("t0 t1 t2 t3 t4 ");
    }

    @Test
    void converseStream_inStreamException_failsWithTheModelledException() {
        CompletableFuture<Void> call = async.converseStream(converseStream("throttle"),
                ConverseStreamResponseHandler.builder()
                        .subscriber(ConverseStreamResponseHandler.Visitor.builder().build())
                        .build());

        assertThatThrownBy(() -> call.get(20, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(ModelStreamErrorException.class);
    }

    @Test
    void converse_manyConcurrentAsyncCalls_allSucceed() throws Exception {
        List<CompletableFuture<ConverseResponse>> calls = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            calls.add(async.converse(converse("hi " + i)));
        }

        for (CompletableFuture<ConverseResponse> call : calls) {
            assertThat(call.get(20, TimeUnit.SECONDS).stopReasonAsString()).isEqualTo("end_turn");
        }
    }

    private static ConverseRequest converse(String text) {
        return ConverseRequest.builder().modelId(MODEL).messages(message(text)).build();
    }

    private static ConverseStreamRequest converseStream(String text) {
        return ConverseStreamRequest.builder().modelId(MODEL).messages(message(text)).build();
    }

    private static Message message(String text) {
        return Message.builder().role(ConversationRole.USER).content(ContentBlock.fromText(text)).build();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
