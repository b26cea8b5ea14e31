package dev.aip.cli.report;

import dev.aip.core.metering.Cost;
import dev.aip.core.metering.Operation;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageProvenance;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.metering.CostCalculator;
import dev.aip.core.pricing.PriceCatalog;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import dev.aip.emulator.ModelMetrics;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/** Usage records for report tests: hand-made ones with round numbers, and a realistic generated set. */
public final class ReportFixtures {

    static final Instant T0 = Instant.parse("2025-03-10T09:00:00Z");
    static final String VERSION = "test-2025-03";
    static final String HAIKU = "anthropic.claude-3-5-haiku-20241022-v1:0";
    static final String SONNET = "anthropic.claude-3-7-sonnet-20250219-v1:0";
    static final String NOVA = "amazon.nova-lite-v1:0";
    static final String UNPRICED = "example.in-house-model-v1:0";

    private static final CostCalculator CALCULATOR = new CostCalculator(PriceCatalog.bundled());

    private ReportFixtures() {}

    /** A successful, priced, non-streaming call. */
    public static UsageRecord.Builder call(String tenant, Tier tier, long offsetSeconds, long latencyMillis) {
        return UsageRecord.builder()
                .recordId("r-" + tenant + "-" + offsetSeconds + "-" + latencyMillis)
                .tenant(TenantId.of(tenant))
                .tier(tier)
                .operation(Operation.CONVERSE)
                .requestedModel("claude-haiku")
                .sourceModelId(HAIKU)
                .region("us-east-1")
                .usage(TokenUsage.of(100, 50))
                .provenance(UsageProvenance.REPORTED)
                .cost(Cost.priced(new BigDecimal("0.001"), VERSION))
                .outcome(Outcome.SUCCESS)
                .startedAt(T0.plusSeconds(offsetSeconds))
                .latency(Duration.ofMillis(latencyMillis));
    }

    /**
     * A realistic day-part of traffic: 8 tenants in three tiers over two hours, Converse and ConverseStream calls on
     * three priced models and one without a price, cache reads and writes, throttles, server errors, a cancelled
     * stream, policy rejections; one tenant's latency well over its target. Deterministic for a seed.
     */
    public static List<UsageRecord> generated(long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        record Profile(String id, Tier tier, int calls, String model, double slowFactor) {}
        List<Profile> profiles = List.of(
                new Profile("acme", Tier.PREMIUM, 420, SONNET, 0.6),
                new Profile("globex", Tier.PREMIUM, 260, SONNET, 1.9),
                new Profile("initech", Tier.STANDARD, 300, HAIKU, 1.0),
                new Profile("umbrella-corp", Tier.STANDARD, 180, NOVA, 1.2),
                new Profile("hooli.eu", Tier.STANDARD, 140, HAIKU, 0.8),
                new Profile("stark_industries", Tier.BASIC, 90, NOVA, 1.0),
                new Profile("wayne-enterprises", Tier.BASIC, 60, HAIKU, 2.5),
                new Profile("lab-7", Tier.of("internal"), 40, UNPRICED, 1.0));
        List<UsageRecord> records = new ArrayList<>();
        int n = 0;
        for (Profile p : profiles) {
            for (int i = 0; i < p.calls; i++) {
                boolean stream = random.nextInt(3) == 0;
                // Busier in the second hour, with a burst around 10:20.
                long offset = random.nextInt(10) < 6 ? 3600 + random.nextInt(3600) : random.nextInt(7200);
                if (random.nextInt(8) == 0) {
                    offset = 4800 + random.nextInt(300);
                }
                int roll = random.nextInt(100);
                Outcome outcome = roll < 90 ? Outcome.SUCCESS : roll < 95 ? Outcome.THROTTLED
                        : roll < 97 ? Outcome.SERVER_ERROR : roll < 98 ? Outcome.CLIENT_ERROR
                        : stream ? Outcome.CANCELLED : Outcome.REJECTED_BY_POLICY;
                long input = 200 + random.nextInt(1800);
                long output = 50 + random.nextInt(900);
                long cacheRead = random.nextInt(4) == 0 ? 500 + random.nextInt(3000) : 0;
                long cacheWrite = random.nextInt(12) == 0 ? 1000 + random.nextInt(1000) : 0;
                TokenUsage usage = switch (outcome) {
                    case SUCCESS -> new TokenUsage(input, output, cacheRead, cacheWrite);
                    case CANCELLED -> TokenUsage.of(input, output / 3);
                    default -> TokenUsage.ZERO;
                };
                long base = 300 + output * 2 + random.nextInt(400);
                long latency = switch (outcome) {
                    case THROTTLED, CLIENT_ERROR -> 20 + random.nextInt(60);
                    case REJECTED_BY_POLICY -> 0;
                    default -> (long) (base * p.slowFactor * (random.nextInt(25) == 0 ? 4 : 1));
                };
                Duration ttft = stream && usage.outputTokens() > 0 ? Duration.ofMillis(120 + random.nextInt(500))
                        : null;
                records.add(UsageRecord.builder()
                        .recordId(String.format("rec-%05d", n++))
                        .tenant(TenantId.of(p.id))
                        .tier(p.tier)
                        .operation(stream ? Operation.CONVERSE_STREAM : Operation.CONVERSE)
                        .requestedModel(p.model.startsWith("anthropic") ? "claude" : "nova")
                        .profileArn("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/"
                                + p.id)
                        .profileId(p.id)
                        .sourceModelId(p.model)
                        .region("us-east-1")
                        .usage(usage)
                        .provenance(outcome == Outcome.CANCELLED ? UsageProvenance.ESTIMATED
                                : usage.totalTokens() == 0 ? UsageProvenance.NONE : UsageProvenance.REPORTED)
                        .cost(CALCULATOR.cost(p.model, "us-east-1", usage))
                        .outcome(outcome)
                        .errorCode(switch (outcome) {
                            case THROTTLED -> "ThrottlingException";
                            case SERVER_ERROR -> "InternalServerException";
                            case CLIENT_ERROR -> "ValidationException";
                            default -> null;
                        })
                        .startedAt(T0.plusSeconds(offset).plusMillis(random.nextInt(1000)))
                        .latency(Duration.ofMillis(latency))
                        .timeToFirstToken(ttft)
                        .attribute("feature", random.nextBoolean() ? "chat" : "summarise")
                        .build());
            }
        }
        return records;
    }

    /** The server's per-profile counters for {@link #generated}, summed the way the emulator counts. */
    static List<ModelMetrics> serverView(List<UsageRecord> records) {
        Map<String, long[]> byModel = new TreeMap<>();
        for (UsageRecord r : records) {
            if (r.outcome() == Outcome.REJECTED_BY_POLICY) {
                continue;
            }
            long[] c = byModel.computeIfAbsent(r.profileArn(), k -> new long[8]);
            boolean accepted = r.outcome() != Outcome.THROTTLED && r.outcome() != Outcome.CLIENT_ERROR;
            c[0] += accepted ? 1 : 0;
            c[1] += r.usage().inputTokens();
            c[2] += r.usage().outputTokens();
            c[3] += r.usage().cacheReadInputTokens();
            c[4] += r.usage().cacheWriteInputTokens();
            c[5] += r.outcome() == Outcome.THROTTLED ? 1 : 0;
            c[6] += r.outcome() == Outcome.CLIENT_ERROR ? 1 : 0;
            c[7] += r.outcome() == Outcome.SERVER_ERROR ? 1 : 0;
        }
        List<ModelMetrics> view = new ArrayList<>();
        byModel.forEach((id, c) -> view.add(new ModelMetrics(id, c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7],
                ModelMetrics.LatencyStats.EMPTY, ModelMetrics.LatencyStats.EMPTY)));
        view.add(new ModelMetrics("us.anthropic.claude-3-7-sonnet-20250219-v1:0", 3, 300, 90, 0, 0, 0, 0, 0,
                ModelMetrics.LatencyStats.EMPTY, ModelMetrics.LatencyStats.EMPTY));
        return view;
    }

    static Map<String, String> owners(List<UsageRecord> records) {
        Map<String, String> owners = new LinkedHashMap<>();
        records.forEach(r -> owners.put(r.profileArn(), r.tenant().value()));
        return owners;
    }

    static ReportOptions realisticOptions(List<UsageRecord> records) {
        return ReportOptions.builder()
                .title("Acme SaaS \u2014 Bedrock usage, 10 March <script>alert(1)</script>")
                .window(T0, T0.plus(Duration.ofHours(2)))
                .serverView(serverView(records))
                .profileOwners(owners(records))
                .reconciliation("Ledger and server agree on tokens for 8 of 8 profiles; 3 invocations on a shared"
                        + " profile have no tenant")
                .build();
    }
}
