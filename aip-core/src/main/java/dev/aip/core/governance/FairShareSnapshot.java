package dev.aip.core.governance;

import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What fair share knows at one moment, for operators and dashboards: per source model and region, the capacity
 * estimate, the tokens used in the last minute, and each tenant's use, share and shed calls. From
 * {@link Governance#fairShare()}; {@link #toString()} prints it as a table.
 *
 * <p>Immutable.
 *
 * @param enabled whether fair share is on (configured in the builder or the policy file)
 * @param models the models seen, by source model id and region; copied
 */
public record FairShareSnapshot(boolean enabled, List<ModelState> models) {

    /**
     * Validates and copies.
     */
    public FairShareSnapshot {
        models = List.copyOf(models);
    }

    /**
     * Returns one model's state.
     *
     * @param sourceModelId the foundation model
     * @param region the region
     * @return the state, if the model has been called
     */
    public Optional<ModelState> model(String sourceModelId, String region) {
        return models.stream().filter(m -> m.sourceModelId().equals(sourceModelId) && m.region().equals(region))
                .findFirst();
    }

    /**
     * Prints one line per model and one per tenant under it, e.g.
     * <pre>
     * fair share: anthropic.claude-3-5-haiku-20241022-v1:0 @ us-east-1  capacity 420000/600000 tpm  used 431000  CONGESTED  throttles 12  decreases 2  shed 40
     *   acme        premium  w4  used 150000  share 186666  shed 0
     * </pre>
     */
    @Override
    public String toString() {
        if (!enabled) {
            return "fair share: off";
        }
        if (models.isEmpty()) {
            return "fair share: no calls yet";
        }
        StringBuilder sb = new StringBuilder();
        for (ModelState m : models) {
            sb.append("fair share: ").append(m.sourceModelId()).append(" @ ").append(m.region())
                    .append("  capacity ").append(text(m.capacityTokensPerMinute()))
                    .append('/').append(text(m.configuredCapacityTokensPerMinute())).append(" tpm")
                    .append("  used ").append(m.recentTokens())
                    .append(m.congested() ? "  CONGESTED" : "")
                    .append("  throttles ").append(m.throttles())
                    .append("  decreases ").append(m.capacityDecreases())
                    .append("  shed ").append(m.shed()).append('\n');
            for (TenantState t : m.tenants()) {
                sb.append(String.format("  %-24s %-10s w%-4d used %-10d share %-10s shed %d%n",
                        t.tenant().value(), t.tier().name(), t.weight(), t.recentTokens(),
                        text(t.shareTokensPerMinute()), t.shed()));
            }
        }
        return sb.toString().stripTrailing();
    }

    private static String text(OptionalLong value) {
        return value.isPresent() ? Long.toString(value.getAsLong()) : "-";
    }

    /**
     * One model's state.
     *
     * <p>Immutable.
     *
     * @param sourceModelId the foundation model
     * @param region the region
     * @param capacityTokensPerMinute the capacity estimate now; empty while unknown (no configured capacity and no
     *     throttle yet)
     * @param configuredCapacityTokensPerMinute the configured capacity (the estimate's ceiling), empty if none
     * @param recentTokens tokens used in the last minute by all tenants (calls in flight at their estimate)
     * @param congested whether the recent tokens exceed the estimate less the headroom, so tenants above their share
     *     are shed
     * @param throttles attempts Bedrock throttled since start
     * @param capacityDecreases multiplicative decreases since start (at most one per cooldown)
     * @param shed calls refused for fair share since start
     * @param tenants the tenants seen in the last minutes, by id; copied
     */
    public record ModelState(String sourceModelId, String region, OptionalLong capacityTokensPerMinute,
                             OptionalLong configuredCapacityTokensPerMinute, long recentTokens, boolean congested,
                             long throttles, long capacityDecreases, long shed, List<TenantState> tenants) {

        /**
         * Validates and copies.
         */
        public ModelState {
            Objects.requireNonNull(sourceModelId, "sourceModelId");
            Objects.requireNonNull(region, "region");
            Objects.requireNonNull(capacityTokensPerMinute, "capacityTokensPerMinute");
            Objects.requireNonNull(configuredCapacityTokensPerMinute, "configuredCapacityTokensPerMinute");
            tenants = List.copyOf(tenants);
        }

        /**
         * Returns one tenant's state on this model.
         *
         * @param tenant the tenant
         * @return its state, if seen in the last minutes
         */
        public Optional<TenantState> tenant(TenantId tenant) {
            return tenants.stream().filter(t -> t.tenant().equals(tenant)).findFirst();
        }
    }

    /**
     * One tenant's use of one model.
     *
     * <p>Immutable.
     *
     * @param tenant the tenant
     * @param tier its tier at its last call
     * @param weight its tier's weight
     * @param recentTokens tokens it used in the last minute (calls in flight at their estimate)
     * @param shareTokensPerMinute its fair share of the current estimate if it is active; empty when it is not, or
     *     the capacity is unknown
     * @param shed its calls refused for fair share since start
     */
    public record TenantState(TenantId tenant, Tier tier, int weight, long recentTokens,
                              OptionalLong shareTokensPerMinute, long shed) {

        /**
         * Validates.
         */
        public TenantState {
            Objects.requireNonNull(tenant, "tenant");
            Objects.requireNonNull(tier, "tier");
            Objects.requireNonNull(shareTokensPerMinute, "shareTokensPerMinute");
        }
    }
}
