package dev.aip.core.chat;

import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;

/**
 * A scripted transport: sync answers come from a queue of scripts; streams are driven by the test through
 * {@link FakeStream}. Writes what it is asked into a journal shared with the other fakes.
 */
final class FakeTransport implements ChatTransport {

    /** A failure a fake attempt can end with. */
    static final class FakeFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final Outcome outcome;
        final String code;

        FakeFailure(Outcome outcome, String code) {
            super(code);
            this.outcome = outcome;
            this.code = code;
        }
    }

    final List<String> journal;
    final List<ChatInvocation> invocations = new CopyOnWriteArrayList<>();
    final List<FakeStream> streams = new CopyOnWriteArrayList<>();
    private final Deque<Function<ChatInvocation, ChatResponse>> scripts = new ArrayDeque<>();
    /** Whether async (non-streaming) attempts are held open as {@link FakeStream}s for the test to drive. */
    private volatile boolean holdAsync;

    FakeTransport(List<String> journal) {
        this.journal = journal;
    }

    FakeTransport answer(TokenUsage usage) {
        scripts.add(inv -> response(inv, "hello", usage, "req-" + inv.attempt()));
        return this;
    }

    FakeTransport failWith(Outcome outcome, String code) {
        scripts.add(inv -> {
            throw new FakeFailure(outcome, code);
        });
        return this;
    }

    static ChatResponse response(ChatInvocation inv, String text, TokenUsage usage, String requestId) {
        return new ChatResponse(ChatMessage.assistant(text), StopReason.END_TURN, usage, Duration.ZERO, requestId,
                inv.profile().profileArn(), null);
    }

    @Override
    public ChatResponse converse(ChatInvocation invocation, CallProgress progress) {
        invocations.add(invocation);
        journal.add("transport#" + invocation.attempt() + " " + invocation.profile().profileArn());
        Function<ChatInvocation, ChatResponse> script = scripts.poll();
        if (script == null) {
            throw new AssertionError("no script left for attempt " + invocation.attempt());
        }
        return script.apply(invocation);
    }

    @Override
    public ChatStream converseStream(ChatInvocation invocation, CallProgress progress, ChatStreamListener listener) {
        invocations.add(invocation);
        journal.add("transport-stream#" + invocation.attempt());
        FakeStream s = new FakeStream(invocation, progress, listener);
        streams.add(s);
        return s;
    }

    /** Async Converse attempts become {@link FakeStream}s the test answers (or never answers). */
    FakeTransport holdAsyncAnswers() {
        holdAsync = true;
        return this;
    }

    @Override
    public ChatStream converseAsync(ChatInvocation invocation, CallProgress progress, ChatStreamListener listener) {
        if (!holdAsync) {
            return ChatTransport.super.converseAsync(invocation, progress, listener);
        }
        invocations.add(invocation);
        journal.add("transport-async#" + invocation.attempt());
        FakeStream s = new FakeStream(invocation, progress, listener);
        streams.add(s);
        return s;
    }

    @Override
    public TransportFailure classify(Throwable failure) {
        if (failure instanceof FakeFailure f) {
            return new TransportFailure(f.outcome, f.code, "req-failed");
        }
        if (failure instanceof IncompleteStreamException) {
            return new TransportFailure(Outcome.STREAM_INTERRUPTED, IncompleteStreamException.ERROR_CODE, null);
        }
        return new TransportFailure(Outcome.CLIENT_ERROR, failure.getClass().getSimpleName(), null);
    }

    FakeStream stream(int i) {
        return streams.get(i);
    }

    /** One stream attempt, driven by the test. */
    static final class FakeStream implements ChatStream {
        final ChatInvocation invocation;
        final CallProgress progress;
        final ChatStreamListener listener;
        final CompletableFuture<ChatResponse> completion = new CompletableFuture<>();
        final StringBuilder text = new StringBuilder();
        volatile boolean cancelled;
        TokenUsage usage = TokenUsage.ZERO;
        String requestId;

        FakeStream(ChatInvocation invocation, CallProgress progress, ChatStreamListener listener) {
            this.invocation = invocation;
            this.progress = progress;
            this.listener = listener;
        }

        FakeStream open(String requestId) {
            this.requestId = requestId;
            progress.awsRequestId(requestId);
            progress.streamStarted();
            return this;
        }

        FakeStream text(String t) {
            progress.firstToken();
            progress.outputSeen(t.length());
            text.append(t);
            listener.onText(t);
            return this;
        }

        FakeStream usage(TokenUsage u) {
            usage = u;
            progress.usageReported(u);
            return this;
        }

        void complete() {
            ChatResponse r = new ChatResponse(ChatMessage.assistant(text.length() == 0 ? "-" : text.toString()),
                    StopReason.END_TURN, usage, Duration.ZERO, requestId, invocation.profile().profileArn(), null);
            listener.onComplete(r);
            completion.complete(r);
        }

        void error(Throwable t) {
            listener.onError(t);
            completion.completeExceptionally(t);
        }

        @Override
        public boolean cancel() {
            cancelled = true;
            return true;
        }

        @Override
        public CompletableFuture<ChatResponse> completion() {
            return completion;
        }
    }
}
