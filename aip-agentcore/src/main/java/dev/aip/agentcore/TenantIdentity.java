package dev.aip.agentcore;

import dev.aip.core.InvalidTenantIdException;
import dev.aip.core.UnknownTenantException;
import dev.aip.core.tenant.TenantId;
import java.net.http.HttpHeaders;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Finds the calling tenant in the headers AgentCore Runtime forwards to the container.
 *
 * <p>Two inbound identities reach the container (AWS page "Pass custom headers to Amazon Bedrock AgentCore Runtime",
 * {@code runtime-header-allowlist}):
 * <ul>
 *   <li><b>OAuth / JWT callers.</b> With an inbound JWT authorizer ({@code customJWTAuthorizer}, AWS page "Configure
 *       inbound JWT authorizer", {@code inbound-jwt-authorizer}) the runtime validates the bearer token (signature
 *       from the discovery URL's keys, audience, client) before the request reaches the container. It forwards the
 *       {@code Authorization} header only when the runtime's request-header allow-list names it, which requires that
 *       authorizer. {@link #jwtClaim(String)} reads one claim of that token.</li>
 *   <li><b>SigV4 callers</b> (a SaaS backend calling {@code InvokeAgentRuntime} with its IAM role). They send the
 *       tenant in a custom header; headers prefixed {@code X-Amzn-Bedrock-AgentCore-Runtime-Custom-} pass when
 *       allow-listed (at most 20 headers per runtime, values up to 4 KB). {@link #header()} reads
 *       {@value #TENANT_HEADER}.</li>
 * </ul>
 *
 * <p><b>Only behind AgentCore.</b> {@link #jwtClaim(String)} decodes the token's payload without checking its
 * signature, expiry or audience, because AgentCore's authorizer has already done so; and a custom header is only as
 * trustworthy as the callers allowed to invoke the runtime. Exposed anywhere else, the container would believe any
 * caller. Do not publish port 8080 outside the runtime.
 *
 * <p>Contract of {@link #resolve}: empty when the identity it looks for is absent (the server then answers 401);
 * {@link InvalidTenantIdException} when the value is there but is not a valid {@link TenantId} (answered 400 naming
 * the claim or header); {@link UnknownTenantException} when the credential itself is malformed, e.g. a bearer token
 * that is not a JWT (answered 401).
 *
 * <p>Implementations must be thread-safe; the ones made here are immutable.
 */
@FunctionalInterface
public interface TenantIdentity {

    /** The JWT claim {@link #jwtClaim()} reads. */
    String DEFAULT_CLAIM = "tenant_id";

    /** The custom header {@link #header()} reads; allow-list it on the runtime for SigV4 callers. */
    String TENANT_HEADER = "X-Amzn-Bedrock-AgentCore-Runtime-Custom-Tenant-Id";

    /**
     * Finds the tenant of one request.
     *
     * @param headers the request's headers, as forwarded by the runtime
     * @return the tenant, or empty when this identity is absent
     * @throws InvalidTenantIdException if the value found is not a valid tenant id
     * @throws UnknownTenantException if the credential is malformed
     */
    Optional<TenantId> resolve(HttpHeaders headers);

    /**
     * The tenant from the claim {@value #DEFAULT_CLAIM} of the {@code Authorization: Bearer} JWT.
     *
     * @return the identity
     */
    static TenantIdentity jwtClaim() {
        return jwtClaim(DEFAULT_CLAIM);
    }

    /**
     * The tenant from one top-level claim of the {@code Authorization: Bearer} JWT. A request without a bearer token,
     * or whose token lacks the claim, has no identity here. A string claim is the tenant id; a number or boolean is
     * read as its text; an object or array is refused as malformed.
     *
     * @param claim the claim name, e.g. {@code "tenant_id"} or {@code "custom:tenant"}
     * @return the identity
     * @throws IllegalArgumentException if {@code claim} is blank
     */
    static TenantIdentity jwtClaim(String claim) {
        Objects.requireNonNull(claim, "claim");
        if (claim.isBlank()) {
            throw new IllegalArgumentException("The JWT claim name is blank; name the claim that holds the tenant id,"
                    + " e.g. \"" + DEFAULT_CLAIM + "\"");
        }
        return new JwtClaimIdentity(claim);
    }

    /**
     * The tenant from the custom header {@value #TENANT_HEADER}.
     *
     * @return the identity
     */
    static TenantIdentity header() {
        return header(TENANT_HEADER);
    }

    /**
     * The tenant from one request header (case-insensitive name). AgentCore forwards only allow-listed headers; names
     * starting {@code X-Amzn-} pass only with the {@code X-Amzn-Bedrock-AgentCore-Runtime-Custom-} prefix.
     *
     * @param name the header name
     * @return the identity
     * @throws IllegalArgumentException if {@code name} is blank
     */
    static TenantIdentity header(String name) {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("The tenant header name is blank; use e.g. " + TENANT_HEADER);
        }
        return headers -> headers.firstValue(name).map(value -> {
            try {
                return TenantId.of(value);
            } catch (InvalidTenantIdException e) {
                throw new InvalidTenantIdException(e.reason(), e.index(), "The header " + name + " does not hold a"
                        + " valid tenant id: " + e.getMessage());
            }
        });
    }

    /**
     * The first of several identities that finds a tenant, asked in order; e.g. the JWT claim for end users, then
     * the custom header for the SaaS backend. A malformed or invalid value stops the search (it is answered, not
     * skipped).
     *
     * @param identities the identities, in order
     * @return the identity
     * @throws IllegalArgumentException if none is given
     */
    static TenantIdentity firstOf(TenantIdentity... identities) {
        List<TenantIdentity> all = List.of(identities);
        if (all.isEmpty()) {
            throw new IllegalArgumentException("firstOf needs at least one identity");
        }
        return headers -> {
            for (TenantIdentity identity : all) {
                Optional<TenantId> found = identity.resolve(headers);
                if (found.isPresent()) {
                    return found;
                }
            }
            return Optional.empty();
        };
    }
}
