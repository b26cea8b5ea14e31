package dev.aip.langchain4j;

import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantScope;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.bsc.langgraph4j.RunnableConfig;
import org.bsc.langgraph4j.action.AsyncNodeActionWithConfig;
import org.bsc.langgraph4j.hook.NodeHook;
import org.bsc.langgraph4j.state.AgentState;

/**
 * A LangGraph4j node hook that runs every node in its tenant's {@link TenantScope}, with the workflow run and the
 * node name as attributes, so every model call a node makes is routed for that tenant and its usage records carry
 * {@value #RUN_ATTRIBUTE} and {@value #NODE_ATTRIBUTE}.
 *
 * <pre>{@code
 * CompiledGraph<S> graph = new StateGraph<>(S.SCHEMA, S::new)
 *     .addNode("generate", node_async(s -> Map.of("draft", model.chat(s.request()))))
 *     ...
 *     .addWrapCallNodeHook(new TenantNodeHook<>())
 *     .compile();
 * graph.invoke(inputs, TenantNodeHook.config(TenantContext.of("acme"), runId));
 * }</pre>
 *
 * <p>The tenant is the {@link #TENANT} metadata of the run's {@link RunnableConfig} (see {@link #config}), else the
 * {@link TenantScope} of the thread the node runs on; the run id is the {@link #RUN} metadata, else the config's
 * thread id. A node with neither tenant runs without a scope, and its model calls are refused by aip.
 *
 * <p>The scope covers what the node's action does before it returns its future: all of a node made with
 * {@code node_async}. Work the action hands to other threads must carry the scope itself
 * ({@link TenantScope#wrap(java.util.concurrent.Callable)}).
 *
 * <p>Immutable and thread-safe; one instance may serve any number of graphs.
 *
 * @param <S> the graph's state type
 */
public final class TenantNodeHook<S extends AgentState> implements NodeHook.WrapCall<S> {

    /** The {@link RunnableConfig} metadata key of the run's tenant, a {@link TenantContext}. */
    public static final String TENANT = "aip.tenant";
    /** The {@link RunnableConfig} metadata key of the run id, a string. */
    public static final String RUN = "aip.run";
    /** The usage record attribute that holds the run id. */
    public static final String RUN_ATTRIBUTE = "run";
    /** The usage record attribute that holds the node name. */
    public static final String NODE_ATTRIBUTE = "node";

    /** Creates the hook. */
    public TenantNodeHook() {
    }

    /**
     * Returns a run configuration that names the run's tenant and id.
     *
     * @param tenant the tenant the run is for
     * @param runId the run id; letters, digits and {@code :_@$#=/+,.-} (it becomes a record attribute)
     * @return the configuration to pass to {@code invoke} or {@code stream}
     * @throws IllegalArgumentException if {@code runId} is not a valid attribute value
     */
    public static RunnableConfig config(TenantContext tenant, String runId) {
        Objects.requireNonNull(tenant, "tenant");
        tenant.withAttribute(RUN_ATTRIBUTE, Objects.requireNonNull(runId, "runId")); // validates the run id now
        return RunnableConfig.builder().putMetadata(TENANT, tenant).putMetadata(RUN, runId).build();
    }

    @Override
    public CompletableFuture<Map<String, Object>> applyWrap(String nodeId, S state, RunnableConfig config,
                                                           AsyncNodeActionWithConfig<S> action) {
        TenantContext tenant = config.metadata(TENANT).filter(TenantContext.class::isInstance)
                .map(TenantContext.class::cast).or(TenantScope::current).orElse(null);
        if (tenant == null) {
            return action.apply(state, config);
        }
        String run = config.metadata(RUN).map(Object::toString).or(config::threadId).orElse(null);
        TenantContext scoped = run == null ? tenant : tenant.withAttribute(RUN_ATTRIBUTE, run);
        return TenantScope.get(scoped.withAttribute(NODE_ATTRIBUTE, nodeId), () -> action.apply(state, config));
    }
}
