package dev.aip.core.chat;

import dev.aip.core.ProfileResolutionException;
import dev.aip.core.profile.ProfileBalancer;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.profile.TenantProfileResolver;
import dev.aip.core.tenant.TenantContext;
import java.util.List;

/**
 * Outermost stage: resolves the tenant's profile for the request's model (with a balancer: all of the tenant's
 * profiles for it, in the balancer's order) and merges the {@code requestMetadata}. A call that cannot be resolved
 * never becomes an attempt, so it has no usage record.
 */
final class ResolvingStage implements ChatStage {

    private final TenantProfileResolver resolver;
    private final ProfileBalancer balancer;
    private final ChatStage next;

    ResolvingStage(TenantProfileResolver resolver, ProfileBalancer balancer, ChatStage next) {
        this.resolver = resolver;
        this.balancer = balancer;
        this.next = next;
    }

    @Override
    public ChatResponse call(Call call) {
        resolve(call);
        return next.call(call);
    }

    @Override
    public ChatStream stream(Call call, ChatStreamListener listener) {
        try {
            resolve(call);
        } catch (RuntimeException e) {
            Relay failed = new Relay(listener);
            failed.onError(e);
            return failed;
        }
        return next.stream(call, listener);
    }

    private void resolve(Call call) {
        if (balancer == null) {
            // The common case allocates no candidate list: the call has one profile of its own.
            ResolvedProfile only = checked(call.tenant, call.request.model(),
                    resolver.resolve(call.tenant, call.request.model()));
            call.primary = only;
            use(call, only);
            return;
        }
        List<ResolvedProfile> all = resolver.resolveAll(call.tenant, call.request.model());
        if (all == null || all.isEmpty()) {
            throw noProfile(call.tenant, call.request.model());
        }
        for (ResolvedProfile p : all) {
            checked(call.tenant, call.request.model(), p);
        }
        List<ResolvedProfile> candidates = balancer.order(all);
        call.candidates = candidates;
        call.candidate = 0;
        call.primary = candidates.get(0);
        use(call, candidates.get(0));
    }

    /** Points the call at a profile: the next attempts use it and its {@code requestMetadata}. */
    static void use(Call call, ResolvedProfile profile) {
        call.profile = profile;
        call.requestMetadata = RequestMetadata.merge(call.tenant, profile.pooled(), call.request.requestMetadata());
    }

    /** A tenant's call may only use its own profile or a shared one. */
    static ResolvedProfile checked(TenantContext tenant, String model, ResolvedProfile profile) {
        if (profile == null) {
            throw noProfile(tenant, model);
        }
        if (!profile.tenant().equals(tenant.id()) && !profile.pooled()) {
            throw new ProfileResolutionException(tenant.id(), "The profile resolver returned profile "
                    + profile.profileArn() + " of tenant " + profile.tenant() + " for tenant " + tenant.id()
                    + "; a tenant's call may only use its own profile or a pooled one", false, null);
        }
        return profile;
    }

    private static ProfileResolutionException noProfile(TenantContext tenant, String model) {
        return new ProfileResolutionException(tenant.id(), "The profile resolver returned no profile for tenant "
                + tenant.id() + " and model " + model, false, null);
    }
}
