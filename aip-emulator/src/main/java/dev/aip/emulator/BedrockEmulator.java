package dev.aip.emulator;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * An in-process Amazon Bedrock: control plane ({@code bedrock}) and runtime ({@code bedrock-runtime}) on one HTTP
 * port that speaks HTTP/1.1 and HTTP/2 cleartext, so unmodified AWS SDK clients reach it with only an endpoint
 * override and dummy credentials.
 *
 * <pre>{@code
 * try (BedrockEmulator emulator = BedrockEmulator.builder().build().start()) {
 *     BedrockRuntimeClient runtime = BedrockRuntimeClient.builder()
 *         .endpointOverride(emulator.endpoint())
 *         .region(Region.of(emulator.region()))
 *         .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
 *         .build();
 *     ...
 * }
 * }</pre>
 *
 * <h2>The runtime model</h2>
 * Replies come from a deterministic model: the same request, foundation model and {@linkplain Builder#seed seed}
 * always give the same text and token counts. Its own replies are 20–60 output tokens ({@link Builder#replyTokens});
 * {@link #script()} overrides them per model and prompt (fixed text, N tokens, tool use including several tool
 * calls in one turn, errors, delays), and
 * {@code maxTokens} / stop sequences cut them ({@code max_tokens}, {@code stop_sequence}). Tokens are counted the
 * same way by Converse, ConverseStream, InvokeModel, InvokeModelWithResponseStream and CountTokens:
 * <ul>
 *   <li>text: {@code ceil(utf8Bytes / 4)} tokens;</li>
 *   <li>each message, and a non-empty system prompt: 3 tokens more;</li>
 *   <li>each tool definition: 8 plus its name, description and compact JSON input schema;</li>
 *   <li>a toolUse / tool_use block: 4 plus its name and compact JSON input; a toolResult block: 4 plus its
 *       content;</li>
 *   <li>an image sent as bytes: {@code ceil(width * height / 750)} from the size in its PNG, JPEG, GIF or WebP
 *       header, after scaling it down to 1568 px on the long edge and about 1,600 tokens (Anthropic's documented
 *       rule for Claude's vision, applied to every model); an image whose bytes are not of its declared format, or
 *       whose header cannot be read, is a {@code ValidationException};</li>
 *   <li>an image in S3, a document, video or audio block: 256;</li>
 *   <li>at least 1 per request.</li>
 * </ul>
 * Structured output: Converse and ConverseStream accept {@code outputConfig.textFormat} of type
 * {@code json_schema} for the models AWS documents it for (of this catalog, Claude Haiku 4.5; any other model is a
 * {@code ValidationException} naming the ones that have it). The schema is checked against the subset Bedrock
 * supports (recursive or external {@code $ref}, numeric and string constraints, {@code additionalProperties} other
 * than {@code false} and other unsupported keywords are refused; the README's emulator section has the whole list),
 * and the
 * model's own answer is then compact JSON text that validates against it, deterministic like every reply and
 * counted as text. Scripted text ({@code replyText}, {@code replyTokens}) is sent as scripted.
 *
 * <p>Embeddings: Amazon Titan Text Embeddings V2 ({@code amazon.titan-embed-text-v2:0}) answers InvokeModel in
 * its documented format ({@code inputText}, {@code dimensions} 1024, 512 or 256, {@code normalize},
 * {@code embeddingTypes}) with a vector seeded by the text alone, of unit length when normalized, and
 * {@code inputTextTokenCount} by the text rule above; the response has an input token count header and no output
 * count. It is on demand and has no system-defined profile (an application profile copies its model ARN); Converse,
 * the streaming operations and CountTokens refuse it with a {@code ValidationException}.
 *
 * <p>CountTokens takes a foundation-model id or ARN, as AWS does, also for a model that can be invoked only through
 * an inference profile; a system-defined or application profile id or ARN is a {@code ValidationException}
 * "The provided model doesn't support counting tokens."
 * Prompt caching: a {@code cachePoint} block (Converse, Nova) or {@code cache_control} (Anthropic) ends a cacheable
 * prefix, in the order tools, system, messages. Within its time to live ({@code 5m} default, or {@code 1h}),
 * measured on the {@linkplain Builder#clock clock}, a repeat reads the prefix ({@code cacheReadInputTokens});
 * otherwise it is written ({@code cacheWriteInputTokens}). {@code inputTokens} never includes cache tokens;
 * CountTokens answers all input tokens.
 *
 * <p>{@link Builder#modelCapacity(String, long, long) Account capacity}: optional tokens- and requests-per-minute
 * quotas per foundation model, shared by every caller of the model and enforced over a sliding minute on the
 * emulator's clock, so a throttling burst is real: above the quota Converse answers 429 {@code ThrottlingException}
 * and ConverseStream a {@code throttlingException} inside the stream, as Bedrock does.
 *
 * <p>{@link #faults()} injects throttling, errors, latency and stream faults; {@link #metrics()} and
 * {@link #invocations()} show what the server counted (see {@link InvocationRecord} for each outcome).
 *
 * <p>Stream resets (a client cancelling a ConverseStream, a stream-cut fault) end only their own stream: the HTTP/2
 * rapid-reset guard closes a connection only past {@linkplain Builder#maxResetFramesPerWindow 1,000,000 resets per
 * 30 seconds}, so the other calls on it are never cut and re-sent by the client (and counted twice).
 *
 * <p>Thread-safe: share one instance across threads and clients. {@link #close()} stops the server and is
 * idempotent.
 */
public final class BedrockEmulator implements AutoCloseable {

    private final EmulatorConfig config;
    private final ControlPlane controlPlane;
    private final RuntimeApi runtime;
    private final NettyTransport transport;
    private volatile InetSocketAddress address;

    private BedrockEmulator(EmulatorConfig config, RuntimeSettings runtimeSettings) {
        this.config = config;
        this.controlPlane = new ControlPlane(config);
        this.runtime = new RuntimeApi(config, controlPlane, runtimeSettings);
        this.transport = new NettyTransport(config, new Router(controlPlane, runtime));
    }

    /** A builder with the defaults: loopback, ephemeral port, account 123456789012, us-east-1, seed 42. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Binds the port and starts serving.
     *
     * @return this emulator
     * @throws IllegalStateException if it was started before
     * @throws java.io.UncheckedIOException if the port cannot be bound
     */
    public synchronized BedrockEmulator start() {
        if (address != null) {
            throw new IllegalStateException("the emulator is already started on " + endpoint());
        }
        address = transport.start();
        return this;
    }

    /**
     * The base URI for {@code endpointOverride}, e.g. {@code http://127.0.0.1:41234}.
     *
     * @throws IllegalStateException before {@link #start()}
     */
    public URI endpoint() {
        InetSocketAddress a = address;
        if (a == null) {
            throw new IllegalStateException("the emulator is not started");
        }
        String host = a.getAddress().getHostAddress();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + a.getPort());
    }

    /** The bound port. */
    public int port() {
        endpoint();
        return address.getPort();
    }

    /** The account id used in every ARN the emulator issues. */
    public String accountId() {
        return config.accountId();
    }

    /** The region used in every ARN the emulator issues; give the same region to the SDK clients. */
    public String region() {
        return config.region();
    }

    /** Scripted model behaviour (replies, tool use, errors, delays per model and prompt). */
    public Script script() {
        return runtime.script();
    }

    /** Fault plans per model id and globally; starts with the plans given to the builder. */
    public Faults faults() {
        return runtime.faults();
    }

    /**
     * The CloudWatch-style counters per {@code ModelId} (the application profile's id for calls through an
     * application inference profile, otherwise the id as called), sorted by id. Also served as JSON at
     * {@code GET /_emulator/metrics}. A snapshot; immutable.
     */
    public Map<String, ModelMetrics> metrics() {
        return runtime.view().metrics();
    }

    /** The counters of one {@code ModelId}; all zero if it has none. */
    public ModelMetrics metrics(String modelId) {
        return runtime.view().metrics(modelId);
    }

    /**
     * The invocation log, oldest first: every Converse, ConverseStream, InvokeModel and InvokeModelWithResponseStream
     * call, including throttled and rejected ones (CountTokens is not an invocation). Bounded (see
     * {@link Builder#invocationLogCapacity}); also served as JSON at {@code GET /_emulator/invocations} with the
     * filters {@code modelId}, {@code operation}, {@code outcome}, {@code requestMetadata.<key>=<value>} and
     * {@code limit}. A snapshot; immutable.
     */
    public List<InvocationRecord> invocations() {
        return runtime.view().invocations();
    }

    /** How many records the bounded invocation log has dropped, oldest first. */
    public long evictedInvocations() {
        return runtime.view().evicted();
    }

    /** Zeroes every counter and empties the invocation log. The prompt cache, script and faults are kept. */
    public void resetMetrics() {
        runtime.view().reset();
    }

    /** The control plane, for {@link BillingExport}: the profiles' tags and the model catalog. */
    ControlPlane controlPlane() {
        return controlPlane;
    }

    /** Forgets every cached prompt prefix. */
    public void clearPromptCache() {
        runtime.promptCache().clear();
    }

    @Override
    public void close() {
        transport.close();
    }

    /** Builds a {@link BedrockEmulator}. Not thread-safe; use from one thread. */
    public static final class Builder {
        private InetAddress bindAddress = InetAddress.getLoopbackAddress();
        private int port;
        private String accountId = "123456789012";
        private String region = "us-east-1";
        private long seed = 42;
        private Clock clock = Clock.systemUTC();
        private int profileQuota = 1000;
        private int maxRequestBodyBytes = 26 * 1024 * 1024;
        private int maxHeaderBytes = 64 * 1024;
        private int workerThreads = 64;
        private int maxResetFrames = EmulatorConfig.DEFAULT_MAX_RESET_FRAMES;
        private Duration resetWindow = EmulatorConfig.DEFAULT_RESET_WINDOW;
        private int minReplyTokens = RuntimeSettings.DEFAULTS.minReplyTokens();
        private int maxReplyTokens = RuntimeSettings.DEFAULTS.maxReplyTokens();
        private int streamChunkTokens = RuntimeSettings.DEFAULTS.streamChunkTokens();
        private int invocationLogCapacity = RuntimeSettings.DEFAULTS.invocationLogCapacity();
        private FaultPlan globalFaults = FaultPlan.NONE;
        private final Map<String, FaultPlan> faults = new LinkedHashMap<>();
        private final Map<String, AccountQuotas.Limit> capacities = new LinkedHashMap<>();

        private Builder() {
        }

        /** TCP port to listen on; 0 (the default) picks a free one. */
        public Builder port(int port) {
            this.port = port;
            return this;
        }

        /** Address to listen on; loopback by default. */
        public Builder bindAddress(InetAddress bindAddress) {
            this.bindAddress = Objects.requireNonNull(bindAddress, "bindAddress");
            return this;
        }

        /** Host name or literal address to listen on. */
        public Builder bindAddress(String host) {
            try {
                return bindAddress(InetAddress.getByName(host));
            } catch (UnknownHostException e) {
                throw new IllegalArgumentException("unknown bind address " + host, e);
            }
        }

        /** The 12-digit account id used in ARNs. */
        public Builder accountId(String accountId) {
            this.accountId = accountId;
            return this;
        }

        /** The region used in ARNs. */
        public Builder region(String region) {
            this.region = region;
            return this;
        }

        /** Seed of the deterministic model: same request and seed, same reply and token counts. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Clock for timestamps and the invocation log. */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** How many application inference profiles the account may hold (default 1000). */
        public Builder profileQuota(int profileQuota) {
            this.profileQuota = profileQuota;
            return this;
        }

        /** Largest request body accepted (default 26 MiB; Bedrock accepts 25,000,000 bytes). */
        public Builder maxRequestBodyBytes(int maxRequestBodyBytes) {
            this.maxRequestBodyBytes = maxRequestBodyBytes;
            return this;
        }

        /** Largest request head accepted (default 64 KiB). */
        public Builder maxHeaderBytes(int maxHeaderBytes) {
            this.maxHeaderBytes = maxHeaderBytes;
            return this;
        }

        /**
         * Threads answering requests (default 64). Injected latency and stream pacing wait on a timer and hold no
         * thread, so this bounds the work done at once, not how many slow calls can be in flight.
         */
        public Builder workerThreads(int workerThreads) {
            this.workerThreads = workerThreads;
            return this;
        }

        /**
         * The HTTP/2 rapid-reset guard: a connection that receives more than {@code frames} RST_STREAM frames within
         * {@code window}, or sends more than that many, is closed with GOAWAY {@code ENHANCE_YOUR_CALM}, which ends
         * every stream on it (clients then re-send those calls). Clients reset streams all the time (an AWS SDK
         * cancel of a ConverseStream is one), and so does a stream-cut {@linkplain FaultPlan fault}, so the default,
         * 1,000,000 per 30 seconds, is far above what they produce and only stops a reset flood. Netty's own default
         * (200 per 30 seconds) would close busy connections of well-behaved clients.
         *
         * @param frames RST_STREAM frames allowed per window and direction; 0 for no limit
         * @param window a whole number of seconds, at least 1 second
         * @return this builder
         * @throws IllegalArgumentException from {@link #build()} if {@code frames} is negative or {@code window} is
         *     not a positive whole number of seconds
         */
        public Builder maxResetFramesPerWindow(int frames, Duration window) {
            this.maxResetFrames = frames;
            this.resetWindow = Objects.requireNonNull(window, "window");
            return this;
        }

        /**
         * Length of the model's own replies, in output tokens, drawn per request from the seeded PRNG (default
         * 20–60). Scripts and {@code maxTokens} override it per call.
         */
        public Builder replyTokens(int min, int max) {
            this.minReplyTokens = min;
            this.maxReplyTokens = max;
            return this;
        }

        /** About how many tokens of text each stream delta carries (default 4). */
        public Builder streamChunkTokens(int tokens) {
            this.streamChunkTokens = tokens;
            return this;
        }

        /** How many invocation records are kept (default 1,000,000); older ones are evicted and counted. */
        public Builder invocationLogCapacity(int capacity) {
            this.invocationLogCapacity = capacity;
            return this;
        }

        /** The fault and latency profile of every call that no per-model plan matches; {@link Faults#clear()} returns to it. */
        public Builder faults(FaultPlan plan) {
            this.globalFaults = Objects.requireNonNull(plan, "plan");
            return this;
        }

        /** A fault and latency profile for one model id (as called, profile ARN or id, or foundation model). */
        public Builder faults(String modelId, FaultPlan plan) {
            this.faults.put(Objects.requireNonNull(modelId, "modelId"), Objects.requireNonNull(plan, "plan"));
            return this;
        }

        /**
         * Gives the account a tokens-per-minute quota for one foundation model, shared by every call that reaches
         * it (through any profile or its own id), as Bedrock's quota is per model and region for the whole account.
         * See {@link #modelCapacity(String, long, long)}.
         *
         * @param foundationModelId e.g. {@code anthropic.claude-3-5-haiku-20241022-v1:0}
         * @param tokensPerMinute at least 1
         * @return this builder
         */
        public Builder modelCapacity(String foundationModelId, long tokensPerMinute) {
            return modelCapacity(foundationModelId, tokensPerMinute, 0);
        }

        /**
         * Gives the account quotas for one foundation model, over a sliding minute on the {@linkplain #clock clock}:
         * a call takes its input tokens plus its output cap ({@code maxTokens}, else the longest
         * {@linkplain #replyTokens reply}) when it starts, corrected to the tokens it really used (input, output and
         * cache) when it ends. A call that does not fit is throttled, exactly as Bedrock does: Converse and
         * InvokeModel get a 429 {@code ThrottlingException} ("Too many tokens, please wait before trying again." or
         * "Too many requests, ..."); ConverseStream and InvokeModelWithResponseStream get a 200 stream whose only
         * event is a {@code throttlingException}. A throttled call takes nothing and is not an invocation.
         *
         * @param foundationModelId e.g. {@code anthropic.claude-3-5-haiku-20241022-v1:0}
         * @param tokensPerMinute tokens per sliding minute, 0 for no token limit
         * @param requestsPerMinute calls per sliding minute, 0 for no request limit
         * @return this builder
         * @throws IllegalArgumentException if both are 0, either is negative, or the model id is blank
         */
        public Builder modelCapacity(String foundationModelId, long tokensPerMinute, long requestsPerMinute) {
            AccountQuotas.requireModel(foundationModelId);
            capacities.put(foundationModelId, new AccountQuotas.Limit(tokensPerMinute, requestsPerMinute));
            return this;
        }

        /**
         * Builds the emulator (not yet listening; call {@link BedrockEmulator#start()}).
         *
         * @throws IllegalArgumentException naming the setting that is invalid
         */
        public BedrockEmulator build() {
            return new BedrockEmulator(new EmulatorConfig(bindAddress, port, accountId, region, seed, clock,
                    profileQuota, maxRequestBodyBytes, maxHeaderBytes, workerThreads, maxResetFrames, resetWindow),
                    new RuntimeSettings(minReplyTokens, maxReplyTokens, streamChunkTokens, invocationLogCapacity,
                            globalFaults, faults, capacities));
        }
    }
}
