package dev.aip.core.chat;

import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.tenant.TenantContext;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The governance seam of the pipeline: decides whether a call may go to Bedrock, after its profile is resolved and
 * before any attempt. Rate limits, budgets and concurrency caps plug in here.
 *
 * <p>To refuse a call, throw an {@link dev.aip.core.AipException} (e.g. a rate-limit or budget exception): the
 * pipeline records a {@code REJECTED_BY_POLICY} usage record and the caller gets the exception. To admit it, return
 * a {@link Permit}; the pipeline releases it exactly once, when the call is over (after its last attempt, on every
 * outcome), with the records of all its attempts, so reservations can settle to real usage.
 *
 * <p>An admission sees an {@link AdmissionRequest} (model, estimated input tokens, settings), built the same way on
 * every path, never the messages.
 *
 * <p><b>Shaping.</b> Before admitting, every path lets the admission {@linkplain #shape rewrite the settings}, e.g. to
 * fill in the tenant's default inference settings; the shaped request is what is admitted, reserved for and sent.
 *
 * <p><b>Non-blocking.</b> The pipeline's asynchronous calls and streams ask {@link #admitAsync}, which an admission
 * backed by a remote store (e.g. Redis) implements without parking a thread; the default completes from
 * {@link #admit} on the calling thread.
 *
 * <p>Implementations must be thread-safe; {@code shape} and {@code admit} are called on the caller's thread,
 * {@code release} on whichever thread ends the call.
 */
@FunctionalInterface
public interface Admission {

    /**
     * Admits or refuses a call.
     *
     * @param tenant the tenant
     * @param request the request
     * @param profile the profile the call will use
     * @return the permit to release when the call is over
     * @throws dev.aip.core.AipException to refuse the call
     */
    Permit admit(TenantContext tenant, AdmissionRequest request, ResolvedProfile profile);

    /**
     * Admits or refuses a call without parking the calling thread on a remote store. The default completes at once
     * from {@link #admit}: with the permit, or exceptionally with its refusal.
     *
     * @param tenant the tenant
     * @param request the request
     * @param profile the profile the call will use
     * @return the permit to release when the call is over, or a stage completed exceptionally with the refusal
     */
    default CompletionStage<Permit> admitAsync(TenantContext tenant, AdmissionRequest request,
                                               ResolvedProfile profile) {
        try {
            return CompletableFuture.completedFuture(admit(tenant, request, profile));
        } catch (RuntimeException refusal) {
            return CompletableFuture.failedFuture(refusal);
        }
    }

    /**
     * Rewrites a request's settings before it is admitted and sent: called once per call, before {@link #admit},
     * which then gets the returned request. The default returns the request unchanged.
     *
     * <p>A shaped request must keep the model and the input estimate; it may only change the inference settings
     * ({@link AdmissionRequest#withSettings}). Throwing refuses the call, as {@code admit} does.
     *
     * @param tenant the tenant
     * @param request the request as the caller made it
     * @return the request to admit and send; the same instance when nothing changes
     * @throws dev.aip.core.AipException to refuse the call
     */
    default AdmissionRequest shape(TenantContext tenant, AdmissionRequest request) {
        return request;
    }

    /**
     * Admits every call.
     *
     * @return the admission
     */
    static Admission allowAll() {
        return (tenant, request, profile) -> Permit.NONE;
    }

    /** What an admitted call holds until it is over. */
    @FunctionalInterface
    interface Permit {

        /** A permit that holds nothing. */
        Permit NONE = attempts -> { };

        /**
         * Releases the permit; called once per admitted call.
         *
         * @param attempts the usage records of the call's attempts, in order (empty if none was made)
         */
        void release(List<UsageRecord> attempts);
    }
}
