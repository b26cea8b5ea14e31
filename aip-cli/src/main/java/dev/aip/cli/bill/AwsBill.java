package dev.aip.cli.bill;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * AWS's view of the bill: the cost per tenant and UTC day, over the days the source covers.
 *
 * <p>Immutable.
 *
 * @param source what it was read from, for messages (e.g. {@code Cost Explorer answer ce.json})
 * @param costs one entry per day and tenant (untagged cost is the entry with a {@code null} tenant), ordered by day
 *     and tenant
 * @param firstDay the first day the source covers, or {@code null} if it covers none
 * @param lastDay the last day the source covers, or {@code null}
 */
public record AwsBill(String source, List<AwsCost> costs, @Nullable LocalDate firstDay, @Nullable LocalDate lastDay) {

    /** Copies the costs. */
    public AwsBill {
        Objects.requireNonNull(source, "source");
        costs = List.copyOf(costs);
    }

    /** Sums costs per day and tenant and tracks the days covered. Confined. */
    static final class Accumulator {
        private record Key(LocalDate day, @Nullable String tenant) {
        }

        private final Map<Key, AwsCost> costs = new LinkedHashMap<>();
        private LocalDate first;
        private LocalDate last;

        void cover(LocalDate day) {
            first = first == null || day.isBefore(first) ? day : first;
            last = last == null || day.isAfter(last) ? day : last;
        }

        void add(AwsCost cost) {
            cover(cost.day());
            costs.merge(new Key(cost.day(), cost.tenant()), cost, AwsCost::plus);
        }

        AwsBill build(String source) {
            List<AwsCost> sorted = new ArrayList<>(costs.values());
            sorted.sort(Comparator.comparing(AwsCost::day).thenComparing(AwsCost::tenant,
                    Comparator.nullsFirst(Comparator.naturalOrder())));
            return new AwsBill(source, sorted, first, last);
        }
    }
}
