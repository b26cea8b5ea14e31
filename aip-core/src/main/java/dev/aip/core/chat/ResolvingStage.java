package dev.aip.core.chat;

import dev.aip.core.ProfileResolutionException;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.profile.TenantProfileResolver;

/**
 * Outermost stage: resolves the tenant's profile for the request's model and merges the {@code requestMetadata}.
 * A call that cannot be resolved never becomes an attempt, so it has no usage record.
 */
final class ResolvingStage implements ChatStage {

    private final TenantProfileResolver resolver;
    private final ChatStage next;

    ResolvingStage(TenantProfileResolver resolver, ChatStage next) {
        this.resolver = resolver;
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
        ResolvedProfile profile = resolver.resolve(call.tenant, call.request.model());
        if (profile == null) {
            throw new ProfileResolutionException(call.tenant.id(), "The profile resolver returned no profile for"
                    + " tenant " + call.tenant.id() + " and model " + call.request.model(), false, null);
        }
        if (!profile.tenant().equals(call.tenant.id()) && !profile.pooled()) {
            throw new ProfileResolutionException(call.tenant.id(), "The profile resolver returned profile "
                    + profile.profileArn() + " of tenant " + profile.tenant() + " for tenant " + call.tenant.id()
                    + "; a tenant's call may only use its own profile or a pooled one", false, null);
        }
        call.profile = profile;
        call.requestMetadata = RequestMetadata.merge(call.tenant, profile.pooled(), call.request.requestMetadata());
    }
}
