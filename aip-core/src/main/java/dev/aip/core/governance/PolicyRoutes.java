package dev.aip.core.governance;

import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.FallbackRoutes;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.tenant.TenantContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tenant's {@link TenantPolicy#fallbackChain()} as the pipeline's {@link FallbackRoutes}, read from the
 * {@link PolicyStore} when a call needs it (so a reload applies to the next call that fails over). What the entries
 * may be and how they are checked: see {@link FallbackRoutes}. A logical model in the chain that the same policy's
 * {@code allowedModels} does not allow is left out (and logged): a fallback must not reach a model the tenant may
 * not call. Profile ARNs in the chain name no logical model and are kept.
 *
 * <pre>{@code
 * ChatClient chat = ChatPipeline.builder()....fallbackRoutes(governance.fallbackRoutes()).build();
 * }</pre>
 *
 * <p>Thread-safe; share one instance.
 */
public final class PolicyRoutes implements FallbackRoutes {

    private static final Logger LOG = LoggerFactory.getLogger(PolicyRoutes.class);

    private final PolicyStore policies;

    private PolicyRoutes(PolicyStore policies) {
        this.policies = policies;
    }

    /**
     * Returns the fallback routes of the policies in a store.
     *
     * @param policies the store, e.g. the one given to {@link Governance}
     * @return the routes
     */
    public static PolicyRoutes of(PolicyStore policies) {
        return new PolicyRoutes(Objects.requireNonNull(policies, "policies"));
    }

    /**
     * {@inheritDoc}
     *
     * @return the tenant's layered policy's fallback chain, without the models it does not allow; empty if none
     */
    @Override
    public List<String> fallbacks(TenantContext tenant, ChatRequest request, ResolvedProfile primary) {
        TenantPolicy policy = policies.current().policyFor(tenant);
        List<String> chain = policy.fallbackChain();
        if (chain == null || chain.isEmpty()) {
            return List.of();
        }
        List<String> allowed = new ArrayList<>(chain.size());
        for (String entry : chain) {
            if (entry.startsWith("arn:") || policy.allowsModel(entry)) {
                allowed.add(entry);
            } else {
                LOG.warn("Fallback model {} of tenant {} is left out: the tenant's policy does not allow it", entry,
                        tenant.id());
            }
        }
        return allowed;
    }
}
