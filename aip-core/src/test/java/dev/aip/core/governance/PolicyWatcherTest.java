package dev.aip.core.governance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.ConfigurationException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyWatcherTest {

    @TempDir
    Path dir;

    private final ManualExecutor executor = new ManualExecutor();

    @AfterEach
    void shutDown() {
        executor.shutdownNow();
    }

    @Test
    void fromFile_anyFile_versionIsTheSha256OfItsText() throws Exception {
        Path file = write("defaults: { requestsPerMinute: 5 }\n");

        PolicyStore store = PolicyStore.fromFile(file);

        String expected = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest("defaults: { requestsPerMinute: 5 }\n".getBytes(StandardCharsets.UTF_8)));
        assertThat(store.version()).contains(expected);
        assertThat(PolicyStore.of(PolicySet.of(TenantPolicy.EMPTY)).version()).isEmpty();
    }

    @Test
    void scheduledCheck_fileChanged_putsTheNewPoliciesInForce() throws IOException {
        Path file = write("defaults: { requestsPerMinute: 5 }\n");
        PolicyStore store = PolicyStore.fromFile(file);
        String before = store.version().orElseThrow();
        PolicyWatcher watcher = PolicyWatcher.builder(store).interval(Duration.ofSeconds(3)).executor(executor)
                .clock(new Gov.ManualClock(Gov.T0)).build().start();
        assertThat(executor.delays).containsExactly(Duration.ofSeconds(3));

        write("defaults: { requestsPerMinute: 7 }\n");
        executor.tick();

        assertThat(store.current().policyFor(Gov.ACME).requestRate()).isEqualTo(7);
        PolicyWatcher.Status status = watcher.status();
        assertThat(status.version()).isNotEqualTo(before).isEqualTo(store.version().orElseThrow());
        assertThat(status.reloads()).isEqualTo(1);
        assertThat(status.failure()).isNull();
        assertThat(status.checkedAt()).isEqualTo(Gov.T0);
    }

    @Test
    void check_unchangedFile_keepsTheSamePoliciesObject() throws IOException {
        PolicyStore store = PolicyStore.fromFile(write("defaults: { requestsPerMinute: 5 }\n"));
        PolicySet before = store.current();
        PolicyWatcher watcher = PolicyWatcher.builder(store).executor(executor).build();

        assertThat(watcher.check()).isFalse();

        assertThat(store.current()).isSameAs(before);
        assertThat(watcher.status().reloads()).isZero();
    }

    @Test
    void check_invalidNewFile_keepsTheOldPoliciesAndReportsWhyUntilTheFileIsFixed() throws IOException {
        Path file = write("defaults: { requestsPerMinute: 5 }\n");
        PolicyStore store = PolicyStore.fromFile(file);
        PolicySet before = store.current();
        String version = store.version().orElseThrow();
        PolicyWatcher watcher = PolicyWatcher.builder(store).executor(executor).build();

        write("defaults: { requestsPerMinute: -5 }\n");
        boolean reloaded = watcher.check();

        assertThat(reloaded).isFalse();
        assertThat(store.current()).isSameAs(before);
        assertThat(store.version()).contains(version);
        PolicyWatcher.Status failed = watcher.status();
        assertThat(failed.version()).isEqualTo(version);
        assertThat(failed.failure()).contains("defaults.requestsPerMinute").contains(file.toString());
        assertThat(failed.failedVersion()).isNotNull().isNotEqualTo(version);
        assertThat(watcher.check()).as("the same broken content is not parsed again").isFalse();

        write("defaults: { requestsPerMinute: 9 }\n");

        assertThat(watcher.check()).isTrue();
        assertThat(store.current().policyFor(Gov.ACME).requestRate()).isEqualTo(9);
        assertThat(watcher.status().failure()).isNull();
        assertThat(watcher.status().failedVersion()).isNull();
    }

    @Test
    void check_fileRemoved_keepsTheOldPoliciesAndReportsIt() throws IOException {
        Path file = write("defaults: { requestsPerMinute: 5 }\n");
        PolicyStore store = PolicyStore.fromFile(file);
        PolicyWatcher watcher = PolicyWatcher.builder(store).executor(executor).build();

        Files.delete(file);

        assertThat(watcher.check()).isFalse();
        assertThat(store.current().policyFor(Gov.ACME).requestRate()).isEqualTo(5);
        assertThat(watcher.status().failure()).contains("Cannot read policy file");
    }

    @Test
    void announced_versionNotYetInTheFile_isNotUpToDateUntilTheFileHasIt() throws IOException {
        Path file = write("defaults: { requestsPerMinute: 5 }\n");
        PolicyStore store = PolicyStore.fromFile(file);
        PolicyWatcher watcher = PolicyWatcher.builder(store).executor(executor).build();
        String next = PolicyStore.sha256("defaults: { requestsPerMinute: 6 }\n");

        watcher.announced(next);

        assertThat(watcher.status().upToDate()).as("the file on this replica is still the old one").isFalse();
        assertThat(watcher.status().announcedVersion()).isEqualTo(next);

        write("defaults: { requestsPerMinute: 6 }\n");
        watcher.announced(next);

        assertThat(watcher.status().upToDate()).isTrue();
        assertThat(watcher.status().version()).isEqualTo(next);
    }

    @Test
    void builder_storeBuiltInCode_isAConfigurationErrorSayingWhatToDo() {
        PolicyStore store = PolicyStore.of(PolicySet.of(TenantPolicy.EMPTY));

        assertThatThrownBy(() -> PolicyWatcher.builder(store)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("PolicyStore.fromFile");
    }

    @Test
    void builder_intervalSetTwiceOrNotPositive_isAConfigurationError() throws IOException {
        PolicyWatcher.Builder b = PolicyWatcher.builder(PolicyStore.fromFile(write("{}\n")));

        assertThatThrownBy(() -> b.interval(Duration.ZERO)).isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("positive");
        b.interval(Duration.ofSeconds(1));
        assertThatThrownBy(() -> b.interval(Duration.ofSeconds(2))).isInstanceOf(ConfigurationException.class);
    }

    private Path write(String text) throws IOException {
        return Files.writeString(dir.resolve("policies.yaml"), text);
    }

    /** Runs what is executed at once and periodic tasks only on {@link #tick()}. */
    static final class ManualExecutor extends ScheduledThreadPoolExecutor {
        final List<Runnable> periodic = new CopyOnWriteArrayList<>();
        final List<Duration> delays = new CopyOnWriteArrayList<>();

        ManualExecutor() {
            super(1);
        }

        @Override
        public ScheduledFuture<?> scheduleWithFixedDelay(Runnable task, long initialDelay, long delay,
                                                         TimeUnit unit) {
            periodic.add(task);
            delays.add(Duration.ofNanos(unit.toNanos(delay)));
            return schedule(() -> { }, 365, TimeUnit.DAYS);
        }

        @Override
        public void execute(Runnable task) {
            task.run();
        }

        void tick() {
            periodic.forEach(Runnable::run);
        }
    }
}
