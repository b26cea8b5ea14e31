package dev.aip.core.chat;

import dev.aip.core.ProfileResolutionException;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.profile.TenantProfileResolver;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A resolver with one profile per tenant and logical model ({@code <tenant>-<model>}), plus optional further
 * profiles per tenant and model; knows every profile it handed out by ARN, and whose it is. Thread-safe.
 */
class ModelResolver implements TenantProfileResolver {

    private final Map<String, ResolvedProfile> byArn = new ConcurrentHashMap<>();
    private final Map<String, List<String>> siblings = new ConcurrentHashMap<>();

    static String arn(String tenant, String model) {
        return "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/" + tenant + "-" + model;
    }

    /** Gives the tenant further profiles for the model, named {@code <tenant>-<suffix>}. */
    ModelResolver siblings(String tenant, String model, String... suffixes) {
        siblings.put(tenant + "/" + model, List.of(suffixes));
        return this;
    }

    ResolvedProfile profile(TenantId tenant, String model, String suffix) {
        String id = tenant.value() + "-" + suffix;
        ResolvedProfile p = new ResolvedProfile(tenant, model, arn(tenant.value(), suffix), id, Fixtures.SONNET,
                "us-east-1", false);
        byArn.put(p.profileArn(), p);
        return p;
    }

    @Override
    public ResolvedProfile resolve(TenantContext tenant, String logicalModel) {
        return profile(tenant.id(), logicalModel, logicalModel);
    }

    @Override
    public List<ResolvedProfile> resolveAll(TenantContext tenant, String logicalModel) {
        List<String> more = siblings.getOrDefault(tenant.id().value() + "/" + logicalModel, List.of());
        if (more.isEmpty()) {
            return List.of(resolve(tenant, logicalModel));
        }
        return more.stream().map(s -> profile(tenant.id(), logicalModel, s)).toList();
    }

    @Override
    public Optional<ResolvedProfile> resolveArn(TenantContext tenant, String profileArn) {
        ResolvedProfile p = byArn.get(profileArn);
        if (p == null) {
            return TenantProfileResolver.super.resolveArn(tenant, profileArn);
        }
        if (!p.tenant().equals(tenant.id())) {
            throw new ProfileResolutionException(tenant.id(), "profile " + profileArn + " is another tenant's",
                    false, null);
        }
        return Optional.of(p);
    }
}
