package dev.aip.gateway;

import reactor.util.context.ContextView;

/**
 * The trace context a request arrived with (W3C {@code traceparent}/{@code tracestate}), made current on the thread
 * that begins the request's call, so that the call's span continues the caller's trace. {@link InboundTrace} puts one
 * in the Reactor context of each request that carries a trace; without tracing there is none and
 * {@link #enter(ContextView)} does nothing. This type names no tracing class, so the call path
 * ({@link GatewayCalls}) needs none.
 *
 * <p>Immutable; thread-safe.
 */
interface CallParent {

    /** The Reactor context key of a request's parent. */
    Object KEY = CallParent.class;

    /** What {@link #enter()} returns: closing it restores the thread's previous context. */
    interface Entered extends AutoCloseable {
        @Override
        void close();
    }

    /** Nothing to restore. */
    Entered NONE = () -> { };

    /**
     * Makes the caller's context current on this thread.
     *
     * @return closes it again; close it on the same thread
     */
    Entered enter();

    /**
     * Makes the request's parent current, if it has one.
     *
     * @param context the Reactor context of the request
     * @return closes it again ({@link #NONE} without a parent)
     */
    static Entered enter(ContextView context) {
        Object parent = context.getOrDefault(KEY, null);
        return parent instanceof CallParent p ? p.enter() : NONE;
    }
}
