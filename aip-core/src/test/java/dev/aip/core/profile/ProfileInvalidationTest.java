package dev.aip.core.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.ConfigurationException;
import dev.aip.core.ProfileResolutionException;
import dev.aip.core.UnknownTenantException;
import dev.aip.core.profile.FakeInferenceProfileApi.Op;
import dev.aip.core.profile.ProvisioningProfileResolverTest.MutableClock;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link TenantProfileResolver#invalidate} and periodic re-verification, per resolver, on a fake control plane. */
class ProfileInvalidationTest {

    private static final TenantContext ACME = TenantContext.of("acme");
    private static final String MODEL = "claude-haiku";

    private final FakeInferenceProfileApi api = new FakeInferenceProfileApi();
    private final MutableClock clock = new MutableClock();

    @Test
    void provisioning_invalidatedAfterDeletion_nextResolveCreatesANewProfile() {
        ProvisioningProfileResolver resolver = ProvisioningProfileResolver.builder(api)
                .routes(FakeInferenceProfileApi.routes()).build();
        String old = resolver.resolve(ACME, MODEL).profileArn();
        api.delete(old);
        assertThat(resolver.resolve(ACME, MODEL).profileArn()).as("cached until invalidated").isEqualTo(old);

        resolver.invalidate(ACME.id(), MODEL);
        ResolvedProfile fresh = resolver.resolve(ACME, MODEL);

        assertThat(fresh.profileArn()).isNotEqualTo(old);
        assertThat(api.tagsOf(fresh.profileArn())).containsEntry("TenantId", "acme");
    }

    @Test
    void provisioning_invalidateUncachedOrOtherModel_changesNothing() {
        ProvisioningProfileResolver resolver = ProvisioningProfileResolver.builder(api)
                .routes(FakeInferenceProfileApi.routes()).build();
        ResolvedProfile first = resolver.resolve(ACME, MODEL);
        api.resetCounts();

        resolver.invalidate(TenantId.of("globex"), MODEL);
        resolver.invalidate(ACME.id(), "claude-sonnet");

        assertThat(resolver.resolve(ACME, MODEL)).isEqualTo(first);
        assertThat(api.totalCalls()).isZero();
    }

    @Test
    void provisioning_verifyIntervalElapsedProfileStillThere_keepsItAfterOneGet() {
        ProvisioningProfileResolver resolver = ProvisioningProfileResolver.builder(api)
                .routes(FakeInferenceProfileApi.routes()).clock(clock).verifyInterval(Duration.ofMinutes(5)).build();
        ResolvedProfile first = resolver.resolve(ACME, MODEL);
        api.resetCounts();

        clock.advance(Duration.ofMinutes(4));
        resolver.resolve(ACME, MODEL);
        assertThat(api.totalCalls()).as("within the interval").isZero();
        clock.advance(Duration.ofMinutes(2));
        ResolvedProfile again = resolver.resolve(ACME, MODEL);

        assertThat(again).isEqualTo(first);
        assertThat(api.calls(Op.GET)).isEqualTo(1);
        assertThat(api.calls(Op.CREATE)).isZero();
        resolver.resolve(ACME, MODEL);
        assertThat(api.calls(Op.GET)).as("verified again only after another interval").isEqualTo(1);
    }

    @Test
    void provisioning_verifyIntervalElapsedProfileDeleted_createsANewProfile() {
        ProvisioningProfileResolver resolver = ProvisioningProfileResolver.builder(api)
                .routes(FakeInferenceProfileApi.routes()).clock(clock).verifyInterval(Duration.ofMinutes(5)).build();
        String old = resolver.resolve(ACME, MODEL).profileArn();
        api.delete(old);

        clock.advance(Duration.ofMinutes(6));
        ResolvedProfile fresh = resolver.resolve(ACME, MODEL);

        assertThat(fresh.profileArn()).isNotEqualTo(old);
        assertThat(api.get(fresh.profileArn())).isPresent();
    }

    @Test
    void provisioning_verifyIntervalNotPositive_isAConfigurationError() {
        assertThatThrownBy(() -> ProvisioningProfileResolver.builder(api).verifyInterval(Duration.ZERO))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("positive");
    }

    @Test
    void tagDiscovery_invalidatedAfterReplacement_refreshesDespiteTheRateLimitAndFindsTheNewProfile() {
        InferenceProfile old = api.seed("acme-a", FakeInferenceProfileApi.HAIKU,
                Map.of("TenantId", "acme", "Model", MODEL));
        TagDiscoveryProfileResolver resolver = TagDiscoveryProfileResolver.builder(api).clock(clock)
                .minRefreshInterval(Duration.ofHours(1)).build();
        resolver.refresh();
        assertThatThrownBy(() -> resolver.resolve(TenantContext.of("nobody"), MODEL))
                .isInstanceOf(UnknownTenantException.class);
        clock.advance(Duration.ofSeconds(1));
        api.delete(old.arn());
        InferenceProfile replacement = api.seed("acme-b", FakeInferenceProfileApi.HAIKU,
                Map.of("TenantId", "acme", "Model", MODEL));
        api.resetCounts();

        resolver.invalidate(ACME.id(), MODEL);
        ResolvedProfile now = resolver.resolve(ACME, MODEL);

        assertThat(now.profileArn()).isEqualTo(replacement.arn());
        assertThat(api.calls(Op.LIST)).isEqualTo(1);
    }

    @Test
    void tagDiscovery_invalidateOfAKeyNotIndexed_doesNotLiftTheRateLimit() {
        TagDiscoveryProfileResolver resolver = TagDiscoveryProfileResolver.builder(api).clock(clock)
                .minRefreshInterval(Duration.ofHours(1)).build();
        resolver.refresh();
        assertThatThrownBy(() -> resolver.resolve(ACME, MODEL)).isInstanceOf(UnknownTenantException.class);
        api.resetCounts();

        resolver.invalidate(ACME.id(), MODEL);

        assertThatThrownBy(() -> resolver.resolve(ACME, MODEL)).isInstanceOf(UnknownTenantException.class);
        assertThat(api.calls(Op.LIST)).as("no scan: repeated invalidations cannot turn into scans").isZero();
    }

    @Test
    void static_invalidatedAfterDeletion_nextResolveFailsSayingToFixTheMapping() {
        InferenceProfile mapped = api.seed("acme-a", FakeInferenceProfileApi.HAIKU, Map.of("TenantId", "acme"));
        StaticProfileResolver resolver = StaticProfileResolver.builder().api(api)
                .profile(ACME.id(), MODEL, mapped.arn()).build();
        resolver.resolve(ACME, MODEL);
        api.delete(mapped.arn());

        resolver.invalidate(ACME.id(), MODEL);

        assertThatThrownBy(() -> resolver.resolve(ACME, MODEL)).isInstanceOf(ProfileResolutionException.class)
                .hasMessageContaining(mapped.arn()).hasMessageContaining("fix the static mapping");
    }
}
