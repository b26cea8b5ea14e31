package dev.aip.agentcore;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aip.core.tenant.TenantContext;
import java.net.http.HttpHeaders;
import java.util.Objects;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * One {@code POST /invocations} request, as the agent's handler sees it. The handler runs in
 * {@link dev.aip.core.tenant.TenantScope} of {@link #tenant()}, so the model calls it makes through aip (the
 * LangChain4j and Spring AI adapters, the SDK interceptor) are routed to that tenant's profile, governed and metered,
 * and their usage records carry the session id as the attribute {@value AgentCoreServer#SESSION_ATTRIBUTE}.
 *
 * <p>Immutable (the payload is the server's parsed tree; do not change it).
 *
 * @param tenant the calling tenant, with the session id among its attributes when the runtime sent one
 * @param sessionId the runtime session ({@value AgentCoreServer#SESSION_HEADER}), or {@code null} without one
 * @param requestId the runtime's request id ({@value AgentCoreServer#REQUEST_ID_HEADER}), or {@code null}
 * @param payload the JSON body, free-form (AgentCore's example is {@code {"prompt": "..."}})
 * @param headers the headers the runtime forwarded, including allow-listed custom headers
 * @param busy the container's busy tracker, for work that goes on after the answer
 */
public record Invocation(
        TenantContext tenant,
        @Nullable String sessionId,
        @Nullable String requestId,
        JsonNode payload,
        HttpHeaders headers,
        BusyTracker busy) {

    /**
     * Validates the invocation.
     *
     * @throws NullPointerException if a required component is {@code null}
     */
    public Invocation {
        Objects.requireNonNull(tenant, "tenant");
        Objects.requireNonNull(payload, "payload");
        Objects.requireNonNull(headers, "headers");
        Objects.requireNonNull(busy, "busy");
    }

    /**
     * Returns the text field {@code name} of an object payload, e.g. {@code text("prompt")}.
     *
     * @param name the field name
     * @return the field's text, or empty when the payload has no such text field
     */
    public Optional<String> text(String name) {
        JsonNode node = payload.get(name);
        return node != null && node.isTextual() ? Optional.of(node.asText()) : Optional.empty();
    }
}
