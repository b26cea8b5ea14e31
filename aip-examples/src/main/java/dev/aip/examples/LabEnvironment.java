package dev.aip.examples;

import dev.aip.emulator.BedrockEmulator;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.AwsRegionProvider;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * Where a lab runs: the embedded Bedrock emulator (the default) or real AWS ({@code --aws}). Builds the SDK clients
 * for either, knows the account id, and offers the server-side {@link ServerMetrics} view.
 *
 * <p>On the emulator, clients get an endpoint override and dummy static credentials; the emulator is started
 * in-process (or a given one is used) and has no CloudWatch. On AWS, credentials and Region come from the SDK's
 * default chains (the Region from {@code --region} when given), the account id from STS GetCallerIdentity, and the
 * server-side view from CloudWatch.
 *
 * <p>Confined to the lab's thread; closes every client it built, and the emulator if it started it.
 */
final class LabEnvironment implements AutoCloseable {

    /** How long CloudWatch reads look back: the workshop's last hour. */
    static final Duration METRICS_WINDOW = Duration.ofHours(1);

    /**
     * What the host offers: where {@code --aws} finds credentials and a Region (the SDK's default chains), and
     * which emulator the default mode uses ({@code null}: start one). Tests replace these so that nothing depends on
     * the machine they run on. Immutable.
     *
     * @param credentials the credentials provider to use with {@code --aws}
     * @param regions the Region provider to use with {@code --aws} when {@code --region} is not given
     * @param emulator a started emulator to use instead of starting one, or {@code null}
     */
    record Host(Supplier<AwsCredentialsProvider> credentials, Supplier<AwsRegionProvider> regions,
                BedrockEmulator emulator) {

        Host {
            Objects.requireNonNull(credentials, "credentials");
            Objects.requireNonNull(regions, "regions");
        }

        /** The SDK's default credential and Region chains; a fresh emulator per lab. */
        static Host system() {
            return new Host(() -> DefaultCredentialsProvider.builder().build(), DefaultAwsRegionProviderChain::new,
                    null);
        }

        /** The same host, with a started emulator the lab uses and leaves running. */
        Host withEmulator(BedrockEmulator started) {
            return new Host(credentials, regions, Objects.requireNonNull(started, "started"));
        }
    }

    private final boolean aws;
    private final Region region;
    private final AwsCredentialsProvider credentials;
    private final BedrockEmulator emulator;
    private final boolean ownsEmulator;
    private final String accountId;
    private final Duration metricsWait;
    private final List<SdkAutoCloseable> clients = new ArrayList<>();
    private final BedrockClient bedrock;
    private final CloudWatchClient cloudWatch;
    private final ServerMetrics serverMetrics;

    private LabEnvironment(Region region, AwsCredentialsProvider credentials, BedrockEmulator emulator,
                           boolean ownsEmulator, Duration metricsWait) {
        this.aws = emulator == null;
        this.region = region;
        this.credentials = credentials;
        this.emulator = emulator;
        this.ownsEmulator = ownsEmulator;
        this.metricsWait = metricsWait;
        try {
            this.bedrock = track(configure(BedrockClient.builder()).build());
            if (aws) {
                try (StsClient sts = configure(StsClient.builder()).build()) {
                    this.accountId = sts.getCallerIdentity().account();
                }
                this.cloudWatch = track(configure(CloudWatchClient.builder()).build());
                this.serverMetrics = new CloudWatchServerMetrics(cloudWatch, Clock.systemUTC(), METRICS_WINDOW);
            } else {
                this.accountId = emulator.accountId();
                this.cloudWatch = null;
                this.serverMetrics = new EmulatorServerMetrics(emulator);
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /**
     * Opens the environment the options ask for.
     *
     * @throws SetupException with {@code --aws} when the host has no credentials or no Region; the message names
     *     what to set
     */
    static LabEnvironment open(LabOptions options, Host host) {
        if (options.metricsWaitSeconds < 0) {
            throw new SetupException("--metrics-wait must be 0 or more seconds, not " + options.metricsWaitSeconds);
        }
        if (!options.aws) {
            BedrockEmulator given = host.emulator();
            if (given != null) {
                return new LabEnvironment(Region.of(given.region()), emulatorCredentials(), given, false,
                        Duration.ZERO);
            }
            String region = options.region != null ? options.region : LabOptions.DEFAULT_EMULATOR_REGION;
            BedrockEmulator started = BedrockEmulator.builder().region(region).build().start();
            try {
                return new LabEnvironment(Region.of(region), emulatorCredentials(), started, true, Duration.ZERO);
            } catch (RuntimeException e) {
                started.close();
                throw e;
            }
        }
        List<String> missing = new ArrayList<>(2);
        AwsCredentialsProvider credentials = host.credentials().get();
        try {
            credentials.resolveCredentials();
        } catch (RuntimeException e) {
            missing.add("AWS credentials (set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run"
                    + " 'aws sso login')");
        }
        Region region = null;
        if (options.region != null) {
            region = Region.of(options.region);
        } else {
            try {
                region = host.regions().get().getRegion();
            } catch (RuntimeException e) {
                missing.add("a Region (set AWS_REGION or pass --region, e.g. --region us-west-2)");
            }
        }
        if (!missing.isEmpty()) {
            if (credentials instanceof SdkAutoCloseable closeable) {
                closeable.close();
            }
            throw new SetupException("--aws needs " + String.join(" and ", missing));
        }
        return new LabEnvironment(region, credentials, null, false, Duration.ofSeconds(options.metricsWaitSeconds));
    }

    private static AwsCredentialsProvider emulatorCredentials() {
        return StaticCredentialsProvider.create(AwsBasicCredentials.create("emulator", "emulator"));
    }

    /** Points a client builder at this environment: Region, credentials and, on the emulator, its endpoint. */
    <B extends AwsClientBuilder<B, ?>> B configure(B builder) {
        builder.region(region).credentialsProvider(credentials);
        if (!aws) {
            builder.endpointOverride(emulator.endpoint());
        }
        return builder;
    }

    private <C extends SdkAutoCloseable> C track(C client) {
        clients.add(client);
        return client;
    }

    /** Whether this is real AWS. */
    boolean aws() {
        return aws;
    }

    /** The Region every client uses. */
    String region() {
        return region.id();
    }

    /** The account id: from STS on AWS, the emulator's on the emulator. */
    String accountId() {
        return accountId;
    }

    /** The control-plane client. */
    BedrockClient bedrock() {
        return bedrock;
    }

    /** A new runtime client with the given interceptors (closed with this environment). */
    BedrockRuntimeClient runtime(ExecutionInterceptor... interceptors) {
        return track(configure(BedrockRuntimeClient.builder())
                .overrideConfiguration(o -> List.of(interceptors).forEach(o::addExecutionInterceptor))
                .build());
    }

    /** A new async runtime client (for ConverseStream) with the given interceptors (closed with this environment). */
    BedrockRuntimeAsyncClient runtimeAsync(ExecutionInterceptor... interceptors) {
        return track(configure(BedrockRuntimeAsyncClient.builder())
                .overrideConfiguration(o -> List.of(interceptors).forEach(o::addExecutionInterceptor))
                .build());
    }

    /** The emulator, when the lab runs on one; empty on AWS. */
    Optional<BedrockEmulator> emulator() {
        return Optional.ofNullable(emulator);
    }

    /** CloudWatch, on AWS only: the emulator has none. */
    Optional<CloudWatchClient> cloudWatch() {
        return Optional.ofNullable(cloudWatch);
    }

    /** The server-side per-{@code ModelId} view. */
    ServerMetrics serverMetrics() {
        return serverMetrics;
    }

    /** How long to wait for delayed server-side metrics; zero on the emulator. */
    Duration metricsWait() {
        return metricsWait;
    }

    /** One line saying where the lab runs. */
    String describe() {
        return aws
                ? "AWS account " + accountId + " in " + region.id()
                : "the embedded Bedrock emulator at " + emulator.endpoint() + " (account " + accountId + ", "
                        + region.id() + ")";
    }

    @Override
    public void close() {
        for (int i = clients.size() - 1; i >= 0; i--) {
            clients.get(i).close();
        }
        clients.clear();
        if (credentials instanceof SdkAutoCloseable closeable) {
            closeable.close();
        }
        if (ownsEmulator) {
            emulator.close();
        }
    }
}
