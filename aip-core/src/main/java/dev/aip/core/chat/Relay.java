package dev.aip.core.chat;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stream a stage returns, and the listener it gives to the stage below. It forwards events downstream until the
 * stream ends, and ends it exactly once: the first of complete, error and cancel wins (CAS on {@code ended}); the
 * others are dropped. Subclasses hook the end to settle what their stage owns.
 *
 * <p>The upstream stream may call back before {@link #upstream} has been set (a fast stream); a cancel in that
 * window is remembered and passed on when the upstream arrives.
 */
class Relay implements ChatStream, ChatStreamListener {

    private static final Logger LOG = LoggerFactory.getLogger(Relay.class);

    private final ChatStreamListener downstream;
    private final CompletableFuture<ChatResponse> completion = new CompletableFuture<>();
    private final AtomicBoolean ended = new AtomicBoolean();
    private final AtomicReference<ChatStream> upstream = new AtomicReference<>();
    private volatile boolean cancelled;

    Relay(ChatStreamListener downstream) {
        this.downstream = downstream;
    }

    /** Sets (or, for a retry, replaces) the stream being relayed. */
    final void upstream(ChatStream stream) {
        upstream.set(stream);
        if (cancelled) {
            stream.cancel();
        }
    }

    final boolean ended() {
        return ended.get();
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
        if (!ended.get()) {
            guard(() -> downstream.onText(text));
        }
    }

    @Override
    public final void onToolUse(ContentPart.ToolUse toolUse) {
        if (!ended.get()) {
            guard(() -> downstream.onToolUse(toolUse));
        }
    }

    @Override
    public void onComplete(ChatResponse response) {
        if (ended.compareAndSet(false, true)) {
            ChatResponse out;
            try {
                out = onCompleting(response);
            } catch (RuntimeException e) {
                deliverError(e);
                return;
            }
            if (out != null) {
                guard(() -> downstream.onComplete(out));
                completion.complete(out);
            }
        }
    }

    @Override
    public void onError(Throwable error) {
        if (ended.compareAndSet(false, true)) {
            try {
                onFailing(error);
            } finally {
                deliverError(error);
            }
        }
    }

    @Override
    public final boolean cancel() {
        cancelled = true;
        if (!ended.compareAndSet(false, true)) {
            return false;
        }
        try {
            onCancelling();
        } finally {
            ChatStream up = upstream.get();
            try {
                if (up != null) {
                    up.cancel();
                }
            } finally {
                onCancelled();
            }
            completion.completeExceptionally(new CancellationException("the stream was cancelled by the caller"));
        }
        return true;
    }

    @Override
    public final CompletableFuture<ChatResponse> completion() {
        return completion;
    }

    private void deliverError(Throwable error) {
        guard(() -> downstream.onError(error));
        completion.completeExceptionally(error);
    }

    private static void guard(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            LOG.warn("A chat stream listener threw; the exception is ignored", e);
        }
    }
}
