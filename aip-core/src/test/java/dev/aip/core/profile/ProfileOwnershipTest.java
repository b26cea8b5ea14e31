package dev.aip.core.profile;

import dev.aip.core.internal.ProfileOwnership;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.ProfileResolutionException;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The one ownership rule every path applies, over resolvers that answer rightly and wrongly. */
class ProfileOwnershipTest {

    private static final TenantContext ACME = TenantContext.of("acme");
    private static final String ACME_ARN =
            "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/acme1";
    private static final String GLOBEX_ARN =
            "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/globex1";
    private static final String FOUNDATION_ARN =
            "arn:aws:bedrock:us-east-1::foundation-model/" + FakeInferenceProfileApi.HAIKU;

    private static ResolvedProfile profile(String tenant, String arn, boolean pooled) {
        return ResolvedProfile.of(TenantId.of(tenant), "claude-haiku", arn, FakeInferenceProfileApi.HAIKU, pooled);
    }

    /** A resolver whose answers the test sets. */
    private static TenantProfileResolver answering(ResolvedProfile logical, Optional<ResolvedProfile> named) {
        return new TenantProfileResolver() {
            @Override
            public ResolvedProfile resolve(TenantContext tenant, String logicalModel) {
                return logical;
            }

            @Override
            public Optional<ResolvedProfile> resolveArn(TenantContext tenant, String profileArn) {
                return named;
            }
        };
    }

    @Test
    void named_tenantsOwnOrSharedProfile_isUsed() {
        assertThat(ProfileOwnership.named(answering(null, Optional.of(profile("acme", ACME_ARN, false))), ACME,
                ACME_ARN).profileArn()).isEqualTo(ACME_ARN);
        assertThat(ProfileOwnership.named(answering(null, Optional.of(profile("acme", GLOBEX_ARN, true))), ACME,
                GLOBEX_ARN).pooled()).isTrue();
        TenantProfileResolver defaults = (tenant, model) -> {
            throw new AssertionError("not asked");
        };
        assertThat(ProfileOwnership.named(defaults, ACME, FakeInferenceProfileApi.HAIKU_SYSTEM_ARN).sourceModelId())
                .isEqualTo(FakeInferenceProfileApi.HAIKU);
    }

    @Test
    void named_unknownToTheResolver_isRefusedNamingTenantAndArn() {
        TenantProfileResolver defaults = (tenant, model) -> {
            throw new AssertionError("not asked");
        };

        for (String id : List.of(GLOBEX_ARN, FOUNDATION_ARN, "claude-haiku")) {
            assertThatThrownBy(() -> ProfileOwnership.named(defaults, ACME, id))
                    .isInstanceOfSatisfying(ProfileResolutionException.class, e -> {
                        assertThat(e.retryable()).isFalse();
                        assertThat(e.notPermitted()).isTrue();
                        assertThat(e.tenant()).contains(ACME.id());
                        assertThat(e.getMessage()).contains("acme").contains(id).contains("logical model");
                    });
        }
    }

    @Test
    void named_resolverAnsweringAnotherTenantsOrAnotherProfile_isRefused() {
        assertThatThrownBy(() -> ProfileOwnership.named(answering(null,
                Optional.of(profile("globex", GLOBEX_ARN, false))), ACME, GLOBEX_ARN))
                .isInstanceOfSatisfying(ProfileResolutionException.class, e -> {
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.notPermitted()).isTrue();
                });
        assertThatThrownBy(() -> ProfileOwnership.named(answering(null,
                Optional.of(profile("acme", ACME_ARN, false))), ACME, GLOBEX_ARN))
                .isInstanceOfSatisfying(ProfileResolutionException.class,
                        e -> assertThat(e.getMessage()).contains(GLOBEX_ARN).contains(ACME_ARN));
        assertThatThrownBy(() -> ProfileOwnership.named(answering(null, null), ACME, ACME_ARN))
                .isInstanceOf(ProfileResolutionException.class);
    }

    @Test
    void resolve_resolverAnsweringAnotherTenantsDedicatedProfileOrNothing_isRefused() {
        assertThat(ProfileOwnership.resolve(answering(profile("acme", ACME_ARN, false), Optional.empty()), ACME,
                "claude-haiku").profileArn()).isEqualTo(ACME_ARN);
        assertThat(ProfileOwnership.resolve(answering(profile("globex", GLOBEX_ARN, true), Optional.empty()), ACME,
                "claude-haiku").pooled()).isTrue();
        assertThatThrownBy(() -> ProfileOwnership.resolve(answering(profile("globex", GLOBEX_ARN, false),
                Optional.empty()), ACME, "claude-haiku"))
                .isInstanceOfSatisfying(ProfileResolutionException.class, e -> {
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.getMessage()).contains(GLOBEX_ARN).contains("acme");
                });
        assertThatThrownBy(() -> ProfileOwnership.resolve(answering(null, Optional.empty()), ACME, "claude-haiku"))
                .isInstanceOf(ProfileResolutionException.class);
    }

    @Test
    void resolveAll_emptyOrHoldingAnotherTenantsProfile_isRefused() {
        TenantProfileResolver mixed = new TenantProfileResolver() {
            @Override
            public ResolvedProfile resolve(TenantContext tenant, String logicalModel) {
                return profile("acme", ACME_ARN, false);
            }

            @Override
            public List<ResolvedProfile> resolveAll(TenantContext tenant, String logicalModel) {
                return "empty".equals(logicalModel) ? List.of()
                        : List.of(profile("acme", ACME_ARN, false), profile("globex", GLOBEX_ARN, false));
            }
        };

        assertThatThrownBy(() -> ProfileOwnership.resolveAll(mixed, ACME, "claude-haiku"))
                .isInstanceOf(ProfileResolutionException.class);
        assertThatThrownBy(() -> ProfileOwnership.resolveAll(mixed, ACME, "empty"))
                .isInstanceOf(ProfileResolutionException.class);
    }
}
