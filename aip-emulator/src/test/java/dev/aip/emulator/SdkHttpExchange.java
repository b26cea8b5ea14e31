package dev.aip.emulator;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import software.amazon.awssdk.http.SdkHttpFullRequest;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.http.async.AsyncExecuteRequest;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.async.SdkAsyncHttpResponseHandler;
import software.amazon.awssdk.http.async.SdkHttpContentPublisher;

/**
 * One request through the AWS SDK's own async HTTP client (the layer under every async service client), with the
 * response body collected. Lets transport tests speak HTTP/2 exactly as the SDK does.
 */
final class SdkHttpExchange {

    record Result(int status, Map<String, List<String>> headers, byte[] body) {
        String header(String name) {
            return headers.entrySet().stream()
                    .filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0))
                    .findFirst().orElse(null);
        }
    }

    /** Completes once the client has the whole body and its own execution future succeeded; fails otherwise. */
    final CompletableFuture<Result> result;
    private final CompletableFuture<Result> body = new CompletableFuture<>();
    /** Counts down when the first body bytes arrive. */
    final CountDownLatch firstBytes = new CountDownLatch(1);
    private final boolean cancelAfterFirstBytes;
    private volatile SdkHttpResponse response;

    private SdkHttpExchange(boolean cancelAfterFirstBytes, CompletableFuture<Void> executed) {
        this.cancelAfterFirstBytes = cancelAfterFirstBytes;
        this.result = executed.thenCombine(body, (v, r) -> r);
    }

    static SdkHttpExchange send(SdkAsyncHttpClient client, URI base, String pathAndQuery, byte[] body) {
        return send(client, base, pathAndQuery, body, false);
    }

    static SdkHttpExchange send(SdkAsyncHttpClient client, URI base, String pathAndQuery, byte[] body,
                                boolean cancelAfterFirstBytes) {
        CompletableFuture<Void> executed = new CompletableFuture<>();
        SdkHttpExchange exchange = new SdkHttpExchange(cancelAfterFirstBytes, executed);
        SdkHttpFullRequest request = SdkHttpFullRequest.builder()
                .method(body == null ? SdkHttpMethod.GET : SdkHttpMethod.POST)
                .uri(URI.create(base + pathAndQuery))
                .putHeader("Content-Length", Integer.toString(body == null ? 0 : body.length))
                .putHeader("Content-Type", "application/json")
                .build();
        client.execute(AsyncExecuteRequest.builder()
                        .request(request)
                        .requestContentPublisher(new BytesPublisher(body == null ? new byte[0] : body))
                        .responseHandler(exchange.new Handler())
                        .build())
                .whenComplete((v, e) -> {
                    if (e != null) {
                        exchange.body.completeExceptionally(e);
                        executed.completeExceptionally(e);
                    } else {
                        executed.complete(null);
                    }
                });
        return exchange;
    }

    private final class Handler implements SdkAsyncHttpResponseHandler {
        @Override
        public void onHeaders(SdkHttpResponse headers) {
            response = headers;
        }

        @Override
        public void onStream(Publisher<ByteBuffer> stream) {
            stream.subscribe(new Subscriber<ByteBuffer>() {
                private final ByteArrayOutputStream out = new ByteArrayOutputStream();
                private Subscription subscription;

                @Override
                public void onSubscribe(Subscription s) {
                    subscription = s;
                    s.request(Long.MAX_VALUE);
                }

                @Override
                public void onNext(ByteBuffer buffer) {
                    byte[] bytes = new byte[buffer.remaining()];
                    buffer.get(bytes);
                    out.writeBytes(bytes);
                    firstBytes.countDown();
                    if (cancelAfterFirstBytes) {
                        subscription.cancel();
                        body.completeExceptionally(new IllegalStateException("cancelled by the test"));
                    }
                }

                @Override
                public void onError(Throwable t) {
                    body.completeExceptionally(t);
                }

                @Override
                public void onComplete() {
                    SdkHttpResponse r = response;
                    body.complete(new Result(r.statusCode(), r.headers(), out.toByteArray()));
                }
            });
        }

        @Override
        public void onError(Throwable error) {
            body.completeExceptionally(error);
        }
    }

    /** Publishes one byte array. */
    private static final class BytesPublisher implements SdkHttpContentPublisher {
        private final byte[] bytes;

        BytesPublisher(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public Optional<Long> contentLength() {
            return Optional.of((long) bytes.length);
        }

        @Override
        public void subscribe(Subscriber<? super ByteBuffer> s) {
            AtomicBoolean done = new AtomicBoolean();
            s.onSubscribe(new Subscription() {
                @Override
                public void request(long n) {
                    if (n > 0 && done.compareAndSet(false, true)) {
                        if (bytes.length > 0) {
                            s.onNext(ByteBuffer.wrap(bytes));
                        }
                        s.onComplete();
                    }
                }

                @Override
                public void cancel() {
                    done.set(true);
                }
            });
        }
    }
}
