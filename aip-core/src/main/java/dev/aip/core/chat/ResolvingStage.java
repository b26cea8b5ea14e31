package dev.aip.core.chat;

import dev.aip.core.internal.ProfileOwnership;
import dev.aip.core.profile.ResolvedProfile;
import java.util.List;

/**
 * Outermost stage: begins the call on the {@link CallEngine}, which routes it by the ownership rule every path
 * shares ({@link ProfileOwnership}), and merges the {@code requestMetadata} for its profile. A request naming a
 * profile ARN goes to that profile if it is the tenant's own or a shared one; otherwise the engine refuses it and
 * leaves one {@code REJECTED_BY_POLICY} record. A logical model that cannot be resolved fails with the resolver's
 * exception and leaves no record: the call never became an attempt.
 */
final class ResolvingStage implements ChatStage {

    private final CallEngine engine;
    private final ChatStage next;

    ResolvingStage(CallEngine engine, ChatStage next) {
        this.engine = engine;
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
        ChatRequest r = call.request;
        LogicalCall logical = engine.begin(call.callId, call.tenant, call.operation(), AdmissionRequest.of(r),
                r.attributes(), null);
        call.logical = logical;
        ResolvedProfile primary = logical.profile();
        call.primary = primary;
        List<ResolvedProfile> balanced = logical.balanced();
        if (balanced != null) {
            call.candidates = balanced;
            call.candidate = 0;
        }
        use(call, primary);
    }

    /** Points the call at a profile: the next attempts use it and its {@code requestMetadata}. */
    static void use(Call call, ResolvedProfile profile) {
        call.profile = profile;
        call.requestMetadata = RequestMetadata.merge(call.tenant, profile.pooled(), call.request.requestMetadata());
    }
}
