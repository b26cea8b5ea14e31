package dev.aip.core.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.profile.FakeInferenceProfileApi.FakeFailure;
import dev.aip.core.profile.ProvisioningProfileResolverTest.MutableClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class RetrierTest {

    private final FakeInferenceProfileApi api = new FakeInferenceProfileApi();
    private final MutableClock clock = new MutableClock();
    private final List<Duration> sleeps = new ArrayList<>();

    private Retrier retrier(Duration deadline, int maxAttempts) {
        return new Retrier(api, clock, d -> {
            sleeps.add(d);
            clock.advance(d);
        }, Duration.ofMillis(100), Duration.ofSeconds(5), deadline, maxAttempts);
    }

    @Test
    void call_throttledForever_givesUpWithinDeadlineAndRethrowsUnchanged() {
        FakeFailure throttled = new FakeFailure(ControlPlaneFailure.THROTTLED, "slow down");
        AtomicInteger attempts = new AtomicInteger();

        assertThatThrownBy(() -> retrier(Duration.ofSeconds(10), 1_000).call(() -> {
            attempts.incrementAndGet();
            throw throttled;
        })).isSameAs(throttled);

        Duration slept = sleeps.stream().reduce(Duration.ZERO, Duration::plus);
        assertThat(slept).isLessThanOrEqualTo(Duration.ofSeconds(10));
        assertThat(attempts.get()).isEqualTo(sleeps.size() + 1);
    }

    @Test
    void call_pausesStayUnderTheExponentialCeilingAndTheCap() {
        assertThatThrownBy(() -> retrier(Duration.ofHours(1), 12).call(() -> {
            throw new FakeFailure(ControlPlaneFailure.UNAVAILABLE, "503");
        })).isInstanceOf(FakeFailure.class);

        assertThat(sleeps).hasSize(11);
        for (int i = 0; i < sleeps.size(); i++) {
            long ceilingMillis = Math.min(5_000, 100L << i);
            assertThat(sleeps.get(i)).isLessThanOrEqualTo(Duration.ofMillis(ceilingMillis));
        }
    }

    @Test
    void call_nonRetryableFailure_isThrownAtOnce() {
        FakeFailure quota = new FakeFailure(ControlPlaneFailure.QUOTA_EXCEEDED, "quota");

        assertThatThrownBy(() -> retrier(Duration.ofHours(1), 10).call(() -> {
            throw quota;
        })).isSameAs(quota);
        assertThat(sleeps).isEmpty();
    }

    @Test
    void call_succeedsAfterThrottles_returnsValue() {
        AtomicInteger attempts = new AtomicInteger();

        String value = retrier(Duration.ofHours(1), 10).call(() -> {
            if (attempts.incrementAndGet() < 3) {
                throw new FakeFailure(ControlPlaneFailure.THROTTLED, "slow down");
            }
            return "ok";
        });

        assertThat(value).isEqualTo("ok");
        assertThat(sleeps).hasSize(2);
    }
}
