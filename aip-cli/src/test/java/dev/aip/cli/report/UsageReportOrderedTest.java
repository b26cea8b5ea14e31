package dev.aip.cli.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.Tier;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link UsageReport#fromOrdered}: the streaming path gives the list path's report and refuses what it cannot use. */
class UsageReportOrderedTest {

    static final Comparator<UsageRecord> ORDER =
            Comparator.comparing(UsageRecord::startedAt).thenComparing(UsageRecord::recordId);

    @Test
    void fromOrdered_sameRecords_rendersLikeFromListInEveryFormat() {
        List<UsageRecord> records = new ArrayList<>(ReportFixtures.generated(11));
        records.sort(ORDER);
        for (ReportOptions options : List.of(ReportOptions.defaults(), ReportFixtures.realisticOptions(records),
                ReportOptions.builder().window(null, ReportFixtures.T0.plusSeconds(3000)).build())) {
            List<UsageRecord> inWindow = records.stream()
                    .filter(r -> (options.from() == null || !r.startedAt().isBefore(options.from()))
                            && (options.to() == null || r.startedAt().isBefore(options.to())))
                    .toList();
            UsageReport fromList = UsageReport.from(records, options);
            UsageReport streamed = UsageReport.fromOrdered(records.iterator(), options,
                    inWindow.get(0).startedAt(), inWindow.get(inWindow.size() - 1).startedAt());

            for (ReportFormat format : ReportFormat.values()) {
                assertThat(ReportRenderer.render(streamed, format)).as(format.name())
                        .isEqualTo(ReportRenderer.render(fromList, format));
            }
            assertThat(streamed.excludedRecords()).isEqualTo(fromList.excludedRecords());
        }
    }

    @Test
    void fromOrdered_recordsOutOfOrder_refusedNamingThem() {
        UsageRecord early = ReportFixtures.call("acme", Tier.PREMIUM, 0, 100).build();
        UsageRecord late = ReportFixtures.call("acme", Tier.PREMIUM, 10, 100).build();

        assertThatThrownBy(() -> UsageReport.fromOrdered(List.of(late, early).iterator(), ReportOptions.defaults(),
                early.startedAt(), late.startedAt()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("in order of start").hasMessageContaining(early.recordId());
    }

    @Test
    void fromOrdered_recordOutsideTheGivenSpan_refused() {
        UsageRecord early = ReportFixtures.call("acme", Tier.PREMIUM, 0, 100).build();
        UsageRecord late = ReportFixtures.call("acme", Tier.PREMIUM, 10, 100).build();

        assertThatThrownBy(() -> UsageReport.fromOrdered(List.of(early, late).iterator(), ReportOptions.defaults(),
                early.startedAt(), early.startedAt()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("outside the given first and last");
    }
}
