package dev.aip.core.bedrock;

import dev.aip.core.ConfigurationException;
import dev.aip.core.ProfileResolutionException;
import dev.aip.core.UnknownTenantException;
import dev.aip.core.chat.Admission;
import dev.aip.core.chat.AdmissionRequest;
import dev.aip.core.chat.CallEngine;
import dev.aip.core.chat.CallObserver;
import dev.aip.core.chat.LogicalCall;
import dev.aip.core.chat.RequestMetadata;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.metering.Operation;
import dev.aip.core.profile.ProfileBalancer;
import dev.aip.core.internal.ProfileOwnership;
import dev.aip.core.profile.TenantProfileResolver;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantScope;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.ClientType;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;
import software.amazon.awssdk.http.SdkHttpResponse;

/**
 * Makes plain AWS SDK Bedrock runtime clients tenant-aware, for code that calls Bedrock itself or through a framework
 * (LangChain4j, Spring AI): routes each model call to the tenant's application inference profile and meters it
 * through the same {@link UsageMeter} as the chat pipeline, so both produce the same usage records.
 *
 * <pre>{@code
 * TenantRoutingInterceptor routing = TenantRoutingInterceptor.builder()
 *     .resolver(resolver)
 *     .meter(meter)
 *     .build();
 * BedrockRuntimeClient runtime = BedrockRuntimeClient.builder()
 *     .overrideConfiguration(o -> o.addExecutionInterceptor(routing))
 *     .build();
 * TenantScope.run(TenantContext.of("acme"), () -> runtime.converse(r -> r.modelId("claude-haiku")...));
 * }</pre>
 *
 * <p><b>Which calls.</b> Converse, ConverseStream, InvokeModel and InvokeModelWithResponseStream. Other operations
 * pass untouched, and so do requests sent by the chat pipeline ({@link BedrockChatTransport} marks them), so a client
 * shared by both never records a call twice.
 *
 * <p><b>The tenant</b> is taken, in this order, from {@link TenantScope} on the calling thread (the SDK runs
 * {@code beforeExecution} on the caller's thread for sync and async clients), from the request's execution attribute
 * {@link #TENANT}, or from the {@value RequestMetadata#TENANT_KEY} entry of the request's own
 * {@code requestMetadata} (with the standard tier). With none of these, the call is refused with
 * {@link UnknownTenantException} before anything is sent (the default: no unattributed spend), or, with
 * {@link Builder#passThroughWithoutTenant()}, sent unchanged and unmetered, with a warning in the log.
 *
 * <p><b>Routing.</b> A model id that the {@linkplain Builder#logicalModels logical-model rule} accepts (by default
 * any id that is not an ARN) is resolved with the {@link TenantProfileResolver} and replaced by the tenant's profile
 * ARN (with a {@linkplain Builder#balancer balancer}: one of the tenant's profiles for the model, by the balancer's
 * strategy). Any other id (an ARN the caller names directly) goes by the ownership rule that the chat pipeline and
 * the Spring AI advisor apply too ({@link ProfileOwnership#named}, on the resolver's
 * {@link TenantProfileResolver#resolveArn}), whether or not an admission is set:
 * <ul>
 *   <li>the tenant's own profile, or a shared one (a pool or default profile; a system-defined cross-Region profile,
 *       priced by its model): sent as it is, governed and metered as that profile;</li>
 *   <li>another tenant's profile, or one the resolver does not know (an application profile it cannot tell the owner
 *       of, a foundation-model ARN, any other id): refused with a {@link ProfileResolutionException} (not
 *       retryable) before anything is sent, leaving one {@code REJECTED_BY_POLICY} record (error code
 *       {@code ProfileResolutionException}, the id as requested model, no profile). If the resolver cannot check
 *       the owner because the control plane failed, the call is refused the same way (the exception is retryable
 *       when the failure is transient).</li>
 * </ul>
 * A logical model whose profile cannot be resolved (an unknown tenant, a control plane out of reach) fails with the
 * resolver's exception before anything is sent and leaves no record: the call never had a profile, and tenant ids
 * that name nobody must not become ledger entries.
 * The {@code requestMetadata} gets the tenant entries by the {@link RequestMetadata} rule: as the body member for
 * Converse and ConverseStream, as the {@code X-Amzn-Bedrock-Request-Metadata} JSON header for InvokeModel and
 * InvokeModelWithResponseStream.
 *
 * <p><b>Metering, per operation.</b>
 * <ul>
 *   <li>Converse: the response's {@code usage}.</li>
 *   <li>ConverseStream: the body's event-stream frames are decoded on their way to the SDK; the first content delta
 *       gives the time to first token, {@code metadata} the usage. The attempt is settled when the body ends: with
 *       the reported usage; with an estimate if {@code messageStop} came but no usage; as
 *       {@code STREAM_INTERRUPTED} if the body ended before {@code messageStop} or an exception frame came. If the
 *       caller cancels the stream, the attempt is {@code CANCELLED}. Bedrock bills a stream it accepted (HTTP 200)
 *       however it ends, so an interrupted, timed-out or cancelled stream without its usage event is recorded with
 *       an estimate ({@code ESTIMATED}: the request's input estimate, the one admission reserved with, and the
 *       output characters received, 4 to a token), even when it broke before its first delta.</li>
 *   <li>InvokeModel: the {@code X-Amzn-Bedrock-*-Token-Count} response headers, else an estimate.</li>
 *   <li>InvokeModelWithResponseStream: the {@code amazon-bedrock-invocationMetrics} of the last {@code chunk}, else
 *       as for ConverseStream.</li>
 * </ul>
 * <b>Per outcome:</b> failures are classified as for the chat pipeline (429 throttled, other 4xx client error, 408
 * and SDK timeouts timeout, 424 and 5xx server error, failures after a stream started stream-interrupted). Every
 * HTTP attempt is its own record, linked by one call id per execution: attempts the SDK retries itself are settled
 * from their HTTP status when the next attempt starts, so nothing is lost or billed twice whatever the client's
 * retry strategy.
 *
 * <p><b>One engine.</b> Each execution is one {@link CallEngine} call, the same lifecycle the chat pipeline and the
 * Spring AI advisor drive: routing, shaping, admission, one metered attempt per HTTP attempt and one release. The
 * interceptor only adds what the SDK path knows (HTTP statuses, the event-stream body). The hooks are synchronous, so
 * an admission backed by a remote store is asked on the SDK's calling thread here; use the chat pipeline's
 * {@code chatAsync} or streams for calls that must not wait on it.
 *
 * <p><b>Governance.</b> With an {@linkplain Builder#admission admission} (e.g. the
 * {@link dev.aip.core.governance.Governance} of the chat pipeline), every routed call is shaped and admitted in
 * {@code modifyRequest}, after routing and before anything is sent, with the tenant, its resolved profile and an
 * {@link AdmissionRequest} counted from the SDK request itself (no message is converted): Converse and
 * ConverseStream requests by the characters of their text, tool use, tool results, system prompt and tool specs, as
 * the pipeline counts the same conversation; InvokeModel bodies as an input of the body's length, with {@code
 * maxTokens} from the body's output limit when it has one
 * ({@code max_tokens}, {@code inferenceConfig.maxTokens} or {@code max_new_tokens},
 * {@code textGenerationConfig.maxTokenCount}, {@code max_gen_len}). <b>Shaping</b>
 * ({@link Admission#shape}, e.g. the tenant's default inference settings and output cap) is written back into a
 * Converse or ConverseStream request's {@code inferenceConfig}, for the settings the caller left unset; the
 * admission reserves for the shaped request. InvokeModel bodies are model-specific and are not rewritten: their
 * output limit is enforced by refusing a body that asks for more than the cap, while a body without a limit is
 * reserved at the cap and charged what it really used. A refusal writes one {@code REJECTED_BY_POLICY} record
 * and throws the admission's exception (e.g. {@link dev.aip.core.RateLimitExceededException}) to the caller,
 * unchanged (the async client completes its future with it); the SDK does not retry it, since it is thrown before
 * the SDK's retry loop. An admitted call's permit is released exactly once, with the records of all its attempts,
 * when the execution is over: after the response (for streams, when the body ends), on failure, or when the caller
 * cancels a stream. Calls sent directly to a profile ARN are admitted on that profile once the ownership rule
 * accepts it (see Routing). A request whose {@link #COVER} attribute names an admitted call of the same tenant (a
 * Spring AI ChatClient call making several model calls) is not admitted again: its records settle that call's
 * permit.
 *
 * <p>Exceptions from the resolver ({@code ProfileResolutionException}) and from the metadata rule
 * ({@code IllegalArgumentException}) reach the caller before anything is sent. Bedrock's exceptions pass unchanged.
 *
 * <p>Thread-safe; share one instance across clients.
 */
public final class TenantRoutingInterceptor implements ExecutionInterceptor {

    /** Per-request tenant, for calls made where no {@link TenantScope} is set (e.g. reactive code). */
    public static final ExecutionAttribute<TenantContext> TENANT = new ExecutionAttribute<>("aip.Tenant");

    /** Per-request usage record attributes (end user, feature, workflow run, step). */
    public static final ExecutionAttribute<Map<String, String>> RECORD_ATTRIBUTES =
            new ExecutionAttribute<>("aip.RecordAttributes");

    /**
     * The admitted call a request runs under (e.g. a Spring AI ChatClient call that makes several model calls): set by
     * an interceptor that runs before this one. A cover of the same tenant that is not over admits the request
     * without asking the admission again, and its permit settles to the records of every call it covers.
     */
    public static final ExecutionAttribute<LogicalCall> COVER = new ExecutionAttribute<>("aip.Cover");

    private static final ExecutionAttribute<InterceptedCall> CALL = new ExecutionAttribute<>("aip.InterceptedCall");
    /** The default of {@link Builder#abandonAfter}. */
    static final Duration DEFAULT_ABANDON_AFTER = Duration.ofMinutes(15);
    private static final Logger LOG = LoggerFactory.getLogger(TenantRoutingInterceptor.class);

    private final CallEngine engine;
    private final boolean rejectWithoutTenant;
    private final Duration abandonAfter;

    private TenantRoutingInterceptor(Builder b) {
        CallEngine.Builder engine = CallEngine.builder().resolver(b.resolver).meter(b.meter)
                .logicalModels(b.logicalModels);
        if (b.admission != null) {
            engine.admission(b.admission);
        }
        if (b.balancer != null) {
            engine.balancer(b.balancer);
        }
        if (b.observer != null) {
            engine.observer(b.observer);
        }
        this.engine = engine.build();
        this.rejectWithoutTenant = b.rejectWithoutTenant;
        this.abandonAfter = b.abandonAfter;
    }

    /**
     * Returns a builder; resolver and meter are required.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        if (Boolean.TRUE.equals(attributes.getAttribute(AipAttributes.PIPELINE_REQUEST))) {
            return;
        }
        Operation operation = Operation.ofWireName(attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME));
        if (operation == null) {
            return;
        }
        TenantContext tenant = TenantScope.current().orElse(null);
        if (tenant == null) {
            tenant = attributes.getAttribute(TENANT);
        }
        if (tenant == null) {
            String id = OperationAdapter.of(operation).tenantId(context.request());
            tenant = id == null ? null : TenantContext.of(id);
        }
        if (tenant == null) {
            String message = "A Bedrock " + operation.wireName() + " call has no tenant: run it inside"
                    + " TenantScope.run(...), set the TenantRoutingInterceptor.TENANT execution attribute on the"
                    + " request, or put \"" + RequestMetadata.TENANT_KEY + "\" in its requestMetadata.";
            if (rejectWithoutTenant) {
                throw new UnknownTenantException(message);
            }
            LOG.warn("{} The call is sent unchanged and is not metered.", message);
            return;
        }
        Map<String, String> recordAttributes = attributes.getAttribute(RECORD_ATTRIBUTES);
        attributes.putAttribute(CALL, new InterceptedCall(tenant, operation,
                recordAttributes == null ? Map.of() : recordAttributes));
    }

    @Override
    public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
        InterceptedCall call = attributes.getAttribute(CALL);
        SdkRequest request = context.request();
        if (call == null) {
            return request;
        }
        OperationAdapter adapter = OperationAdapter.of(call.operation);
        AdmissionRequest asked = adapter.admissionRequest(request);
        LogicalCall c = begin(call, asked, attributes);
        if (c == null) {
            return request;
        }
        AdmissionRequest shaped = c.shape();
        SdkRequest routed = adapter.routed(request, c, asked, shaped);
        // Admission last, once nothing else in this hook can fail, so a permit is only taken for a request sent.
        c.admit();
        c.trackLoad();
        if (!call.operation.streaming()
                && attributes.getAttribute(SdkExecutionAttribute.CLIENT_TYPE) == ClientType.ASYNC) {
            // The async client completes the future of a call past its apiCallTimeout, or one its caller
            // cancelled before an answer, without calling any hook: settle such a call here instead.
            call.abandonAfter(abandonAfter);
        }
        return routed;
    }

    /**
     * Begins the execution's call on the engine, which routes it by the ownership rule every path shares: a refused
     * named profile is recorded and thrown there; a logical model that cannot be resolved throws before anything is
     * recorded. {@code null} for a request without a model id (the SDK refuses it itself).
     */
    private LogicalCall begin(InterceptedCall call, AdmissionRequest asked, ExecutionAttributes attributes) {
        if (asked == null) {
            return null;
        }
        LogicalCall c = engine.begin(call.callId, call.tenant, call.operation, asked, call.attributes,
                attributes.getAttribute(COVER));
        call.begun(c);
        return c;
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        InterceptedCall call = attributes.getAttribute(CALL);
        if (call != null) {
            call.attemptStarting();
        }
    }

    @Override
    public void afterTransmission(Context.AfterTransmission context, ExecutionAttributes attributes) {
        InterceptedCall call = attributes.getAttribute(CALL);
        if (call != null) {
            SdkHttpResponse http = context.httpResponse();
            call.responded(http.statusCode(), requestId(http), http.firstMatchingHeader("x-amzn-ErrorType")
                    .orElse(null));
        }
    }

    @Override
    public Optional<Publisher<ByteBuffer>> modifyAsyncHttpResponseContent(Context.ModifyHttpResponse context,
                                                                         ExecutionAttributes attributes) {
        InterceptedCall call = attributes.getAttribute(CALL);
        Optional<Publisher<ByteBuffer>> body = context.responsePublisher();
        if (call == null || !call.operation.streaming() || body.isEmpty() || !context.httpResponse().isSuccessful()) {
            return body;
        }
        return Optional.of(new StreamTap(body.get(), call.tap()));
    }

    @Override
    public void afterExecution(Context.AfterExecution context, ExecutionAttributes attributes) {
        InterceptedCall call = attributes.getAttribute(CALL);
        if (call == null) {
            return;
        }
        if (call.current() == null) {
            call.release();
            return;
        }
        OperationAdapter.of(call.operation).answered(call, context);
        if (!call.operation.streaming()) {
            call.release();
        }
    }

    @Override
    public void onExecutionFailure(Context.FailedExecution context, ExecutionAttributes attributes) {
        InterceptedCall call = attributes.getAttribute(CALL);
        if (call != null) {
            call.failed(context.exception());
            forgetIfGone(call, context.exception());
        }
    }

    /*
     * A call to a profile deleted since the resolver cached it: the tenant's next call resolves again. The SDK keeps
     * this execution on its profile, so it is not moved; the chat pipeline moves its calls.
     */
    private void forgetIfGone(InterceptedCall call, Throwable exception) {
        LogicalCall logical = call.logical();
        if (logical == null) {
            return;
        }
        try {
            if (engine.forgetIfGone(logical, exception, BedrockErrors.classify(exception))) {
                LOG.info("Profile {} of tenant {} seems gone ({}); the tenant's next call resolves its model again",
                        logical.profile().profileArn(), call.tenant.id(), exception.getMessage());
            }
        } catch (RuntimeException e) {
            LOG.warn("Could not invalidate the profile of tenant {}", call.tenant.id(), e);
        }
    }

    private static String requestId(SdkHttpResponse http) {
        return http.firstMatchingHeader("x-amzn-RequestId")
                .or(() -> http.firstMatchingHeader("x-amz-request-id")).orElse(null);
    }

    /**
     * Builds a {@link TenantRoutingInterceptor}. Not thread-safe; confine to one thread.
     *
     * <p>Each setting may be set once; a second set is a {@link ConfigurationException}.
     */
    public static final class Builder {
        private final Map<String, Object> given = new HashMap<>();
        private TenantProfileResolver resolver;
        private UsageMeter meter;
        private Predicate<String> logicalModels = id -> !ProfileOwnership.isArn(id);
        private boolean rejectWithoutTenant = true;
        private Admission admission;
        private ProfileBalancer balancer;
        private Duration abandonAfter = DEFAULT_ABANDON_AFTER;
        private CallObserver observer;

        private Builder() {
        }

        /** Sets how tenants' profiles are found (required). */
        public Builder resolver(TenantProfileResolver value) {
            ConfigurationException.requireFirstSet(given, "TenantRoutingInterceptor.resolver", value);
            resolver = Objects.requireNonNull(value, "resolver");
            return this;
        }

        /** Sets the metering engine (required); share it with the chat pipeline. */
        public Builder meter(UsageMeter value) {
            ConfigurationException.requireFirstSet(given, "TenantRoutingInterceptor.meter", value);
            meter = Objects.requireNonNull(value, "meter");
            return this;
        }

        /**
         * Sets which model ids are logical names to route per tenant; default: every id that is not an ARN. Any other
         * id is sent only if the ownership rule accepts it as the tenant's own profile or a shared one (see the class
         * comment, Routing).
         *
         * @param rule accepts a model id to route
         * @return this builder
         */
        public Builder logicalModels(Predicate<String> rule) {
            ConfigurationException.requireFirstSet(given, "TenantRoutingInterceptor.logicalModels", rule);
            logicalModels = Objects.requireNonNull(rule, "rule");
            return this;
        }

        /**
         * Sets the governance admission, e.g. a {@link dev.aip.core.governance.Governance} shared with the chat
         * pipeline; default: every call is admitted. See the class comment for when it is asked and when its
         * permit is released.
         *
         * @param value the admission
         * @return this builder
         */
        public Builder admission(Admission value) {
            ConfigurationException.requireFirstSet(given, "TenantRoutingInterceptor.admission", value);
            admission = Objects.requireNonNull(value, "admission");
            return this;
        }

        /**
         * Spreads calls to a logical model over the tenant's several profiles for it
         * ({@link TenantProfileResolver#resolveAll}), by the balancer's strategy; each execution counts as in flight
         * on its profile until it is over. Share the balancer with the chat pipeline so both count the same load. The
         * SDK path sends each execution to one profile (the SDK's own retries stay on it); default: the resolver's
         * one profile.
         *
         * @param value the balancer
         * @return this builder
         */
        public Builder balancer(ProfileBalancer value) {
            ConfigurationException.requireFirstSet(given, "TenantRoutingInterceptor.balancer", value);
            balancer = Objects.requireNonNull(value, "balancer");
            return this;
        }

        /**
         * Sends calls without a tenant unchanged and unmetered (with a warning) instead of refusing them with
         * {@link UnknownTenantException}, the default.
         *
         * @return this builder
         */
        public Builder passThroughWithoutTenant() {
            ConfigurationException.requireFirstSet(given, "TenantRoutingInterceptor.passThroughWithoutTenant", "true");
            rejectWithoutTenant = false;
            return this;
        }

        /**
         * Sets how long an async client's whole-answer call (Converse, InvokeModel on a
         * {@code BedrockRuntimeAsyncClient}) may go without an outcome before it is settled as
         * {@link dev.aip.core.metering.Outcome#TIMEOUT} (error code {@value InterceptedCall#NO_OUTCOME}, no tokens)
         * and its permit is released. The async client completes the future of a call past its
         * {@code apiCallTimeout}, or one its caller cancelled before the answer, without calling any interceptor
         * hook; without this the call would never be recorded and would hold its permit. Set it a little above the
         * client's {@code apiCallTimeout}; default 15 minutes. An answer that arrives first settles the call as
         * usual (each call settles once); streams are settled by their body and are not watched.
         *
         * @param value a positive duration
         * @return this builder
         * @throws ConfigurationException if it is zero or negative
         */
        public Builder abandonAfter(Duration value) {
            ConfigurationException.requireFirstSet(given, "TenantRoutingInterceptor.abandonAfter", value);
            Objects.requireNonNull(value, "abandonAfter");
            if (value.isZero() || value.isNegative()) {
                throw new ConfigurationException("TenantRoutingInterceptor.abandonAfter must be positive, was "
                        + value);
            }
            abandonAfter = value;
            return this;
        }

        /**
         * Sets who watches every execution (a logical call) and each of its HTTP attempts, e.g.
         * {@code TracingCallObserver} of {@code aip-opentelemetry}; default none. The call starts in
         * {@code modifyRequest}, on the thread that makes the SDK call, so an observer may take that thread's trace
         * context as its parent. See {@link CallObserver}.
         *
         * @param value the observer
         * @return this builder
         */
        public Builder observer(CallObserver value) {
            ConfigurationException.requireFirstSet(given, "TenantRoutingInterceptor.observer", value);
            observer = Objects.requireNonNull(value, "observer");
            return this;
        }

        /**
         * Builds the interceptor.
         *
         * @return the interceptor
         * @throws ConfigurationException if the resolver or the meter is missing
         */
        public TenantRoutingInterceptor build() {
            if (resolver == null || meter == null) {
                throw new ConfigurationException("TenantRoutingInterceptor needs a resolver and a meter");
            }
            return new TenantRoutingInterceptor(this);
        }
    }
}
