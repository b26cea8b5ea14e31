package dev.aip.core.chat;

import dev.aip.core.ConfigurationException;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.ProfileBalancer;
import dev.aip.core.internal.ProfileOwnership;
import dev.aip.core.profile.TenantProfileResolver;
import dev.aip.core.tenant.TenantContext;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.LongSupplier;

/**
 * The tenant-aware {@link ChatClient}: every call is routed to the tenant's application inference profile, shaped and
 * admitted by governance, retried and failed over by policy, and metered exactly once per attempt.
 *
 * <p><b>Decorator order</b>, fixed and composed once at {@link Builder#build()}; outermost first:
 * <pre>{@code
 * Resolve(profiles, balancer order, requestMetadata)
 *   ( Admit(shape, then admission on the first profile)
 *       ( Retry(retry policy: backoff, fail-over to the next profile, fallback routes, deadline)
 *           ( Track(attempts in flight per profile; with a balancer only)
 *               ( Metering(one record per attempt)
 *                   ( Transport(Bedrock Converse / ConverseStream) )))))
 * }</pre>
 * <ul>
 *   <li><b>Resolve</b> asks the {@link TenantProfileResolver} for the tenant's profile of the request's model (with a
 *       {@linkplain Builder#balancer balancer}: all its profiles for that model, in the balancer's order) and merges
 *       the {@code requestMetadata} ({@link RequestMetadata}), by the ownership rule the SDK interceptor and the
 *       Spring AI advisor share ({@link ProfileOwnership}). A request whose model is a profile ARN goes to that
 *       profile only if the resolver knows it as the tenant's own or a shared one
 *       ({@link TenantProfileResolver#resolveArn}); another tenant's profile, or one the resolver does not know (an
 *       unknown application profile, a foundation-model ARN), is refused with a
 *       {@link dev.aip.core.ProfileResolutionException} before anything is sent and leaves one
 *       {@code REJECTED_BY_POLICY} record, with or without an admission. A logical model that cannot be resolved
 *       (an unknown tenant, a control plane out of reach) fails with the resolver's exception and leaves no record:
 *       the call never became an attempt, and tenant ids that name nobody must not become ledger entries.</li>
 *   <li><b>Admit</b> lets the {@link Admission} {@linkplain Admission#shape shape} the request (e.g. the tenant's
 *       default inference settings and output cap), then runs it once per call, on the first profile: one
 *       reservation per logical call, priced on that profile. A refused call gets one {@code REJECTED_BY_POLICY}
 *       record and never reaches Bedrock. The permit is released once, with the records of every attempt on every
 *       profile, so settlement charges what each attempt really cost on its own model.</li>
 *   <li><b>Retry</b> makes further attempts as the {@link RetryPolicy} decides (default {@link RetryPolicy#none()}):
 *       on the same profile after a pause, or on the call's next profile: the balancer's further profiles, then
 *       the entries of the {@link FallbackRoutes} (default none), each resolved by the same ownership rule (an entry
 *       it refuses is skipped, and attached to the call's final failure). Sync calls pause on the caller's thread;
 *       streams are resumed by a {@linkplain Builder#scheduler scheduler}, never pausing a transport thread.</li>
 *   <li><b>Track</b> counts each attempt in flight on its profile for the balancer's least-loaded strategy, from
 *       its start to its end, on every outcome.</li>
 *   <li><b>Metering</b> is innermost, so every real attempt is recorded, including retried ones; records of one call
 *       share its call id, number their attempts 1, 2, ... and name the profile (ARN, source model) each used.</li>
 *   <li><b>Transport</b> sends the attempt's profile ARN as {@code modelId}, one service call per attempt.</li>
 * </ul>
 *
 * <pre>{@code
 * ChatClient chat = ChatPipeline.builder()
 *     .resolver(resolver)
 *     .meter(meter)
 *     .transport(BedrockChatTransport.builder().client(runtime).asyncClient(runtimeAsync).build())
 *     .admission(governance)
 *     .retryPolicy(RetryPolicy.backoff().build())
 *     .fallbackRoutes(governance.fallbackRoutes())
 *     .build();
 * ChatResponse answer = chat.chat(TenantContext.of("acme"), request);
 * }</pre>
 *
 * <p>Thread-safe; share one instance.
 */
public final class ChatPipeline implements ChatClient {

    private static final ChatStreamListener NO_LISTENER = new ChatStreamListener() { };

    private final ChatStage head;
    private final LongSupplier ticker;
    private final CallTimeouts timeouts;
    private final RetryingStage.Scheduler timers;

    private ChatPipeline(Builder b) {
        CallEngine.Builder engine = CallEngine.builder().resolver(b.resolver).meter(b.meter);
        if (b.admission != null) {
            engine.admission(b.admission);
        }
        if (b.balancer != null) {
            engine.balancer(b.balancer);
        }
        if (b.observer != null) {
            engine.observer(b.observer);
        }
        CallEngine calls = engine.build();
        ChatStage meter = new MeteringStage(b.transport);
        ChatStage track = b.balancer == null ? meter : new LoadTrackingStage(b.balancer, meter);
        ChatStage retry = new RetryingStage(b.retryPolicy, b.transport, calls, b.fallbackRoutes, b.ticker,
                b.sleeper, b.scheduler, track);
        ChatStage admit = new AdmittingStage(retry);
        this.head = new ResolvingStage(calls, admit);
        this.ticker = b.ticker;
        this.timeouts = b.timeouts;
        this.timers = b.scheduler;
    }

    /**
     * Returns a builder; resolver, meter and transport are required.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public ChatResponse chat(TenantContext tenant, ChatRequest request) {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(request, "request");
        return head.call(new Call(UsageRecord.newId(), tenant, request, false, ticker.getAsLong()));
    }

    /**
     * {@inheritDoc}
     *
     * <p>Runs the same stages as a stream, with a Converse (not ConverseStream) attempt on the transport's
     * non-blocking path ({@link ChatTransport#converseAsync}): retry pauses wait on the
     * {@linkplain Builder#scheduler scheduler}, and no thread is held while the model answers. Records say
     * {@code Converse}, as for {@link #chat(TenantContext, ChatRequest)}.
     */
    @Override
    public CompletionStage<ChatResponse> chatAsync(TenantContext tenant, ChatRequest request) {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(request, "request");
        Relay relay = start(tenant, request, false, NO_LISTENER);
        // The caller's future: cancelling it cancels the call; the relay's own completion is never handed out.
        CompletableFuture<ChatResponse> answer = new CompletableFuture<>() {
            @Override
            public boolean cancel(boolean mayInterruptIfRunning) {
                boolean cancelled = super.cancel(mayInterruptIfRunning);
                if (cancelled) {
                    relay.cancel();
                }
                return cancelled;
            }
        };
        relay.completion().whenComplete((response, error) -> {
            if (error != null) {
                answer.completeExceptionally(error);
            } else {
                answer.complete(response);
            }
        });
        return answer;
    }

    @Override
    public ChatStream stream(TenantContext tenant, ChatRequest request, ChatStreamListener listener) {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(listener, "listener");
        return start(tenant, request, true, listener);
    }

    /** Runs a call through the stages' asynchronous path; a failure to start reaches the listener too. */
    private Relay start(TenantContext tenant, ChatRequest request, boolean streaming, ChatStreamListener listener) {
        Relay relay = new Relay(listener);
        try {
            Call call = new Call(UsageRecord.newId(), tenant, request, streaming, ticker.getAsLong());
            Duration timeout = timeouts.isNone() ? null : timeouts.timeoutOf(tenant);
            if (timeout != null) {
                // Armed before the call starts, so no call outruns its timer; disarmed when the call ends.
                Runnable disarm = timers.schedule(() -> relay.abort(new CallTimeoutException(timeout)), timeout);
                relay.onEnd(disarm);
            }
            relay.upstream(head.stream(call, relay));
        } catch (RuntimeException e) {
            relay.onError(e);
        }
        return relay;
    }

    /**
     * Builds a {@link ChatPipeline}. Each setting may be set once. Not thread-safe; confine to one thread.
     */
    public static final class Builder {
        private TenantProfileResolver resolver;
        private UsageMeter meter;
        private ChatTransport transport;
        private Admission admission;
        private RetryPolicy retryPolicy;
        private ProfileBalancer balancer;
        private FallbackRoutes fallbackRoutes;
        private LongSupplier ticker;
        private RetryingStage.Scheduler scheduler;
        private RetryingStage.Sleeper sleeper;
        private CallTimeouts timeouts;
        private CallObserver observer;

        private Builder() {
        }

        /** Sets how tenants' profiles are found (required). */
        public Builder resolver(TenantProfileResolver value) {
            resolver = once(resolver, value, "resolver");
            return this;
        }

        /** Sets the metering engine (required). */
        public Builder meter(UsageMeter value) {
            meter = once(meter, value, "meter");
            return this;
        }

        /** Sets the transport to the model service (required). */
        public Builder transport(ChatTransport value) {
            transport = once(transport, value, "transport");
            return this;
        }

        /** Sets the governance admission; default: every call is admitted without asking. */
        public Builder admission(Admission value) {
            admission = once(admission, value, "admission");
            return this;
        }

        /** Sets the retry policy; default {@link RetryPolicy#none()}. */
        public Builder retryPolicy(RetryPolicy value) {
            retryPolicy = once(retryPolicy, value, "retryPolicy");
            return this;
        }

        /**
         * Spreads calls over the tenant's several profiles for a model ({@link TenantProfileResolver#resolveAll}):
         * the balancer picks the profile each call goes to, and the others become the call's first fail-over
         * profiles; default: the resolver's one profile.
         */
        public Builder balancer(ProfileBalancer value) {
            balancer = once(balancer, value, "balancer");
            return this;
        }

        /**
         * Sets where calls go once their own profiles have failed, e.g. {@code governance.fallbackRoutes()} for the
         * tenant's policy's fallback chain; default none. Used as the {@link RetryPolicy} decides.
         */
        public Builder fallbackRoutes(FallbackRoutes value) {
            fallbackRoutes = once(fallbackRoutes, value, "fallbackRoutes");
            return this;
        }

        /** Sets the nanosecond ticker that retry deadlines are measured with; default {@link System#nanoTime()}. */
        public Builder ticker(LongSupplier value) {
            ticker = once(ticker, value, "ticker");
            return this;
        }

        /**
         * Sets the scheduler that resumes streams after a retry pause; default one shared daemon thread. Its tasks
         * start attempts and resolve fallback entries; they never sleep.
         */
        public Builder scheduler(ScheduledExecutorService value) {
            Objects.requireNonNull(value, "scheduler");
            scheduler = once(scheduler, SharedScheduler.of(value), "scheduler");
            return this;
        }

        /**
         * Sets how long calls may run, by tenant tier; default {@link CallTimeouts#none()}. Applies to
         * {@link #chatAsync} and {@link #stream}: a call still running at its timeout is abandoned (its attempt in
         * flight cancelled and recorded as {@code TIMEOUT}) and fails with {@link CallTimeoutException}. The
         * timers run on the {@linkplain #scheduler(ScheduledExecutorService) scheduler}. A blocking
         * {@link #chat} is bounded by the SDK client's {@code apiCallTimeout} instead.
         */
        public Builder timeouts(CallTimeouts value) {
            timeouts = once(timeouts, value, "timeouts");
            return this;
        }

        /**
         * Sets who watches every call and attempt, e.g. {@code TracingCallObserver} of {@code aip-opentelemetry} for
         * a trace span per call and per attempt; default none (nothing is called or allocated for it). See
         * {@link CallObserver}.
         */
        public Builder observer(CallObserver value) {
            observer = once(observer, value, "observer");
            return this;
        }

        /** For tests: how streams wait between attempts. */
        Builder scheduler(RetryingStage.Scheduler value) {
            scheduler = once(scheduler, value, "scheduler");
            return this;
        }

        /** For tests: how sync calls wait between attempts. */
        Builder sleeper(RetryingStage.Sleeper value) {
            sleeper = once(sleeper, value, "sleeper");
            return this;
        }

        /**
         * Composes the pipeline.
         *
         * @return the pipeline
         * @throws ConfigurationException if a required setting is missing
         */
        public ChatPipeline build() {
            if (resolver == null || meter == null || transport == null) {
                throw new ConfigurationException("ChatPipeline needs a resolver, a meter and a transport; missing:"
                        + (resolver == null ? " resolver" : "") + (meter == null ? " meter" : "")
                        + (transport == null ? " transport" : ""));
            }
            if (retryPolicy == null) {
                retryPolicy = RetryPolicy.none();
            }
            if (fallbackRoutes == null) {
                fallbackRoutes = FallbackRoutes.NONE;
            }
            if (ticker == null) {
                ticker = System::nanoTime;
            }
            if (scheduler == null) {
                scheduler = SharedScheduler.shared();
            }
            if (sleeper == null) {
                sleeper = RetryingStage.THREAD_SLEEP;
            }
            if (timeouts == null) {
                timeouts = CallTimeouts.none();
            }
            return new ChatPipeline(this);
        }

        private static <T> T once(T current, T value, String name) {
            Objects.requireNonNull(value, name);
            if (current != null) {
                throw new ConfigurationException("ChatPipeline." + name + " was already set to " + current
                        + "; cannot set it to " + value + ". Set each setting once.");
            }
            return value;
        }
    }
}
