package dev.aip.langchain4j;

import dev.aip.core.ConfigurationException;
import dev.aip.core.bedrock.TenantRoutingInterceptor;
import dev.aip.core.chat.Admission;
import dev.aip.core.chat.CallObserver;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.profile.TenantProfileResolver;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantScope;
import dev.langchain4j.model.bedrock.BedrockChatModel;
import dev.langchain4j.model.bedrock.BedrockStreamingChatModel;
import dev.langchain4j.model.chat.ChatRequestOptions;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Predicate;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.client.builder.SdkClientBuilder;
import software.amazon.awssdk.http.SdkHttpClient;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClientBuilder;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeBaseClientBuilder;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClientBuilder;

/**
 * Tenant-aware LangChain4j Bedrock chat models: one {@link BedrockChatModel} or {@link BedrockStreamingChatModel}
 * serves every tenant, and aip routes each call to the tenant's application inference profile, governs it and
 * meters it exactly once. AiServices, tools, chat memory and structured output work as with any LangChain4j model;
 * only the way the model is built changes.
 *
 * <pre>{@code
 * TenantBedrockModels models = TenantBedrockModels.builder()
 *     .resolver(resolver)                 // which profile each tenant's "claude-haiku" is
 *     .meter(meter)                       // one usage record per model call
 *     .admission(governance)              // optional: rate limits, budgets, model policy
 *     .client(c -> c.region(Region.US_WEST_2))   // both SDK clients: sync and streaming
 *     .build();
 * ChatModel model = models.chatModel("claude-haiku", b -> b.maxRetries(2));
 * Assistant assistant = AiServices.builder(Assistant.class).chatModel(model).tools(new Tools()).build();
 *
 * TenantScope.run(TenantContext.of("acme"), () -> assistant.chat("Plan the launch"));
 * }</pre>
 *
 * <p><b>How.</b> The models are LangChain4j's own, built on SDK clients that carry aip's
 * {@link TenantRoutingInterceptor}, with the logical model id as {@code modelId}. The interceptor replaces it with
 * the tenant's profile ARN, admits the call (when an admission is set) and meters every Converse and ConverseStream
 * attempt, streams included (time to first token; a stream the caller cancels is settled as {@code CANCELLED}).
 * Every model call of an AiServices tool loop is one SDK call, so it is metered once. One client configuration,
 * {@link Builder#client(Consumer)}, sets up both the sync client of the chat models and the async client of the
 * streaming models, so the two always go to the same endpoint, in the same Region, with the same credentials.
 *
 * <p><b>The tenant</b> of a call is, in this order: the {@link #TENANT} listener attribute of the call's
 * {@link ChatRequestOptions} (see {@link #optionsFor(TenantContext)}), else the caller's {@link TenantScope}. Each
 * call runs in that tenant's scope, so tools that AiServices runs on the calling thread see it too, and the
 * streaming model runs its handler's callbacks in it (a streaming tool loop continues on the SDK's threads). Model
 * listeners find the tenant under {@link #TENANT} in their {@code attributes()}. A call without a tenant is refused
 * before it is sent.
 *
 * <p><b>Refusals</b> (no tenant, unresolvable profile, rate limit, budget, policy) reach the caller as
 * {@link CallRejectedException}, a LangChain4j {@code NonRetriableException} with the aip exception as its cause: the
 * model's retry loop does not repeat them, and nothing reaches Bedrock. Bedrock's own errors keep LangChain4j's
 * mapping and retries, and each retry is metered as the call it is.
 *
 * <p><b>Record attributes.</b> The tenant context's attributes are copied into every usage record (and forwarded as
 * {@code requestMetadata}); run the call in {@code TenantScope.run(tenant.withAttribute("feature", "chat"), ...)} to
 * tag it. {@link TenantNodeHook} does this for LangGraph4j nodes.
 *
 * <p>Thread-safe: share one instance and its models across threads. {@link #close()} closes the SDK clients it built.
 */
public final class TenantBedrockModels implements AutoCloseable {

    /**
     * The listener attribute that names a call's tenant: a {@link TenantContext}, a
     * {@link dev.aip.core.tenant.TenantId} or a tenant id string. The models also set it (as a
     * {@code TenantContext}) for their listeners.
     */
    public static final String TENANT = "aip.tenant";

    private final TenantRoutingInterceptor interceptor;
    private final BedrockRuntimeClient client;
    /**
     * Configured in {@link Builder#build()} with the same settings as the sync client; built with the first streaming
     * model, so an application that never streams starts no Netty event loop. Guarded by {@code this}.
     */
    private final BedrockRuntimeAsyncClientBuilder asyncClientBuilder;
    private BedrockRuntimeAsyncClient asyncClient;
    private boolean closed;

    private TenantBedrockModels(TenantRoutingInterceptor interceptor, BedrockRuntimeClient client,
                                BedrockRuntimeAsyncClientBuilder asyncClientBuilder) {
        this.interceptor = interceptor;
        this.client = client;
        this.asyncClientBuilder = asyncClientBuilder;
    }

    /**
     * Returns a builder; a resolver and a meter (or a ready {@link TenantRoutingInterceptor}) are required.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns call options that name the tenant, for code that calls a model directly rather than in a
     * {@link TenantScope}: {@code model.chat(request, TenantBedrockModels.optionsFor(tenant))}.
     *
     * @param tenant the tenant
     * @return options with the {@link #TENANT} listener attribute
     */
    public static ChatRequestOptions optionsFor(TenantContext tenant) {
        return ChatRequestOptions.builder().addListenerAttribute(TENANT, Objects.requireNonNull(tenant, "tenant"))
                .build();
    }

    /**
     * Builds a chat model for a logical model id (e.g. {@code "claude-haiku"}), routed per tenant.
     *
     * @param logicalModel the model id the resolver knows
     * @return the model; thread-safe
     */
    public BedrockChatModel chatModel(String logicalModel) {
        return chatModel(logicalModel, b -> { });
    }

    /**
     * Builds a chat model for a logical model id, with LangChain4j settings (default request parameters,
     * {@code maxRetries}, listeners, capabilities). The model id and the client are set by this class: the settings
     * {@code modelId}, {@code client}, and those that only apply to a client the model builds itself
     * ({@code region}, {@code timeout}, logging, {@code customHeaders}) have no effect; configure the SDK clients with
     * {@link Builder#client(Consumer)} instead.
     *
     * @param logicalModel the model id the resolver knows
     * @param settings LangChain4j settings for the model
     * @return the model; thread-safe
     */
    public BedrockChatModel chatModel(String logicalModel, Consumer<BedrockChatModel.Builder> settings) {
        requireModel(logicalModel);
        BedrockChatModel.Builder b = BedrockChatModel.builder();
        settings.accept(b);
        return new TenantChatModel(b.modelId(logicalModel).client(client));
    }

    /**
     * Builds a streaming chat model for a logical model id, routed per tenant.
     *
     * @param logicalModel the model id the resolver knows
     * @return the model; thread-safe
     */
    public BedrockStreamingChatModel streamingChatModel(String logicalModel) {
        return streamingChatModel(logicalModel, b -> { });
    }

    /**
     * Builds a streaming chat model for a logical model id, with LangChain4j settings; as for
     * {@link #chatModel(String, Consumer)}, the model id and the client are set by this class. The async SDK client
     * all streaming models share is built with the first of them, from the {@link Builder#client(Consumer)}
     * settings.
     *
     * @param logicalModel the model id the resolver knows
     * @param settings LangChain4j settings for the model
     * @return the model; thread-safe
     */
    public BedrockStreamingChatModel streamingChatModel(String logicalModel,
                                                        Consumer<BedrockStreamingChatModel.Builder> settings) {
        requireModel(logicalModel);
        BedrockStreamingChatModel.Builder b = BedrockStreamingChatModel.builder();
        settings.accept(b);
        return new TenantStreamingChatModel(b.modelId(logicalModel).client(asyncClient()));
    }

    private synchronized BedrockRuntimeAsyncClient asyncClient() {
        if (closed) {
            throw new IllegalStateException("TenantBedrockModels is closed");
        }
        if (asyncClient == null) {
            asyncClient = new RejectionTranslatingAsyncClient(asyncClientBuilder.build());
        }
        return asyncClient;
    }

    /**
     * Returns the interceptor on the models' clients, to put on other Bedrock clients of the application so that
     * their calls are routed and metered the same way.
     *
     * @return the interceptor
     */
    public TenantRoutingInterceptor interceptor() {
        return interceptor;
    }

    /** Closes the SDK clients this instance built; the models cannot be used afterwards. */
    @Override
    public void close() {
        BedrockRuntimeAsyncClient async;
        synchronized (this) {
            closed = true;
            async = asyncClient;
        }
        try {
            client.close();
        } finally {
            if (async != null) {
                async.close();
            }
        }
    }

    private static void requireModel(String logicalModel) {
        if (logicalModel == null || logicalModel.isBlank()) {
            throw new ConfigurationException("A tenant-aware model needs a logical model id, e.g. \"claude-haiku\","
                    + " that the profile resolver maps to each tenant's profile");
        }
    }

    /** Builds {@link TenantBedrockModels}. Not thread-safe; confine to one thread. */
    public static final class Builder {
        private TenantProfileResolver resolver;
        private UsageMeter meter;
        private Admission admission;
        private Predicate<String> logicalModels;
        private CallObserver observer;
        private TenantRoutingInterceptor interceptor;
        private ClientSettings clientSettings;
        private SdkHttpClient httpClient;
        private SdkAsyncHttpClient asyncHttpClient;

        private Builder() {
        }

        /**
         * Sets how tenants' profiles are found (required unless {@link #interceptor} is given).
         *
         * @param value the resolver
         * @return this builder
         */
        public Builder resolver(TenantProfileResolver value) {
            resolver = Objects.requireNonNull(value, "resolver");
            return this;
        }

        /**
         * Sets the metering engine (required unless {@link #interceptor} is given); share it with the rest of the
         * application so all usage lands in the same sink.
         *
         * @param value the meter
         * @return this builder
         */
        public Builder meter(UsageMeter value) {
            meter = Objects.requireNonNull(value, "meter");
            return this;
        }

        /**
         * Sets the governance admission, e.g. a {@link dev.aip.core.governance.Governance}; default: every call is
         * admitted. A refusal reaches the caller as {@link CallRejectedException}.
         *
         * @param value the admission
         * @return this builder
         */
        public Builder admission(Admission value) {
            admission = Objects.requireNonNull(value, "admission");
            return this;
        }

        /**
         * Sets which model ids are logical names to route per tenant; default: every id that is not an ARN. Any other
         * id (a profile ARN) is sent only if it is the tenant's own profile or a shared one, as the interceptor's
         * ownership rule decides; otherwise the call is refused ({@link CallRejectedException}).
         *
         * @param rule accepts a model id to route
         * @return this builder
         */
        public Builder logicalModels(Predicate<String> rule) {
            logicalModels = Objects.requireNonNull(rule, "rule");
            return this;
        }

        /**
         * Sets who watches every model call and attempt, e.g. {@code TracingCallObserver} of
         * {@code aip-opentelemetry} for a trace span per call (under the caller's current span) and per attempt;
         * default none.
         *
         * @param value the observer
         * @return this builder
         */
        public Builder observer(CallObserver value) {
            observer = Objects.requireNonNull(value, "observer");
            return this;
        }

        /**
         * Uses an interceptor the application already built (and shares with its other clients) instead of building
         * one from {@link #resolver}, {@link #meter}, {@link #admission}, {@link #logicalModels} and
         * {@link #observer}.
         *
         * @param value the interceptor
         * @return this builder
         */
        public Builder interceptor(TenantRoutingInterceptor value) {
            interceptor = Objects.requireNonNull(value, "interceptor");
            return this;
        }

        /**
         * Configures the SDK clients of all models: the sync client of the chat models and the async client of the
         * streaming models, with the same settings. Set here everything the two have in common: Region,
         * credentials, endpoint override, override configuration (retry strategy, timeouts, execution
         * interceptors), Bedrock API-key token provider. The settings are applied to each client's fresh builder
         * ({@code B} is {@link BedrockRuntimeClientBuilder} for one and {@link BedrockRuntimeAsyncClientBuilder}
         * for the other), so streaming can never go elsewhere than the chat calls. Once Region, credentials and
         * endpoint are set here, neither client looks them up in the environment; what is left unset, both look up
         * the same way (the SDK's default chains).
         *
         * <pre>{@code
         * .client(c -> c.region(Region.US_WEST_2)
         *         .credentialsProvider(ProfileCredentialsProvider.create("bedrock"))
         *         .overrideConfiguration(o -> o.apiCallTimeout(Duration.ofMinutes(2))))
         * }</pre>
         *
         * <p>The routing interceptor is added after these settings, next to any interceptors they add. The HTTP
         * clients, which differ between the two, are set with {@link #httpClient(SdkHttpClient)} and
         * {@link #asyncHttpClient(SdkAsyncHttpClient)}.
         *
         * @param settings applied to the builder of each client: a lambda with an untyped parameter, or a method
         *     reference to a generic {@code <B extends AwsClientBuilder<B, ?>> B configure(B builder)}; settings
         *     typed for one of the two builders fail {@link #build()} with a {@link ConfigurationException}
         * @param <B> the builder being configured
         * @return this builder
         * @throws ConfigurationException if the client settings were already set
         */
        public <B extends BedrockRuntimeBaseClientBuilder<B, ?>> Builder client(Consumer<B> settings) {
            Objects.requireNonNull(settings, "settings");
            if (clientSettings != null) {
                throw new ConfigurationException("The client settings were already set to " + clientSettings.given
                        + "; set them once, with everything both clients need: client(c -> c.region(...)"
                        + ".credentialsProvider(...)...)");
            }
            clientSettings = new ClientSettings(settings);
            return this;
        }

        /**
         * Sets the HTTP client of the sync SDK client (chat models); default: the SDK's default sync HTTP client.
         * The application owns it: {@link TenantBedrockModels#close()} does not close it.
         *
         * @param value the HTTP client, e.g. {@code ApacheHttpClient.builder().maxConnections(200).build()}
         * @return this builder
         * @throws ConfigurationException if it was already set
         */
        public Builder httpClient(SdkHttpClient value) {
            Objects.requireNonNull(value, "value");
            if (httpClient != null) {
                throw new ConfigurationException("The sync HTTP client was already set to " + httpClient
                        + "; set it once (it cannot be " + value + " too)");
            }
            httpClient = value;
            return this;
        }

        /**
         * Sets the HTTP client of the async SDK client (streaming models); default: the SDK's default async HTTP
         * client (Netty). The application owns it: {@link TenantBedrockModels#close()} does not close it.
         *
         * @param value the HTTP client, e.g. {@code NettyNioAsyncHttpClient.builder().maxConcurrency(500).build()}
         * @return this builder
         * @throws ConfigurationException if it was already set
         */
        public Builder asyncHttpClient(SdkAsyncHttpClient value) {
            Objects.requireNonNull(value, "value");
            if (asyncHttpClient != null) {
                throw new ConfigurationException("The async HTTP client was already set to " + asyncHttpClient
                        + "; set it once (it cannot be " + value + " too)");
            }
            asyncHttpClient = value;
            return this;
        }

        /**
         * Builds the SDK clients and returns the models' factory.
         *
         * @return the models' factory
         * @throws ConfigurationException if neither an interceptor nor a resolver and a meter are set, or an
         *     interceptor and its parts are both set, or the client settings only fit one of the two client builders
         */
        public TenantBedrockModels build() {
            TenantRoutingInterceptor routing = interceptor != null ? interceptor : buildInterceptor();
            if (interceptor != null && (resolver != null || meter != null || admission != null
                    || logicalModels != null || observer != null)) {
                throw new ConfigurationException("TenantBedrockModels takes either an interceptor or a resolver,"
                        + " meter, admission, logical-model rule and observer to build one, not both");
            }
            ClientSettings settings = clientSettings != null ? clientSettings : ClientSettings.NONE;
            BedrockRuntimeClientBuilder sync = settings.applyTo(BedrockRuntimeClient.builder());
            if (httpClient != null) {
                sync.httpClient(httpClient);
            }
            BedrockRuntimeAsyncClientBuilder async = settings.applyTo(BedrockRuntimeAsyncClient.builder());
            if (asyncHttpClient != null) {
                async.httpClient(asyncHttpClient);
            }
            BedrockRuntimeClient client = withInterceptor(sync, routing).build();
            return new TenantBedrockModels(routing, new RejectionTranslatingClient(client),
                    withInterceptor(async, routing));
        }

        private TenantRoutingInterceptor buildInterceptor() {
            if (resolver == null || meter == null) {
                throw new ConfigurationException("TenantBedrockModels needs a resolver and a meter (or a ready"
                        + " TenantRoutingInterceptor): set them with resolver(...) and meter(...)");
            }
            TenantRoutingInterceptor.Builder b = TenantRoutingInterceptor.builder().resolver(resolver).meter(meter);
            if (admission != null) {
                b.admission(admission);
            }
            if (logicalModels != null) {
                b.logicalModels(logicalModels);
            }
            if (observer != null) {
                b.observer(observer);
            }
            return b.build();
        }

        /**
         * The one set of client settings, applied to the sync and the async builder alike. The settings were
         * written for some {@code B extends BedrockRuntimeBaseClientBuilder<B, ?>}; both builders are such a
         * {@code B}, so handing each of them to the settings is type-safe although the compiler cannot check it.
         */
        private record ClientSettings(Consumer<?> given) {
            static final ClientSettings NONE = new ClientSettings(b -> { });

            @SuppressWarnings("unchecked")
            <B extends BedrockRuntimeBaseClientBuilder<B, ?>> B applyTo(B builder) {
                try {
                    ((Consumer<B>) given).accept(builder);
                } catch (ClassCastException e) {
                    // Settings typed for one builder, e.g. (BedrockRuntimeClientBuilder c) -> ..., given the other.
                    throw new ConfigurationException("The client settings could not be applied to the "
                            + (builder instanceof BedrockRuntimeAsyncClientBuilder ? "async" : "sync")
                            + " client builder (" + e.getMessage() + "). They configure both clients, so write"
                            + " them for either: client(c -> c.region(...).credentialsProvider(...)) with an untyped"
                            + " c, and set the HTTP clients with httpClient(...) and asyncHttpClient(...)", e);
                }
                return builder;
            }
        }

        /** Adds the interceptor to whatever override configuration the settings left, keeping its interceptors. */
        private static <B extends SdkClientBuilder<B, ?>> B withInterceptor(B builder,
                                                                         TenantRoutingInterceptor routing) {
            ClientOverrideConfiguration current = builder.overrideConfiguration();
            ClientOverrideConfiguration.Builder next = current == null ? ClientOverrideConfiguration.builder()
                    : current.toBuilder();
            return builder.overrideConfiguration(next.addExecutionInterceptor(routing).build());
        }
    }
}
