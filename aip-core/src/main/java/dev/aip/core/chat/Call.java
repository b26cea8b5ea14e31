package dev.aip.core.chat;

import dev.aip.core.metering.Operation;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.tenant.TenantContext;
import java.util.List;
import java.util.Map;

/**
 * The pipeline's state of one logical call as it passes down the stages: the engine's {@link LogicalCall} (routing,
 * admission, attempt bookkeeping, release) plus what only the pipeline needs. Each stage fills in what it owns: the
 * resolving stage the engine call, candidate profiles and metadata, the admitting stage the shaped request, the
 * retrying stage the attempt number and the profile of each attempt. Attempts run one after another, so fields are
 * written before the next stage reads them; {@code volatile} covers the hand-off to transport and scheduler threads
 * for streams.
 */
final class Call {

    final String callId;
    final TenantContext tenant;
    final boolean streaming;
    /** When the call started, by the pipeline's ticker; deadlines count from here. */
    final long startNanos;
    /** The request as made, then as shaped by the admission. */
    volatile ChatRequest request;
    /** The engine's call: routing, admission, attempt bookkeeping and release. Set by the resolving stage. */
    volatile LogicalCall logical;
    volatile ResolvedProfile profile;
    volatile Map<String, String> requestMetadata = Map.of();
    volatile int attempt = 1;
    /** The profile the call is admitted on: its first. */
    volatile ResolvedProfile primary;
    /** With a balancer, the profiles the call may use, in order (the first is {@link #primary}); else empty. */
    volatile List<ResolvedProfile> candidates = List.of();
    /** Which candidate the current attempt uses. */
    volatile int candidate;
    /** The 1-based attempt on the current profile. */
    volatile int profileAttempt = 1;
    /** Whether the call's model was resolved again after its profile was found gone: at most once per call. */
    volatile boolean resolvedAgain;

    Call(String callId, TenantContext tenant, ChatRequest request, boolean streaming, long startNanos) {
        this.callId = callId;
        this.tenant = tenant;
        this.request = request;
        this.streaming = streaming;
        this.startNanos = startNanos;
    }


    ChatInvocation invocation() {
        return new ChatInvocation(callId, attempt, tenant, request, profile, requestMetadata);
    }

    Operation operation() {
        return streaming ? Operation.CONVERSE_STREAM : Operation.CONVERSE;
    }
}
