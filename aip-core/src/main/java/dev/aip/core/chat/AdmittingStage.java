package dev.aip.core.chat;

/**
 * Second stage: lets the engine's call be shaped and admitted (once per call, on its first profile; a refusal is
 * recorded by the engine), and ends it when the call is over, on every outcome: the engine releases the permit once
 * every attempt started is settled, with the records of all attempts.
 *
 * <p>Sync calls ask the admission on the caller's thread; streams and asynchronous calls ask
 * {@link Admission#admitAsync} and go on when it completes, so no thread waits on a remote store.
 */
final class AdmittingStage implements ChatStage {

    private final ChatStage next;

    AdmittingStage(ChatStage next) {
        this.next = next;
    }

    @Override
    public ChatResponse call(Call call) {
        LogicalCall logical = call.logical;
        shape(call, logical);
        logical.admit();
        try {
            return next.call(call);
        } finally {
            logical.end();
        }
    }

    @Override
    public ChatStream stream(Call call, ChatStreamListener listener) {
        LogicalCall logical = call.logical;
        Relay relay = new Relay(listener) {
            @Override
            ChatResponse onCompleting(ChatResponse response) {
                logical.end();
                return response;
            }

            @Override
            void onFailing(Throwable error) {
                logical.end();
            }

            @Override
            void onCancelled() {
                // A cancel can overtake an attempt still settling on the transport's thread: the engine releases
                // after it.
                logical.end();
            }
        };
        try {
            shape(call, logical);
        } catch (RuntimeException refused) {
            relay.onError(refused);
            return relay;
        }
        var admitted = logical.admitAsync().toCompletableFuture();
        if (admitted.isDone() && !admitted.isCompletedExceptionally()) {
            relay.upstream(next.stream(call, relay));
            return relay;
        }
        admitted.whenComplete((ok, refused) -> {
            if (refused != null) {
                relay.onError(refused);
            } else if (!relay.ended()) {
                relay.upstream(next.stream(call, relay));
            }
        });
        return relay;
    }

    /** Applies the settings the admission shaped to the request the pipeline sends. */
    private static void shape(Call call, LogicalCall logical) {
        AdmissionRequest asked = logical.request();
        AdmissionRequest shaped = logical.shape();
        if (shaped != asked) {
            call.request = call.request.toBuilder().settings(shaped.settings()).build();
        }
    }
}
