package dev.aip.gateway;

import dev.aip.core.chat.ChatClient;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.ChatResponse;
import dev.aip.core.chat.ChatStream;
import dev.aip.core.chat.ChatStreamListener;
import dev.aip.core.chat.ContentPart;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.TenantProfileResolver;
import dev.aip.core.tenant.TenantContext;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.stereotype.Component;
import reactor.core.publisher.BufferOverflowStrategy;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * What every API the gateway speaks (OpenAI's Chat Completions, Anthropic's Messages) does the same way: read the
 * body without blocking and within its limit, choose the thread a call starts on, run a whole answer or a stream
 * through aip's pipeline under an {@link InFlightLimits} permit (and under the caller's trace, {@link CallParent}, when
 * tracing is on), put the usage in {@code x-aip-*} headers and meter the request. The controllers keep only their
 * API's shapes and errors.
 *
 * <p><b>Permits.</b> A call holds its permit until the pipeline has settled it; the permit is also released (it is
 * idempotent) when the call never starts or is cancelled, and a call still running when the shutdown grace period
 * ends is cancelled through {@link InFlightLimits.Permit#onAbort}.
 *
 * <p>Thread-safe: stateless beyond its collaborators.
 */
@Component
final class GatewayCalls {

    private final ChatClient pipeline;
    private final GatewayProperties properties;
    private final TenantProfileResolver resolver;
    private final MeterRegistry registry;

    GatewayCalls(ChatClient gatewayPipeline, GatewayProperties properties, TenantProfileResolver resolver,
                 ObjectProvider<MeterRegistry> registry) {
        this.pipeline = gatewayPipeline;
        this.properties = properties;
        this.resolver = resolver;
        this.registry = registry.getIfAvailable();
    }

    /**
     * Counts one answered request ({@code aip.gateway.requests}, by tenant, model, HTTP status and whether it was a
     * stream) and times it ({@code aip.gateway.request.duration}), whichever API it came through.
     *
     * @param startedNanos {@link System#nanoTime()} when the request arrived
     */
    void meterRequest(String tenant, String model, boolean stream, int status, long startedNanos) {
        if (registry != null) {
            Counter.builder("aip.gateway.requests").tag("aip.tenant", tenant).tag("gen_ai.request.model", model)
                    .tag("http.status", Integer.toString(status)).tag("stream", Boolean.toString(stream))
                    .register(registry).increment();
            Timer.builder("aip.gateway.request.duration").tag("aip.tenant", tenant)
                    .tag("stream", Boolean.toString(stream)).register(registry)
                    .record(System.nanoTime() - startedNanos, TimeUnit.NANOSECONDS);
        }
    }

    /**
     * The thread a call starts on: the server's I/O thread when the tenant's profile is in memory, else Reactor's
     * bounded elastic scheduler (a tenant's first call finds or creates its profile at Bedrock).
     */
    Scheduler startOn(TenantContext tenant, String model) {
        return resolver.resolvesWithoutBlocking(tenant, model) ? Schedulers.immediate() : Schedulers.boundedElastic();
    }

    /**
     * The body, at most {@code aip.gateway.max-body-bytes}, read without blocking; beyond it the error
     * {@code tooLarge} makes from the limit.
     */
    Mono<byte[]> readBody(ServerHttpRequest request, IntFunction<? extends RuntimeException> tooLarge) {
        int max = properties.getMaxBodyBytes();
        if (request.getHeaders().getContentLength() > max) {
            return Mono.error(tooLarge.apply(max));
        }
        return DataBufferUtils.join(request.getBody(), max)
                .map(buffer -> {
                    try {
                        byte[] bytes = new byte[buffer.readableByteCount()];
                        buffer.read(bytes);
                        return bytes;
                    } finally {
                        DataBufferUtils.release(buffer);
                    }
                })
                .defaultIfEmpty(new byte[0])
                .onErrorMap(DataBufferLimitException.class, e -> tooLarge.apply(max));
    }

    /**
     * A whole answer from {@link ChatClient#chatAsync}, started on {@code start}. Cancelling the Mono (the client
     * went away) cancels the call's future, which abandons the call.
     */
    Mono<ChatResponse> whole(TenantContext tenant, ChatRequest request, InFlightLimits.Permit permit,
                             Scheduler start) {
        return Mono.deferContextual(context -> {
                    CompletableFuture<ChatResponse> call;
                    try (CallParent.Entered traced = CallParent.enter(context)) {
                        call = pipeline.chatAsync(tenant, request).toCompletableFuture();
                    } catch (RuntimeException e) {
                        permit.release();
                        return Mono.error(e);
                    }
                    // The pipeline settles the call before its future completes (or at once when it is cancelled).
                    call.whenComplete((r, e) -> permit.release());
                    permit.onAbort(() -> call.cancel(false));
                    return Mono.fromFuture(call, false);
                })
                .subscribeOn(start)
                // Backstop (idempotent): a call that never started, or was cancelled (settled at once), is done.
                .doFinally(s -> permit.release());
    }

    /**
     * A stream from {@link ChatClient#stream}, bridged to a {@link Flux} of its events in order: text
     * ({@link String}), tool calls ({@link ContentPart.ToolUse}), then the {@link ChatResponse}, or a
     * {@link Throwable} as the last item when the call fails (a refusal before any event is the first item). The
     * Flux itself errors only when the gateway shuts down with the stream still running.
     *
     * <p>At most {@link GatewayProperties#getStreamBufferEvents()} events wait for a slow client; beyond that the
     * stream fails and the call is cancelled (Bedrock cannot be paused, so the gateway does not buffer without
     * bound). A client that goes away cancels the subscription, which cancels the call: settled once, as cancelled.
     */
    Flux<Object> stream(TenantContext tenant, ChatRequest request, InFlightLimits.Permit permit, Scheduler start) {
        return Flux.<Object>create(sink -> {
            AtomicReference<ChatStream> call = new AtomicReference<>();
            sink.onCancel(() -> {
                ChatStream c = call.get();
                if (c != null) {
                    c.cancel();
                }
            });
            ChatStream started;
            try (CallParent.Entered traced = CallParent.enter(sink.contextView())) {
                started = pipeline.stream(tenant, request, new Bridge(sink));
            } catch (RuntimeException e) {
                permit.release();
                sink.next(e);
                sink.complete();
                return;
            }
            started.completion().whenComplete((r, e) -> permit.release());
            call.set(started);
            // Still running at the end of the shutdown grace period: cancel the call, then end the response.
            permit.onAbort(() -> {
                started.cancel();
                sink.error(new CancellationException("The gateway is shutting down."));
            });
            if (sink.isCancelled()) {
                started.cancel();
            }
        }, FluxSink.OverflowStrategy.ERROR)
                // Only the start moves; the client's demand is not routed through that thread.
                .subscribeOn(start, false)
                // The only buffer between Bedrock and a slow client, bounded: overflow fails the stream, which
                // cancels the call upstream.
                .onBackpressureBuffer(Math.max(1, properties.getStreamBufferEvents()), dropped -> { },
                        BufferOverflowStrategy.ERROR);
    }

    /** The usage of an answer in {@code x-aip-*} headers: tokens per Bedrock bucket, cost, usage record id. */
    static void usageHeaders(ServerHttpResponse r, TokenUsage usage, UsageRecord record, String recordId) {
        HttpHeaders response = r.getHeaders();
        response.set("x-aip-input-tokens", Long.toString(usage.inputTokens()));
        response.set("x-aip-output-tokens", Long.toString(usage.outputTokens()));
        response.set("x-aip-cache-read-tokens", Long.toString(usage.cacheReadInputTokens()));
        response.set("x-aip-cache-write-tokens", Long.toString(usage.cacheWriteInputTokens()));
        if (recordId != null) {
            response.set("x-aip-record-id", recordId);
        }
        if (record != null) {
            record.cost().amount().ifPresent(c -> response.set("x-aip-cost-usd", c.toPlainString()));
        }
    }

    /** The listener side of the bridge: pushes each event into the Flux (one at a time, in order). */
    private static final class Bridge implements ChatStreamListener {
        private final FluxSink<Object> sink;

        Bridge(FluxSink<Object> sink) {
            this.sink = sink;
        }

        @Override
        public void onText(String text) {
            sink.next(text);
        }

        @Override
        public void onToolUse(ContentPart.ToolUse toolUse) {
            sink.next(toolUse);
        }

        @Override
        public void onComplete(ChatResponse answer) {
            sink.next(answer);
            sink.complete();
        }

        @Override
        public void onError(Throwable error) {
            sink.next(error);
            sink.complete();
        }
    }
}
