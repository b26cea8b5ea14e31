package dev.aip.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2GoAwayFrame;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2ResetFrame;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.SdkEventLoopGroup;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamOutput;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.Message;

/**
 * Stream resets on one HTTP/2 connection, sent by the client (cancels) or by the emulator (stream-cut faults), end
 * only their own stream: the connection stays open, so no call on it is cut short and re-sent, and the server-side
 * view counts each call once. A small configured guard does close the connection, which shows the setting is the
 * one in force.
 */
class StreamResetGuardTest {

    private static final String MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0";
    private static final long WAIT_SECONDS = 20;
    private static final String TO_THE_END = "read to the end";
    private static final long ENHANCE_YOUR_CALM = Http2Error.ENHANCE_YOUR_CALM.code();

    private final List<AutoCloseable> closeables = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
    }

    @Test
    void cancel_fiveThousandStreamsOnOneConnection_connectionStaysOpenAndEachCallCountedOnce() throws Exception {
        int cancels = 5_000;
        int completeEvery = 25;
        // 100 deltas 20 ms apart: a cancel sent on the first event reaches a stream the server still has open, and
        // the handler sees it at its next write. Calls read to the end are kept short.
        BedrockEmulator emulator = start(BedrockEmulator.builder()
                .workerThreads(128)
                .replyTokens(100, 100)
                .streamChunkTokens(1)
                .faults(FaultPlan.builder().chunkDelay(Duration.ofMillis(20)).build()));
        emulator.script().forAnyModel().whenPromptContains(TO_THE_END).replyTokens(3);
        H2Connection connection = connect(emulator);
        Semaphore inFlight = new Semaphore(100);
        List<CompletableFuture<StreamResult>> results = new ArrayList<>();

        int cancelsSent = 0;
        for (int seq = 0; cancelsSent < cancels && connection.isOpen(); seq++) {
            assertThat(inFlight.tryAcquire(WAIT_SECONDS, TimeUnit.SECONDS)).as("a free stream slot").isTrue();
            boolean cancel = seq % completeEvery != 0;
            cancelsSent += cancel ? 1 : 0;
            CompletableFuture<StreamResult> result = connection.converseStream(seq, cancel);
            result.whenComplete((r, e) -> inFlight.release());
            results.add(result);
        }
        awaitAll(results);
        int calls = results.size();

        assertThat(connection.goAwayCode()).as("GOAWAY error code").isNull();
        assertThat(connection.isOpen()).isTrue();
        StreamResult last = connection.converseStream(calls, false).get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(last.status()).isEqualTo("200");
        assertThat(last.endStream()).isTrue();
        assertThat(last.resetCode()).isNull();
        List<StreamResult> all = new ArrayList<>();
        for (CompletableFuture<StreamResult> r : results) {
            all.add(r.join());
        }
        all.add(last);
        assertThat(all).filteredOn(StreamResult::cancelled).hasSize(cancels);
        assertThat(all).filteredOn(r -> !r.cancelled())
                .allSatisfy(r -> assertThat(r.endStream()).as("completed stream %s", r.requestId()).isTrue());
        List<InvocationRecord> log = awaitInvocations(emulator, calls + 1);
        assertThat(log).extracting(r -> r.requestMetadata().get("seq"))
                .containsExactlyInAnyOrderElementsOf(IntStream.rangeClosed(0, calls).mapToObj(Integer::toString)
                        .collect(Collectors.toList()));
        assertThat(log).extracting(InvocationRecord::requestId)
                .containsExactlyInAnyOrderElementsOf(all.stream().map(StreamResult::requestId).toList());
        // Most resets reach a stream the server still has open (the rest come after its last event): far more than
        // the 200 per 30 s that Netty allows by default.
        assertThat(log).filteredOn(r -> r.outcome() == InvocationRecord.Outcome.CANCELLED_BY_CLIENT)
                .hasSizeGreaterThan(cancels / 2);
        assertThat(log).extracting(InvocationRecord::outcome).containsOnly(
                InvocationRecord.Outcome.CANCELLED_BY_CLIENT, InvocationRecord.Outcome.SUCCESS);
        assertThat(emulator.metrics(MODEL).invocations()).isEqualTo(calls + 1);
    }

    @Test
    void converseStream_sdkAsyncClientCancelsSubscriptions_eachCallCountedOnce() throws Exception {
        int cancels = 400;
        int completeEvery = 25;
        BedrockEmulator emulator = start(BedrockEmulator.builder()
                .workerThreads(128)
                .replyTokens(100, 100)
                .streamChunkTokens(1)
                .faults(FaultPlan.builder().chunkDelay(Duration.ofMillis(20)).build()));
        emulator.script().forAnyModel().whenPromptContains(TO_THE_END).replyTokens(3);
        // One connection (100 streams fit on it) and the SDK's default retries, which re-send the calls of a
        // connection that goes away. Our own event loop, because the SDK's takes seconds to shut down.
        EventLoopGroup sdkLoop = new NioEventLoopGroup(1);
        closeables.add(() -> sdkLoop.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS)
                .awaitUninterruptibly(WAIT_SECONDS, TimeUnit.SECONDS));
        BedrockRuntimeAsyncClient sdk = BedrockRuntimeAsyncClient.builder()
                .endpointOverride(emulator.endpoint())
                .region(Region.of(emulator.region()))
                .credentialsProvider(SdkClients.DUMMY)
                .httpClientBuilder(NettyNioAsyncHttpClient.builder()
                        .eventLoopGroup(SdkEventLoopGroup.create(sdkLoop))
                        .protocol(Protocol.HTTP2)
                        .maxConcurrency(100)
                        .connectionAcquisitionTimeout(Duration.ofSeconds(WAIT_SECONDS)))
                .build();
        closeables.add(sdk);
        Semaphore inFlight = new Semaphore(100);
        List<CompletableFuture<Void>> calls = new ArrayList<>();

        int cancelsSent = 0;
        for (int seq = 0; cancelsSent < cancels; seq++) {
            assertThat(inFlight.tryAcquire(WAIT_SECONDS, TimeUnit.SECONDS)).as("a free stream slot").isTrue();
            boolean cancel = seq % completeEvery != 0;
            cancelsSent += cancel ? 1 : 0;
            ConverseStreamRequest request = ConverseStreamRequest.builder()
                    .modelId(MODEL)
                    .messages(Message.builder().role(ConversationRole.USER)
                            .content(ContentBlock.fromText((cancel ? "cancelled" : TO_THE_END) + ", call " + seq))
                            .build())
                    .requestMetadata(Map.of("seq", Integer.toString(seq)))
                    .build();
            CompletableFuture<Void> ended;
            if (cancel) {
                CompletableFuture<Void> firstEvent = new CompletableFuture<>();
                CompletableFuture<Void> call = sdk.converseStream(request, ConverseStreamResponseHandler.builder()
                        .onEventStream(events -> events.subscribe(new CancelOnFirstEvent(firstEvent)))
                        .build());
                ended = CompletableFuture.anyOf(firstEvent, call).thenApply(x -> null);
            } else {
                ended = sdk.converseStream(request, ConverseStreamResponseHandler.builder()
                        .subscriber(ConverseStreamResponseHandler.Visitor.builder().build())
                        .build());
            }
            ended.whenComplete((r, e) -> inFlight.release());
            calls.add(ended);
        }
        awaitAll(calls);

        List<InvocationRecord> log = awaitInvocations(emulator, calls.size());
        assertThat(log).extracting(r -> r.requestMetadata().get("seq"))
                .containsExactlyInAnyOrderElementsOf(IntStream.range(0, calls.size()).mapToObj(Integer::toString)
                        .collect(Collectors.toList()));
        assertThat(emulator.metrics(MODEL).invocations()).isEqualTo(calls.size());
        assertThat(calls).allSatisfy(c -> assertThat(c).isCompleted());
    }

    @Test
    void cancel_moreThanASmallConfiguredGuard_connectionClosedWithGoAway() throws Exception {
        BedrockEmulator emulator = start(BedrockEmulator.builder()
                .maxResetFramesPerWindow(10, Duration.ofSeconds(30)));

        assertEleventhCancelClosesTheConnection(emulator);
    }

    @Test
    void cancel_moreThanTheStandaloneServersOption_connectionClosedWithGoAway() throws Exception {
        BedrockEmulator emulator = start(EmulatorMain.configure(new String[] {"--max-reset-frames", "10/30"},
                new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8)));

        assertEleventhCancelClosesTheConnection(emulator);
    }

    @Test
    void streamCutFault_moreCutsThanNettysDefaultGuard_connectionStaysOpenAndEachCallCountedOnce() throws Exception {
        int calls = 400;
        BedrockEmulator emulator = start(BedrockEmulator.builder()
                .faults(MODEL, FaultPlan.builder().cutStreamAfterEvents(1).build()));
        H2Connection connection = connect(emulator);
        Semaphore inFlight = new Semaphore(50);
        List<CompletableFuture<StreamResult>> results = new ArrayList<>();

        for (int seq = 0; seq < calls && connection.isOpen(); seq++) {
            assertThat(inFlight.tryAcquire(WAIT_SECONDS, TimeUnit.SECONDS)).as("a free stream slot").isTrue();
            CompletableFuture<StreamResult> result = connection.converseStream(seq, false);
            result.whenComplete((r, e) -> inFlight.release());
            results.add(result);
        }
        awaitAll(results);

        assertThat(connection.goAwayCode()).as("GOAWAY error code").isNull();
        assertThat(connection.isOpen()).isTrue();
        StreamResult health = connection.get("/_emulator/health").get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(health.status()).isEqualTo("200");
        assertThat(results).hasSize(calls).allSatisfy(r -> assertThat(r.join().resetCode())
                .isEqualTo(Http2Error.INTERNAL_ERROR.code()));
        List<InvocationRecord> log = awaitInvocations(emulator, calls);
        assertThat(log).extracting(InvocationRecord::requestId)
                .containsExactlyInAnyOrderElementsOf(results.stream().map(r -> r.join().requestId()).toList());
        assertThat(log).allSatisfy(r -> assertThat(r.outcome()).isEqualTo(InvocationRecord.Outcome.STREAM_CUT));
        assertThat(emulator.metrics(MODEL).invocations()).isEqualTo(calls);
    }

    @Test
    void streamCutFault_moreThanASmallConfiguredGuard_connectionClosedWithGoAway() throws Exception {
        BedrockEmulator emulator = start(BedrockEmulator.builder()
                .maxResetFramesPerWindow(10, Duration.ofSeconds(30))
                .faults(MODEL, FaultPlan.builder().cutStreamAfterEvents(1).build()));
        H2Connection connection = connect(emulator);

        for (int seq = 0; seq < 10; seq++) {
            StreamResult cut = connection.converseStream(seq, false).get(WAIT_SECONDS, TimeUnit.SECONDS);
            assertThat(cut.resetCode()).isEqualTo(Http2Error.INTERNAL_ERROR.code());
        }
        assertThat(connection.goAwayCode()).isNull();
        assertThat(connection.isOpen()).isTrue();

        connection.converseStream(10, false).get(WAIT_SECONDS, TimeUnit.SECONDS);

        assertThat(connection.awaitClosed()).as("connection closed").isTrue();
        assertThat(connection.goAwayCode()).isEqualTo(ENHANCE_YOUR_CALM);
    }

    @Test
    void cancel_guardDisabledWithZero_connectionStaysOpen() throws Exception {
        BedrockEmulator emulator = start(BedrockEmulator.builder()
                .maxResetFramesPerWindow(0, Duration.ofSeconds(1)));
        H2Connection connection = connect(emulator);

        for (int i = 0; i < 300; i++) {
            connection.startThenCancel().get(WAIT_SECONDS, TimeUnit.SECONDS);
        }
        StreamResult health = connection.get("/_emulator/health").get(WAIT_SECONDS, TimeUnit.SECONDS);

        assertThat(health.status()).isEqualTo("200");
        assertThat(connection.goAwayCode()).isNull();
        assertThat(connection.isOpen()).isTrue();
    }

    @Test
    void build_badResetGuard_rejectedNamingTheSetting() {
        assertThatThrownBy(() -> BedrockEmulator.builder().maxResetFramesPerWindow(-1, Duration.ofSeconds(30))
                .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxResetFramesPerWindow").hasMessageContaining("-1");
        assertThatThrownBy(() -> BedrockEmulator.builder().maxResetFramesPerWindow(10, Duration.ofMillis(1500))
                .build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxResetFramesPerWindow").hasMessageContaining("whole number of seconds");
        assertThatThrownBy(() -> BedrockEmulator.builder().maxResetFramesPerWindow(10, Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxResetFramesPerWindow");
        assertThatThrownBy(() -> BedrockEmulator.builder().maxResetFramesPerWindow(10, null))
                .isInstanceOf(NullPointerException.class)
                .hasMessageContaining("window");
    }

    // ---------------------------------------------------------------- helpers

    /** Ten client resets leave the connection open; the eleventh closes it with GOAWAY(ENHANCE_YOUR_CALM). */
    private void assertEleventhCancelClosesTheConnection(BedrockEmulator emulator) throws Exception {
        H2Connection connection = connect(emulator);

        for (int i = 0; i < 10; i++) {
            connection.startThenCancel().get(WAIT_SECONDS, TimeUnit.SECONDS);
        }
        // Frames are read in order, so once this answer arrives the server has taken all ten resets.
        StreamResult health = connection.get("/_emulator/health").get(WAIT_SECONDS, TimeUnit.SECONDS);
        assertThat(health.status()).isEqualTo("200");
        assertThat(connection.goAwayCode()).isNull();

        connection.startThenCancel().get(WAIT_SECONDS, TimeUnit.SECONDS);

        assertThat(connection.awaitClosed()).as("connection closed").isTrue();
        assertThat(connection.goAwayCode()).isEqualTo(ENHANCE_YOUR_CALM);
    }

    private BedrockEmulator start(BedrockEmulator.Builder builder) {
        BedrockEmulator emulator = builder.build().start();
        closeables.add(emulator);
        return emulator;
    }

    private H2Connection connect(BedrockEmulator emulator) throws InterruptedException {
        H2Connection connection = new H2Connection(emulator.endpoint());
        closeables.add(connection);
        return connection;
    }

    /** Waits, bounded, until every call has ended, well or not; the assertions then say what went wrong. */
    private static void awaitAll(List<? extends CompletableFuture<?>> calls) throws Exception {
        CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).exceptionally(e -> null)
                .get(WAIT_SECONDS, TimeUnit.SECONDS);
    }

    /**
     * Waits, bounded, until the server has recorded {@code expected} calls: a cancelled call is recorded when its
     * handler next writes, a little after the client saw its stream end.
     */
    private static List<InvocationRecord> awaitInvocations(BedrockEmulator emulator, int expected)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_SECONDS);
        List<InvocationRecord> log = emulator.invocations();
        while (log.size() < expected && System.nanoTime() < deadline) {
            Thread.sleep(10);
            log = emulator.invocations();
        }
        return log;
    }

    /** Takes the first event of a ConverseStream and cancels the subscription, as an application that stops. */
    private static final class CancelOnFirstEvent implements Subscriber<ConverseStreamOutput> {
        private final CompletableFuture<Void> firstEvent;
        private Subscription subscription;

        CancelOnFirstEvent(CompletableFuture<Void> firstEvent) {
            this.firstEvent = firstEvent;
        }

        @Override
        public void onSubscribe(Subscription s) {
            subscription = s;
            s.request(1);
        }

        @Override
        public void onNext(ConverseStreamOutput event) {
            subscription.cancel();
            firstEvent.complete(null);
        }

        @Override
        public void onError(Throwable t) {
            firstEvent.completeExceptionally(t);
        }

        @Override
        public void onComplete() {
            firstEvent.complete(null);
        }
    }

    /** What one stream saw. {@code cancelled}: the client reset it after the first event. */
    record StreamResult(String status, String requestId, boolean endStream, boolean cancelled, Long resetCode) {
    }

    /**
     * One HTTP/2 prior-knowledge connection on Netty's frame codec, as the AWS SDK's async client opens it; all
     * streams share it. Notes the GOAWAY the server sends, if any.
     */
    private static final class H2Connection implements AutoCloseable {
        private final EventLoopGroup group = new NioEventLoopGroup(1);
        private final AtomicReference<Long> goAwayCode = new AtomicReference<>();
        private final Channel channel;
        private final String authority;

        H2Connection(URI base) throws InterruptedException {
            authority = base.getHost() + ":" + base.getPort();
            channel = new Bootstrap().group(group).channel(NioSocketChannel.class)
                    .handler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            ch.pipeline().addLast(Http2FrameCodecBuilder.forClient().build(),
                                    new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()),
                                    new ChannelInboundHandlerAdapter() {
                                        @Override
                                        public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                            if (msg instanceof Http2GoAwayFrame goAway) {
                                                goAwayCode.compareAndSet(null, goAway.errorCode());
                                            }
                                            ReferenceCountUtil.release(msg);
                                        }
                                    });
                        }
                    })
                    .connect(base.getHost(), base.getPort()).sync().channel();
        }

        boolean isOpen() {
            return channel.isActive();
        }

        Long goAwayCode() {
            return goAwayCode.get();
        }

        boolean awaitClosed() {
            return channel.closeFuture().awaitUninterruptibly(WAIT_SECONDS, TimeUnit.SECONDS);
        }

        /** A ConverseStream call tagged {@code requestMetadata.seq}; cancelled on its first event if asked. */
        CompletableFuture<StreamResult> converseStream(int seq, boolean cancelOnFirstEvent) {
            String prompt = (cancelOnFirstEvent ? "cancelled" : TO_THE_END) + ", call " + seq;
            byte[] body = ("{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"" + prompt
                    + "\"}]}],\"requestMetadata\":{\"seq\":\"" + seq + "\"}}").getBytes(StandardCharsets.UTF_8);
            Http2Headers headers = new DefaultHttp2Headers().method("POST").scheme("http").authority(authority)
                    .path("/model/" + MODEL.replace(":", "%3A") + "/converse-stream")
                    .set("content-type", "application/json")
                    .setInt("content-length", body.length);
            Recorder recorder = new Recorder(cancelOnFirstEvent);
            open(recorder, stream -> {
                stream.write(new DefaultHttp2HeadersFrame(headers, false));
                return stream.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(body), true));
            });
            return recorder.result;
        }

        CompletableFuture<StreamResult> get(String path) {
            Http2Headers headers = new DefaultHttp2Headers().method("GET").scheme("http").authority(authority)
                    .path(path);
            Recorder recorder = new Recorder(false);
            open(recorder, stream -> stream.writeAndFlush(new DefaultHttp2HeadersFrame(headers, true)));
            return recorder.result;
        }

        /**
         * Starts a ConverseStream request and resets it before its body is sent: the server holds the stream open,
         * waiting for the body, so the reset always reaches an open stream.
         */
        CompletableFuture<StreamResult> startThenCancel() {
            Http2Headers headers = new DefaultHttp2Headers().method("POST").scheme("http").authority(authority)
                    .path("/model/" + MODEL.replace(":", "%3A") + "/converse-stream")
                    .set("content-type", "application/json");
            Recorder recorder = new Recorder(false);
            open(recorder, stream -> {
                stream.writeAndFlush(new DefaultHttp2HeadersFrame(headers, false));
                // Closing a stream that has not ended sends RST_STREAM(CANCEL), as the SDK does on a cancel.
                return stream.close();
            });
            return recorder.result;
        }

        private void open(Recorder recorder, Function<Http2StreamChannel, io.netty.channel.ChannelFuture> send) {
            new Http2StreamChannelBootstrap(channel).handler(recorder).open().addListener(
                    (Future<Http2StreamChannel> opened) -> {
                        if (!opened.isSuccess()) {
                            recorder.result.completeExceptionally(opened.cause());
                            return;
                        }
                        send.apply(opened.getNow()).addListener(written -> {
                            if (!written.isSuccess()) {
                                recorder.result.completeExceptionally(written.cause());
                            }
                        });
                    });
        }

        @Override
        public void close() {
            channel.close().awaitUninterruptibly(WAIT_SECONDS, TimeUnit.SECONDS);
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).awaitUninterruptibly(WAIT_SECONDS,
                    TimeUnit.SECONDS);
        }
    }

    /** Reads one stream; closes it (RST_STREAM CANCEL) on its first DATA frame if asked. Event-loop confined. */
    private static final class Recorder extends ChannelInboundHandlerAdapter {
        final CompletableFuture<StreamResult> result = new CompletableFuture<>();
        private final boolean cancelOnFirstEvent;
        private String status;
        private String requestId;
        private boolean endStream;
        private boolean cancelled;
        private Long resetCode;

        Recorder(boolean cancelOnFirstEvent) {
            this.cancelOnFirstEvent = cancelOnFirstEvent;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof Http2HeadersFrame headers) {
                    CharSequence s = headers.headers().status();
                    if (s != null) {
                        status = s.toString();
                    }
                    CharSequence id = headers.headers().get("x-amzn-requestid");
                    if (id != null) {
                        requestId = id.toString();
                    }
                    endStream |= headers.isEndStream();
                } else if (msg instanceof Http2DataFrame data) {
                    endStream |= data.isEndStream();
                    if (cancelOnFirstEvent && !cancelled && !endStream) {
                        cancelled = true;
                        ctx.close();
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
            if (evt instanceof Http2ResetFrame reset) {
                resetCode = reset.errorCode();
            }
            ReferenceCountUtil.release(evt);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            result.complete(new StreamResult(status, requestId, endStream, cancelled, resetCode));
            ctx.fireChannelInactive();
        }
    }
}
