package dev.aip.core.profile;

import java.util.List;
import java.util.Objects;

/**
 * What {@link ProfileLifecycle#apply} must do to make the account match a desired tenant list: the result of
 * {@link ProfileLifecycle#plan}. Actions are ordered by kind ({@code DELETE}, {@code RETAG}, {@code REPLACE},
 * {@code CREATE}), then tenant, then logical model.
 *
 * <p>Immutable.
 *
 * @param actions the actions, in order
 * @param unchanged number of desired profiles that already exist as desired
 * @param ignored number of application profiles left alone because they are not managed by this library (no
 *     {@code ManagedBy=aip} tag) or are pool profiles
 */
public record ProfilePlan(List<PlanAction> actions, int unchanged, int ignored) {

    /** Copies the actions. */
    public ProfilePlan {
        actions = List.copyOf(Objects.requireNonNull(actions, "actions"));
    }

    /** Whether there is nothing to do. */
    public boolean isEmpty() {
        return actions.isEmpty();
    }

    /** Number of actions of a kind. */
    public long count(PlanAction.Kind kind) {
        return actions.stream().filter(a -> a.kind() == kind).count();
    }

    /** One line per action, for a dry run. */
    @Override
    public String toString() {
        StringBuilder out = new StringBuilder("ProfilePlan: ").append(actions.size()).append(" actions (")
                .append(count(PlanAction.Kind.CREATE)).append(" create, ").append(count(PlanAction.Kind.DELETE))
                .append(" delete, ").append(count(PlanAction.Kind.RETAG)).append(" retag, ")
                .append(count(PlanAction.Kind.REPLACE)).append(" replace), ").append(unchanged)
                .append(" unchanged, ").append(ignored).append(" ignored");
        for (PlanAction a : actions) {
            out.append('\n').append("  ").append(a);
        }
        return out.toString();
    }
}
