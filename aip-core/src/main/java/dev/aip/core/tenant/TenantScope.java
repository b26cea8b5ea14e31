package dev.aip.core.tenant;

import dev.aip.core.UnknownTenantException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Supplier;

/**
 * The tenant the current thread is working for, set for the duration of a block of code.
 *
 * <p>The core API takes a {@link TenantContext} explicitly. Framework code that cannot pass one (a LangChain4j
 * model, a Spring AI advisor, an SDK interceptor) reads it from here instead:
 * <pre>{@code
 * TenantScope.run(TenantContext.of("acme"), () -> assistant.chat("hello"));
 *
 * // deep inside, e.g. in an interceptor:
 * TenantContext tenant = TenantScope.require();
 * }</pre>
 *
 * <p>Scopes nest: the inner tenant applies inside the inner block, and the outer one is restored when the block ends,
 * normally or by an exception. Nothing is left behind on the thread after the outermost block, so pooled threads do
 * not leak a tenant into the next task.
 *
 * <p><b>Other threads.</b> A scope belongs to one thread. Work handed to an executor does not see it unless it is
 * wrapped: {@link #wrap(Runnable)} and {@link #wrap(Callable)} capture the current tenant when called and set it in
 * the thread that runs the task. The scope is deliberately not an {@link InheritableThreadLocal}: pool threads are
 * created once, by whichever task happened to need one, and would inherit that task's tenant for every later task;
 * inheritance also copies into threads the library does not control. Explicit capture is the only hand-off that is
 * right for pools.
 *
 * <p>Works on platform threads and, on JDK 21 and later, on virtual threads (each virtual thread has its own scope).
 * Reactive pipelines, which hop threads between operators, carry the tenant in their own context instead; the
 * framework adapters bridge it.
 *
 * <p>Thread-safe: all methods are static and act on the calling thread only.
 */
public final class TenantScope {

    private static final ThreadLocal<TenantContext> CURRENT = new ThreadLocal<>();

    private TenantScope() {}

    /**
     * Runs an action with {@code tenant} as the current tenant, then restores the previous one.
     *
     * @param tenant the tenant for the duration of the action
     * @param action the action
     */
    public static void run(TenantContext tenant, Runnable action) {
        Objects.requireNonNull(action, "action");
        TenantContext previous = enter(tenant);
        try {
            action.run();
        } finally {
            restore(previous);
        }
    }

    /**
     * Calls a callable with {@code tenant} as the current tenant, then restores the previous one.
     *
     * @param tenant the tenant for the duration of the call
     * @param callable the callable
     * @param <T> the result type
     * @return what {@code callable} returned
     * @throws Exception whatever {@code callable} threw, unchanged
     */
    public static <T> T call(TenantContext tenant, Callable<T> callable) throws Exception {
        Objects.requireNonNull(callable, "callable");
        TenantContext previous = enter(tenant);
        try {
            return callable.call();
        } finally {
            restore(previous);
        }
    }

    /**
     * Gets a value with {@code tenant} as the current tenant, then restores the previous one. Like
     * {@link #call(TenantContext, Callable)} without the checked exception.
     *
     * @param tenant the tenant for the duration of the call
     * @param supplier the supplier
     * @param <T> the result type
     * @return what {@code supplier} returned
     */
    public static <T> T get(TenantContext tenant, Supplier<T> supplier) {
        Objects.requireNonNull(supplier, "supplier");
        TenantContext previous = enter(tenant);
        try {
            return supplier.get();
        } finally {
            restore(previous);
        }
    }

    /**
     * Returns the current tenant of this thread.
     *
     * @return the innermost tenant in scope, or empty outside any scope
     */
    public static Optional<TenantContext> current() {
        return Optional.ofNullable(CURRENT.get());
    }

    /**
     * Returns the current tenant of this thread, which must be set.
     *
     * @return the innermost tenant in scope
     * @throws UnknownTenantException if no tenant is in scope; the message explains how to set one
     */
    public static TenantContext require() {
        TenantContext tenant = CURRENT.get();
        if (tenant == null) {
            throw new UnknownTenantException("No tenant is in scope on thread \"" + Thread.currentThread().getName()
                    + "\". Run the call inside TenantScope.run(TenantContext.of(\"<tenant-id>\"), ...) or pass a"
                    + " TenantContext explicitly; work handed to another thread must be wrapped with"
                    + " TenantScope.wrap(...) to keep its tenant.");
        }
        return tenant;
    }

    /**
     * Captures the current tenant now and returns a task that runs {@code task} in that tenant's scope, on whatever
     * thread runs it. If no tenant is in scope now, the task runs with no tenant (even on a thread that has one).
     *
     * @param task the task to hand off
     * @return the wrapped task
     */
    public static Runnable wrap(Runnable task) {
        Objects.requireNonNull(task, "task");
        TenantContext captured = CURRENT.get();
        return () -> {
            TenantContext previous = swap(captured);
            try {
                task.run();
            } finally {
                restore(previous);
            }
        };
    }

    /**
     * Captures the current tenant now and returns a callable that calls {@code task} in that tenant's scope, on
     * whatever thread calls it. If no tenant is in scope now, the task runs with no tenant.
     *
     * @param task the task to hand off
     * @param <T> the result type
     * @return the wrapped task
     */
    public static <T> Callable<T> wrap(Callable<T> task) {
        Objects.requireNonNull(task, "task");
        TenantContext captured = CURRENT.get();
        return () -> {
            TenantContext previous = swap(captured);
            try {
                return task.call();
            } finally {
                restore(previous);
            }
        };
    }

    private static TenantContext enter(TenantContext tenant) {
        return swap(Objects.requireNonNull(tenant, "tenant"));
    }

    private static TenantContext swap(TenantContext tenant) {
        TenantContext previous = CURRENT.get();
        if (tenant == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(tenant);
        }
        return previous;
    }

    private static void restore(TenantContext previous) {
        // remove() rather than set(null): leaves no entry behind on pooled threads.
        if (previous == null) {
            CURRENT.remove();
        } else {
            CURRENT.set(previous);
        }
    }
}
