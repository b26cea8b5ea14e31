package dev.aip.testkit;

import dev.aip.core.metering.UsageMeter;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.StaticProfileResolver;
import dev.aip.core.sink.UsageSink;
import dev.aip.core.sink.UsageSinks;
import dev.aip.core.tenant.TenantId;
import dev.aip.emulator.BedrockEmulator;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrock.model.Tag;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;

/**
 * An in-process Bedrock emulator set up for multi-tenant tests: one application inference profile per tenant (tagged
 * {@code TenantId}, over {@value #SOURCE_MODEL}), a {@link StaticProfileResolver} that routes the logical model
 * {@value #MODEL} to each tenant's profile, a {@link UsageMeter} whose records the fixture collects, and AWS SDK
 * clients
 * pointed at the emulator with dummy credentials. No AWS account and no network are needed.
 *
 * <p>As a JUnit 5 extension on a static field, it runs for the test class and closes after it:
 *
 * <pre>{@code
 * @RegisterExtension
 * static final EmulatorFixture BEDROCK = EmulatorFixture.builder().tenants("acme", "globex").build();
 *
 * @BeforeEach
 * void clean() {
 *     BEDROCK.reset();
 * }
 *
 * @Test
 * void converse_forAcme_isMeteredOnAcmesProfile() {
 *     ChatClient chat = ChatPipeline.builder().resolver(BEDROCK.resolver()).meter(BEDROCK.meter())
 *         .transport(BedrockChatTransport.builder().client(BEDROCK.runtimeClient())
 *             .asyncClient(BEDROCK.asyncRuntimeClient()).build())
 *         .build();
 *     chat.chat(TenantContext.of("acme"), ChatRequest.builder().model(EmulatorFixture.MODEL)
 *         .message(ChatMessage.user("Hello")).build());
 *     assertThat(BEDROCK.records()).singleElement()
 *         .extracting(UsageRecord::profileArn).isEqualTo(BEDROCK.profileArn("acme"));
 * }
 * }</pre>
 *
 * <p>Or use it in try-with-resources. The SDK clients it hands out have SDK retries off (each attempt is one HTTP
 * exchange the emulator sees) and are closed with the fixture.
 *
 * <p>Thread-safe: tests may use one fixture from parallel threads (records are collected in a concurrent list). The
 * emulator's script, faults and metrics are shared by every test using the fixture; call {@link #reset()} between
 * tests.
 */
public final class EmulatorFixture implements AutoCloseable, AfterAllCallback {

    /** The logical model the resolver routes for every tenant. */
    public static final String MODEL = "claude-haiku";

    /** The foundation model behind every tenant's profile. */
    public static final String SOURCE_MODEL = "anthropic.claude-3-5-haiku-20241022-v1:0";

    private static final StaticCredentialsProvider DUMMY =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "dummy-secret"));

    private final BedrockEmulator emulator;
    private final BedrockClient control;
    private final UsageMeter meter;
    private final StaticProfileResolver resolver;
    private final Map<TenantId, String> arns;
    private final List<UsageRecord> records = new CopyOnWriteArrayList<>();
    private final List<AutoCloseable> clients = new CopyOnWriteArrayList<>();

    private EmulatorFixture(Builder b) {
        BedrockEmulator.Builder eb = BedrockEmulator.builder();
        b.emulator.accept(eb);
        emulator = eb.build().start();
        try {
            control = configure(BedrockClient.builder())
                    .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())).build();
            UsageMeter.Builder mb = UsageMeter.builder();
            b.meter.accept(mb);
            UsageSink collect = records::add;
            UsageSink sink = b.sinks.isEmpty() ? collect
                    : UsageSinks.fanOut(concat(collect, b.sinks));
            meter = mb.sink(sink::accept).region(emulator.region()).build();
            StaticProfileResolver.Builder rb = StaticProfileResolver.builder().trustMapping();
            Map<TenantId, String> byTenant = new LinkedHashMap<>();
            for (TenantId t : b.tenants) {
                String arn = control.createInferenceProfile(r -> r.inferenceProfileName("aip-" + t.value() + "-haiku")
                        .modelSource(s -> s.copyFrom("arn:aws:bedrock:" + emulator.region() + "::foundation-model/"
                                + SOURCE_MODEL))
                        .tags(Tag.builder().key("TenantId").value(t.value()).build())).inferenceProfileArn();
                byTenant.put(t, arn);
                rb.profile(t, MODEL, arn, SOURCE_MODEL);
            }
            arns = Map.copyOf(byTenant);
            resolver = rb.build();
        } catch (RuntimeException e) {
            emulator.close();
            throw e;
        }
    }

    private static UsageSink[] concat(UsageSink first, List<UsageSink> rest) {
        UsageSink[] all = new UsageSink[rest.size() + 1];
        all[0] = first;
        for (int i = 0; i < rest.size(); i++) {
            all[i + 1] = rest.get(i);
        }
        return all;
    }

    /**
     * Starts configuring a fixture.
     *
     * @return a builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Starts a fixture with one profile per tenant and the emulator's defaults.
     *
     * @param tenants tenant ids
     * @return the running fixture
     */
    public static EmulatorFixture start(String... tenants) {
        return builder().tenants(tenants).build();
    }

    /** @return the running emulator: its script, faults, invocation log and per-model metrics */
    public BedrockEmulator emulator() {
        return emulator;
    }

    /** @return the resolver that routes {@value #MODEL} to each tenant's profile (mapping trusted, no lookups) */
    public StaticProfileResolver resolver() {
        return resolver;
    }

    /**
     * Returns a tenant's profile ARN.
     *
     * @param tenant the tenant id
     * @return the ARN of the profile created for it
     * @throws IllegalArgumentException if the fixture has no profile for the tenant
     */
    public String profileArn(String tenant) {
        String arn = arns.get(TenantId.of(tenant));
        if (arn == null) {
            throw new IllegalArgumentException("No profile for tenant " + tenant + "; the fixture has "
                    + arns.keySet());
        }
        return arn;
    }

    /**
     * Returns the tenant whose profile an ARN names.
     *
     * @param profileArn a profile ARN, e.g. from the emulator's invocation log
     * @return the tenant, or {@code null} if the ARN is none of the fixture's profiles
     */
    public @Nullable TenantId ownerOf(String profileArn) {
        for (Map.Entry<TenantId, String> e : arns.entrySet()) {
            if (e.getValue().equals(profileArn)) {
                return e.getKey();
            }
        }
        return null;
    }

    /** @return the meter; its records are collected by {@link #records()} (and go to any sinks the builder added) */
    public UsageMeter meter() {
        return meter;
    }

    /** @return a copy of the records the meter produced since the start or the last {@link #reset()}, in order */
    public List<UsageRecord> records() {
        return new ArrayList<>(records);
    }

    /**
     * Returns a new synchronous runtime client pointed at the emulator, SDK retries off.
     *
     * @param interceptors execution interceptors to add, e.g. aip's {@code TenantRoutingInterceptor}
     * @return the client, closed with the fixture
     */
    public BedrockRuntimeClient runtimeClient(ExecutionInterceptor... interceptors) {
        return track(configure(BedrockRuntimeClient.builder()).overrideConfiguration(noRetries(interceptors)).build());
    }

    /**
     * Returns a new asynchronous runtime client pointed at the emulator (HTTP/2, as the SDK's default), SDK retries
     * off.
     *
     * @param interceptors execution interceptors to add
     * @return the client, closed with the fixture
     */
    public BedrockRuntimeAsyncClient asyncRuntimeClient(ExecutionInterceptor... interceptors) {
        return track(configure(BedrockRuntimeAsyncClient.builder()).overrideConfiguration(noRetries(interceptors))
                .build());
    }

    /** @return the control-plane client the fixture created the profiles with (SDK retries off), closed with it */
    public BedrockClient controlClient() {
        return control;
    }

    /**
     * Points any AWS SDK client builder at the emulator: endpoint, region and dummy credentials. For clients built
     * elsewhere, e.g. in a framework adapter's client customizer.
     *
     * @param builder the client builder
     * @param <B> the builder type
     * @return the same builder
     */
    public <B extends AwsClientBuilder<B, ?>> B configure(B builder) {
        return builder.endpointOverride(emulator.endpoint()).region(Region.of(emulator.region()))
                .credentialsProvider(DUMMY);
    }

    /** Forgets the collected records and the emulator's invocation log, metrics, script and prompt cache. */
    public void reset() {
        records.clear();
        emulator.resetMetrics();
        emulator.script().clear();
        emulator.clearPromptCache();
    }

    /** Closes the clients the fixture handed out, then the emulator. */
    @Override
    public void close() {
        for (AutoCloseable c : clients) {
            try {
                c.close();
            } catch (Exception e) {
                // closing the rest matters more than one client's complaint
            }
        }
        clients.clear();
        control.close();
        emulator.close();
    }

    /** Closes the fixture after the test class, when registered with {@code @RegisterExtension} on a static field. */
    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    private <C extends AutoCloseable> C track(C client) {
        clients.add(client);
        return client;
    }

    private static ClientOverrideConfiguration noRetries(ExecutionInterceptor... interceptors) {
        ClientOverrideConfiguration.Builder o = ClientOverrideConfiguration.builder()
                .retryStrategy(AwsRetryStrategy.doNotRetry());
        for (ExecutionInterceptor i : interceptors) {
            o.addExecutionInterceptor(Objects.requireNonNull(i, "interceptor"));
        }
        return o.build();
    }

    /**
     * Configures an {@link EmulatorFixture}.
     *
     * <p>Confined to the thread that builds.
     */
    public static final class Builder {
        private final List<TenantId> tenants = new ArrayList<>();
        private final List<UsageSink> sinks = new ArrayList<>();
        private Consumer<BedrockEmulator.Builder> emulator = b -> { };
        private Consumer<UsageMeter.Builder> meter = b -> { };

        private Builder() {
        }

        /**
         * Adds tenants; each gets its own profile.
         *
         * @param ids tenant ids, validated as {@link TenantId}s
         * @return this builder
         */
        public Builder tenants(String... ids) {
            for (String id : ids) {
                TenantId t = TenantId.of(id);
                if (!tenants.contains(t)) {
                    tenants.add(t);
                }
            }
            return this;
        }

        /**
         * Configures the emulator before it starts (faults, reply sizes, capacity, clock).
         *
         * @param customizer applied to the emulator's builder
         * @return this builder
         */
        public Builder emulator(Consumer<BedrockEmulator.Builder> customizer) {
            emulator = Objects.requireNonNull(customizer, "customizer");
            return this;
        }

        /**
         * Configures the meter (clock, ticker, price catalog). Its sink is the fixture's: a sink set here is replaced;
         * add sinks with {@link #sink}.
         *
         * @param customizer applied to the meter's builder
         * @return this builder
         */
        public Builder meter(Consumer<UsageMeter.Builder> customizer) {
            meter = Objects.requireNonNull(customizer, "customizer");
            return this;
        }

        /**
         * Adds a sink that receives every record too, after the fixture's collection; a failing sink is isolated
         * from the others.
         *
         * @param sink the sink under test, for example
         * @return this builder
         */
        public Builder sink(UsageSink sink) {
            sinks.add(Objects.requireNonNull(sink, "sink"));
            return this;
        }

        /**
         * Starts the emulator and creates the profiles.
         *
         * @return the running fixture
         */
        public EmulatorFixture build() {
            return new EmulatorFixture(this);
        }
    }
}
