package dev.aip.core.bedrock;

import dev.aip.core.chat.CallProgress;
import dev.aip.core.chat.ChatInvocation;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatResponse;
import dev.aip.core.chat.ChatRole;
import dev.aip.core.chat.ChatStream;
import dev.aip.core.chat.ChatStreamListener;
import dev.aip.core.chat.ContentPart;
import dev.aip.core.chat.IncompleteStreamException;
import dev.aip.core.metering.TokenUsage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlockDeltaEvent;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlockStartEvent;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlockStopEvent;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamMetadataEvent;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamOutput;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.MessageStopEvent;

/**
 * One ConverseStream attempt: assembles the answer from the events, reports progress, and ends the listener exactly
 * once (complete, error, or nothing after a cancel). Events arrive serially on an SDK thread; {@code ended} guards
 * the race between the SDK's end signals and a cancel from any thread.
 */
final class ConverseStreamCall implements ChatStream, ConverseStreamResponseHandler.Visitor {

    /** A content block being assembled, by block index. */
    private static final class Block {
        final StringBuilder text = new StringBuilder();
        String toolUseId;
        String toolName;
        final StringBuilder toolInput = new StringBuilder();
        boolean delivered;
    }

    private final ChatInvocation invocation;
    private final CallProgress progress;
    private final ChatStreamListener listener;
    private final CompletableFuture<ChatResponse> completion = new CompletableFuture<>();
    private final AtomicBoolean ended = new AtomicBoolean();
    private final Map<Integer, Block> blocks = new TreeMap<>();
    private volatile Subscription subscription;
    private volatile CompletableFuture<Void> sdkFuture;
    private volatile String requestId;
    private volatile boolean cancelled;
    private String stopReason;
    private TokenUsage usage;

    ConverseStreamCall(ChatInvocation invocation, CallProgress progress, ChatStreamListener listener) {
        this.invocation = invocation;
        this.progress = progress;
        this.listener = listener;
    }

    ConverseStreamResponseHandler handler() {
        return ConverseStreamResponseHandler.builder()
                .onResponse(r -> {
                    requestId = r.responseMetadata().requestId();
                    progress.awsRequestId(requestId);
                    progress.streamStarted();
                })
                .onEventStream(publisher -> publisher.subscribe(new EventSubscriber()))
                .onError(this::fail)
                .onComplete(this::complete)
                .build();
    }

    void start(CompletableFuture<Void> future) {
        sdkFuture = future;
        future.whenComplete((ok, error) -> {
            if (error != null) {
                fail(BedrockErrors.unwrap(error));
            }
        });
        if (cancelled) {
            future.cancel(true);
        }
    }

    @Override
    public boolean cancel() {
        cancelled = true;
        if (!ended.compareAndSet(false, true)) {
            return false;
        }
        Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
        CompletableFuture<Void> f = sdkFuture;
        if (f != null) {
            f.cancel(true);
        }
        completion.completeExceptionally(new CancellationException("cancelled by the caller"));
        return true;
    }

    @Override
    public CompletableFuture<ChatResponse> completion() {
        return completion;
    }

    @Override
    public void visitContentBlockStart(ContentBlockStartEvent event) {
        if (event.start() != null && event.start().toolUse() != null) {
            Block b = block(event.contentBlockIndex());
            b.toolUseId = event.start().toolUse().toolUseId();
            b.toolName = event.start().toolUse().name();
        }
    }

    @Override
    public void visitContentBlockDelta(ContentBlockDeltaEvent event) {
        if (event.delta() == null) {
            return;
        }
        Block b = block(event.contentBlockIndex());
        String text = event.delta().text();
        if (text != null) {
            progress.firstToken();
            progress.outputSeen(text.length());
            b.text.append(text);
            if (!ended.get() && !text.isEmpty()) {
                listener.onText(text);
            }
        } else if (event.delta().toolUse() != null && event.delta().toolUse().input() != null) {
            String input = event.delta().toolUse().input();
            progress.firstToken();
            progress.outputSeen(input.length());
            b.toolInput.append(input);
        }
    }

    @Override
    public void visitContentBlockStop(ContentBlockStopEvent event) {
        Block b = blocks.get(event.contentBlockIndex());
        if (b != null && b.toolUseId != null && !b.delivered) {
            b.delivered = true;
            if (!ended.get()) {
                listener.onToolUse(toolUse(b));
            }
        }
    }

    @Override
    public void visitMessageStop(MessageStopEvent event) {
        stopReason = event.stopReasonAsString();
    }

    @Override
    public void visitMetadata(ConverseStreamMetadataEvent event) {
        if (event.usage() != null) {
            usage = BedrockUsage.of(event.usage());
            progress.usageReported(usage);
        }
    }

    private void complete() {
        if (stopReason == null) {
            fail(new IncompleteStreamException(invocation.tenant().id(), "The ConverseStream response for profile "
                    + invocation.profile().profileArn() + " ended before its messageStop event (request "
                    + requestId + "); the answer is incomplete"));
            return;
        }
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        List<ContentPart> parts = new ArrayList<>();
        for (Block b : blocks.values()) {
            if (b.toolUseId != null) {
                parts.add(toolUse(b));
            } else if (b.text.length() > 0) {
                parts.add(ContentPart.text(b.text.toString()));
            }
        }
        ChatResponse response = new ChatResponse(new ChatMessage(ChatRole.ASSISTANT, parts),
                ConverseMapping.stopReason(stopReason), usage != null ? usage : TokenUsage.ZERO, Duration.ZERO,
                requestId, invocation.profile().profileArn(), null);
        listener.onComplete(response);
        completion.complete(response);
    }

    private void fail(Throwable error) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        Throwable t = BedrockErrors.unwrap(error);
        listener.onError(t);
        completion.completeExceptionally(t);
    }

    private Block block(Integer index) {
        return blocks.computeIfAbsent(index == null ? 0 : index, i -> new Block());
    }

    private static ContentPart.ToolUse toolUse(Block b) {
        String input = b.toolInput.toString().strip();
        return new ContentPart.ToolUse(b.toolUseId, b.toolName, input.isEmpty() ? "{}" : input);
    }

    /** Receives the events; requests them one at a time so a cancel stops the flow promptly. */
    private final class EventSubscriber implements Subscriber<ConverseStreamOutput> {
        @Override
        public void onSubscribe(Subscription s) {
            subscription = s;
            if (cancelled) {
                s.cancel();
            } else {
                s.request(1);
            }
        }

        @Override
        public void onNext(ConverseStreamOutput event) {
            try {
                event.accept(ConverseStreamCall.this);
            } finally {
                if (!ended.get()) {
                    subscription.request(1);
                }
            }
        }

        @Override
        public void onError(Throwable t) {
            fail(t);
        }

        @Override
        public void onComplete() {
            // The handler's onComplete ends the call, after the SDK has seen the whole response.
        }
    }
}
