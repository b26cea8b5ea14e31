package dev.aip.core.bedrock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.aip.core.ProfileResolutionException;
import dev.aip.core.UnknownTenantException;
import dev.aip.core.chat.ChatClient;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatPipeline;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.ChatResponse;
import dev.aip.core.chat.ChatStreamListener;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.ModelRoutes;
import dev.aip.core.profile.ProvisioningProfileResolver;
import dev.aip.core.profile.StaticProfileResolver;
import dev.aip.core.profile.TagDiscoveryProfileResolver;
import dev.aip.core.profile.TenantProfileResolver;
import dev.aip.core.tenant.TenantContext;
import dev.aip.emulator.BedrockEmulator;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrock.model.Tag;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.ValidationException;

/**
 * A tenant's profile deleted (or replaced) while a resolver has it cached, against the emulator: the chat pipeline's
 * call that fails on the gone profile invalidates the resolver's entry and resolves the model once more; a
 * provisioning resolver then creates a new profile and the call succeeds there, leaving exactly one failed record
 * and one successful one; static and tag-discovery resolvers, which cannot make a profile, end the call with their
 * typed error. The SDK path keeps its execution on its profile but lets the next call resolve again.
 */
class GoneProfileEmulatorTest {

    static final String MODEL = "claude-haiku";
    static final String SOURCE = EmulatorControlPlane.HAIKU;
    private static final AtomicInteger TENANTS = new AtomicInteger();

    static BedrockEmulator emulator;
    static BedrockClient control;
    static BedrockInferenceProfileApi api;
    static ModelRoutes routes;
    static BedrockRuntimeClient plainSync;
    static BedrockRuntimeAsyncClient plainAsync;

    @BeforeAll
    static void start() {
        emulator = EmulatorControlPlane.startOrSkip(BedrockEmulator.builder());
        control = EmulatorControlPlane.client(emulator);
        api = BedrockInferenceProfileApi.create(control);
        routes = ModelRoutes.builder().route(MODEL, EmulatorControlPlane.systemProfileArn(emulator, SOURCE)).build();
        plainSync = new ProfileOwnershipEmulatorTest.EmulatorClients(emulator).sync();
        plainAsync = new ProfileOwnershipEmulatorTest.EmulatorClients(emulator).async();
    }

    @AfterAll
    static void stop() {
        if (plainSync != null) {
            plainSync.close();
            plainAsync.close();
            control.close();
        }
        if (emulator != null) {
            emulator.close();
        }
    }

    @Test
    void chat_provisionedProfileDeletedWhileCached_createsNewProfileWithOneFailedAndOneSuccessfulRecord() {
        TenantContext tenant = newTenant();
        Setup s = new Setup(ProvisioningProfileResolver.builder(api).routes(routes).build());
        String old = s.chat.chat(tenant, request()).profileArn();
        control.deleteInferenceProfile(r -> r.inferenceProfileIdentifier(old));
        s.records.clear();

        ChatResponse answer = s.chat.chat(tenant, request());

        assertThat(answer.profileArn()).isNotEqualTo(old);
        assertOneFailedThenOneSuccess(s.records, old, answer.profileArn());
        assertThat(api.tags(answer.profileArn())).containsEntry("TenantId", tenant.id().value());
        assertThat(s.resolver.resolve(tenant, MODEL).profileArn()).isEqualTo(answer.profileArn());
    }

    @Test
    void stream_provisionedProfileDeletedWhileCached_createsNewProfileWithOneFailedAndOneSuccessfulRecord()
            throws Exception {
        TenantContext tenant = newTenant();
        Setup s = new Setup(ProvisioningProfileResolver.builder(api).routes(routes).build());
        String old = s.chat.chat(tenant, request()).profileArn();
        control.deleteInferenceProfile(r -> r.inferenceProfileIdentifier(old));
        s.records.clear();

        ChatResponse answer = s.chat.stream(tenant, request(), new ChatStreamListener() { })
                .completion().get(30, TimeUnit.SECONDS);

        assertThat(answer.profileArn()).isNotEqualTo(old);
        assertOneFailedThenOneSuccess(s.records, old, answer.profileArn());
    }

    @Test
    void chat_provisionedWithLookupProfileDeletedWhileCached_findsNothingAndCreatesNewProfile() {
        TenantContext tenant = newTenant();
        TagDiscoveryProfileResolver lookup = TagDiscoveryProfileResolver.builder(api).build();
        lookup.refresh();
        Setup s = new Setup(ProvisioningProfileResolver.builder(api).routes(routes).lookup(lookup).build());
        String old = s.chat.chat(tenant, request()).profileArn();
        lookup.refresh();
        assertThat(lookup.resolve(tenant, MODEL).profileArn()).as("the lookup indexed the profile").isEqualTo(old);
        control.deleteInferenceProfile(r -> r.inferenceProfileIdentifier(old));
        s.records.clear();

        ChatResponse answer = s.chat.chat(tenant, request());

        assertThat(answer.profileArn()).isNotEqualTo(old);
        assertOneFailedThenOneSuccess(s.records, old, answer.profileArn());
    }

    @Test
    void chat_tagDiscoveredProfileReplacedWhileIndexed_movesToTheNewProfileWithOneFailedAndOneSuccessfulRecord() {
        TenantContext tenant = newTenant();
        String old = createProfile(tenant, "a");
        TagDiscoveryProfileResolver resolver = TagDiscoveryProfileResolver.builder(api)
                .minRefreshInterval(Duration.ofHours(1)).build();
        resolver.refresh();
        Setup s = new Setup(resolver);
        assertThat(s.chat.chat(tenant, request()).profileArn()).isEqualTo(old);
        // A miss for another tenant uses up the refresh rate limit: only the invalidation may refresh now.
        catchThrowable(() -> resolver.resolve(newTenant(), MODEL));
        String replacement = createProfile(tenant, "b");
        control.deleteInferenceProfile(r -> r.inferenceProfileIdentifier(old));
        s.records.clear();

        ChatResponse answer = s.chat.chat(tenant, request());

        assertThat(answer.profileArn()).isEqualTo(replacement);
        assertOneFailedThenOneSuccess(s.records, old, replacement);
    }

    @Test
    void chat_tagDiscoveredProfileDeletedWhileIndexed_endsWithUnknownTenantAndOneFailedRecord() {
        TenantContext tenant = newTenant();
        String old = createProfile(tenant, "a");
        TagDiscoveryProfileResolver resolver = TagDiscoveryProfileResolver.builder(api).build();
        resolver.refresh();
        Setup s = new Setup(resolver);
        s.chat.chat(tenant, request());
        control.deleteInferenceProfile(r -> r.inferenceProfileIdentifier(old));
        s.records.clear();

        Throwable failure = catchThrowable(() -> s.chat.chat(tenant, request()));

        assertThat(failure).isInstanceOf(UnknownTenantException.class)
                .hasMessageContaining("TenantId=" + tenant.id().value());
        assertThat(failure.getSuppressed()).anySatisfy(e -> assertThat(e).isInstanceOf(ValidationException.class));
        assertOneFailed(s.records, old);
    }

    @Test
    void chat_staticProfileDeletedWhileVerified_endsWithProfileResolutionErrorAndOneFailedRecord() {
        TenantContext tenant = newTenant();
        String old = createProfile(tenant, "a");
        Setup s = new Setup(StaticProfileResolver.builder().api(api).profile(tenant.id(), MODEL, old).build());
        s.chat.chat(tenant, request());
        control.deleteInferenceProfile(r -> r.inferenceProfileIdentifier(old));
        s.records.clear();

        Throwable failure = catchThrowable(() -> s.chat.chat(tenant, request()));

        assertThat(failure).isInstanceOf(ProfileResolutionException.class)
                .hasMessageContaining(old).hasMessageContaining("does not exist; fix the static mapping");
        assertThat(((ProfileResolutionException) failure).retryable()).isFalse();
        assertOneFailed(s.records, old);
    }

    @Test
    void chat_profileNamedByArnDeleted_isNotSwappedAndFailsWithBedrocksError() {
        TenantContext tenant = newTenant();
        Setup s = new Setup(ProvisioningProfileResolver.builder(api).routes(routes).build());
        String old = s.chat.chat(tenant, request()).profileArn();
        control.deleteInferenceProfile(r -> r.inferenceProfileIdentifier(old));
        s.records.clear();

        Throwable failure = catchThrowable(() -> s.chat.chat(tenant, request().toBuilder().model(old).build()));

        assertThat(failure).isInstanceOf(ValidationException.class);
        assertOneFailed(s.records, old);
    }

    @Test
    void sdk_provisionedProfileDeletedWhileCached_failsOnceThenNextCallResolvesToNewProfile() {
        TenantContext tenant = newTenant();
        List<UsageRecord> records = new CopyOnWriteArrayList<>();
        TenantProfileResolver resolver = ProvisioningProfileResolver.builder(api).routes(routes).build();
        TenantRoutingInterceptor routing = TenantRoutingInterceptor.builder().resolver(resolver)
                .meter(UsageMeter.builder().sink(records::add).region(emulator.region()).build()).build();
        try (BedrockRuntimeClient sdk = new ProfileOwnershipEmulatorTest.EmulatorClients(emulator).sync(routing)) {
            sdkCall(sdk, tenant);
            String old = records.get(0).profileArn();
            control.deleteInferenceProfile(r -> r.inferenceProfileIdentifier(old));
            records.clear();

            Throwable failure = catchThrowable(() -> sdkCall(sdk, tenant));
            sdkCall(sdk, tenant);

            assertThat(failure).isInstanceOf(ValidationException.class);
            assertThat(records).hasSize(2);
            assertThat(records.get(0).outcome()).isEqualTo(Outcome.CLIENT_ERROR);
            assertThat(records.get(0).profileArn()).isEqualTo(old);
            assertThat(records.get(1).outcome()).isEqualTo(Outcome.SUCCESS);
            assertThat(records.get(1).profileArn()).isNotEqualTo(old);
        }
    }

    private static void sdkCall(BedrockRuntimeClient sdk, TenantContext tenant) {
        sdk.converse(r -> r.modelId(MODEL)
                .messages(Message.builder().role(ConversationRole.USER)
                        .content(ContentBlock.fromText("Hello")).build())
                .overrideConfiguration(o -> o.putExecutionAttribute(TenantRoutingInterceptor.TENANT, tenant)));
    }

    private static void assertOneFailedThenOneSuccess(List<UsageRecord> records, String old, String now) {
        assertThat(records).hasSize(2);
        UsageRecord failed = records.get(0);
        assertThat(failed.outcome()).isEqualTo(Outcome.CLIENT_ERROR);
        assertThat(failed.errorCode()).isEqualTo("ValidationException");
        assertThat(failed.profileArn()).isEqualTo(old);
        UsageRecord success = records.get(1);
        assertThat(success.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(success.profileArn()).isEqualTo(now);
        assertThat(success.callId()).isEqualTo(failed.callId());
    }

    private static void assertOneFailed(List<UsageRecord> records, String old) {
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.CLIENT_ERROR);
            assertThat(r.profileArn()).isEqualTo(old);
        });
    }

    private static String createProfile(TenantContext tenant, String suffix) {
        return control.createInferenceProfile(r -> r
                .inferenceProfileName("gone-" + tenant.id().value() + "-" + suffix)
                .modelSource(m -> m.copyFrom(EmulatorControlPlane.systemProfileArn(emulator, SOURCE)))
                .tags(Tag.builder().key("TenantId").value(tenant.id().value()).build(),
                        Tag.builder().key("Model").value(MODEL).build())).inferenceProfileArn();
    }

    private static TenantContext newTenant() {
        return TenantContext.of("gone-" + TENANTS.incrementAndGet());
    }

    private static ChatRequest request() {
        return ChatRequest.builder().model(MODEL).message(ChatMessage.user("Hello")).build();
    }

    /** A pipeline over one resolver, collecting records. */
    static final class Setup {
        final List<UsageRecord> records = new CopyOnWriteArrayList<>();
        final TenantProfileResolver resolver;
        final ChatClient chat;

        Setup(TenantProfileResolver resolver) {
            this.resolver = resolver;
            UsageMeter meter = UsageMeter.builder().sink(records::add).region(emulator.region()).build();
            this.chat = ChatPipeline.builder().resolver(resolver).meter(meter)
                    .transport(BedrockChatTransport.builder().client(plainSync).asyncClient(plainAsync).build())
                    .build();
        }
    }
}
