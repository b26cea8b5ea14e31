package dev.aip.core.chat;

import dev.aip.core.ConfigurationException;
import dev.aip.core.metering.Meter;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.TenantProfileResolver;
import dev.aip.core.tenant.TenantContext;
import java.util.Objects;

/**
 * The tenant-aware {@link ChatClient}: every call is routed to the tenant's application inference profile, admitted
 * by governance, retried by policy and metered exactly once per attempt.
 *
 * <p><b>Decorator order</b>, fixed and composed once at {@link Builder#build()}; outermost first:
 * <pre>{@code
 * Resolve(profile, requestMetadata)
 *   ( Admit(admission)
 *       ( Retry(retry policy)
 *           ( Meter(one record per attempt)
 *               ( Transport(Bedrock Converse / ConverseStream) ))))
 * }</pre>
 * <ul>
 *   <li><b>Resolve</b> asks the {@link TenantProfileResolver} for the tenant's profile of the request's model and
 *       merges the {@code requestMetadata} ({@link RequestMetadata}). A call that cannot be resolved fails with the
 *       resolver's exception and has no usage record: it never became an attempt.</li>
 *   <li><b>Admit</b> runs the {@link Admission} once per call. A refused call gets one
 *       {@code REJECTED_BY_POLICY} record and never reaches Bedrock.</li>
 *   <li><b>Retry</b> makes further attempts while the {@link RetryPolicy} asks (default: none).</li>
 *   <li><b>Meter</b> is innermost, so every real attempt is recorded, including retried ones; records of one call
 *       share its call id.</li>
 *   <li><b>Transport</b> sends the profile ARN as {@code modelId}, one service call per attempt.</li>
 * </ul>
 *
 * <pre>{@code
 * ChatClient chat = ChatPipeline.builder()
 *     .resolver(resolver)
 *     .meter(meter)
 *     .transport(BedrockChatTransport.builder().client(runtime).asyncClient(runtimeAsync).build())
 *     .build();
 * ChatResponse answer = chat.chat(TenantContext.of("acme"), request);
 * }</pre>
 *
 * <p>Thread-safe; share one instance.
 */
public final class ChatPipeline implements ChatClient {

    private final ChatStage head;

    private ChatPipeline(Builder b) {
        ChatStage meter = new MeteringChatClient(b.meter, b.transport);
        ChatStage retry = new RetryingStage(b.retryPolicy, b.transport, meter);
        ChatStage admit = new AdmittingStage(b.admission, b.meter, retry);
        this.head = new ResolvingStage(b.resolver, admit);
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
        return head.call(new Call(UsageRecord.newId(), tenant, request, false));
    }

    @Override
    public ChatStream stream(TenantContext tenant, ChatRequest request, ChatStreamListener listener) {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(listener, "listener");
        Relay relay = new Relay(listener);
        try {
            relay.upstream(head.stream(new Call(UsageRecord.newId(), tenant, request, true), relay));
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
        private Meter meter;
        private ChatTransport transport;
        private Admission admission;
        private RetryPolicy retryPolicy;

        private Builder() {
        }

        /** Sets how tenants' profiles are found (required). */
        public Builder resolver(TenantProfileResolver value) {
            resolver = once(resolver, value, "resolver");
            return this;
        }

        /** Sets the metering engine (required). */
        public Builder meter(Meter value) {
            meter = once(meter, value, "meter");
            return this;
        }

        /** Sets the transport to the model service (required). */
        public Builder transport(ChatTransport value) {
            transport = once(transport, value, "transport");
            return this;
        }

        /** Sets the governance admission; default {@link Admission#allowAll()}. */
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
            if (admission == null) {
                admission = Admission.allowAll();
            }
            if (retryPolicy == null) {
                retryPolicy = RetryPolicy.none();
            }
            return new ChatPipeline(this);
        }

        private static <T> T once(T current, T value, String name) {
            Objects.requireNonNull(value, name);
            if (current != null) {
                throw new ConfigurationException("ChatPipeline." + name + " is set twice; set it once");
            }
            return value;
        }
    }
}
