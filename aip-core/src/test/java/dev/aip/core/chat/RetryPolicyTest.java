package dev.aip.core.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.ConfigurationException;
import dev.aip.core.metering.Outcome;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.random.RandomGenerator;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

    static final TransportFailure THROTTLED = new TransportFailure(Outcome.THROTTLED, "ThrottlingException", null);
    static final TransportFailure SERVER = new TransportFailure(Outcome.SERVER_ERROR, "InternalServerException", null);
    static final TransportFailure NOT_FOUND =
            new TransportFailure(Outcome.CLIENT_ERROR, "ResourceNotFoundException", null);
    static final TransportFailure VALIDATION = new TransportFailure(Outcome.CLIENT_ERROR, "ValidationException", null);

    /** Always draws the top of the range it is asked for, and notes each range. */
    static final class TopOfRange implements RandomGenerator {
        final List<Long> bounds = new ArrayList<>();

        @Override
        public long nextLong() {
            throw new AssertionError("the policy draws within a bound");
        }

        @Override
        public synchronized long nextLong(long bound) {
            bounds.add(bound);
            return bound - 1;
        }
    }

    static RetryPolicy.FailedAttempt failed(TransportFailure failure, int profileAttempt, Duration elapsed) {
        ChatInvocation inv = new ChatInvocation("call-1", profileAttempt, TenantContext.of("acme"), Fixtures.request(),
                Fixtures.profile(TenantId.of("acme"), "claude-sonnet"), Map.of());
        return new RetryPolicy.FailedAttempt(inv, failure, profileAttempt, elapsed);
    }

    @Test
    void backoff_pausesDoubleFromTheBaseUpToTheMax_withFullJitter() {
        TopOfRange random = new TopOfRange();
        RetryPolicy policy = RetryPolicy.backoff().maxAttempts(6).baseDelay(Duration.ofMillis(100))
                .maxDelay(Duration.ofMillis(500)).noDeadline().random(random).build();

        List<Duration> pauses = new ArrayList<>();
        for (int attempt = 1; attempt <= 5; attempt++) {
            RetryPolicy.Decision d = policy.decide(failed(THROTTLED, attempt, Duration.ZERO));
            assertThat(d.action()).isEqualTo(RetryPolicy.Decision.Action.RETRY);
            pauses.add(d.pause());
        }

        // Ceilings 100, 200, 400, then capped at 500; the draw is uniform in [0, ceiling], so the bound is ceiling+1.
        assertThat(pauses).containsExactly(Duration.ofMillis(100), Duration.ofMillis(200), Duration.ofMillis(400),
                Duration.ofMillis(500), Duration.ofMillis(500));
        assertThat(random.bounds).containsExactly(100_000_001L, 200_000_001L, 400_000_001L, 500_000_001L,
                500_000_001L);
    }

    @Test
    void backoff_seededRandom_givesPausesInsideTheirRange() {
        RetryPolicy policy = RetryPolicy.backoff().maxAttempts(4).baseDelay(Duration.ofMillis(100)).noDeadline()
                .random(new Random(7)).build();
        for (int i = 0; i < 200; i++) {
            Duration third = policy.decide(failed(SERVER, 3, Duration.ZERO)).pause();
            assertThat(third).isBetween(Duration.ZERO, Duration.ofMillis(400));
        }
    }

    @Test
    void backoff_afterMaxAttemptsOnAProfile_failsOver() {
        RetryPolicy policy = RetryPolicy.backoff().maxAttempts(3).noDeadline().build();

        assertThat(policy.decide(failed(THROTTLED, 2, Duration.ZERO)).action())
                .isEqualTo(RetryPolicy.Decision.Action.RETRY);
        assertThat(policy.decide(failed(THROTTLED, 3, Duration.ZERO)))
                .isEqualTo(RetryPolicy.Decision.failOver());
    }

    @Test
    void backoff_resourceNotFound_failsOverAtOnceWithoutRetrying() {
        RetryPolicy policy = RetryPolicy.backoff().build();
        assertThat(policy.decide(failed(NOT_FOUND, 1, Duration.ZERO))).isEqualTo(RetryPolicy.Decision.failOver());
    }

    @Test
    void backoff_validationError_stops() {
        RetryPolicy policy = RetryPolicy.backoff().build();
        assertThat(policy.decide(failed(VALIDATION, 1, Duration.ZERO))).isEqualTo(RetryPolicy.Decision.STOP);
        assertThat(policy.decide(failed(new TransportFailure(Outcome.STREAM_INTERRUPTED, "x", null), 1,
                Duration.ZERO))).isEqualTo(RetryPolicy.Decision.STOP);
    }

    @Test
    void backoff_modelNotReady_isRetriedByItsErrorCodeWhateverItsOutcome() {
        RetryPolicy policy = RetryPolicy.backoff().retryOn().build();
        TransportFailure notReady = new TransportFailure(Outcome.CLIENT_ERROR, "ModelNotReadyException", null);

        assertThat(policy.decide(failed(notReady, 1, Duration.ZERO)).action())
                .isEqualTo(RetryPolicy.Decision.Action.RETRY);
        assertThat(policy.decide(failed(THROTTLED, 1, Duration.ZERO))).isEqualTo(RetryPolicy.Decision.STOP);
    }

    @Test
    void backoff_pauseThatWouldEndPastTheDeadline_failsOverInsteadOfSleeping() {
        RetryPolicy policy = RetryPolicy.backoff().baseDelay(Duration.ofSeconds(1)).maxDelay(Duration.ofSeconds(1))
                .deadline(Duration.ofSeconds(10)).random(new TopOfRange()).build();

        assertThat(policy.decide(failed(THROTTLED, 1, Duration.ofSeconds(9))))
                .isEqualTo(RetryPolicy.Decision.retryAfter(Duration.ofSeconds(1)));
        assertThat(policy.decide(failed(THROTTLED, 1, Duration.ofMillis(9001))))
                .isEqualTo(RetryPolicy.Decision.failOver());
        assertThat(policy.decide(failed(THROTTLED, 1, Duration.ofSeconds(10)))).isEqualTo(RetryPolicy.Decision.STOP);
        assertThat(policy.decide(failed(NOT_FOUND, 1, Duration.ofSeconds(11)))).isEqualTo(RetryPolicy.Decision.STOP);
    }

    @Test
    void none_neverRetriesTheSameProfileButMayFailOver() {
        RetryPolicy none = RetryPolicy.none();
        assertThat(none.decide(failed(THROTTLED, 1, Duration.ofHours(1)))).isEqualTo(RetryPolicy.Decision.failOver());
        assertThat(none.decide(failed(VALIDATION, 1, Duration.ZERO))).isEqualTo(RetryPolicy.Decision.STOP);
    }

    @Test
    void upTo_retriesAtOnceUpToItsAttemptsPerProfile() {
        RetryPolicy upTo = RetryPolicy.upTo(2);
        assertThat(upTo.decide(failed(SERVER, 1, Duration.ofHours(1))))
                .isEqualTo(RetryPolicy.Decision.retryAfter(Duration.ZERO));
        assertThat(upTo.decide(failed(SERVER, 2, Duration.ZERO))).isEqualTo(RetryPolicy.Decision.failOver());
        assertThatThrownBy(() -> RetryPolicy.upTo(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void builder_badValues_areConfigurationErrorsNamingTheSetting() {
        assertThatThrownBy(() -> RetryPolicy.backoff().maxAttempts(0)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("maxAttempts");
        assertThatThrownBy(() -> RetryPolicy.backoff().deadline(Duration.ZERO))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("deadline");
        assertThatThrownBy(() -> RetryPolicy.backoff().baseDelay(Duration.ofSeconds(2))
                .maxDelay(Duration.ofSeconds(1)).build()).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("maxDelay");
    }

    /** Whatever the attempt and the time used, a retry's pause is in its jitter range and ends by the deadline. */
    @Property(tries = 500)
    void backoff_retryPause_staysInsideItsRangeAndTheDeadline(
            @ForAll @IntRange(min = 1, max = 80) int attempt,
            @ForAll @LongRange(min = 0, max = 40_000) long elapsedMillis,
            @ForAll @LongRange(min = 0, max = 2_000) long baseMillis,
            @ForAll long seed) {
        Duration base = Duration.ofMillis(baseMillis);
        Duration max = Duration.ofSeconds(5).plus(base);
        Duration deadline = Duration.ofSeconds(30);
        RetryPolicy policy = RetryPolicy.backoff().maxAttempts(100).baseDelay(base).maxDelay(max).deadline(deadline)
                .random(new Random(seed)).build();
        Duration elapsed = Duration.ofMillis(elapsedMillis);

        RetryPolicy.Decision d = policy.decide(failed(THROTTLED, attempt, elapsed));

        switch (d.action()) {
            case RETRY -> {
                Duration ceiling = attempt - 1 >= 40 ? max
                        : min(max, base.multipliedBy(1L << Math.min(attempt - 1, 40)));
                assertThat(d.pause()).isBetween(Duration.ZERO, ceiling);
                assertThat(elapsed.plus(d.pause())).isLessThanOrEqualTo(deadline);
            }
            case FAIL_OVER -> assertThat(elapsed).isLessThan(deadline);
            case STOP -> assertThat(elapsed).isGreaterThanOrEqualTo(deadline);
            default -> throw new AssertionError(d);
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }
}
