package dev.aip.spring;

import dev.aip.core.governance.Governance;

/**
 * Adjusts the {@link Governance} aip's auto-configuration builds, before it is built: a shared governance state,
 * failure policies by tier, a budget listener. Every bean of this type is applied, in {@code @Order}; aip's own (the
 * Redis state of {@code aip.redis.uri}) runs first, so an application's customizer can override it.
 *
 * <pre>{@code
 * @Bean
 * AipGovernanceCustomizer budgetsFailOpenForPremium() {
 *     return builder -> builder.failurePolicy(Tier.PREMIUM, FailurePolicy.OPEN);
 * }
 * }</pre>
 *
 * <p>Called once, on the thread that creates the context.
 */
@FunctionalInterface
public interface AipGovernanceCustomizer {

    /**
     * Adjusts the builder.
     *
     * @param builder the governance builder, with the policies already set
     */
    void customize(Governance.Builder builder);
}
