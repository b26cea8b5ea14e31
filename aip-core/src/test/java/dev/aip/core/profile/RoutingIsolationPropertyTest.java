package dev.aip.core.profile;

import dev.aip.core.internal.ProfileOwnership;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.ProfileResolutionException;
import dev.aip.core.UnknownTenantException;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.From;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.UniqueElements;

/**
 * Whatever profiles exist, however many per tenant, with whatever (possibly swapped or missing) owner tags, and
 * however they are mapped: no resolver hands tenant A a dedicated profile tagged for another tenant, neither among
 * {@code resolveAll}'s profiles (which the balancer then orders) nor for an ARN A names directly; and the ownership
 * rule every path applies to a named ARN either answers A's own (or a shared) profile or refuses, never letting an
 * unknown ARN through.
 */
class RoutingIsolationPropertyTest {

    @Property(tries = 120)
    void neitherResolveAllNorResolveArnNorTheBalancer_evergiveATenantAnothersProfile(
            @ForAll @Size(min = 2, max = 8) @UniqueElements List<@From("tenants") String> tenants,
            @ForAll long seed) {
        Random random = new Random(seed);
        FakeInferenceProfileApi api = new FakeInferenceProfileApi();
        StaticProfileResolver.Builder mapped = StaticProfileResolver.builder().api(api);
        List<String> arns = new ArrayList<>();
        for (String named : tenants) {
            int count = 1 + random.nextInt(3);
            for (int i = 0; i < count; i++) {
                // Mapped to one tenant; its owner tag names a random tenant, or is missing.
                int pick = random.nextInt(tenants.size() + 1);
                Map<String, String> tags = pick == tenants.size()
                        ? Map.of("Model", "claude-haiku")
                        : Map.of("TenantId", tenants.get(pick), "Model", "claude-haiku");
                InferenceProfile p = api.seed(named + "-" + i, FakeInferenceProfileApi.HAIKU, tags);
                mapped.profile(TenantId.of(named), "claude-haiku", p.arn());
                arns.add(p.arn());
            }
        }
        TagDiscoveryProfileResolver discovery = TagDiscoveryProfileResolver.builder(api).scanParallelism(1).build();
        discovery.refresh();
        StaticProfileResolver fixed = mapped.build();
        ProvisioningProfileResolver provisioning = ProvisioningProfileResolver.builder(api)
                .routes(FakeInferenceProfileApi.routes()).build();
        ProvisioningProfileResolver provisioningWithLookup = ProvisioningProfileResolver.builder(api)
                .routes(FakeInferenceProfileApi.routes()).lookup(discovery).build();
        ProfileBalancer balancer = ProfileBalancer.builder().random(new Random(seed)).build();

        for (String tenant : tenants) {
            TenantContext ctx = TenantContext.of(tenant);
            for (TenantProfileResolver resolver : List.of(discovery, fixed, provisioning, provisioningWithLookup)) {
                try {
                    List<ResolvedProfile> all = resolver.resolveAll(ctx, "claude-haiku");
                    for (ResolvedProfile p : balancer.order(all)) {
                        assertOwn(api, tenant, p);
                    }
                } catch (UnknownTenantException | ProfileResolutionException refused) {
                    assertThat(refused.tenant()).contains(TenantId.of(tenant));
                }
                for (String arn : arns) {
                    try {
                        Optional<ResolvedProfile> p = resolver.resolveArn(ctx, arn);
                        p.ifPresent(found -> {
                            assertThat(found.profileArn()).isEqualTo(arn);
                            assertOwn(api, tenant, found);
                        });
                    } catch (ProfileResolutionException refused) {
                        assertThat(refused.tenant()).contains(TenantId.of(tenant));
                    }
                    try {
                        ResolvedProfile named = ProfileOwnership.named(resolver, ctx, arn);
                        assertThat(named.profileArn()).isEqualTo(arn);
                        assertOwn(api, tenant, named);
                        assertThat(named.pooled()).isFalse();
                    } catch (ProfileResolutionException refused) {
                        assertThat(refused.tenant()).contains(TenantId.of(tenant));
                        assertThat(refused.retryable()).isFalse();
                    }
                }
            }
        }
    }

    private static void assertOwn(FakeInferenceProfileApi api, String tenant, ResolvedProfile p) {
        assertThat(p.tenant().value()).isEqualTo(tenant);
        if (!p.pooled()) {
            assertThat(api.tagsOf(p.profileArn())).containsEntry("TenantId", tenant);
        }
    }

    @Provide
    Arbitrary<String> tenants() {
        return Arbitraries.strings().withChars("abc").ofMinLength(1).ofMaxLength(4);
    }
}
