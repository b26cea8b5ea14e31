package dev.aip.cli.bill;

import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageProvenance;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.TagSchema;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * The ledger against AWS's bill, per tenant and UTC day.
 *
 * <p>The ledger's side of a tenant and day: the exact sum of its priced records' costs and the tokens of every record
 * started that day (UTC). Records on a tier's shared pool profile count for the pool's owner tag,
 * {@code pool:TIER}, as AWS bills them. Records of calls refused by governance ({@code REJECTED_BY_POLICY}) never reached Bedrock
 * and cost nothing: they are left out and counted. A tenant and day is on the ledger's side when it has tokens or
 * cost.
 *
 * <p>Statuses:
 * <ul>
 *   <li>{@link Status#MATCH}: both sides have it and the costs are within the tolerance (the larger of
 *       {@link Options#toleranceUsd()} and {@link Options#tolerancePercent()} of the larger cost), and, where AWS
 *       gives token counts (CUR), the tokens of every kind are equal;</li>
 *   <li>{@link Status#DIFFERENT}: both sides have it, beyond the tolerance or with other token counts;</li>
 *   <li>{@link Status#AWS_ONLY}: AWS billed it, the ledger has nothing (usage outside aip, or untagged cost);</li>
 *   <li>{@link Status#LEDGER_ONLY}: the ledger has it, AWS billed nothing for the tenant that day.</li>
 * </ul>
 * Each row carries the known {@link Reason reasons} that apply to it, as notes.
 *
 * <p>Immutable.
 *
 * @param rows one per tenant and day on either side, ordered by day and tenant (untagged first)
 * @param options the tolerance and activation date used
 * @param source what the AWS side was read from
 * @param firstDay the first day compared
 * @param endDay the day after the last day compared
 */
public record BillReconciliation(List<Row> rows, Options options, String source, LocalDate firstDay,
                                 LocalDate endDay) {

    /** Copies the rows. */
    public BillReconciliation {
        rows = List.copyOf(rows);
        Objects.requireNonNull(options, "options");
        Objects.requireNonNull(source, "source");
    }

    /** How a tenant and day compare. */
    public enum Status {
        /** Within the tolerance. */
        MATCH("match"),
        /** Beyond the tolerance, or other token counts. */
        DIFFERENT("different"),
        /** Billed by AWS, absent from the ledger. */
        AWS_ONLY("aws-only"),
        /** In the ledger, not billed by AWS. */
        LEDGER_ONLY("ledger-only");

        private final String label;

        Status(String label) {
            this.label = label;
        }

        /** @return the label shown in reports, e.g. {@code aws-only} */
        public String label() {
            return label;
        }
    }

    /** A known reason for a difference, or a caveat on a match. */
    public enum Reason {
        /** The day is before the tenant tag's activation as a cost-allocation tag: AWS billed it untagged. */
        TAG_ACTIVATION_DELAY,
        /** AWS cost without the tenant tag: calls not through a tagged profile, or before activation. */
        UNTAGGED,
        /** AWS billed a tenant's profile for which the ledger has nothing: calls made outside aip. */
        OUTSIDE_AIP,
        /** AWS shows no cost for the tenant that day: its data may lag, or the export misses the day. */
        NOT_BILLED,
        /** Cost Explorer marks the day's amount as estimated. */
        AWS_ESTIMATED,
        /** Ledger records whose usage aip estimated because Bedrock reported none. */
        LEDGER_ESTIMATED,
        /** Ledger records without a cost: their model has no price in the catalog. */
        UNPRICED,
        /** Calls refused by governance: never sent, no AWS cost, left out. */
        REFUSED_BY_GOVERNANCE,
        /** The token counts differ. */
        TOKENS_DIFFER,
        /** The token counts agree but the costs do not: the price catalog is not what AWS charged. */
        PRICE_DIFFERS,
        /** A tier's shared pool profile: AWS bills the pool, the ledger's records name each tenant. */
        POOLED
    }

    /**
     * A reason with its detail. Immutable.
     *
     * @param reason the reason
     * @param text one sentence for people
     */
    public record Note(Reason reason, String text) {
    }

    /**
     * One tenant and day. Immutable.
     *
     * @param day the UTC day
     * @param tenant the tenant, or {@code null} for AWS cost without the tenant tag
     * @param status how the sides compare
     * @param ledgerUsd the ledger's exact cost, or {@code null} if the ledger has nothing
     * @param awsUsd AWS's cost, or {@code null} if AWS billed nothing
     * @param deltaUsd {@code aws - ledger}, a missing side counting as zero
     * @param ledgerTokens the ledger's tokens, or {@code null} if the ledger has nothing
     * @param awsTokens AWS's tokens, or {@code null} if the source does not give them
     * @param notes the known reasons that apply
     */
    public record Row(LocalDate day, @Nullable String tenant, Status status, @Nullable BigDecimal ledgerUsd,
                      @Nullable BigDecimal awsUsd, BigDecimal deltaUsd, @Nullable TokenUsage ledgerTokens,
                      @Nullable TokenUsage awsTokens, List<Note> notes) {

        /** Copies the notes. */
        public Row {
            notes = List.copyOf(notes);
        }

        /** @return whether a note with this reason is attached */
        public boolean has(Reason reason) {
            return notes.stream().anyMatch(n -> n.reason() == reason);
        }
    }

    /**
     * How to compare. Immutable.
     *
     * @param toleranceUsd the largest difference in US dollars that still matches, non-negative
     * @param tolerancePercent the largest difference as a percentage of the larger cost that still matches,
     *     non-negative
     * @param tagsActiveSince the day the tenant tag became an active cost-allocation tag, or {@code null} if unknown
     */
    public record Options(BigDecimal toleranceUsd, BigDecimal tolerancePercent, @Nullable LocalDate tagsActiveSince) {

        /** The defaults: 0.01 USD or 1%, activation date unknown. */
        public static final Options DEFAULTS = new Options(new BigDecimal("0.01"), BigDecimal.ONE, null);

        /**
         * Validates the options.
         *
         * @throws IllegalArgumentException if a tolerance is negative
         */
        public Options {
            Objects.requireNonNull(toleranceUsd, "toleranceUsd");
            Objects.requireNonNull(tolerancePercent, "tolerancePercent");
            if (toleranceUsd.signum() < 0 || tolerancePercent.signum() < 0) {
                throw new IllegalArgumentException("a tolerance cannot be negative, got " + toleranceUsd.toPlainString()
                        + " USD and " + tolerancePercent.toPlainString() + "%");
            }
        }
    }

    /**
     * Reconciles.
     *
     * @param ledger the ledger's records; those not started in {@code [firstDay, endDay)} (UTC) are skipped
     * @param bill AWS's side; days outside the window are skipped
     * @param options tolerance and activation date
     * @param firstDay the first day to compare
     * @param endDay the day after the last day to compare
     * @return the reconciliation
     */
    public static BillReconciliation of(Iterator<UsageRecord> ledger, AwsBill bill, Options options,
                                        LocalDate firstDay, LocalDate endDay) {
        record Key(LocalDate day, @Nullable String tenant) {
        }
        Comparator<Key> order = Comparator.comparing(Key::day).thenComparing(Key::tenant,
                Comparator.nullsFirst(Comparator.naturalOrder()));
        Map<Key, LedgerDay> books = new TreeMap<>(order);
        while (ledger.hasNext()) {
            UsageRecord r = ledger.next();
            LocalDate day = r.startedAt().atZone(ZoneOffset.UTC).toLocalDate();
            if (day.isBefore(firstDay) || !day.isBefore(endDay)) {
                continue;
            }
            // AWS bills a pool profile to its owner tag, pool:TIER, whichever tenant called.
            String owner = r.pooledProfile() ? TagSchema.poolOwner(r.tier()) : r.tenant().value();
            books.computeIfAbsent(new Key(day, owner), k -> new LedgerDay()).add(r);
        }
        Map<Key, AwsCost> aws = new TreeMap<>(order);
        for (AwsCost c : bill.costs()) {
            if (!c.day().isBefore(firstDay) && c.day().isBefore(endDay)) {
                aws.put(new Key(c.day(), c.tenant()), c);
            }
        }
        TreeSet<Key> keys = new TreeSet<>(order);
        keys.addAll(aws.keySet());
        books.forEach((k, v) -> {
            if (v.billable()) {
                keys.add(k);
            }
        });
        List<Row> rows = new ArrayList<>();
        for (Key key : keys) {
            LedgerDay mine = books.get(key);
            if (mine != null && !mine.billable()) {
                mine = null;
            }
            AwsCost theirs = aws.get(key);
            List<Note> notes = new ArrayList<>();
            boolean beforeActivation = options.tagsActiveSince() != null
                    && key.day().isBefore(options.tagsActiveSince());
            Status status;
            BigDecimal ledgerUsd = mine == null ? null : mine.cost;
            BigDecimal awsUsd = theirs == null ? null : theirs.costUsd();
            BigDecimal delta = (awsUsd == null ? BigDecimal.ZERO : awsUsd)
                    .subtract(ledgerUsd == null ? BigDecimal.ZERO : ledgerUsd);
            if (mine != null && theirs != null) {
                boolean tokensDiffer = theirs.tokens() != null && !theirs.tokens().equals(mine.tokens);
                if (tokensDiffer) {
                    notes.add(new Note(Reason.TOKENS_DIFFER, "tokens (input/output/cache read/cache write): ledger "
                            + tokens(mine.tokens) + ", AWS " + tokens(theirs.tokens())));
                }
                status = within(delta, ledgerUsd, awsUsd, options) && !tokensDiffer ? Status.MATCH : Status.DIFFERENT;
                if (status == Status.DIFFERENT && theirs.tokens() != null && !tokensDiffer) {
                    notes.add(new Note(Reason.PRICE_DIFFERS, "the same tokens of every kind, another cost: aip's price"
                            + " catalog differs from what AWS charged for the model; override the catalog's price"));
                }
            } else if (theirs != null) {
                status = Status.AWS_ONLY;
                if (key.tenant() == null) {
                    List<String> missing = new ArrayList<>();
                    books.forEach((k, v) -> {
                        if (k.day().equals(key.day()) && k.tenant() != null && v.billable()
                                && !aws.containsKey(k)) {
                            missing.add(k.tenant());
                        }
                    });
                    notes.add(new Note(Reason.UNTAGGED, "AWS cost without a tenant tag: calls not through a tagged"
                            + " profile, or made before the tag was active" + (missing.isEmpty() ? ""
                            : "; the ledger's " + String.join(", ", missing) + " have no tagged AWS cost this day,"
                            + " so it may be theirs")));
                } else if (!key.tenant().startsWith(TagSchema.POOL_OWNER_PREFIX)) {
                    notes.add(new Note(Reason.OUTSIDE_AIP, "AWS billed this tenant's profile but the ledger has no"
                            + " usage: calls made outside aip (another client using the profile) or a gap in the"
                            + " ledger"));
                }
            } else {
                status = Status.LEDGER_ONLY;
                if (!beforeActivation) {
                    boolean untaggedThatDay = aws.containsKey(new Key(key.day(), null));
                    notes.add(untaggedThatDay
                            ? new Note(Reason.UNTAGGED, "AWS billed untagged cost this day: the tenant tag was not on"
                                    + " the bill yet, or the calls went around the tenant's profile")
                            : new Note(Reason.NOT_BILLED, "AWS shows no cost for this tenant this day: the bill may"
                                    + " lag (Cost Explorer updates up to daily), or the export does not cover the"
                                    + " day"));
                }
            }
            if (beforeActivation && (theirs == null || theirs.tenant() == null)) {
                notes.add(0, new Note(Reason.TAG_ACTIVATION_DELAY, "before the tag was activated on "
                        + options.tagsActiveSince() + ": AWS does not attribute cost to a tag retroactively"));
            }
            if (key.tenant() != null && key.tenant().startsWith(TagSchema.POOL_OWNER_PREFIX)) {
                notes.add(new Note(Reason.POOLED, "a tier's shared pool profile: AWS bills the pool; the ledger's"
                        + " records on it are compared here and name each tenant ('aip usage report' splits them)"));
            }
            if (theirs != null && theirs.estimated()) {
                notes.add(new Note(Reason.AWS_ESTIMATED, "Cost Explorer marks this day Estimated: the amount may"
                        + " still change"));
            }
            LedgerDay all = books.get(key);
            if (all != null) {
                if (all.estimated > 0) {
                    notes.add(new Note(Reason.LEDGER_ESTIMATED, all.estimated + " ledger record(s) hold estimated"
                            + " usage (Bedrock reported none, e.g. an abandoned stream): AWS bills what was"
                            + " generated"));
                }
                if (all.unpriced > 0) {
                    notes.add(new Note(Reason.UNPRICED, all.unpriced + " ledger record(s) have no cost: their model"
                            + " has no price in the catalog; add it to the price catalog"));
                }
                if (all.refused > 0) {
                    notes.add(new Note(Reason.REFUSED_BY_GOVERNANCE, all.refused + " call(s) refused by governance:"
                            + " never sent to Bedrock, no AWS cost, left out"));
                }
            }
            rows.add(new Row(key.day(), key.tenant(), status, ledgerUsd, awsUsd, delta,
                    mine == null ? null : mine.tokens, theirs == null ? null : theirs.tokens(), notes));
        }
        return new BillReconciliation(rows, options, bill.source(), firstDay, endDay);
    }

    /** @return the rows with this status */
    public long count(Status status) {
        return rows.stream().filter(r -> r.status() == status).count();
    }

    /** @return whether any row is not a {@link Status#MATCH} */
    public boolean hasDifferences() {
        return rows.stream().anyMatch(r -> r.status() != Status.MATCH);
    }

    private static boolean within(BigDecimal delta, BigDecimal ledger, BigDecimal aws, Options options) {
        BigDecimal gap = delta.abs();
        if (gap.compareTo(options.toleranceUsd()) <= 0) {
            return true;
        }
        BigDecimal larger = ledger.abs().max(aws.abs());
        BigDecimal allowed = larger.multiply(options.tolerancePercent()).divide(BigDecimal.valueOf(100), 12,
                RoundingMode.HALF_EVEN);
        return gap.compareTo(allowed) <= 0;
    }

    static String tokens(TokenUsage t) {
        return t.inputTokens() + "/" + t.outputTokens() + "/" + t.cacheReadInputTokens() + "/"
                + t.cacheWriteInputTokens();
    }

    /** One tenant's day in the ledger. Confined. */
    private static final class LedgerDay {
        BigDecimal cost = BigDecimal.ZERO;
        TokenUsage tokens = TokenUsage.ZERO;
        long unpriced;
        long estimated;
        long refused;

        void add(UsageRecord r) {
            if (r.outcome() == Outcome.REJECTED_BY_POLICY) {
                refused++;
                return;
            }
            tokens = tokens.plus(r.usage());
            if (r.provenance() == UsageProvenance.ESTIMATED) {
                estimated++;
            }
            if (r.cost().isPriced()) {
                cost = cost.add(r.cost().amountUsd());
            } else if (r.usage().totalTokens() > 0) {
                unpriced++;
            }
        }

        boolean billable() {
            return cost.signum() != 0 || tokens.totalTokens() > 0;
        }
    }
}
