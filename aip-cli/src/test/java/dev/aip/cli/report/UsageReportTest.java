package dev.aip.cli.report;

import static dev.aip.cli.report.ReportFixtures.T0;
import static dev.aip.cli.report.ReportFixtures.VERSION;
import static dev.aip.cli.report.ReportFixtures.call;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.aip.cli.report.UsageReport.Bucket;
import dev.aip.cli.report.UsageReport.BucketUsage;
import dev.aip.cli.report.UsageReport.TenantRow;
import dev.aip.core.metering.Cost;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class UsageReportTest {

    private static final ReportOptions DEFAULTS = ReportOptions.defaults();

    @Test
    void from_tenLatencies_nearestRankPercentiles() {
        List<UsageRecord> records = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            records.add(call("acme", Tier.STANDARD, i, i * 100L).build());
        }

        TenantRow row = UsageReport.from(records, DEFAULTS).tenants().get(0);

        // Ranks: p50 -> ceil(0.5 * 10) = 5th; p95 -> ceil(9.5) = 10th; p99 -> ceil(9.9) = 10th.
        assertThat(row.latencyP50()).isEqualTo(Duration.ofMillis(500));
        assertThat(row.latencyP95()).isEqualTo(Duration.ofMillis(1000));
        assertThat(row.latencyP99()).isEqualTo(Duration.ofMillis(1000));
    }

    @Test
    void from_twentyLatenciesInAnyOrder_p95IsNineteenthValue() {
        List<UsageRecord> records = new ArrayList<>();
        for (int i = 1; i <= 20; i++) {
            records.add(call("acme", Tier.STANDARD, i, i * 10L).build());
        }
        Collections.shuffle(records, new Random(3));

        TenantRow row = UsageReport.from(records, DEFAULTS).tenants().get(0);

        assertThat(row.latencyP50()).isEqualTo(Duration.ofMillis(100));  // 10th of 20
        assertThat(row.latencyP95()).isEqualTo(Duration.ofMillis(190));  // 19th of 20
        assertThat(row.latencyP99()).isEqualTo(Duration.ofMillis(200));  // 20th of 20
    }

    @Test
    void from_streamsAmongCalls_timeToFirstTokenOverStreamsOnly() {
        List<UsageRecord> records = List.of(
                call("acme", Tier.STANDARD, 1, 900).timeToFirstToken(Duration.ofMillis(100)).build(),
                call("acme", Tier.STANDARD, 2, 900).timeToFirstToken(Duration.ofMillis(300)).build(),
                call("acme", Tier.STANDARD, 3, 900).timeToFirstToken(Duration.ofMillis(200)).build(),
                call("acme", Tier.STANDARD, 4, 50).build());

        TenantRow row = UsageReport.from(records, DEFAULTS).tenants().get(0);

        assertThat(row.timeToFirstTokenP50()).isEqualTo(Duration.ofMillis(200));
        assertThat(row.timeToFirstTokenP95()).isEqualTo(Duration.ofMillis(300));
        assertThat(row.latencyP50()).isEqualTo(Duration.ofMillis(900)); // ceil(0.5 * 4) = 2nd of 50, 900, 900, 900
    }

    @Test
    void from_noStreams_timeToFirstTokenAbsent() {
        TenantRow row = UsageReport.from(List.of(call("acme", Tier.BASIC, 1, 10).build()), DEFAULTS)
                .tenants().get(0);

        assertThat(row.timeToFirstTokenP50()).isNull();
        assertThat(row.timeToFirstTokenP95()).isNull();
    }

    @Test
    void from_mixedOutcomes_slaCountsSuccessesWithinTargetAndSkipsPolicyRejections() {
        List<UsageRecord> records = List.of(
                call("acme", Tier.PREMIUM, 1, 1500).build(),                             // met
                call("acme", Tier.PREMIUM, 2, 2000).build(),                             // met: at the target
                call("acme", Tier.PREMIUM, 3, 2001).build(),                             // too slow
                failed("acme", Tier.PREMIUM, 4, Outcome.THROTTLED, "ThrottlingException"), // failed fast: missed
                failed("acme", Tier.PREMIUM, 5, Outcome.REJECTED_BY_POLICY, null));      // not judged

        TenantRow row = UsageReport.from(records, DEFAULTS).tenants().get(0);

        assertThat(row.latencyTarget()).isEqualTo(Duration.ofSeconds(2));
        assertThat(row.slaEligibleCalls()).isEqualTo(4);
        assertThat(row.slaMetCalls()).isEqualTo(2);
        assertThat(row.slaCompliance()).hasValue(0.5);
    }

    @Test
    void from_tierWithoutTarget_noCompliance() {
        TenantRow row = UsageReport.from(List.of(call("lab", Tier.of("internal"), 1, 10).build()), DEFAULTS)
                .tenants().get(0);

        assertThat(row.latencyTarget()).isNull();
        assertThat(row.slaEligibleCalls()).isZero();
        assertThat(row.slaCompliance()).isEmpty();
    }

    @Test
    void from_customTarget_usedForTheTier() {
        ReportOptions options = ReportOptions.builder().latencyTarget(Tier.STANDARD, Duration.ofMillis(100)).build();
        List<UsageRecord> records = List.of(call("acme", Tier.STANDARD, 1, 100).build(),
                call("acme", Tier.STANDARD, 2, 101).build());

        assertThat(UsageReport.from(records, options).tenants().get(0).slaCompliance()).hasValue(0.5);
    }

    @Test
    void from_tenantChangedTier_rowShowsLatestTierAndItsTarget() {
        List<UsageRecord> records = List.of(call("acme", Tier.BASIC, 1, 3000).build(),
                call("acme", Tier.PREMIUM, 60, 3000).build());

        TenantRow row = UsageReport.from(records, DEFAULTS).tenants().get(0);

        assertThat(row.tier()).isEqualTo(Tier.PREMIUM);
        assertThat(row.latencyTarget()).isEqualTo(Duration.ofSeconds(2));
        assertThat(row.slaMetCalls()).isZero();
    }

    @Test
    void from_outcomesAndErrorCodes_countedPerTenant() {
        List<UsageRecord> records = List.of(
                call("acme", Tier.STANDARD, 1, 10).build(),
                call("acme", Tier.STANDARD, 2, 10).build(),
                failed("acme", Tier.STANDARD, 3, Outcome.THROTTLED, "ThrottlingException"),
                failed("acme", Tier.STANDARD, 4, Outcome.THROTTLED, "ThrottlingException"),
                failed("acme", Tier.STANDARD, 5, Outcome.SERVER_ERROR, "InternalServerException"),
                failed("zeta", Tier.STANDARD, 6, Outcome.TIMEOUT, null));

        UsageReport report = UsageReport.from(records, DEFAULTS);
        TenantRow acme = report.tenants().get(0);

        assertThat(acme.calls()).isEqualTo(5);
        assertThat(acme.callsByOutcome()).containsExactly(Map.entry(Outcome.SUCCESS, 2L),
                Map.entry(Outcome.THROTTLED, 2L), Map.entry(Outcome.SERVER_ERROR, 1L));
        assertThat(acme.failedCalls()).isEqualTo(3);
        assertThat(acme.errorsByCode()).containsExactly(Map.entry("InternalServerException", 1L),
                Map.entry("ThrottlingException", 2L));
        assertThat(report.totals().calls(Outcome.TIMEOUT)).isEqualTo(1);
        assertThat(report.totals().failedCalls()).isEqualTo(4);
    }

    @Test
    void from_pricedAndUnpricedCalls_exactCostAndUnpricedCount() {
        List<UsageRecord> records = List.of(
                call("acme", Tier.STANDARD, 1, 10).cost(Cost.priced(new BigDecimal("0.000123456789"), VERSION))
                        .build(),
                call("acme", Tier.STANDARD, 2, 10).cost(Cost.priced(new BigDecimal("0.1"), VERSION)).build(),
                call("acme", Tier.STANDARD, 3, 10).cost(Cost.unknownModel(VERSION)).build(),
                call("beta", Tier.STANDARD, 4, 10).cost(Cost.unknownModel(VERSION)).build());

        UsageReport report = UsageReport.from(records, DEFAULTS);

        TenantRow acme = report.tenants().get(0);
        assertThat(acme.costUsd()).isEqualByComparingTo("0.100123456789");
        assertThat(acme.unpricedCalls()).isEqualTo(1);
        assertThat(acme.pricedCalls()).isEqualTo(2);
        TenantRow beta = report.tenants().get(1);
        assertThat(beta.pricedCalls()).isZero();
        assertThat(report.totals().unpricedCalls()).isEqualTo(2);
        assertThat(report.totals().costUsd()).isEqualByComparingTo("0.100123456789");
        assertThat(report.priceCatalogVersions()).containsExactly(VERSION);
    }

    @Test
    void from_tokensOfAllBuckets_summedPerTenantAndInTotals() {
        List<UsageRecord> records = List.of(
                call("acme", Tier.STANDARD, 1, 10).usage(new TokenUsage(10, 20, 30, 40)).build(),
                call("acme", Tier.STANDARD, 2, 10).usage(new TokenUsage(1, 2, 3, 4)).build(),
                call("beta", Tier.STANDARD, 3, 10).usage(new TokenUsage(100, 0, 0, 0)).build());

        UsageReport report = UsageReport.from(records, DEFAULTS);

        assertThat(report.tenants().get(0).tokens()).isEqualTo(new TokenUsage(11, 22, 33, 44));
        assertThat(report.totals().tokens()).isEqualTo(new TokenUsage(111, 22, 33, 44));
        assertThat(report.totals().isTotal()).isTrue();
        assertThat(report.totals().tier()).isNull();
    }

    @Test
    void from_totals_slaOverTenantsWithTargetsAndPercentilesOverAllCalls() {
        List<UsageRecord> records = List.of(
                call("acme", Tier.PREMIUM, 1, 1000).build(),   // met
                call("acme", Tier.PREMIUM, 2, 3000).build(),   // missed
                call("beta", Tier.BASIC, 3, 4000).build(),     // met (10 s)
                call("lab", Tier.of("internal"), 4, 9000).build()); // no target, not judged

        TenantRow totals = UsageReport.from(records, DEFAULTS).totals();

        assertThat(totals.slaEligibleCalls()).isEqualTo(3);
        assertThat(totals.slaMetCalls()).isEqualTo(2);
        assertThat(totals.slaCompliance().getAsDouble()).isCloseTo(2.0 / 3, within(1e-12));
        assertThat(totals.latencyP50()).isEqualTo(Duration.ofMillis(3000));
        assertThat(totals.latencyP99()).isEqualTo(Duration.ofMillis(9000));
    }

    @Test
    void from_hourWindow_thirtyTwoMinuteBucketsWithEveryTenant() {
        ReportOptions options = ReportOptions.builder().window(T0, T0.plus(Duration.ofHours(1))).build();
        List<UsageRecord> records = List.of(
                call("acme", Tier.STANDARD, 0, 10).usage(TokenUsage.of(10, 5)).build(),        // bucket 0
                call("acme", Tier.STANDARD, 119, 10).usage(TokenUsage.of(10, 5)).build(),      // bucket 0
                call("beta", Tier.STANDARD, 120, 10).usage(TokenUsage.of(7, 0))
                        .cost(Cost.unknownModel(VERSION)).build(),                                // bucket 1
                call("acme", Tier.STANDARD, 3599, 10).build());                                  // bucket 29

        UsageReport report = UsageReport.from(records, options);
        List<Bucket> series = report.timeSeries();

        // 3600 s in at most 48 buckets: 60 s gives 60, so the next round width, 120 s, gives 30.
        assertThat(report.bucketWidth()).isEqualTo(Duration.ofMinutes(2));
        assertThat(series).hasSize(30);
        assertThat(series.get(0).start()).isEqualTo(T0);
        assertThat(series.get(29).end()).isEqualTo(T0.plus(Duration.ofHours(1)));
        assertThat(series).allSatisfy(b -> assertThat(b.tenants().keySet())
                .containsExactly(TenantId.of("acme"), TenantId.of("beta")));
        BucketUsage first = series.get(0).tenants().get(TenantId.of("acme"));
        assertThat(first.calls()).isEqualTo(2);
        assertThat(first.tokens()).isEqualTo(TokenUsage.of(20, 10));
        assertThat(first.costUsd()).isEqualByComparingTo("0.002");
        BucketUsage second = series.get(1).tenants().get(TenantId.of("beta"));
        assertThat(second.calls()).isEqualTo(1);
        assertThat(second.unpricedCalls()).isEqualTo(1);
        assertThat(series.get(1).tenants().get(TenantId.of("acme"))).isEqualTo(BucketUsage.EMPTY);
        assertThat(series.get(29).total().calls()).isEqualTo(1);
        assertThat(series.stream().mapToLong(b -> b.total().calls()).sum()).isEqualTo(4);
    }

    @Test
    void from_windowNotOnBucketBoundary_bucketsAlignedToTheWidth() {
        Instant from = T0.plusSeconds(50);
        ReportOptions options = ReportOptions.builder().window(from, from.plus(Duration.ofMinutes(10))).build();

        UsageReport report = UsageReport.from(List.of(call("acme", Tier.STANDARD, 50, 10).build()), options);

        // 600 s from 09:00:50: 10 s buckets would be 60; 15 s buckets aligned to quarter minutes start at 09:00:45
        // and need 41 to reach 09:10:50.
        assertThat(report.bucketWidth()).isEqualTo(Duration.ofSeconds(15));
        assertThat(report.timeSeries().get(0).start()).isEqualTo(T0.plusSeconds(45));
        assertThat(report.timeSeries()).hasSize(41);
        assertThat(report.timeSeries().get(40).end()).isAfterOrEqualTo(from.plus(Duration.ofMinutes(10)));
        assertThat(report.timeSeries().get(0).total().calls()).isEqualTo(1);
    }

    @Test
    void from_noWindowGiven_windowIsSpanOfRecords() {
        List<UsageRecord> records = List.of(call("acme", Tier.STANDARD, 30, 10).build(),
                call("acme", Tier.STANDARD, 7200, 10).build());

        UsageReport report = UsageReport.from(records, DEFAULTS);

        assertThat(report.from()).isEqualTo(T0.plusSeconds(30));
        assertThat(report.to()).isEqualTo(T0.plusSeconds(7200));
        assertThat(report.bucketWidth()).isEqualTo(Duration.ofMinutes(5));  // 2 h: 25 buckets of 5 min
        assertThat(report.timeSeries()).hasSize(25);
        assertThat(report.timeSeries().get(24).total().calls()).isEqualTo(1);
    }

    @Test
    void from_recordsOutsideWindow_leftOutAndCounted() {
        ReportOptions options = ReportOptions.builder().window(T0.plusSeconds(10), T0.plusSeconds(20)).build();
        List<UsageRecord> records = List.of(
                call("acme", Tier.STANDARD, 9, 10).build(),
                call("acme", Tier.STANDARD, 10, 10).build(),   // from is inclusive
                call("acme", Tier.STANDARD, 19, 10).build(),
                call("acme", Tier.STANDARD, 20, 10).build());  // to is exclusive

        UsageReport report = UsageReport.from(records, options);

        assertThat(report.totals().calls()).isEqualTo(2);
        assertThat(report.excludedRecords()).isEqualTo(2);
    }

    @Test
    void from_noRecords_emptyReportWithoutWindow() {
        UsageReport report = UsageReport.from(List.of(), DEFAULTS);

        assertThat(report.tenants()).isEmpty();
        assertThat(report.totals().calls()).isZero();
        assertThat(report.totals().latencyP50()).isNull();
        assertThat(report.timeSeries()).isEmpty();
        assertThat(report.from()).isNull();
        for (ReportFormat format : ReportFormat.values()) {
            assertThat(ReportRenderer.render(report, format)).isNotBlank();
        }
    }

    @Test
    void from_tenantsInAnyOrder_rowsSortedById() {
        List<UsageRecord> records = List.of(call("zeta", Tier.BASIC, 1, 10).build(),
                call("Acme", Tier.BASIC, 2, 10).build(), call("acme", Tier.BASIC, 3, 10).build());

        assertThat(UsageReport.from(records, DEFAULTS).tenants()).extracting(r -> r.tenant().value())
                .containsExactly("Acme", "acme", "zeta");
    }

    @Test
    void from_shuffledRecords_sameReportInEveryFormat() {
        List<UsageRecord> records = ReportFixtures.generated(11);
        List<UsageRecord> shuffled = new ArrayList<>(records);
        Collections.shuffle(shuffled, new Random(5));
        ReportOptions options = ReportFixtures.realisticOptions(records);

        UsageReport a = UsageReport.from(records, options);
        UsageReport b = UsageReport.from(shuffled, options);

        for (ReportFormat format : ReportFormat.values()) {
            assertThat(ReportRenderer.render(b, format)).as(format.name())
                    .isEqualTo(ReportRenderer.render(a, format));
        }
    }

    static UsageRecord failed(String tenant, Tier tier, long offsetSeconds, Outcome outcome, String code) {
        return call(tenant, tier, offsetSeconds, outcome == Outcome.REJECTED_BY_POLICY ? 0 : 30)
                .usage(TokenUsage.ZERO)
                .cost(Cost.priced(BigDecimal.ZERO, VERSION))
                .outcome(outcome)
                .errorCode(code)
                .build();
    }
}
