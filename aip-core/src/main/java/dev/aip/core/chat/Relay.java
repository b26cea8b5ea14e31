package dev.aip.core.chat;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stream a stage returns, and the listener it gives to the stage below. It forwards events downstream until the
 * stream ends, and ends it exactly once: the first of complete, error and cancel wins (CAS on {@code ended}); the
 * others are dropped. Subclasses hook the end to settle what their stage owns.
 *
 * <p>The upstream stream may call back before {@link #upstream} has been set (a fast stream); a cancel in that
 * window is remembered and passed on when the upstream arrives.
 *
 * <p>{@link #abort(Throwable)} ends the stream like a cancel (the same hooks run, the upstream is aborted too) but
 * with a cause, which the listener gets as its error and the stages can read ({@link #abortCause()}): a call that
 * ran past its timeout.
 *
 * <p>Every stage of a call has a relay, but only the outermost one's {@link #completion()} is ever asked for: the
 * future is made on first ask (from the outcome, if the stream already ended), and the end and upstream are plain
 * fields updated through a {@link VarHandle}, so an inner relay is one small object.
 */
class Relay implements ChatStream, ChatStreamListener {

    private static final Logger LOG = LoggerFactory.getLogger(Relay.class);

    private static final VarHandle ENDED;
    private static final VarHandle COMPLETION;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            ENDED = lookup.findVarHandle(Relay.class, "ended", boolean.class);
            COMPLETION = lookup.findVarHandle(Relay.class, "completion", CompletableFuture.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final ChatStreamListener downstream;
    private volatile boolean ended;
    private volatile ChatStream upstream;
    private volatile boolean cancelled;
    /** Why the stream was aborted, if it was ({@link #abort}); {@code null} for a plain cancel. */
    private volatile Throwable abortCause;
    /** Made on first ask; see the class comment. */
    private volatile CompletableFuture<ChatResponse> completion;
    /** How the stream ended: the response, or a {@link Failed}; {@code null} while it runs. */
    private volatile Object outcome;
    /** Run once when the stream ends, however it ends ({@link #onEnd}); {@code null} for nothing. */
    private volatile Runnable onEnd;

    Relay(ChatStreamListener downstream) {
        this.downstream = downstream;
    }

    /** Sets (or, for a retry, replaces) the stream being relayed. */
    final void upstream(ChatStream stream) {
        upstream = stream;
        if (cancelled) {
            endUpstream(stream);
        }
    }

    /** Cancels the upstream, or aborts it with this stream's cause if it is a stage's relay. */
    private void endUpstream(ChatStream up) {
        Throwable cause = abortCause;
        if (cause != null && up instanceof Relay relay) {
            relay.abort(cause);
        } else {
            up.cancel();
        }
    }

    /** Why this stream was aborted; {@code null} if it was not (or was cancelled plainly). */
    final Throwable abortCause() {
        return abortCause;
    }

    final boolean ended() {
        return ended;
    }

    /** Called once when the upstream completes; returns what to pass on, or {@code null} to drop it. */
    ChatResponse onCompleting(ChatResponse response) {
        return response;
    }

    /** Called once when the upstream fails. */
    void onFailing(Throwable error) {
    }

    /** Called once when the stream is cancelled, before the upstream is cancelled. */
    void onCancelling() {
    }

    /** Called once when the stream is cancelled, after the upstream was cancelled. */
    void onCancelled() {
    }

    @Override
    public final void onText(String text) {
        if (!ended) {
            guard(() -> downstream.onText(text));
        }
    }

    @Override
    public final void onToolUse(ContentPart.ToolUse toolUse) {
        if (!ended) {
            guard(() -> downstream.onToolUse(toolUse));
        }
    }

    @Override
    public void onComplete(ChatResponse response) {
        if (ENDED.compareAndSet(this, false, true)) {
            ChatResponse out;
            try {
                out = onCompleting(response);
            } catch (RuntimeException e) {
                deliverError(e);
                return;
            }
            if (out != null) {
                guard(() -> downstream.onComplete(out));
                finish(out);
            }
        }
    }

    @Override
    public void onError(Throwable error) {
        if (ENDED.compareAndSet(this, false, true)) {
            try {
                onFailing(error);
            } finally {
                deliverError(error);
            }
        }
    }

    @Override
    public final boolean cancel() {
        return end(null);
    }

    /**
     * Ends the stream as {@link #cancel()} does, but with a cause: the stages see it through {@link #abortCause()},
     * the upstream is aborted with it, and the listener gets it as its error.
     *
     * @return {@code true} if this call ended the stream; {@code false} if it had already ended
     */
    final boolean abort(Throwable cause) {
        return end(Objects.requireNonNull(cause, "cause"));
    }

    private boolean end(Throwable cause) {
        boolean won = ENDED.compareAndSet(this, false, true);
        if (won && cause != null) {
            // Before the flag an upstream arriving late reads: it is then aborted with the cause, not cancelled.
            abortCause = cause;
        }
        cancelled = true;
        if (!won) {
            return false;
        }
        try {
            onCancelling();
        } finally {
            ChatStream up = upstream;
            try {
                if (up != null) {
                    endUpstream(up);
                }
            } finally {
                onCancelled();
            }
            if (cause != null) {
                deliverError(cause);
            } else {
                finish(new Failed(new CancellationException("the stream was cancelled by the caller")));
            }
        }
        return true;
    }

    @Override
    public final CompletableFuture<ChatResponse> completion() {
        CompletableFuture<ChatResponse> c = completion;
        if (c == null) {
            CompletableFuture<ChatResponse> made = new CompletableFuture<>();
            c = COMPLETION.compareAndSet(this, null, made) ? made : completion;
            complete(c, outcome);
        }
        return c;
    }

    private void deliverError(Throwable error) {
        guard(() -> downstream.onError(error));
        finish(new Failed(error));
    }

    /**
     * Sets what runs once when the stream ends (without making the completion future): e.g. disarming a timer.
     * Must be set before the stream can end, i.e. before its upstream starts.
     */
    final void onEnd(Runnable action) {
        onEnd = action;
    }

    /** Records the outcome, then completes the future if one was asked for (else it is made complete later). */
    private void finish(Object end) {
        outcome = end;
        Runnable r = onEnd;
        if (r != null) {
            onEnd = null;
            guard(r);
        }
        complete(completion, end);
    }

    @SuppressWarnings("unchecked")
    private static void complete(CompletableFuture<ChatResponse> future, Object end) {
        if (future == null || end == null) {
            return;
        }
        if (end instanceof Failed f) {
            future.completeExceptionally(f.error);
        } else {
            future.complete((ChatResponse) end);
        }
    }

    /** The outcome of a stream that failed or was cancelled. */
    private record Failed(Throwable error) {
    }

    private static void guard(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.warn("A chat stream listener threw; the exception is ignored", e);
        }
    }
}
