package dev.aip.core.bedrock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.aip.core.ProfileResolutionException;
import dev.aip.core.chat.ChatClient;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatPipeline;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.ChatStreamListener;
import dev.aip.core.governance.Governance;
import dev.aip.core.governance.PolicySet;
import dev.aip.core.governance.TenantPolicy;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.metering.Operation;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.ModelRoutes;
import dev.aip.core.profile.ProvisioningProfileResolver;
import dev.aip.core.profile.StaticProfileResolver;
import dev.aip.core.profile.TagDiscoveryProfileResolver;
import dev.aip.core.profile.TenantProfileResolver;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.TenantScope;
import dev.aip.emulator.BedrockEmulator;
import dev.aip.emulator.InvocationRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrock.model.Tag;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelWithResponseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.Message;

/**
 * Tenant isolation for profiles named by ARN, on every path and every resolver, against the emulator: tenant acme
 * naming globex's profile, an application profile nobody maps or tags for it, or a foundation model is refused before
 * anything is sent, with one rejected record; acme naming its own profile is sent there and priced, with or without
 * an admission. The README's setups (a provisioning resolver without a lookup, with and without governance) are among
 * the combinations.
 */
class ProfileOwnershipEmulatorTest {

    static final String MODEL = "claude-haiku";
    static final String SOURCE = EmulatorControlPlane.HAIKU;
    static final TenantContext ACME = TenantContext.of("acme");
    static final TenantContext GLOBEX = TenantContext.of("globex");
    static final String ANTHROPIC_BODY = "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":100,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";

    /** How the tenants' profiles are found. */
    enum Resolvers {
        /** A fixed map of each tenant's profile. */
        STATIC,
        /** Profiles found by their tags. */
        TAG_DISCOVERY,
        /** The README's resolver: creates profiles on first use, no lookup; both tenants have called before. */
        PROVISIONING,
        /** The same, in a process that has not resolved anything yet (the profiles were created by another one). */
        PROVISIONING_NOTHING_RESOLVED,
        /** Creates profiles on first use, finding existing ones through tag discovery. */
        PROVISIONING_WITH_LOOKUP
    }

    /** Where a call is made. */
    enum Path {
        PIPELINE_CHAT(Operation.CONVERSE),
        PIPELINE_STREAM(Operation.CONVERSE_STREAM),
        SDK_SYNC_CONVERSE(Operation.CONVERSE),
        SDK_SYNC_INVOKE_MODEL(Operation.INVOKE_MODEL),
        SDK_ASYNC_CONVERSE(Operation.CONVERSE),
        SDK_ASYNC_CONVERSE_STREAM(Operation.CONVERSE_STREAM),
        SDK_ASYNC_INVOKE_MODEL(Operation.INVOKE_MODEL),
        SDK_ASYNC_INVOKE_MODEL_WITH_RESPONSE_STREAM(Operation.INVOKE_MODEL_WITH_RESPONSE_STREAM);

        final Operation operation;

        Path(Operation operation) {
            this.operation = operation;
        }
    }

    static BedrockEmulator emulator;
    static BedrockClient control;
    static BedrockInferenceProfileApi api;
    static ModelRoutes routes;
    static BedrockRuntimeClient plainSync;
    static BedrockRuntimeAsyncClient plainAsync;
    static String acmeArn;
    static String globexArn;
    static String untaggedArn;
    static String missingArn;
    static String foundationArn;
    static final Map<String, Setup> SETUPS = new ConcurrentHashMap<>();

    @BeforeAll
    static void start() {
        emulator = EmulatorControlPlane.startOrSkip(BedrockEmulator.builder());
        control = EmulatorControlPlane.client(emulator);
        api = BedrockInferenceProfileApi.create(control);
        routes = ModelRoutes.builder().route(MODEL, EmulatorControlPlane.systemProfileArn(emulator, SOURCE)).build();
        // Each tenant's profile, created as the README's resolver creates it (tags TenantId/Tier/Model/ManagedBy).
        ProvisioningProfileResolver creator = ProvisioningProfileResolver.builder(api).routes(routes).build();
        acmeArn = creator.resolve(ACME, MODEL).profileArn();
        globexArn = creator.resolve(GLOBEX, MODEL).profileArn();
        untaggedArn = control.createInferenceProfile(r -> r.inferenceProfileName("nobodys-haiku")
                .modelSource(s -> s.copyFrom(EmulatorControlPlane.foundationModelArn(emulator, SOURCE)))
                .tags(Tag.builder().key("Team").value("research").build())).inferenceProfileArn();
        missingArn = "arn:aws:bedrock:" + emulator.region() + ":" + emulator.accountId()
                + ":application-inference-profile/nosuchprofile";
        foundationArn = EmulatorControlPlane.foundationModelArn(emulator, SOURCE);
        plainSync = new EmulatorClients(emulator).sync();
        plainAsync = new EmulatorClients(emulator).async();
    }

    @AfterAll
    static void stop() {
        SETUPS.values().forEach(Setup::close);
        if (plainSync != null) {
            plainSync.close();
            plainAsync.close();
            control.close();
        }
        if (emulator != null) {
            emulator.close();
        }
    }

    static Stream<Arguments> combinations() {
        List<Arguments> all = new ArrayList<>();
        for (Resolvers resolvers : Resolvers.values()) {
            for (boolean governed : new boolean[] {false, true}) {
                for (Path path : Path.values()) {
                    all.add(Arguments.of(resolvers, governed, path));
                }
            }
        }
        return all.stream();
    }

    @ParameterizedTest(name = "{0}, governed={1}, {2}")
    @MethodSource("combinations")
    void namedArn_anotherTenantsProfile_isRefusedBeforeSendingWithOneRejectedRecord(Resolvers resolvers,
                                                                                    boolean governed, Path path) {
        Setup setup = setup(resolvers, governed);

        assertRefused(setup, path, globexArn);
    }

    @ParameterizedTest(name = "{0}, governed={1}, {2}")
    @MethodSource("combinations")
    void namedArn_unknownApplicationProfileOrFoundationModel_isRefusedBeforeSendingWithOneRejectedRecord(
            Resolvers resolvers, boolean governed, Path path) {
        Setup setup = setup(resolvers, governed);

        for (String arn : List.of(untaggedArn, missingArn, foundationArn)) {
            assertRefused(setup, path, arn);
        }
    }

    @ParameterizedTest(name = "{0}, governed={1}, {2}")
    @MethodSource("combinations")
    void namedArn_tenantsOwnProfile_isSentThereAndMeteredAsItsPricedProfile(Resolvers resolvers, boolean governed,
                                                                           Path path) {
        Setup setup = setup(resolvers, governed);
        setup.records.clear();
        long before = serverCount();

        Throwable failure = catchThrowable(() -> call(setup, path, acmeArn));

        assertThat(failure).as("the tenant's own profile is accepted").isNull();
        assertThat(serverCount()).isEqualTo(before + 1);
        InvocationRecord server = lastServerRecord();
        assertThat(server.profileArn()).isEqualTo(acmeArn);
        assertThat(server.outcome()).isEqualTo(InvocationRecord.Outcome.SUCCESS);
        assertThat(server.requestMetadata()).containsEntry("tenantId", "acme");
        assertThat(setup.records).singleElement().satisfies(r -> {
            assertThat(r.tenant()).isEqualTo(ACME.id());
            assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
            assertThat(r.operation()).isEqualTo(path.operation);
            assertThat(r.profileArn()).isEqualTo(acmeArn);
            assertThat(r.pooledProfile()).isFalse();
            assertThat(r.sourceModelId()).isEqualTo(SOURCE);
            assertThat(r.cost().isPriced()).as("priced, not UNKNOWN_MODEL").isTrue();
            assertThat(r.cost().amount()).isPresent();
        });
        setup.assertNothingHeld();
    }

    private static void assertRefused(Setup setup, Path path, String arn) {
        setup.records.clear();
        long before = serverCount();

        Throwable failure = unwrapped(catchThrowable(() -> call(setup, path, arn)));

        assertThat(failure).as("naming " + arn).isInstanceOfSatisfying(ProfileResolutionException.class, e -> {
            assertThat(e.retryable()).isFalse();
            assertThat(e.tenant()).contains(ACME.id());
            assertThat(e.getMessage()).contains("acme").contains(arn);
        });
        assertThat(serverCount()).as("requests reaching the emulator for " + arn).isEqualTo(before);
        assertThat(setup.records).as("records for " + arn).singleElement().satisfies(r -> {
            assertThat(r.tenant()).isEqualTo(ACME.id());
            assertThat(r.outcome()).isEqualTo(Outcome.REJECTED_BY_POLICY);
            assertThat(r.errorCode()).isEqualTo("ProfileResolutionException");
            assertThat(r.operation()).isEqualTo(path.operation);
            assertThat(r.requestedModel()).isEqualTo(arn);
            assertThat(r.profileArn()).isNull();
        });
        setup.assertNothingHeld();
    }

    /** Every call the emulator has logged, evicted ones included. */
    private static long serverCount() {
        return emulator.invocations().size() + emulator.evictedInvocations();
    }

    private static InvocationRecord lastServerRecord() {
        List<InvocationRecord> all = emulator.invocations();
        return all.get(all.size() - 1);
    }

    private static Throwable unwrapped(Throwable t) {
        return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    }

    /** Tenant acme calls {@code modelId} on the path; waits for the call to end. */
    private static void call(Setup setup, Path path, String modelId) {
        Message hello = Message.builder().role(ConversationRole.USER).content(ContentBlock.fromText("Hello")).build();
        ChatRequest request = ChatRequest.builder().model(modelId).message(ChatMessage.user("Hello")).build();
        switch (path) {
            case PIPELINE_CHAT -> setup.pipeline.chat(ACME, request);
            case PIPELINE_STREAM -> setup.pipeline.stream(ACME, request, new ChatStreamListener() { })
                    .completion().join();
            case SDK_SYNC_CONVERSE -> TenantScope.run(ACME, () -> setup.sync.converse(r -> r.modelId(modelId)
                    .messages(hello)));
            case SDK_SYNC_INVOKE_MODEL -> TenantScope.run(ACME, () -> setup.sync.invokeModel(r -> r.modelId(modelId)
                    .contentType("application/json").body(SdkBytes.fromUtf8String(ANTHROPIC_BODY))));
            case SDK_ASYNC_CONVERSE -> TenantScope.get(ACME, () -> setup.async.converse(r -> r.modelId(modelId)
                    .messages(hello))).join();
            case SDK_ASYNC_CONVERSE_STREAM -> TenantScope.get(ACME, () -> setup.async.converseStream(
                    r -> r.modelId(modelId).messages(hello), ConverseStreamResponseHandler.builder()
                            .subscriber(ConverseStreamResponseHandler.Visitor.builder().build()).build())).join();
            case SDK_ASYNC_INVOKE_MODEL -> TenantScope.get(ACME, () -> setup.async.invokeModel(r -> r.modelId(modelId)
                    .contentType("application/json").body(SdkBytes.fromUtf8String(ANTHROPIC_BODY)))).join();
            case SDK_ASYNC_INVOKE_MODEL_WITH_RESPONSE_STREAM -> TenantScope.get(ACME, () ->
                    setup.async.invokeModelWithResponseStream(r -> r.modelId(modelId).contentType("application/json")
                            .body(SdkBytes.fromUtf8String(ANTHROPIC_BODY)),
                            InvokeModelWithResponseStreamResponseHandler.builder().subscriber(
                                    InvokeModelWithResponseStreamResponseHandler.Visitor.builder().build()).build()))
                    .join();
            default -> throw new AssertionError(path);
        }
    }

    private static Setup setup(Resolvers resolvers, boolean governed) {
        return SETUPS.computeIfAbsent(resolvers + "/" + governed, k -> new Setup(resolvers, governed));
    }

    /** One resolver and admission, with the pipeline and the SDK clients built on them, as an application has. */
    static final class Setup implements AutoCloseable {
        final List<UsageRecord> records = new CopyOnWriteArrayList<>();
        final TenantProfileResolver resolver;
        final Governance governance;
        final ChatClient pipeline;
        final BedrockRuntimeClient sync;
        final BedrockRuntimeAsyncClient async;
        private final List<AutoCloseable> owned = new ArrayList<>();

        Setup(Resolvers kind, boolean governed) {
            resolver = resolver(kind);
            governance = governed ? Governance.builder().policies(PolicySet.of(TenantPolicy.builder().build()))
                    .build() : null;
            UsageMeter meter = UsageMeter.builder().sink(records::add).region(emulator.region()).build();
            ChatPipeline.Builder chat = ChatPipeline.builder().resolver(resolver).meter(meter)
                    .transport(BedrockChatTransport.builder().client(plainSync).asyncClient(plainAsync).build());
            TenantRoutingInterceptor.Builder routing = TenantRoutingInterceptor.builder().resolver(resolver)
                    .meter(meter);
            if (governance != null) {
                chat.admission(governance);
                routing.admission(governance);
            }
            pipeline = chat.build();
            TenantRoutingInterceptor interceptor = routing.build();
            EmulatorClients clients = new EmulatorClients(emulator);
            sync = clients.sync(interceptor);
            async = clients.async(interceptor);
            owned.add(sync);
            owned.add(async);
        }

        private TenantProfileResolver resolver(Resolvers kind) {
            switch (kind) {
                case STATIC:
                    return StaticProfileResolver.builder().api(api).profile(ACME.id(), MODEL, acmeArn)
                            .profile(GLOBEX.id(), MODEL, globexArn).build();
                case TAG_DISCOVERY:
                    return discovery();
                case PROVISIONING: {
                    ProvisioningProfileResolver r = ProvisioningProfileResolver.builder(api).routes(routes).build();
                    r.resolve(ACME, MODEL);
                    r.resolve(GLOBEX, MODEL);
                    return r;
                }
                case PROVISIONING_NOTHING_RESOLVED:
                    return ProvisioningProfileResolver.builder(api).routes(routes).build();
                case PROVISIONING_WITH_LOOKUP:
                    return ProvisioningProfileResolver.builder(api).routes(routes).lookup(discovery()).build();
                default:
                    throw new AssertionError(kind);
            }
        }

        private TagDiscoveryProfileResolver discovery() {
            TagDiscoveryProfileResolver discovery = TagDiscoveryProfileResolver.builder(api).build();
            discovery.refresh();
            owned.add(discovery);
            return discovery;
        }

        /** No admission permit is left open by a refused or finished call. */
        void assertNothingHeld() {
            if (governance != null) {
                assertThat(governance.openPermits()).isZero();
                assertThat(governance.inFlight(TenantId.of("acme"))).isZero();
            }
        }

        @Override
        public void close() {
            for (AutoCloseable c : owned) {
                try {
                    c.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    /** SDK clients against the emulator, built as a user would, with SDK retries off. */
    record EmulatorClients(BedrockEmulator emulator) {
        BedrockRuntimeClient sync(TenantRoutingInterceptor... interceptors) {
            return BedrockRuntimeClient.builder().endpointOverride(emulator.endpoint())
                    .region(Region.of(emulator.region()))
                    .credentialsProvider(EmulatorFixture.DUMMY)
                    .overrideConfiguration(o -> {
                        o.retryStrategy(AwsRetryStrategy.doNotRetry());
                        for (TenantRoutingInterceptor i : interceptors) {
                            o.addExecutionInterceptor(i);
                        }
                    }).build();
        }

        BedrockRuntimeAsyncClient async(TenantRoutingInterceptor... interceptors) {
            return BedrockRuntimeAsyncClient.builder().endpointOverride(emulator.endpoint())
                    .region(Region.of(emulator.region()))
                    .credentialsProvider(EmulatorFixture.DUMMY)
                    .overrideConfiguration(o -> {
                        o.retryStrategy(AwsRetryStrategy.doNotRetry());
                        for (TenantRoutingInterceptor i : interceptors) {
                            o.addExecutionInterceptor(i);
                        }
                    }).build();
        }
    }
}
