package dev.aip.core.chat;

import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.tenant.TenantContext;
import java.util.Map;
import java.util.Objects;

/**
 * One attempt of a chat call as the pipeline hands it to a {@link ChatTransport} or a {@link RetryPolicy}: the
 * tenant, the request, the profile it was routed to and the {@code requestMetadata} to send.
 *
 * <p>Immutable.
 *
 * @param callId id shared by all attempts of the call
 * @param attempt 1-based attempt number
 * @param tenant the tenant
 * @param request the request
 * @param profile the tenant's profile for the request's model; its ARN is the {@code modelId} to send
 * @param requestMetadata the merged {@code requestMetadata} (see {@link RequestMetadata}), in order; copied
 */
public record ChatInvocation(String callId, int attempt, TenantContext tenant, ChatRequest request,
                             ResolvedProfile profile, Map<String, String> requestMetadata) {

    /** @throws NullPointerException if a value is {@code null} */
    public ChatInvocation {
        Objects.requireNonNull(callId, "callId");
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(request, "request");
        Objects.requireNonNull(profile, "profile");
        requestMetadata = RequestMetadata.frozen(requestMetadata);
        if (attempt < 1) {
            throw new IllegalArgumentException("attempt must be >= 1, was " + attempt);
        }
    }
}
