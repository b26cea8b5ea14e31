package dev.aip.agentcore;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aip.core.InvalidTenantIdException;
import dev.aip.core.UnknownTenantException;
import dev.aip.core.tenant.TenantId;
import java.io.IOException;
import java.net.http.HttpHeaders;
import java.util.Base64;
import java.util.Optional;

/**
 * Reads one claim of the bearer JWT's payload. The signature is not checked: AgentCore's inbound JWT authorizer did
 * that before the request reached the container (see {@link TenantIdentity}). Immutable.
 */
final class JwtClaimIdentity implements TenantIdentity {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String BEARER = "bearer ";

    private final String claim;

    JwtClaimIdentity(String claim) {
        this.claim = claim;
    }

    @Override
    public Optional<TenantId> resolve(HttpHeaders headers) {
        Optional<String> authorization = headers.firstValue("Authorization");
        if (authorization.isEmpty()) {
            return Optional.empty();
        }
        String value = authorization.get().strip();
        if (!value.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return Optional.empty();
        }
        JsonNode payload = payload(value.substring(BEARER.length()).strip());
        JsonNode node = payload.get(claim);
        if (node == null || node.isNull()) {
            return Optional.empty();
        }
        if (node.isContainerNode()) {
            throw new UnknownTenantException("The JWT claim \"" + claim + "\" is " + (node.isArray() ? "an array"
                    : "an object") + ", not a tenant id; put the tenant id in a string claim");
        }
        try {
            return Optional.of(TenantId.of(node.asText()));
        } catch (InvalidTenantIdException e) {
            throw new InvalidTenantIdException(e.reason(), e.index(), "The JWT claim \"" + claim
                    + "\" does not hold a valid tenant id: " + e.getMessage());
        }
    }

    private static JsonNode payload(String token) {
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            throw malformed("it has " + parts.length + " dot-separated parts, a JWS compact token has 3");
        }
        byte[] bytes;
        try {
            bytes = Base64.getUrlDecoder().decode(parts[1]);
        } catch (IllegalArgumentException e) {
            throw malformed("its payload is not base64url (" + e.getMessage() + ")");
        }
        JsonNode payload;
        try {
            payload = JSON.readTree(bytes);
        } catch (IOException e) {
            throw malformed("its payload is not JSON");
        }
        if (payload == null || !payload.isObject()) {
            throw malformed("its payload is not a JSON object");
        }
        return payload;
    }

    private static UnknownTenantException malformed(String why) {
        return new UnknownTenantException("The Authorization bearer token is not a JWT: " + why + ". Behind"
                + " AgentCore Runtime an inbound JWT authorizer validates the token before it is forwarded.");
    }

    @Override
    public String toString() {
        return "jwtClaim(" + claim + ")";
    }
}
