package dev.aip.cli;

import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageProvenance;
import dev.aip.core.metering.UsageRecord;
import dev.aip.emulator.InvocationRecord;
import dev.aip.emulator.ModelMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The ledger (client side) against the server's books, per application inference profile:
 *
 * <pre>
 *   tokens:  Σ ledger usage with provenance REPORTED  ==  Σ server usage of invocations whose usage was delivered
 *   records: ledger records  ==  Invocations + InvocationThrottles + calls rejected before acceptance
 *                                + calls refused by aip's governance
 * </pre>
 *
 * The record equation holds because the pipeline sends each attempt as exactly one HTTP call and meters it once,
 * while the server logs every call: an accepted one (including one that later failed, was cut or abandoned) counts
 * in {@code Invocations}, a throttled one in {@code InvocationThrottles}, and one rejected as invalid before it was
 * accepted in neither (only in {@code InvocationClientErrors}, which also counts accepted calls that ended in a
 * client error). A call refused by governance never reaches the server and is one {@code REJECTED_BY_POLICY}
 * record, so it is counted on the ledger's side only. The server's counters are checked against its own log, so the equation uses the published
 * metrics. Tokens of
 * calls whose usage never reached the client (an abandoned stream) are outside the token equation: the ledger holds
 * an estimate, marked {@code ESTIMATED}, and they are reported separately.
 *
 * <p>Immutable.
 *
 * @param profiles one check per profile
 * @param estimatedRecords ledger records whose usage is an estimate
 * @param estimatedTokens their estimated output tokens
 * @param undeliveredInvocations server invocations whose usage the client never received
 * @param undeliveredOutputTokens their output tokens, as the server counted them
 */
record Reconciliation(List<ProfileCheck> profiles, long estimatedRecords, long estimatedTokens,
                      long undeliveredInvocations, long undeliveredOutputTokens) {

    Reconciliation {
        profiles = List.copyOf(profiles);
    }

    /**
     * One profile's books.
     *
     * @param owner the tenant that owns the profile
     * @param profileId the profile id, the {@code ModelId} dimension
     * @param ledgerReported tokens the ledger holds as reported by Bedrock
     * @param serverDelivered tokens the server delivered to the client
     * @param records ledger records
     * @param server the server's counters
     * @param logged the server's invocation log entries
     * @param loggedAccepted of those, accepted calls
     * @param loggedThrottled of those, throttled calls
     * @param refused ledger records of calls refused by governance, which never reached the server
     */
    record ProfileCheck(String owner, String profileId, TokenUsage ledgerReported, TokenUsage serverDelivered,
                        long records, ModelMetrics server, long logged, long loggedAccepted, long loggedThrottled,
                        long refused) {

        /** Calls the server saw but neither accepted nor throttled: rejected as invalid. */
        long rejected() {
            return logged - loggedAccepted - loggedThrottled;
        }

        boolean tokensAgree() {
            return ledgerReported.equals(serverDelivered);
        }

        boolean recordsAgree() {
            return loggedAccepted == server.invocations() && loggedThrottled == server.invocationThrottles()
                    && records == server.invocations() + server.invocationThrottles() + rejected() + refused;
        }

        boolean ok() {
            return tokensAgree() && recordsAgree();
        }
    }

    /**
     * Reconciles.
     *
     * @param records the ledger's records
     * @param owners profile ARN → tenant id, one entry per profile to check
     * @param profileIds profile ARN → profile id
     * @param invocations the server's invocation log
     * @param metrics the server's counters per {@code ModelId}
     */
    static Reconciliation of(List<UsageRecord> records, Map<String, String> owners, Map<String, String> profileIds,
            List<InvocationRecord> invocations, Map<String, ModelMetrics> metrics) {
        List<ProfileCheck> checks = new ArrayList<>();
        for (Map.Entry<String, String> e : owners.entrySet()) {
            String arn = e.getKey();
            String id = profileIds.get(arn);
            List<UsageRecord> mine = records.stream().filter(r -> arn.equals(r.profileArn())).toList();
            TokenUsage reported = mine.stream().filter(r -> r.provenance() == UsageProvenance.REPORTED)
                    .map(UsageRecord::usage).reduce(TokenUsage.ZERO, TokenUsage::plus);
            TokenUsage delivered = invocations.stream()
                    .filter(i -> arn.equals(i.profileArn()) && i.usageDelivered())
                    .map(i -> new TokenUsage(i.inputTokens(), i.outputTokens(), i.cacheReadInputTokens(),
                            i.cacheWriteInputTokens()))
                    .reduce(TokenUsage.ZERO, TokenUsage::plus);
            ModelMetrics m = metrics.get(id);
            if (m == null) {
                m = new ModelMetrics(id, 0, 0, 0, 0, 0, 0, 0, 0, ModelMetrics.LatencyStats.EMPTY,
                        ModelMetrics.LatencyStats.EMPTY);
            }
            List<InvocationRecord> log = invocations.stream().filter(i -> arn.equals(i.profileArn())).toList();
            checks.add(new ProfileCheck(e.getValue(), id, reported, delivered, mine.size(), m, log.size(),
                    log.stream().filter(InvocationRecord::accepted).count(),
                    log.stream().filter(i -> i.outcome() == InvocationRecord.Outcome.THROTTLED).count(),
                    mine.stream().filter(r -> r.outcome() == Outcome.REJECTED_BY_POLICY).count()));
        }
        List<UsageRecord> estimated = records.stream()
                .filter(r -> r.provenance() == UsageProvenance.ESTIMATED && owners.containsKey(r.profileArn()))
                .toList();
        List<InvocationRecord> undelivered = invocations.stream()
                .filter(i -> i.accepted() && !i.usageDelivered() && i.outputTokens() + i.inputTokens() > 0
                        && owners.containsKey(i.profileArn()))
                .toList();
        return new Reconciliation(checks, estimated.size(),
                estimated.stream().mapToLong(r -> r.usage().outputTokens()).sum(),
                undelivered.size(), undelivered.stream().mapToLong(InvocationRecord::outputTokens).sum());
    }

    boolean ok() {
        return profiles.stream().allMatch(ProfileCheck::ok);
    }

    /** The verdict, one line: {@code reconciled: OK (...)} or {@code reconciled: MISMATCH (...)}. */
    String line() {
        TokenUsage tokens = profiles.stream().map(ProfileCheck::ledgerReported)
                .reduce(TokenUsage.ZERO, TokenUsage::plus);
        long records = profiles.stream().mapToLong(ProfileCheck::records).sum();
        long inv = profiles.stream().mapToLong(p -> p.server().invocations()).sum();
        long thr = profiles.stream().mapToLong(p -> p.server().invocationThrottles()).sum();
        long rejected = profiles.stream().mapToLong(ProfileCheck::rejected).sum();
        long refused = profiles.stream().mapToLong(ProfileCheck::refused).sum();
        if (ok()) {
            return "reconciled: OK (" + profiles.size() + " of " + profiles.size() + " profiles: ledger REPORTED"
                    + " tokens == server-delivered tokens [input " + n(tokens.inputTokens()) + ", output "
                    + n(tokens.outputTokens()) + ", cache read " + n(tokens.cacheReadInputTokens())
                    + ", cache write " + n(tokens.cacheWriteInputTokens()) + "]; ledger records " + n(records)
                    + " == Invocations " + n(inv) + " + InvocationThrottles " + n(thr)
                    + " + rejected before acceptance " + n(rejected) + " + refused by governance " + n(refused) + ")";
        }
        List<String> bad = new ArrayList<>();
        for (ProfileCheck p : profiles) {
            if (p.ok()) {
                continue;
            }
            StringBuilder b = new StringBuilder(p.owner()).append(" (").append(p.profileId()).append("):");
            if (!p.tokensAgree()) {
                b.append(" tokens ledger ").append(usage(p.ledgerReported())).append(" != server ")
                        .append(usage(p.serverDelivered()));
            }
            if (!p.recordsAgree()) {
                b.append(" records ").append(p.records()).append(" != Invocations ")
                        .append(p.server().invocations()).append(" + InvocationThrottles ")
                        .append(p.server().invocationThrottles()).append(" + rejected ").append(p.rejected())
                        .append(" + refused ").append(p.refused())
                        .append(" (server log: ").append(p.logged()).append(" calls, ").append(p.loggedAccepted())
                        .append(" accepted, ").append(p.loggedThrottled()).append(" throttled)");
            }
            bad.add(b.toString());
        }
        return "reconciled: MISMATCH on " + bad.size() + " of " + profiles.size() + " profiles: "
                + String.join("; ", bad);
    }

    /** What the token equation leaves out, or {@code null} if nothing. */
    String estimatesLine() {
        if (estimatedRecords == 0 && undeliveredInvocations == 0) {
            return null;
        }
        return "not in the token equation: " + estimatedRecords + " call(s) whose usage Bedrock never reported"
                + " (the abandoned stream): the ledger estimates " + n(estimatedTokens) + " output tokens, marked"
                + " ESTIMATED; the server counted " + n(undeliveredOutputTokens) + " for " + undeliveredInvocations
                + " such invocation(s)";
    }

    private static String usage(TokenUsage u) {
        return "[" + u.inputTokens() + "/" + u.outputTokens() + "/" + u.cacheReadInputTokens() + "/"
                + u.cacheWriteInputTokens() + "]";
    }

    static String n(long value) {
        return String.format(java.util.Locale.ROOT, "%,d", value);
    }
}
