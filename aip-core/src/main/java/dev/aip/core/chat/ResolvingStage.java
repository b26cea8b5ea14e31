package dev.aip.core.chat;

import dev.aip.core.metering.CallInfo;
import dev.aip.core.metering.Meter;
import dev.aip.core.metering.MeteredCall;
import dev.aip.core.metering.Outcome;
import dev.aip.core.profile.ProfileBalancer;
import dev.aip.core.profile.ProfileOwnership;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.profile.TenantProfileResolver;
import java.util.List;

/**
 * Outermost stage: resolves the tenant's profile for the request's model (with a balancer: all of the tenant's
 * profiles for it, in the balancer's order) and merges the {@code requestMetadata}, by the ownership rule every path
 * shares ({@link ProfileOwnership}). A request naming a profile ARN goes to that profile if it is the tenant's own or
 * a shared one; otherwise the call is refused here and leaves one {@code REJECTED_BY_POLICY} record, as the SDK
 * interceptor's refusals do. A logical model that cannot be resolved fails with the resolver's exception and leaves
 * no record: the call never became an attempt.
 */
final class ResolvingStage implements ChatStage {

    private final TenantProfileResolver resolver;
    private final ProfileBalancer balancer;
    private final Meter meter;
    private final ChatStage next;

    ResolvingStage(TenantProfileResolver resolver, ProfileBalancer balancer, Meter meter, ChatStage next) {
        this.resolver = resolver;
        this.balancer = balancer;
        this.meter = meter;
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
        String model = call.request.model();
        if (ProfileOwnership.isArn(model)) {
            ResolvedProfile named = named(call, model);
            call.primary = named;
            if (balancer != null) {
                call.candidates = List.of(named);
                call.candidate = 0;
            }
            use(call, named);
            return;
        }
        if (balancer == null) {
            // The common case allocates no candidate list: the call has one profile of its own.
            ResolvedProfile only = ProfileOwnership.resolve(resolver, call.tenant, model);
            call.primary = only;
            use(call, only);
            return;
        }
        List<ResolvedProfile> candidates = balancer.order(ProfileOwnership.resolveAll(resolver, call.tenant, model));
        call.candidates = candidates;
        call.candidate = 0;
        call.primary = candidates.get(0);
        use(call, candidates.get(0));
    }

    /** The profile the request names, or the refusal, recorded once: the call has no profile to attempt. */
    private ResolvedProfile named(Call call, String model) {
        try {
            return ProfileOwnership.named(resolver, call.tenant, model);
        } catch (RuntimeException refused) {
            ChatRequest r = call.request;
            MeteredCall rejected = meter.start(CallInfo.builder().callId(call.callId).attempt(call.attempt)
                    .tenant(call.tenant).operation(call.operation()).requestedModel(model)
                    .streaming(call.streaming).estimatedInputTokens(Meter.estimateTokens(r.inputChars()))
                    .attributes(r.attributes()).build());
            rejected.fail(Outcome.REJECTED_BY_POLICY, refused.getClass().getSimpleName());
            rejected.record().ifPresent(call::recorded);
            throw refused;
        }
    }

    /** Points the call at a profile: the next attempts use it and its {@code requestMetadata}. */
    static void use(Call call, ResolvedProfile profile) {
        call.profile = profile;
        call.requestMetadata = RequestMetadata.merge(call.tenant, profile.pooled(), call.request.requestMetadata());
    }
}
