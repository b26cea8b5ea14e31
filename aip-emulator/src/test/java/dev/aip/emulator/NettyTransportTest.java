package dev.aip.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import io.netty.handler.codec.http2.Http2Error;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.eventstream.Message;
import software.amazon.awssdk.eventstream.MessageDecoder;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;

class NettyTransportTest {

    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final int MAX_BODY = 4096;
    private static final int MAX_HEAD = 2048;

    private final List<AutoCloseable> closeables = new ArrayList<>();
    private final HttpClient http1 = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(WAIT)
            .build();
    private final AtomicInteger handled = new AtomicInteger();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : closeables) {
            c.close();
        }
    }

    // ---------------------------------------------------------------- handlers

    /** Echoes the body and reports what the transport made of the request in response headers. */
    private void echo(EmulatorRequest request, Responder responder) {
        handled.incrementAndGet();
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/octet-stream");
        headers.put("x-method", request.method());
        headers.put("x-path", request.rawPath());
        headers.put("x-query", request.rawQuery());
        headers.put("x-protocol", request.protocol());
        headers.put("x-thread", Thread.currentThread().getName());
        headers.put("x-foo", String.valueOf(request.header("X-FOO")));
        responder.respond(200, headers, request.body());
    }

    /** Streams {@code n} event frames ({@code ?n=...}), flushing after each unless {@code burst} is in the query. */
    private void stream(EmulatorRequest request, Responder responder) {
        handled.incrementAndGet();
        int n = Integer.parseInt(param(request, "n", "10"));
        boolean burst = request.rawQuery().contains("burst");
        StreamSink sink = responder.openStream(200, Map.of("Content-Type", EventStreamEncoder.CONTENT_TYPE));
        for (int i = 0; i < n; i++) {
            sink.write(EventStreamEncoder.event("chunk", json("{\"i\":" + i + "}")));
            if (!burst) {
                sink.flush();
            }
        }
        sink.close();
    }

    private static String param(EmulatorRequest request, String name, String otherwise) {
        for (String pair : request.rawQuery().split("&")) {
            if (pair.startsWith(name + "=")) {
                return pair.substring(name.length() + 1);
            }
        }
        return otherwise;
    }

    // ---------------------------------------------------------------- HTTP/1.1 through java.net.http

    @Test
    void respond_http1Post_echoesBodyRawPathQueryAndHeaders() throws Exception {
        URI base = start(this::echo);
        byte[] body = json("{\"hello\":\"wörld\"}");

        HttpResponse<byte[]> response = http1.send(HttpRequest.newBuilder(
                        URI.create(base + "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Aprofile%2Fabc/converse?a=b%20c"))
                .header("x-foo", "bar")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build(), HttpResponse.BodyHandlers.ofByteArray());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(body);
        assertThat(response.headers().firstValue("x-path"))
                .hasValue("/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Aprofile%2Fabc/converse");
        assertThat(response.headers().firstValue("x-query")).hasValue("a=b%20c");
        assertThat(response.headers().firstValue("x-method")).hasValue("POST");
        assertThat(response.headers().firstValue("x-protocol")).hasValue("HTTP/1.1");
        assertThat(response.headers().firstValue("x-foo")).hasValue("bar");
        assertThat(response.headers().firstValueAsLong("content-length")).hasValue(body.length);
    }

    @Test
    void respond_handlerCall_runsOnWorkerThreadNotEventLoop() throws Exception {
        URI base = start(this::echo);

        HttpResponse<byte[]> response = get(base, "/x");

        assertThat(response.headers().firstValue("x-thread").orElseThrow())
                .startsWith("aip-emulator-worker")
                .doesNotContain("aip-emulator-io");
    }

    @Test
    void respond_chunkedRequestBody_isReassembled() throws Exception {
        URI base = start(this::echo);
        byte[] body = new byte[3000];
        for (int i = 0; i < body.length; i++) {
            body[i] = (byte) i;
        }

        // An InputStream publisher has no known length, so the client sends Transfer-Encoding: chunked.
        HttpResponse<byte[]> response = http1.send(HttpRequest.newBuilder(URI.create(base + "/echo"))
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
                .build(), HttpResponse.BodyHandlers.ofByteArray());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(body);
    }

    @Test
    void respond_expect100Continue_bodyIsReceived() throws Exception {
        URI base = start(this::echo);
        byte[] body = json("{\"expect\":true}");

        HttpResponse<byte[]> response = http1.send(HttpRequest.newBuilder(URI.create(base + "/echo"))
                .expectContinue(true)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build(), HttpResponse.BodyHandlers.ofByteArray());

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo(body);
    }

    @Test
    void respond_manySequentialRequests_allAnswered() throws Exception {
        URI base = start(this::echo);

        for (int i = 0; i < 200; i++) {
            HttpResponse<byte[]> response = http1.send(HttpRequest.newBuilder(URI.create(base + "/n?i=" + i))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(json("" + i)))
                    .build(), HttpResponse.BodyHandlers.ofByteArray());
            assertThat(response.body()).isEqualTo(json("" + i));
        }
        assertThat(handled.get()).isEqualTo(200);
    }

    @Test
    void openStream_http1_deliversAllFramesChunkedInOrder() throws Exception {
        URI base = start(this::stream);

        HttpResponse<byte[]> response = get(base, "/stream?n=100");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("transfer-encoding")).hasValue("chunked");
        assertThat(response.headers().firstValue("content-length")).isEmpty();
        assertThat(decodeChunkIndexes(response.body())).containsExactlyElementsOf(range(100));
    }

    @Test
    void openStream_http1BurstWithoutFlush_deliversAllFramesInOrder() throws Exception {
        URI base = start(this::stream);

        HttpResponse<byte[]> response = get(base, "/stream?n=100&burst");

        assertThat(decodeChunkIndexes(response.body())).containsExactlyElementsOf(range(100));
    }

    @Test
    void openStream_http1ResponseLargerThanSocketBuffers_arrivesIntact() throws Exception {
        byte[] block = new byte[16 * 1024];
        for (int i = 0; i < block.length; i++) {
            block[i] = (byte) (i * 31);
        }
        int blocks = 2048;
        URI base = start((request, responder) -> {
            StreamSink sink = responder.openStream(200, Map.of());
            for (int i = 0; i < blocks && sink.write(block); i++) {
                sink.flush();
            }
            sink.close();
        });

        HttpResponse<InputStream> response = http1.send(HttpRequest.newBuilder(URI.create(base + "/big")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        long total = 0;
        boolean intact = true;
        try (InputStream in = response.body()) {
            byte[] buf = new byte[8192];
            int n;
            while ((n = in.read(buf)) > 0) {
                for (int i = 0; i < n; i++) {
                    intact &= buf[i] == block[(int) ((total + i) % block.length)];
                }
                total += n;
            }
        }

        assertThat(total).isEqualTo((long) blocks * block.length);
        assertThat(intact).isTrue();
    }

    @Test
    void abort_http1MidStream_clientSeesBrokenResponse() throws Exception {
        URI base = start((request, responder) -> {
            StreamSink sink = responder.openStream(200, Map.of());
            sink.write(EventStreamEncoder.event("chunk", json("{}")));
            sink.flush();
            sink.abort();
        });

        assertThatThrownBy(() -> get(base, "/abort")).isInstanceOf(IOException.class);
        assertServes(base);
    }

    @Test
    void handle_handlerThrows_answers500InternalServerExceptionWithRequestId() throws Exception {
        URI base = start((request, responder) -> {
            throw new IllegalStateException("boom");
        });

        HttpResponse<byte[]> response = get(base, "/throw");

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.headers().firstValue("x-amzn-ErrorType")).hasValue("InternalServerException");
        assertThat(response.headers().firstValue("x-amzn-RequestId")).isPresent();
        assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
        assertThat(Json.parseObject(response.body()).get("message").asText()).contains("boom");
    }

    @Test
    void handle_handlerReturnsWithoutAnswering_answers500() throws Exception {
        URI base = start((request, responder) -> { });

        HttpResponse<byte[]> first = get(base, "/silent");
        HttpResponse<byte[]> second = get(base, "/silent");

        assertThat(first.statusCode()).isEqualTo(500);
        assertThat(first.headers().firstValue("x-amzn-ErrorType")).hasValue("InternalServerException");
        assertThat(second.statusCode()).isEqualTo(500);
    }

    @Test
    void respond_calledTwice_secondCallFailsAndFirstAnswerStands() throws Exception {
        AtomicReference<Throwable> second = new AtomicReference<>();
        CountDownLatch handlerDone = new CountDownLatch(1);
        URI base = start((request, responder) -> {
            try {
                responder.respond(201, Map.of(), json("{}"));
                try {
                    responder.respond(202, Map.of(), json("{}"));
                } catch (IllegalStateException e) {
                    second.set(e);
                }
            } finally {
                handlerDone.countDown();
            }
        });

        HttpResponse<byte[]> response = get(base, "/twice");

        assertThat(response.statusCode()).isEqualTo(201);
        // The client may read the 201 before the handler thread has tried the second answer.
        assertThat(handlerDone.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertThat(second.get()).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void write_clientDisconnectsMidStream_returnsFalse() throws Exception {
        CountDownLatch streaming = new CountDownLatch(1);
        CountDownLatch sawFalse = new CountDownLatch(1);
        URI base = start((request, responder) -> {
            StreamSink sink = responder.openStream(200, Map.of());
            byte[] frame = EventStreamEncoder.event("chunk", json("{\"text\":\"tick\"}"));
            for (int i = 0; i < 10_000_000; i++) {
                if (!sink.write(frame)) {
                    assertThat(sink.isOpen()).isFalse();
                    sawFalse.countDown();
                    return;
                }
                sink.flush();
                streaming.countDown();
            }
            sink.close();
        });

        try (Socket socket = connect(base)) {
            socket.getOutputStream().write(ascii("GET /s HTTP/1.1\r\nHost: x\r\n\r\n"));
            socket.getOutputStream().flush();
            assertThat(socket.getInputStream().read()).isNotNegative();
            assertThat(streaming.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        }

        assertThat(sawFalse.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        assertServes(base);
    }

    @Test
    void dispatch_allWorkersBusyAndNoQueue_answers503ServiceUnavailable() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        URI base = start(config(1), (request, responder) -> {
            if (request.rawPath().equals("/block")) {
                entered.countDown();
                await(release);
            }
            responder.respond(200, Map.of(), new byte[0]);
        }, Duration.ofMinutes(5), 0);

        CompletableFuture<HttpResponse<byte[]>> blocked = http1.sendAsync(
                HttpRequest.newBuilder(URI.create(base + "/block")).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(entered.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        HttpResponse<byte[]> refused = get(base, "/other");
        release.countDown();

        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("x-amzn-ErrorType")).hasValue("ServiceUnavailableException");
        assertThat(refused.headers().firstValue("x-amzn-RequestId")).isPresent();
        assertThat(blocked.get(WAIT.toSeconds(), TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }

    // ---------------------------------------------------------------- HTTP/2 through the SDK's Netty client

    @Test
    void respond_http2PriorKnowledge_echoesOverHttp2() throws Exception {
        URI base = start(this::echo);
        SdkAsyncHttpClient h2 = h2Client();
        byte[] body = json("{\"q\":\"h2\"}");

        SdkHttpExchange.Result result = SdkHttpExchange.send(h2, base, "/model/a%2Fb/converse?x=1", body)
                .result.get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(result.status()).isEqualTo(200);
        assertThat(result.body()).isEqualTo(body);
        assertThat(result.header("x-protocol")).isEqualTo("HTTP/2");
        assertThat(result.header("x-path")).isEqualTo("/model/a%2Fb/converse");
        assertThat(result.header("x-query")).isEqualTo("x=1");
        assertThat(result.header("content-length")).isEqualTo(Integer.toString(body.length));
    }

    @Test
    void openStream_http2_deliversAllFramesInOrder() throws Exception {
        URI base = start(this::stream);
        SdkAsyncHttpClient h2 = h2Client();

        SdkHttpExchange.Result result = SdkHttpExchange.send(h2, base, "/stream?n=100", null)
                .result.get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(result.status()).isEqualTo(200);
        assertThat(result.header("content-type")).isEqualTo(EventStreamEncoder.CONTENT_TYPE);
        assertThat(decodeChunkIndexes(result.body())).containsExactlyElementsOf(range(100));
    }

    @Test
    void respond_http2ManyConcurrentStreams_shareOneConnection() throws Exception {
        int streams = 50;
        CyclicBarrier allInFlight = new CyclicBarrier(streams);
        AtomicInteger connectionsWhileInFlight = new AtomicInteger(-1);
        NettyTransport[] transport = new NettyTransport[1];
        URI base = start(config(64), (request, responder) -> {
            if (request.rawPath().equals("/together")) {
                try {
                    if (allInFlight.await(WAIT.toSeconds(), TimeUnit.SECONDS) == 0) {
                        connectionsWhileInFlight.set(transport[0].openConnections());
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
            echo(request, responder);
        }, NettyTransport.DEFAULT_IDLE_TIMEOUT, NettyTransport.DEFAULT_MAX_QUEUED_REQUESTS, transport);
        SdkAsyncHttpClient h2 = h2Client();
        // One request first, so that the client's pool has a live HTTP/2 connection to multiplex the rest onto.
        SdkHttpExchange.send(h2, base, "/warmup", null).result.get(WAIT.toSeconds(), TimeUnit.SECONDS);

        List<SdkHttpExchange> exchanges = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            exchanges.add(SdkHttpExchange.send(h2, base, "/together", json("{\"i\":" + i + "}")));
        }

        for (int i = 0; i < streams; i++) {
            SdkHttpExchange.Result r = exchanges.get(i).result.get(WAIT.toSeconds(), TimeUnit.SECONDS);
            assertThat(r.body()).isEqualTo(json("{\"i\":" + i + "}"));
            assertThat(r.header("x-protocol")).isEqualTo("HTTP/2");
        }
        assertThat(connectionsWhileInFlight.get()).isEqualTo(1);
    }

    @Test
    void abort_http2Stream_resetsOnlyThatStreamAndOthersOnTheConnectionComplete() throws Exception {
        CountDownLatch survivorStarted = new CountDownLatch(1);
        CountDownLatch aborted = new CountDownLatch(1);
        NettyTransport[] transport = new NettyTransport[1];
        AtomicInteger connectionsAtAbort = new AtomicInteger(-1);
        URI base = start(config(8), (request, responder) -> {
            StreamSink sink = responder.openStream(200, Map.of());
            if (request.rawPath().equals("/abort")) {
                await(survivorStarted);
                sink.write(EventStreamEncoder.event("chunk", json("{\"i\":0}")));
                sink.flush();
                connectionsAtAbort.set(transport[0].openConnections());
                sink.abort();
                aborted.countDown();
            } else {
                sink.write(EventStreamEncoder.event("chunk", json("{\"i\":0}")));
                sink.flush();
                survivorStarted.countDown();
                await(aborted);
                for (int i = 1; i < 20; i++) {
                    sink.write(EventStreamEncoder.event("chunk", json("{\"i\":" + i + "}")));
                    sink.flush();
                }
                sink.close();
            }
        }, NettyTransport.DEFAULT_IDLE_TIMEOUT, NettyTransport.DEFAULT_MAX_QUEUED_REQUESTS, transport);
        Http2FrameClient client = new Http2FrameClient(base);
        closeables.add(0, client);

        CompletableFuture<Http2FrameClient.Outcome> survivor = client.get("/survivor");
        CompletableFuture<Http2FrameClient.Outcome> victim = client.get("/abort");

        Http2FrameClient.Outcome cut = victim.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(cut.status()).isEqualTo("200");
        assertThat(cut.endStream()).isFalse();
        assertThat(cut.resetCode()).isEqualTo(Http2Error.INTERNAL_ERROR.code());
        assertThat(decodeChunkIndexes(cut.body())).containsExactly(0);
        Http2FrameClient.Outcome survived = survivor.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(survived.endStream()).isTrue();
        assertThat(survived.resetCode()).isNull();
        assertThat(decodeChunkIndexes(survived.body())).containsExactlyElementsOf(range(20));
        assertThat(connectionsAtAbort.get()).isEqualTo(1);
        assertThat(transport[0].openConnections()).isEqualTo(1);
    }

    @Test
    void write_http2ClientCancelsStream_returnsFalse() throws Exception {
        CountDownLatch sawFalse = new CountDownLatch(1);
        URI base = start((request, responder) -> {
            if (!request.rawPath().equals("/endless")) {
                echo(request, responder);
                return;
            }
            StreamSink sink = responder.openStream(200, Map.of());
            byte[] frame = EventStreamEncoder.event("chunk", json("{\"text\":\"tick\"}"));
            for (int i = 0; i < 10_000_000; i++) {
                if (!sink.write(frame)) {
                    sawFalse.countDown();
                    return;
                }
                sink.flush();
            }
            sink.close();
        });
        SdkAsyncHttpClient h2 = h2Client();

        SdkHttpExchange.send(h2, base, "/endless", null, true);

        assertThat(sawFalse.await(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
        SdkHttpExchange.Result after = SdkHttpExchange.send(h2, base, "/after", json("1"))
                .result.get(WAIT.toSeconds(), TimeUnit.SECONDS);
        assertThat(after.status()).isEqualTo(200);
    }

    @Test
    void handle_handlerThrowsOnHttp2_answers500InternalServerException() throws Exception {
        URI base = start((request, responder) -> {
            throw new IllegalArgumentException("kaput");
        });

        SdkHttpExchange.Result result = SdkHttpExchange.send(h2Client(), base, "/throw", null)
                .result.get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(result.status()).isEqualTo(500);
        assertThat(result.header("x-amzn-ErrorType")).isEqualTo("InternalServerException");
        assertThat(result.header("x-amzn-RequestId")).isNotBlank();
    }

    @Test
    void respond_http2BodyOverLimit_answers413() throws Exception {
        URI base = start(this::echo);

        SdkHttpExchange.Result result = SdkHttpExchange.send(h2Client(), base, "/big", new byte[MAX_BODY + 1])
                .result.get(WAIT.toSeconds(), TimeUnit.SECONDS);

        assertThat(result.status()).isEqualTo(413);
        assertThat(result.header("x-amzn-ErrorType")).isEqualTo("ValidationException");
        assertThat(handled.get()).isZero();
    }

    // ---------------------------------------------------------------- bad input on raw sockets

    @Test
    void refuse_garbageBytes_answers400AndClosesButServerKeepsServing() throws Exception {
        URI base = start(this::echo);

        String response = raw(base, new byte[] {0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, (byte) 0xfc}, false);

        assertErrorResponse(response, 400);
        assertServes(base);
    }

    @Test
    void refuse_nonHttpPreface_answers400() throws Exception {
        URI base = start(this::echo);

        String response = raw(base, ascii("SSH-2.0-OpenSSH_9.6\r\n"), false);

        assertErrorResponse(response, 400);
        assertServes(base);
    }

    @Test
    void refuse_malformedHeaderLine_answers400() throws Exception {
        URI base = start(this::echo);

        String response = raw(base, ascii("GET / HTTP/1.1\r\nHost: x\r\nthis is not a header\r\n\r\n"), false);

        assertErrorResponse(response, 400);
        assertThat(handled.get()).isZero();
        assertServes(base);
    }

    @Test
    void refuse_headerBlockOverLimit_answers431() throws Exception {
        URI base = start(this::echo);

        String response = raw(base,
                ascii("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(MAX_HEAD * 2) + "\r\n\r\n"), false);

        assertErrorResponse(response, 431);
        assertServes(base);
    }

    @Test
    void refuse_requestLineOverLimit_answers431() throws Exception {
        URI base = start(this::echo);

        String response = raw(base, ascii("GET /" + "p".repeat(MAX_HEAD * 2) + " HTTP/1.1\r\nHost: x\r\n\r\n"), false);

        assertErrorResponse(response, 431);
        assertServes(base);
    }

    @Test
    void refuse_contentLengthOverLimit_answers413BeforeTheBodyIsSent() throws Exception {
        URI base = start(this::echo);

        String response = raw(base,
                ascii("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: " + (MAX_BODY + 1) + "\r\n\r\n"), false);

        assertErrorResponse(response, 413);
        assertThat(handled.get()).isZero();
        assertServes(base);
    }

    @Test
    void refuse_contentLengthOverLimitWithExpectContinue_answers413InsteadOf100() throws Exception {
        URI base = start(this::echo);

        String response = raw(base, ascii("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\n"
                + "Content-Length: " + (MAX_BODY + 1) + "\r\n\r\n"), false);

        assertErrorResponse(response, 413);
        assertThat(response).doesNotContain(" 100 ");
        assertServes(base);
    }

    @Test
    void refuse_chunkedBodyOverLimit_answers413() throws Exception {
        URI base = start(this::echo);
        String chunk = "x".repeat(1000);
        StringBuilder request = new StringBuilder("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n");
        for (int i = 0; i < 6; i++) {
            request.append(Integer.toHexString(chunk.length())).append("\r\n").append(chunk).append("\r\n");
        }
        request.append("0\r\n\r\n");

        String response = raw(base, ascii(request.toString()), false);

        assertErrorResponse(response, 413);
        assertThat(handled.get()).isZero();
        assertServes(base);
    }

    @Test
    void refuse_truncatedRequest_closesWithoutCallingTheHandler() throws Exception {
        URI base = start(this::echo);

        String response = raw(base, ascii("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nonly-part"),
                true);

        assertThat(response).doesNotContain("200 OK");
        assertThat(handled.get()).isZero();
        assertServes(base);
    }

    @Test
    void refuse_badHttp2Frame_answersGoAway() throws Exception {
        URI base = start(this::echo);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ProtocolDetector.HTTP2_PREFACE);
        out.writeBytes(new byte[] {0, 0, 0, 0x4, 0, 0, 0, 0, 0});          // empty SETTINGS
        out.writeBytes(new byte[] {0, 0, 1, 0x0, 0, 0, 0, 0, 0, 'x'});     // DATA on stream 0: PROTOCOL_ERROR

        boolean goAway = false;
        try (Socket socket = connect(base)) {
            socket.getOutputStream().write(out.toByteArray());
            socket.getOutputStream().flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            try {
                while (!goAway) {
                    int length = in.readUnsignedShort() << 8 | in.readUnsignedByte();
                    int type = in.readUnsignedByte();
                    in.skipNBytes(5 + length);
                    goAway = type == 0x7;
                }
            } catch (EOFException endOfConnection) {
                // The server may close right after GOAWAY.
            }
        }

        assertThat(goAway).isTrue();
        assertServes(base);
    }

    @Test
    void respond_pipelinedRequests_answeredInOrder() throws Exception {
        URI base = start(this::echo);

        String response = raw(base, ascii("GET /a?n=1 HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /a?n=2 HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /a?n=3 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), false);

        int first = response.indexOf("x-query: n=1");
        int second = response.indexOf("x-query: n=2");
        int third = response.indexOf("x-query: n=3");
        assertThat(first).isNotNegative();
        assertThat(second).isGreaterThan(first);
        assertThat(third).isGreaterThan(second);
    }

    @Test
    void idleTimeout_silentConnection_isClosedByServer() throws Exception {
        URI base = start(config(4), this::echo, Duration.ofMillis(100), 16, new NettyTransport[1]);

        try (Socket socket = connect(base)) {
            assertThat(socket.getInputStream().read()).isEqualTo(-1);
        }
        assertServes(base);
    }

    // ---------------------------------------------------------------- lifecycle

    @Test
    void close_calledTwice_isIdempotentAndReleasesPortAndWorkers() throws Exception {
        AtomicReference<Thread> worker = new AtomicReference<>();
        NettyTransport transport = new NettyTransport(config(4), (request, responder) -> {
            worker.set(Thread.currentThread());
            responder.respond(200, Map.of(), new byte[0]);
        });
        InetSocketAddress address = transport.start();
        URI base = URI.create("http://127.0.0.1:" + address.getPort());
        assertThat(get(base, "/").statusCode()).isEqualTo(200);

        transport.close();
        transport.close();

        // The pool reports termination from inside its last worker, just before that thread ends: wait for the end.
        worker.get().join(10_000);
        assertThat(worker.get().isAlive()).isFalse();
        assertThatThrownBy(() -> new Socket(address.getAddress(), address.getPort()).close())
                .isInstanceOf(ConnectException.class);
    }

    @Test
    void start_calledTwice_isRejected() {
        NettyTransport transport = new NettyTransport(config(1), this::echo);
        closeables.add(transport);
        transport.start();

        assertThatThrownBy(transport::start).isInstanceOf(IllegalStateException.class);
    }

    // ---------------------------------------------------------------- helpers

    private static EmulatorConfig config(int workers) {
        return new EmulatorConfig(InetAddress.getLoopbackAddress(), 0, "123456789012", "us-east-1", 42,
                Clock.systemUTC(), 1000, MAX_BODY, MAX_HEAD, workers);
    }

    private URI start(RequestHandler handler) {
        return start(config(16), handler, NettyTransport.DEFAULT_IDLE_TIMEOUT,
                NettyTransport.DEFAULT_MAX_QUEUED_REQUESTS, new NettyTransport[1]);
    }

    private URI start(EmulatorConfig config, RequestHandler handler, Duration idle, int queue) {
        return start(config, handler, idle, queue, new NettyTransport[1]);
    }

    /** Starts a transport; {@code /health} and {@code /warmup} are always answered 200 without the handler. */
    private URI start(EmulatorConfig config, RequestHandler handler, Duration idle, int queue,
                      NettyTransport[] out) {
        RequestHandler withProbes = (request, responder) -> {
            if (request.rawPath().equals("/health") || request.rawPath().equals("/warmup")) {
                responder.respond(200, Map.of(), new byte[0]);
            } else {
                handler.handle(request, responder);
            }
        };
        NettyTransport transport = new NettyTransport(config, withProbes, idle, queue);
        closeables.add(transport);
        out[0] = transport;
        InetSocketAddress address = transport.start();
        return URI.create("http://127.0.0.1:" + address.getPort());
    }

    /** One client for the class: its shutdown takes seconds, and its pool keeps per-endpoint connections apart. */
    private static SdkAsyncHttpClient h2Client() {
        return H2.CLIENT;
    }

    @AfterAll
    static void closeClient() {
        if (H2.created) {
            H2.CLIENT.close();
        }
    }

    private static final class H2 {
        static volatile boolean created;
        static final SdkAsyncHttpClient CLIENT = create();

        private static SdkAsyncHttpClient create() {
            created = true;
            return NettyNioAsyncHttpClient.builder()
                    .protocol(Protocol.HTTP2)
                    .maxConcurrency(200)
                    .connectionAcquisitionTimeout(WAIT)
                    .build();
        }
    }

    private HttpResponse<byte[]> get(URI base, String pathAndQuery) throws IOException, InterruptedException {
        return http1.send(HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(WAIT).build(),
                HttpResponse.BodyHandlers.ofByteArray());
    }

    /** A good request on a fresh connection still gets its answer. */
    private void assertServes(URI base) throws IOException, InterruptedException {
        HttpClient fresh = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpResponse<String> response = fresh.send(HttpRequest.newBuilder(URI.create(base + "/health"))
                .timeout(WAIT).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isLessThan(500);
    }

    private static Socket connect(URI base) throws IOException {
        Socket socket = new Socket(base.getHost(), base.getPort());
        socket.setSoTimeout((int) WAIT.toMillis());
        return socket;
    }

    /** Writes bytes, optionally half-closes, and reads everything until the server closes the connection. */
    private static String raw(URI base, byte[] request, boolean halfClose) throws IOException {
        try (Socket socket = connect(base)) {
            socket.getOutputStream().write(request);
            socket.getOutputStream().flush();
            if (halfClose) {
                socket.shutdownOutput();
            }
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    private static void assertErrorResponse(String response, int status) {
        String lower = response.toLowerCase(Locale.ROOT);
        assertThat(response).startsWith("HTTP/1.1 " + status + " ");
        assertThat(lower).contains("x-amzn-errortype: validationexception");
        assertThat(lower).containsPattern("x-amzn-requestid: [0-9a-f-]{36}");
        assertThat(lower).contains("content-type: application/json");
        assertThat(lower).contains("connection: close");
        assertThat(response).contains("{\"message\":\"");
    }

    private static List<Integer> decodeChunkIndexes(byte[] body) {
        List<Integer> out = new ArrayList<>();
        new MessageDecoder((Message m) -> out.add(Json.parseObject(m.getPayload()).get("i").asInt())).feed(body);
        return out;
    }

    private static List<Integer> range(int n) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(i);
        }
        return out;
    }

    private static void await(CountDownLatch latch) {
        try {
            if (!latch.await(WAIT.toSeconds(), TimeUnit.SECONDS)) {
                throw new IllegalStateException("latch not released");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static byte[] json(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
