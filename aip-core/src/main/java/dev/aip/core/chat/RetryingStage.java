package dev.aip.core.chat;

/**
 * Third stage: runs attempts one after another while the {@link RetryPolicy} asks for another. Each attempt goes
 * through the metering stage below, so each is one usage record. A stream is retried only while none of it has
 * reached the listener.
 */
final class RetryingStage implements ChatStage {

    private final RetryPolicy policy;
    private final ChatTransport transport;
    private final ChatStage next;

    RetryingStage(RetryPolicy policy, ChatTransport transport, ChatStage next) {
        this.policy = policy;
        this.transport = transport;
        this.next = next;
    }

    @Override
    public ChatResponse call(Call call) {
        call.attempt = 1;
        while (true) {
            try {
                return next.call(call);
            } catch (RuntimeException e) {
                if (!policy.retry(call.invocation(), transport.classify(e))) {
                    throw e;
                }
                call.attempt++;
            }
        }
    }

    @Override
    public ChatStream stream(Call call, ChatStreamListener listener) {
        call.attempt = 1;
        Relay relay = new Relay(listener);
        relay.upstream(next.stream(call, new AttemptListener(call, relay)));
        return relay;
    }

    /** Listens to one attempt; on an early failure the policy may start the next attempt in its place. */
    private final class AttemptListener implements ChatStreamListener {
        private final Call call;
        private final Relay relay;
        private volatile boolean forwarded;

        AttemptListener(Call call, Relay relay) {
            this.call = call;
            this.relay = relay;
        }

        @Override
        public void onText(String text) {
            forwarded = true;
            relay.onText(text);
        }

        @Override
        public void onToolUse(ContentPart.ToolUse toolUse) {
            forwarded = true;
            relay.onToolUse(toolUse);
        }

        @Override
        public void onComplete(ChatResponse response) {
            relay.onComplete(response);
        }

        @Override
        public void onError(Throwable error) {
            boolean again;
            try {
                again = !forwarded && !relay.ended()
                        && policy.retry(call.invocation(), transport.classify(error));
            } catch (RuntimeException e) {
                again = false;
            }
            if (!again) {
                relay.onError(error);
                return;
            }
            call.attempt++;
            relay.upstream(next.stream(call, new AttemptListener(call, relay)));
        }
    }
}
