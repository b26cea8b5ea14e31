package dev.aip.agentcore;

import org.jspecify.annotations.Nullable;

/**
 * The agent behind {@code POST /invocations}: a JSON payload in, a reply out.
 *
 * <p>The reply is written as the JSON body of a 200 answer with Jackson's default mapping: a record, a
 * {@code Map}, a {@code JsonNode} or a {@code String} (written as a JSON string); {@code null} is written as
 * {@code null}. A failure is answered with an HTTP status and a JSON error (see {@link AgentCoreServer}); aip's typed
 * refusals keep their meaning (a budget or rate limit is a 429 with {@code Retry-After}).
 *
 * <p>Called on the server's threads, one call per invocation, possibly several at once: implementations must be
 * thread-safe.
 */
@FunctionalInterface
public interface AgentHandler {

    /**
     * Handles one invocation, in the calling tenant's scope.
     *
     * @param invocation the request
     * @return the reply
     * @throws Exception any failure; answered with a status and a JSON error
     */
    @Nullable Object invoke(Invocation invocation) throws Exception;
}
