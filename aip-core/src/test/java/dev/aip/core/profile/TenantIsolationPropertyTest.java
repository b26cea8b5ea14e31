package dev.aip.core.profile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.ProfileResolutionException;
import dev.aip.core.UnknownTenantException;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.Size;
import net.jqwik.api.constraints.UniqueElements;

/**
 * Whatever profiles exist, with whatever names and (possibly swapped or missing) owner tags, no resolver ever hands
 * tenant A a dedicated profile whose owner tag is not A.
 */
class TenantIsolationPropertyTest {

    @Property(tries = 150)
    void resolvers_neverRouteATenantToAProfileTaggedForAnother(
            @ForAll @Size(min = 2, max = 12) @UniqueElements List<@net.jqwik.api.From("tenants") String> tenants,
            @ForAll long seed) {
        Random random = new Random(seed);
        FakeInferenceProfileApi api = new FakeInferenceProfileApi();
        List<String> owners = new ArrayList<>(tenants);
        Collections.shuffle(owners, random);
        StaticProfileResolver.Builder mapped = StaticProfileResolver.builder().api(api);
        for (int i = 0; i < tenants.size(); i++) {
            // Each profile is named after one tenant; its owner tag names a random tenant, or is missing.
            String named = tenants.get(i);
            int pick = random.nextInt(tenants.size() + 1);
            Map<String, String> tags = pick == tenants.size()
                    ? Map.of("Model", "claude-haiku")
                    : Map.of("TenantId", owners.get(pick % owners.size()), "Model", "claude-haiku");
            InferenceProfile p = api.seed(named + "-claude-haiku", FakeInferenceProfileApi.HAIKU, tags);
            mapped.profile(TenantId.of(named), "claude-haiku", p.arn());
        }
        TagDiscoveryProfileResolver discovery = TagDiscoveryProfileResolver.builder(api).scanParallelism(1).build();
        discovery.refresh();
        StaticProfileResolver fixed = mapped.build();
        ProvisioningProfileResolver provisioning = ProvisioningProfileResolver.builder(api)
                .routes(FakeInferenceProfileApi.routes()).lookup(discovery).build();
        ProvisioningProfileResolver provisioningAlone = ProvisioningProfileResolver.builder(api)
                .routes(FakeInferenceProfileApi.routes()).build();

        for (String tenant : tenants) {
            for (TenantProfileResolver resolver : List.of(discovery, fixed, provisioning, provisioningAlone)) {
                try {
                    ResolvedProfile p = resolver.resolve(TenantContext.of(tenant), "claude-haiku");
                    assertThat(p.tenant().value()).isEqualTo(tenant);
                    if (!p.pooled()) {
                        assertThat(api.tagsOf(p.profileArn())).containsEntry("TenantId", tenant);
                    }
                } catch (UnknownTenantException | ProfileResolutionException refused) {
                    assertThat(refused.tenant()).contains(TenantId.of(tenant));
                }
            }
        }
    }

    @Provide
    Arbitrary<String> tenants() {
        return Arbitraries.strings().withChars("abc").ofMinLength(1).ofMaxLength(4);
    }
}
