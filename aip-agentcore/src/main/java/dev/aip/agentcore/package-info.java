/**
 * Tenant-aware agents on Amazon Bedrock AgentCore Runtime: {@link dev.aip.agentcore.AgentCoreServer} serves an agent
 * under the runtime's HTTP protocol contract ({@code POST /invocations}, {@code GET /ping} on port 8080), finds the
 * calling tenant in the inbound identity ({@link dev.aip.agentcore.TenantIdentity}: a claim of the JWT the runtime's
 * inbound authorizer validated, or a custom header a SigV4 caller sent) and runs the agent in that tenant's
 * {@link dev.aip.core.tenant.TenantScope}. Every model call the agent makes through aip is then routed to the
 * tenant's application inference profile, governed and metered, and its usage record carries the runtime session id.
 *
 * <p>The public API: {@link dev.aip.agentcore.AgentCoreServer} and its builder, {@link dev.aip.agentcore.AgentHandler}
 * and {@link dev.aip.agentcore.StreamingAgentHandler}, {@link dev.aip.agentcore.Invocation},
 * {@link dev.aip.agentcore.TenantIdentity}, {@link dev.aip.agentcore.BusyTracker} and
 * {@link dev.aip.agentcore.PingStatus}. The rest is package-private.
 *
 * <p>Which contract fact comes from which AWS page is listed in {@link dev.aip.agentcore.AgentCoreServer}'s Javadoc.
 * The module needs only aip-core, Jackson (already aip-core's) and the JDK's {@code com.sun.net.httpserver}: it adds
 * no HTTP framework to the container.
 */
@NullMarked
package dev.aip.agentcore;

import org.jspecify.annotations.NullMarked;
