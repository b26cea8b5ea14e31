package dev.aip.cli.report;

import dev.aip.core.tenant.Tier;
import dev.aip.emulator.ModelMetrics;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a {@link UsageReport} covers and how it is judged.
 *
 * <p>Every component but the title and the latency targets is optional and may be {@code null}; the compact
 * constructor fills the defaults below, so the accessors never return {@code null} except for {@link #from()},
 * {@link #to()} and {@link #reconciliation()}.
 * <ul>
 *   <li>{@code title}: {@value #DEFAULT_TITLE}</li>
 *   <li>{@code latencyTargets}: {@link #DEFAULT_LATENCY_TARGETS} (premium 2 s, standard 5 s, basic 10 s). A tier
 *       without a target has no SLA compliance in the report.</li>
 *   <li>{@code from}, {@code to}: none; the window is then the span of the records</li>
 *   <li>{@code serverView}, {@code profileOwners}: empty</li>
 * </ul>
 *
 * <pre>{@code
 * ReportOptions options = ReportOptions.builder()
 *     .title("Acme platform, March")
 *     .window(Instant.parse("2025-03-01T00:00:00Z"), Instant.parse("2025-04-01T00:00:00Z"))
 *     .latencyTarget(Tier.PREMIUM, Duration.ofMillis(1500))
 *     .build();
 * }</pre>
 *
 * <p>Immutable.
 *
 * @param title the report's title, shown as plain text (never interpreted as markup)
 * @param latencyTargets the latency a call of each tier should stay within, positive
 * @param from the start of the window, inclusive, or {@code null}
 * @param to the end of the window, exclusive, or {@code null}; after {@code from} when both are given
 * @param serverView per-{@code ModelId} counters as the server (the emulator or CloudWatch) saw them, for the
 *     side-by-side view; in the given order
 * @param profileOwners which tenant owns each {@code ModelId} of the server view (ModelId → tenant id)
 * @param reconciliation a one-line verdict of reconciling the ledger with the server view, shown as given, or
 *     {@code null}
 */
public record ReportOptions(
        String title,
        Map<Tier, Duration> latencyTargets,
        Instant from,
        Instant to,
        List<ModelMetrics> serverView,
        Map<String, String> profileOwners,
        String reconciliation) {

    /** The title used when none is given. */
    public static final String DEFAULT_TITLE = "Bedrock usage by tenant";

    /** The default latency targets: premium 2 s, standard 5 s, basic 10 s. */
    public static final Map<Tier, Duration> DEFAULT_LATENCY_TARGETS = orderedTargets(Map.of(
            Tier.PREMIUM, Duration.ofSeconds(2),
            Tier.STANDARD, Duration.ofSeconds(5),
            Tier.BASIC, Duration.ofSeconds(10)));

    /**
     * Fills the defaults and copies the collections.
     *
     * @throws NullPointerException if a map or list holds a {@code null} key, value or element
     * @throws IllegalArgumentException if a latency target is not positive, or {@code to} is not after
     *     {@code from}
     */
    public ReportOptions {
        title = title == null || title.isBlank() ? DEFAULT_TITLE : title;
        latencyTargets = latencyTargets == null ? DEFAULT_LATENCY_TARGETS : orderedTargets(latencyTargets);
        if (from != null && to != null && !to.isAfter(from)) {
            throw new IllegalArgumentException("The report window ends (" + to + ") before it starts (" + from
                    + "); give a 'to' after 'from'");
        }
        serverView = serverView == null ? List.of() : List.copyOf(serverView);
        profileOwners = profileOwners == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(profileOwners));
    }

    /**
     * Returns the options with every default.
     *
     * @return the options
     */
    public static ReportOptions defaults() {
        return builder().build();
    }

    /**
     * Returns a builder holding the defaults.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns the latency target of a tier.
     *
     * @param tier the tier
     * @return the target, or {@code null} if the tier has none
     */
    public Duration latencyTarget(Tier tier) {
        return latencyTargets.get(tier);
    }

    /** Sorted by target, then tier name, so that reports list tiers in a stable, meaningful order. */
    private static Map<Tier, Duration> orderedTargets(Map<Tier, Duration> targets) {
        LinkedHashMap<Tier, Duration> ordered = new LinkedHashMap<>();
        targets.entrySet().stream()
                .peek(e -> {
                    Objects.requireNonNull(e.getKey(), "latency target tier");
                    Objects.requireNonNull(e.getValue(), () -> "latency target of tier " + e.getKey());
                    if (e.getValue().isNegative() || e.getValue().isZero()) {
                        throw new IllegalArgumentException("Latency target of tier " + e.getKey() + " is "
                                + e.getValue() + "; it must be positive");
                    }
                })
                .sorted(Map.Entry.<Tier, Duration>comparingByValue().thenComparing(e -> e.getKey().name()))
                .forEach(e -> ordered.put(e.getKey(), e.getValue()));
        return Collections.unmodifiableMap(ordered);
    }

    /**
     * Builds {@link ReportOptions}; starts from the defaults.
     *
     * <p>Not thread-safe; confine to one thread.
     */
    public static final class Builder {
        private String title;
        private final Map<Tier, Duration> latencyTargets = new LinkedHashMap<>(DEFAULT_LATENCY_TARGETS);
        private Instant from;
        private Instant to;
        private List<ModelMetrics> serverView;
        private Map<String, String> profileOwners;
        private String reconciliation;

        private Builder() {}

        /**
         * Sets the title.
         *
         * @param value the title, or {@code null} for the default
         * @return this builder
         */
        public Builder title(String value) {
            title = value;
            return this;
        }

        /**
         * Sets or replaces the latency target of one tier, keeping the others.
         *
         * @param tier the tier
         * @param target the target, positive
         * @return this builder
         */
        public Builder latencyTarget(Tier tier, Duration target) {
            latencyTargets.put(Objects.requireNonNull(tier, "tier"), Objects.requireNonNull(target, "target"));
            return this;
        }

        /**
         * Replaces all latency targets.
         *
         * @param targets the targets; tiers not in it have no target
         * @return this builder
         */
        public Builder latencyTargets(Map<Tier, Duration> targets) {
            latencyTargets.clear();
            latencyTargets.putAll(targets);
            return this;
        }

        /**
         * Sets the window.
         *
         * @param start the start, inclusive, or {@code null}
         * @param end the end, exclusive, or {@code null}
         * @return this builder
         */
        public Builder window(Instant start, Instant end) {
            from = start;
            to = end;
            return this;
        }

        /**
         * Sets the start of the window.
         *
         * @param value the start, inclusive, or {@code null}
         * @return this builder
         */
        public Builder from(Instant value) {
            from = value;
            return this;
        }

        /**
         * Sets the end of the window.
         *
         * @param value the end, exclusive, or {@code null}
         * @return this builder
         */
        public Builder to(Instant value) {
            to = value;
            return this;
        }

        /**
         * Sets the server-side view.
         *
         * @param value per-ModelId counters, or {@code null}
         * @return this builder
         */
        public Builder serverView(List<ModelMetrics> value) {
            serverView = value;
            return this;
        }

        /**
         * Sets the owners of the server view's model ids.
         *
         * @param value ModelId → tenant id, or {@code null}
         * @return this builder
         */
        public Builder profileOwners(Map<String, String> value) {
            profileOwners = value;
            return this;
        }

        /**
         * Sets the reconciliation line.
         *
         * @param value the line, or {@code null}
         * @return this builder
         */
        public Builder reconciliation(String value) {
            reconciliation = value;
            return this;
        }

        /**
         * Builds the options.
         *
         * @return the options
         * @throws IllegalArgumentException if a value is invalid (see {@link ReportOptions#ReportOptions})
         */
        public ReportOptions build() {
            return new ReportOptions(title, latencyTargets, from, to, serverView, profileOwners, reconciliation);
        }
    }
}
