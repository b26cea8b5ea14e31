package dev.aip.core.governance;

import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.FallbackRoutes;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.tenant.TenantContext;
import java.util.List;
import java.util.Objects;

/**
 * The tenant's {@link TenantPolicy#fallbackChain()} as the pipeline's {@link FallbackRoutes}, read from the
 * {@link PolicyStore} when a call needs it (so a reload applies to the next call that fails over). What the entries
 * may be and how they are checked: see {@link FallbackRoutes}.
 *
 * <pre>{@code
 * ChatClient chat = ChatPipeline.builder()....fallbackRoutes(governance.fallbackRoutes()).build();
 * }</pre>
 *
 * <p>Thread-safe; share one instance.
 */
public final class PolicyRoutes implements FallbackRoutes {

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
     * @return the tenant's layered policy's fallback chain; empty if it has none
     */
    @Override
    public List<String> fallbacks(TenantContext tenant, ChatRequest request, ResolvedProfile primary) {
        List<String> chain = policies.current().policyFor(tenant).fallbackChain();
        return chain == null ? List.of() : chain;
    }
}
