package dev.aip.core.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.ProfileResolutionException;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Several profiles per tenant and model ({@code resolveAll}) and profiles named by ARN ({@code resolveArn}). */
class SeveralProfilesTest {

    private static final TenantContext ACME = TenantContext.of("acme");
    private static final TenantContext GLOBEX = TenantContext.of("globex");

    private final FakeInferenceProfileApi api = new FakeInferenceProfileApi();

    private InferenceProfile owned(String name, String tenant) {
        return api.seed(name, FakeInferenceProfileApi.HAIKU, Map.of("TenantId", tenant, "Model", "claude-haiku"));
    }

    @Test
    void static_severalProfilesForOneTenantAndModel_resolveAllInMappingOrder() {
        InferenceProfile east = owned("acme-east", "acme");
        InferenceProfile west = owned("acme-west", "acme");
        StaticProfileResolver resolver = StaticProfileResolver.builder().api(api)
                .profile(ACME.id(), "claude-haiku", east.arn()).profile(ACME.id(), "claude-haiku", west.arn())
                .build();

        assertThat(resolver.resolveAll(ACME, "claude-haiku")).extracting(ResolvedProfile::profileArn)
                .containsExactly(east.arn(), west.arn());
        assertThat(resolver.resolve(ACME, "claude-haiku").profileArn()).isEqualTo(east.arn());
        assertThatThrownBy(() -> StaticProfileResolver.builder().profile(ACME.id(), "m", east.arn())
                .profile(ACME.id(), "m", east.arn())).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void static_siblingTaggedForAnotherTenant_refusesTheWholeSet() {
        InferenceProfile east = owned("acme-east", "acme");
        InferenceProfile stolen = owned("globex-west", "globex");
        StaticProfileResolver resolver = StaticProfileResolver.builder().api(api)
                .profile(ACME.id(), "claude-haiku", east.arn()).profile(ACME.id(), "claude-haiku", stolen.arn())
                .build();

        assertThatThrownBy(() -> resolver.resolveAll(ACME, "claude-haiku"))
                .isInstanceOf(ProfileResolutionException.class);
        assertThatThrownBy(() -> resolver.resolve(ACME, "claude-haiku"))
                .isInstanceOf(ProfileResolutionException.class);
    }

    @Test
    void static_resolveArn_tellsOwnFromAnothersFromSharedFromUnknown() {
        InferenceProfile acme = owned("acme", "acme");
        InferenceProfile globex = owned("globex", "globex");
        InferenceProfile shared = api.seed("shared", FakeInferenceProfileApi.HAIKU, Map.of());
        StaticProfileResolver resolver = StaticProfileResolver.builder().api(api)
                .profile(ACME.id(), "claude-haiku", acme.arn()).profile(GLOBEX.id(), "claude-haiku", globex.arn())
                .defaultProfile("claude-haiku", shared.arn()).build();

        assertThat(resolver.resolveArn(ACME, acme.arn())).hasValueSatisfying(p -> {
            assertThat(p.pooled()).isFalse();
            assertThat(p.tenant()).isEqualTo(ACME.id());
            assertThat(p.logicalModel()).isEqualTo("claude-haiku");
        });
        assertThatThrownBy(() -> resolver.resolveArn(ACME, globex.arn()))
                .isInstanceOfSatisfying(ProfileResolutionException.class, e -> {
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.getMessage()).doesNotContain("tenant globex").contains(globex.arn());
                });
        assertThat(resolver.resolveArn(ACME, shared.arn())).hasValueSatisfying(p -> assertThat(p.pooled()).isTrue());
        assertThat(resolver.resolveArn(ACME, api.seed("other", FakeInferenceProfileApi.HAIKU, Map.of()).arn()))
                .isEmpty();
    }

    @Test
    void default_resolveArn_treatsSystemProfilesAsSharedAndKnowsNothingElse() {
        TenantProfileResolver lambda = (tenant, model) -> {
            throw new AssertionError("not asked");
        };

        assertThat(lambda.resolveArn(ACME, FakeInferenceProfileApi.HAIKU_SYSTEM_ARN)).hasValueSatisfying(p -> {
            assertThat(p.pooled()).isTrue();
            assertThat(p.tenant()).isEqualTo(ACME.id());
            assertThat(p.sourceModelId()).isEqualTo(FakeInferenceProfileApi.HAIKU);
            assertThat(p.region()).isEqualTo("us-east-1");
        });
        assertThat(lambda.resolveArn(ACME, "arn:aws:bedrock:us-east-1::foundation-model/"
                + FakeInferenceProfileApi.HAIKU)).isEmpty();
        assertThat(lambda.resolveArn(ACME, "claude-haiku")).isEmpty();
    }

    @Test
    void discovery_resolveAll_returnsEveryTaggedProfileNewestFirst() {
        InferenceProfile older = owned("acme-1", "acme");
        InferenceProfile newer = owned("acme-2", "acme");
        owned("globex-1", "globex");
        TagDiscoveryProfileResolver resolver = TagDiscoveryProfileResolver.builder(api).scanParallelism(1).build();
        resolver.refresh();

        assertThat(resolver.resolveAll(ACME, "claude-haiku")).extracting(ResolvedProfile::profileArn)
                .containsExactly(newer.arn(), older.arn());
        assertThat(resolver.resolveAll(ACME, "claude-haiku")).allSatisfy(p -> {
            assertThat(p.tenant()).isEqualTo(ACME.id());
            assertThat(p.pooled()).isFalse();
        });
    }

    @Test
    void discovery_resolveArn_followsTheTags() {
        InferenceProfile acme = owned("acme", "acme");
        InferenceProfile globex = owned("named-acme", "globex");
        InferenceProfile pool = api.seed("pool", FakeInferenceProfileApi.HAIKU,
                Map.of("TenantId", "pool:standard", "Model", "claude-haiku"));
        TagDiscoveryProfileResolver resolver = TagDiscoveryProfileResolver.builder(api).scanParallelism(1).build();
        resolver.refresh();

        assertThat(resolver.resolveArn(ACME, acme.arn())).hasValueSatisfying(p -> assertThat(p.pooled()).isFalse());
        assertThatThrownBy(() -> resolver.resolveArn(ACME, globex.arn()))
                .isInstanceOf(ProfileResolutionException.class);
        assertThat(resolver.resolveArn(ACME, pool.arn())).hasValueSatisfying(p -> assertThat(p.pooled()).isTrue());
        assertThat(resolver.resolveArn(ACME, FakeInferenceProfileApi.SONNET_SYSTEM_ARN))
                .hasValueSatisfying(p -> assertThat(p.sourceModelId()).isEqualTo(FakeInferenceProfileApi.SONNET));
    }

    @Test
    void discovery_resolveArnOfANewProfile_refreshesOnceAndFindsIt() {
        TagDiscoveryProfileResolver resolver = TagDiscoveryProfileResolver.builder(api).scanParallelism(1).build();
        resolver.refresh();
        InferenceProfile created = owned("acme-new", "acme");

        assertThat(resolver.resolveArn(ACME, created.arn())).isPresent();
    }

    @Test
    void provisioning_resolveArn_asksItsLookup() {
        InferenceProfile globex = owned("globex", "globex");
        TagDiscoveryProfileResolver discovery = TagDiscoveryProfileResolver.builder(api).scanParallelism(1).build();
        discovery.refresh();
        ProvisioningProfileResolver provisioning = ProvisioningProfileResolver.builder(api)
                .routes(FakeInferenceProfileApi.routes()).lookup(discovery).build();

        assertThatThrownBy(() -> provisioning.resolveArn(ACME, globex.arn()))
                .isInstanceOf(ProfileResolutionException.class);
        assertThat(provisioning.resolveArn(TenantContext.of(TenantId.of("globex")), globex.arn())).isPresent();
    }
}
