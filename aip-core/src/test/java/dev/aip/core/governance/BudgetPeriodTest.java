package dev.aip.core.governance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.tenant.TenantId;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

class BudgetPeriodTest {

    private static final TenantId ACME = TenantId.of("acme");
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    @Test
    void keyAt_daily_startsAtLocalMidnightOfTheZone() {
        BudgetKey key = BudgetPeriod.daily(BERLIN).keyAt(ACME, Instant.parse("2026-01-14T23:30:00Z"));

        assertThat(key.period()).isEqualTo("2026-01-15");
        assertThat(key.start()).isEqualTo(Instant.parse("2026-01-14T23:00:00Z"));
        assertThat(key.end()).isEqualTo(Instant.parse("2026-01-15T23:00:00Z"));
    }

    @Test
    void keyAt_dailyOnTheSpringDstChange_lasts23Hours() {
        BudgetKey key = BudgetPeriod.daily(BERLIN).keyAt(ACME, Instant.parse("2026-03-29T12:00:00Z"));

        assertThat(key.period()).isEqualTo("2026-03-29");
        assertThat(Duration.between(key.start(), key.end())).isEqualTo(Duration.ofHours(23));
    }

    @Test
    void keyAt_dailyOnTheAutumnDstChange_lasts25Hours() {
        BudgetKey key = BudgetPeriod.daily(BERLIN).keyAt(ACME, Instant.parse("2026-10-25T12:00:00Z"));

        assertThat(Duration.between(key.start(), key.end())).isEqualTo(Duration.ofHours(25));
    }

    @Test
    void keyAt_monthly_rollsOverAtLocalMidnightOfTheFirst() {
        BudgetPeriod monthly = BudgetPeriod.monthly(BERLIN);

        BudgetKey lastMinuteOfJanuary = monthly.keyAt(ACME, Instant.parse("2026-01-31T22:59:59Z"));
        BudgetKey firstMinuteOfFebruary = monthly.keyAt(ACME, Instant.parse("2026-01-31T23:00:00Z"));

        assertThat(lastMinuteOfJanuary.period()).isEqualTo("2026-01");
        assertThat(firstMinuteOfFebruary.period()).isEqualTo("2026-02");
        assertThat(lastMinuteOfJanuary.end()).isEqualTo(firstMinuteOfFebruary.start());
        assertThat(firstMinuteOfFebruary.end()).isEqualTo(Instant.parse("2026-02-28T23:00:00Z"));
    }

    @Test
    void keyAt_monthlyAcrossTheDstChange_endsAtTheSummerTimeMidnight() {
        BudgetKey march = BudgetPeriod.monthly(BERLIN).keyAt(ACME, Instant.parse("2026-03-15T00:00:00Z"));

        assertThat(march.start()).isEqualTo(Instant.parse("2026-02-28T23:00:00Z"));
        assertThat(march.end()).isEqualTo(Instant.parse("2026-03-31T22:00:00Z"));
    }

    @Test
    void keyAt_sameInstantInTwoZones_fallsInDifferentMonths() {
        Instant at = Instant.parse("2026-04-30T23:30:00Z");

        assertThat(BudgetPeriod.monthly(ZoneOffset.UTC).keyAt(ACME, at).period()).isEqualTo("2026-04");
        assertThat(BudgetPeriod.monthly(BERLIN).keyAt(ACME, at).period()).isEqualTo("2026-05");
    }

    @Test
    void keyAt_fixedWindow_isAlignedToTheEpoch() {
        BudgetPeriod sixHours = BudgetPeriod.every(Duration.ofHours(6));

        BudgetKey key = sixHours.keyAt(ACME, Instant.parse("2026-03-10T13:45:00Z"));

        assertThat(key.start()).isEqualTo(Instant.parse("2026-03-10T12:00:00Z"));
        assertThat(key.end()).isEqualTo(Instant.parse("2026-03-10T18:00:00Z"));
        assertThat(key.period()).isEqualTo("2026-03-10T12:00:00Z/PT6H");
        assertThat(sixHours.keyAt(ACME, key.end()).start()).isEqualTo(key.end());
    }

    @Test
    void new_invalidPeriods_areRejected() {
        assertThatThrownBy(() -> BudgetPeriod.every(Duration.ofMillis(10))).isInstanceOf(
                IllegalArgumentException.class);
        assertThatThrownBy(() -> new BudgetPeriod(BudgetPeriod.Kind.CALENDAR_DAY, BERLIN, Duration.ofHours(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
