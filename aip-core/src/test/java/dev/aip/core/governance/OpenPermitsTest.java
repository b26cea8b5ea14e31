package dev.aip.core.governance;

import static dev.aip.core.governance.Gov.ACME;
import static dev.aip.core.governance.Gov.profile;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The striped registry of open permits: exact under concurrent adds and removes from other threads. */
class OpenPermitsTest {

    private static final int THREADS = 64;
    private final ExecutorService pool = Executors.newFixedThreadPool(THREADS);

    @AfterEach
    void stop() {
        pool.shutdownNow();
    }

    private static GovernancePermit grant(long expiresAtMillis) {
        return new GovernancePermit(null, ACME, profile(ACME), null, expiresAtMillis);
    }

    @Test
    void addAndRemove_onManyThreads_leaveExactlyWhatWasNotRemoved() throws Exception {
        OpenPermits open = new OpenPermits();
        int perThread = 2_000;
        // Each thread adds its grants, then removes those another thread added (and some twice).
        List<List<GovernancePermit>> added = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            List<GovernancePermit> mine = new ArrayList<>();
            for (int i = 0; i < perThread; i++) {
                mine.add(grant(i));
            }
            added.add(mine);
        }
        CountDownLatch addedAll = new CountDownLatch(THREADS);
        List<Future<?>> futures = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            int thread = t;
            futures.add(pool.submit(() -> {
                for (GovernancePermit g : added.get(thread)) {
                    open.add(g);
                }
                addedAll.countDown();
                addedAll.await();
                List<GovernancePermit> other = added.get((thread + 1) % THREADS);
                for (int i = 0; i < perThread; i += 2) {   // every other one: the odd ones stay
                    open.remove(other.get(i));
                    if (i % 10 == 0) {
                        open.remove(other.get(i));
                    }
                }
                return null;
            }));
        }
        for (Future<?> f : futures) {
            f.get(2, TimeUnit.MINUTES);
        }

        assertThat(open.size()).isEqualTo(THREADS * perThread / 2);
        // Lease ends are 0..perThread-1; the odd ones stay, so those ending by 99 are the 50 odd ones per thread.
        List<GovernancePermit> expired = open.expiredAt(99);
        assertThat(expired).hasSize(THREADS * 50).allSatisfy(g -> assertThat(g.expiresAtMillis % 2).isEqualTo(1));
        assertThat(expired).doesNotHaveDuplicates();
        for (List<GovernancePermit> list : added) {
            for (GovernancePermit g : list) {
                open.remove(g);
            }
        }
        assertThat(open.size()).isZero();
        assertThat(open.expiredAt(Long.MAX_VALUE)).isEmpty();
    }

    @Test
    void remove_ofAGrantNeverAdded_changesNothing() {
        OpenPermits open = new OpenPermits();
        GovernancePermit kept = grant(5);
        open.add(kept);
        open.remove(grant(5));
        assertThat(open.size()).isEqualTo(1);
        assertThat(open.expiredAt(5)).containsExactly(kept);
        assertThat(open.expiredAt(4)).isEmpty();
    }
}
