package dev.aip.emulator;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Clock;
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
 * <p>Thread-safe: share one instance across threads and clients. {@link #close()} stops the server and is
 * idempotent.
 */
public final class BedrockEmulator implements AutoCloseable {

    private final EmulatorConfig config;
    private final ControlPlane controlPlane;
    private final RuntimeApi runtime;
    private final NettyTransport transport;
    private volatile InetSocketAddress address;

    private BedrockEmulator(EmulatorConfig config) {
        this.config = config;
        this.controlPlane = new ControlPlane(config);
        this.runtime = new RuntimeApi(config, controlPlane);
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

        /** Threads answering requests (default 64); streams with injected delays hold one each while they run. */
        public Builder workerThreads(int workerThreads) {
            this.workerThreads = workerThreads;
            return this;
        }

        /**
         * Builds the emulator (not yet listening; call {@link BedrockEmulator#start()}).
         *
         * @throws IllegalArgumentException naming the setting that is invalid
         */
        public BedrockEmulator build() {
            return new BedrockEmulator(new EmulatorConfig(bindAddress, port, accountId, region, seed, clock,
                    profileQuota, maxRequestBodyBytes, maxHeaderBytes, workerThreads));
        }
    }
}
