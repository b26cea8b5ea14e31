package dev.aip.core.tenant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.aip.core.UnknownTenantException;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class TenantScopeTest {

    private static final TenantContext ACME = TenantContext.of("acme");
    private static final TenantContext GLOBEX = TenantContext.of("globex").withTier(Tier.PREMIUM);

    @Test
    void current_outsideAnyScope_isEmpty() {
        assertThat(TenantScope.current()).isEmpty();
    }

    @Test
    void require_outsideAnyScope_throwsUnknownTenantExplainingHowToSetOne() {
        assertThatThrownBy(TenantScope::require)
                .isInstanceOf(UnknownTenantException.class)
                .hasMessageContaining("No tenant is in scope")
                .hasMessageContaining("TenantScope.run(")
                .hasMessageContaining("TenantScope.wrap(");
    }

    @Test
    void run_nested_innerAppliesInsideAndOuterIsRestored() {
        AtomicReference<TenantContext> inner = new AtomicReference<>();
        AtomicReference<TenantContext> outerAfter = new AtomicReference<>();
        TenantScope.run(ACME, () -> {
            TenantScope.run(GLOBEX, () -> inner.set(TenantScope.require()));
            outerAfter.set(TenantScope.require());
        });
        assertThat(inner.get()).isEqualTo(GLOBEX);
        assertThat(outerAfter.get()).isEqualTo(ACME);
        assertThat(TenantScope.current()).isEmpty();
    }

    @Test
    void call_whenCallableThrows_rethrowsUnchangedAndRestoresOuter() throws Exception {
        Exception boom = new Exception("boom");
        Optional<TenantContext> after = TenantScope.call(ACME, () -> {
            assertThatThrownBy(() -> TenantScope.call(GLOBEX, () -> {
                throw boom;
            })).isSameAs(boom);
            return TenantScope.current();
        });
        assertThat(after).contains(ACME);
        assertThat(TenantScope.current()).isEmpty();
    }

    @Test
    void get_whenSupplierThrows_leavesNoTenantBehind() {
        assertThatThrownBy(() -> TenantScope.get(ACME, () -> {
            throw new IllegalStateException("x");
        })).isInstanceOf(IllegalStateException.class);
        assertThat(TenantScope.current()).isEmpty();
        assertThat(TenantScope.get(GLOBEX, TenantScope::require)).isEqualTo(GLOBEX);
    }

    @Test
    void run_onOneThread_isInvisibleToAnotherThread() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch observed = new CountDownLatch(1);
        AtomicReference<Optional<TenantContext>> seenByOther = new AtomicReference<>();
        Thread holder = new Thread(() -> TenantScope.run(ACME, () -> {
            entered.countDown();
            await(observed);
        }));
        holder.start();
        await(entered);
        Thread other = new Thread(() -> {
            seenByOther.set(TenantScope.current());
            observed.countDown();
        });
        other.start();
        other.join();
        holder.join();
        assertThat(seenByOther.get()).isEmpty();
    }

    @Test
    void wrap_runnable_carriesTenantCapturedAtWrapTimeToPoolThreadAndCleansUp() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            AtomicReference<Optional<TenantContext>> inTask = new AtomicReference<>();
            Runnable wrapped = TenantScope.get(ACME, () -> TenantScope.wrap(() -> inTask.set(TenantScope.current())));
            TenantScope.run(GLOBEX, () -> join(pool.submit(wrapped)));
            assertThat(inTask.get()).contains(ACME);
            assertThat(pool.submit(TenantScope::current).get()).isEmpty();
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void wrap_callable_carriesTenantAndReturnsResult() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Callable<String> wrapped = TenantScope.call(GLOBEX,
                    () -> TenantScope.wrap(() -> TenantScope.require().id().value()));
            assertThat(pool.submit(wrapped).get()).isEqualTo("globex");
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void wrap_withNoTenantInScope_runsTaskWithNoTenantEvenOnAThreadThatHasOne() {
        Callable<Optional<TenantContext>> wrapped = TenantScope.wrap(TenantScope::current);
        Optional<TenantContext> seen = TenantScope.get(ACME, () -> {
            try {
                return wrapped.call();
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        });
        assertThat(seen).isEmpty();
    }

    @Test
    void run_onVirtualThread_whenJdk21OrLater_isScopedToThatThread() throws Exception {
        assumeTrue(Runtime.version().feature() >= 21, "virtual threads need JDK 21");
        AtomicReference<Optional<TenantContext>> inside = new AtomicReference<>();
        Runnable task = () -> TenantScope.run(ACME, () -> inside.set(TenantScope.current()));
        // Reflection keeps this test compilable with --release 17.
        Object builder = Thread.class.getMethod("ofVirtual").invoke(null);
        Thread virtual = (Thread) builder.getClass().getMethod("start", Runnable.class).invoke(builder, task);
        virtual.join();
        assertThat(inside.get()).contains(ACME);
        assertThat(TenantScope.current()).isEmpty();
    }

    private static void await(CountDownLatch latch) {
        try {
            assertThat(latch.await(30, TimeUnit.SECONDS)).isTrue();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static void join(Future<?> future) {
        try {
            future.get();
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }
}
