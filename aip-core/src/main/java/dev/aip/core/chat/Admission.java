package dev.aip.core.chat;

import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.tenant.TenantContext;
import java.util.List;

/**
 * The governance seam of the pipeline: decides whether a call may go to Bedrock, after its profile is resolved and
 * before any attempt. Rate limits, budgets and concurrency caps plug in here.
 *
 * <p>To refuse a call, throw an {@link dev.aip.core.AipException} (e.g. a rate-limit or budget exception): the
 * pipeline records a {@code REJECTED_BY_POLICY} usage record and the caller gets the exception. To admit it, return
 * a {@link Permit}; the pipeline releases it exactly once, when the call is over (after its last attempt, on every
 * outcome), with the records of all its attempts, so reservations can settle to real usage.
 *
 * <p>Implementations must be thread-safe; {@code admit} is called on the caller's thread, {@code release} on
 * whichever thread ends the call.
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
    Permit admit(TenantContext tenant, ChatRequest request, ResolvedProfile profile);

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
