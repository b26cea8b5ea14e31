package dev.aip.core.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.ConfigurationException;
import dev.aip.core.ProfileResolutionException;
import dev.aip.core.UnknownTenantException;
import dev.aip.core.profile.FakeInferenceProfileApi.Op;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StaticProfileResolverTest {

    private static final TenantId ACME = TenantId.of("acme");
    private static final TenantId GLOBEX = TenantId.of("globex");

    private final FakeInferenceProfileApi api = new FakeInferenceProfileApi();

    @Test
    void resolve_mappedTenant_verifiesOnceThenMakesNoCalls() {
        InferenceProfile p = api.seed("acme", FakeInferenceProfileApi.HAIKU, Map.of("TenantId", "acme"));
        StaticProfileResolver resolver = StaticProfileResolver.builder().api(api)
                .profile(ACME, "claude-haiku", p.arn()).build();

        assertThat(resolver.resolvesWithoutBlocking(TenantContext.of(ACME), "claude-haiku"))
                .as("not verified yet").isFalse();
        ResolvedProfile first = resolver.resolve(TenantContext.of(ACME), "claude-haiku");
        assertThat(resolver.resolvesWithoutBlocking(TenantContext.of(ACME), "claude-haiku")).isTrue();
        api.resetCounts();
        for (int i = 0; i < 100; i++) {
            assertThat(resolver.resolve(TenantContext.of(ACME), "claude-haiku")).isEqualTo(first);
        }

        assertThat(first.sourceModelId()).isEqualTo(FakeInferenceProfileApi.HAIKU);
        assertThat(first.pooled()).isFalse();
        assertThat(api.totalCalls()).isZero();
    }

    @Test
    void resolve_mappedToProfileTaggedForAnotherTenant_refusesNamingBothTenants() {
        InferenceProfile globex = api.seed("acme-claude-haiku", FakeInferenceProfileApi.HAIKU,
                Map.of("TenantId", "globex", "CostCenter", "secret-globex-cc"));
        StaticProfileResolver resolver = StaticProfileResolver.builder().api(api)
                .profile(ACME, "claude-haiku", globex.arn()).build();

        assertThatThrownBy(() -> resolver.resolve(TenantContext.of(ACME), "claude-haiku"))
                .isInstanceOfSatisfying(ProfileResolutionException.class, e -> {
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.tenant()).contains(ACME);
                    assertThat(e.getMessage()).contains("acme").contains("globex").contains(globex.arn())
                            .doesNotContain("secret-globex-cc");
                });
    }

    @Test
    void resolve_mappedToProfileWithoutOwnerTag_refuses() {
        InferenceProfile untagged = api.seed("acme", FakeInferenceProfileApi.HAIKU, Map.of());
        StaticProfileResolver resolver = StaticProfileResolver.builder().api(api)
                .profile(ACME, "claude-haiku", untagged.arn()).build();

        assertThatThrownBy(() -> resolver.resolve(TenantContext.of(ACME), "claude-haiku"))
                .isInstanceOf(ProfileResolutionException.class)
                .hasMessageContaining("has no TenantId tag");
    }

    @Test
    void resolve_mappedToMissingProfile_failsNotRetryable() {
        String arn = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/gone00000000";
        StaticProfileResolver resolver = StaticProfileResolver.builder().api(api)
                .profile(ACME, "claude-haiku", arn).build();

        assertThatThrownBy(() -> resolver.resolve(TenantContext.of(ACME), "claude-haiku"))
                .isInstanceOfSatisfying(ProfileResolutionException.class, e -> {
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.getMessage()).contains(arn).contains("does not exist");
                });
    }

    @Test
    void resolve_verificationThrottled_isRetryableAndRetriedOnNextCall() {
        InferenceProfile p = api.seed("acme", FakeInferenceProfileApi.HAIKU, Map.of("TenantId", "acme"));
        StaticProfileResolver resolver = StaticProfileResolver.builder().api(api)
                .profile(ACME, "claude-haiku", p.arn()).build();
        api.throttleNext(Op.TAGS, 1);

        assertThatThrownBy(() -> resolver.resolve(TenantContext.of(ACME), "claude-haiku"))
                .isInstanceOfSatisfying(ProfileResolutionException.class, e -> assertThat(e.retryable()).isTrue());
        assertThat(resolver.resolve(TenantContext.of(ACME), "claude-haiku").profileArn()).isEqualTo(p.arn());
    }

    @Test
    void resolve_unmappedTenantWithDefault_returnsSharedProfilePooled() {
        InferenceProfile shared = api.seed("shared", FakeInferenceProfileApi.HAIKU, Map.of());
        StaticProfileResolver resolver = StaticProfileResolver.builder().api(api)
                .defaultProfile("claude-haiku", shared.arn()).build();

        ResolvedProfile p = resolver.resolve(TenantContext.of(GLOBEX), "claude-haiku");

        assertThat(p.pooled()).isTrue();
        assertThat(p.tenant()).isEqualTo(GLOBEX);
        assertThat(p.profileArn()).isEqualTo(shared.arn());
    }

    @Test
    void resolve_unmappedTenantWithoutDefault_throwsUnknownTenant() {
        StaticProfileResolver resolver = StaticProfileResolver.builder().trustMapping().build();

        assertThatThrownBy(() -> resolver.resolve(TenantContext.of(GLOBEX), "claude-haiku"))
                .isInstanceOfSatisfying(UnknownTenantException.class,
                        e -> assertThat(e.tenant()).contains(GLOBEX));
    }

    @Test
    void resolve_trustedMappingWithSourceModel_makesNoCallsAtAll() {
        String arn = "arn:aws:bedrock:eu-west-1:123456789012:application-inference-profile/abc123def456";
        StaticProfileResolver resolver = StaticProfileResolver.builder()
                .profile(ACME, "claude-haiku", arn, FakeInferenceProfileApi.HAIKU).trustMapping().build();

        ResolvedProfile p = resolver.resolve(TenantContext.of(ACME), "claude-haiku");

        assertThat(p.profileId()).isEqualTo("abc123def456");
        assertThat(p.region()).isEqualTo("eu-west-1");
    }

    @Test
    void build_verifyingWithoutApi_throwsConfigurationException() {
        String arn = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123def456";

        assertThatThrownBy(() -> StaticProfileResolver.builder().profile(ACME, "m", arn, "x.y").build())
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("api(");
    }

    @Test
    void profile_badArn_throwsNamingIt() {
        assertThatThrownBy(() -> StaticProfileResolver.builder().profile(ACME, "m", "not-an-arn"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not-an-arn");
    }
}
