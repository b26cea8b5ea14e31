package dev.aip.core.chat;

import dev.aip.core.metering.MeteredCall;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageRecord;
import java.util.concurrent.CancellationException;

/**
 * Innermost stage, the metering decorator: one {@link MeteredCall} per attempt (started on the engine's call, which
 * keeps the records for the permit), settled exactly once on every outcome (success, failure, cancel), wrapped
 * directly around the {@link ChatTransport}. Failures are classified by
 * the transport; a failure after a stream started is recorded as {@link Outcome#STREAM_INTERRUPTED} (unless it is
 * a timeout or a cancel), with the transport's error code.
 */
final class MeteringStage implements ChatStage {

    private final ChatTransport transport;

    MeteringStage(ChatTransport transport) {
        this.transport = transport;
    }

    @Override
    public ChatResponse call(Call call) {
        MeteredCall metered = call.logical.startAttempt(call.attempt, call.profile);
        if (metered == null) {
            throw over(call);
        }
        Progress progress = new Progress(metered);
        ChatResponse response;
        try {
            response = transport.converse(call.invocation(), progress);
        } catch (RuntimeException | Error e) {
            fail(call, metered, progress, e);
            throw e;
        }
        metered.awsRequestId(response.awsRequestId());
        metered.succeed(response.usage());
        return settled(call, metered, response);
    }

    @Override
    public ChatStream stream(Call call, ChatStreamListener listener) {
        MeteredCall metered = call.logical.startAttempt(call.attempt, call.profile);
        if (metered == null) {
            Relay ended = new Relay(listener);
            ended.onError(over(call));
            return ended;
        }
        Progress progress = new Progress(metered);
        Relay relay = new Relay(listener) {
            @Override
            ChatResponse onCompleting(ChatResponse response) {
                metered.awsRequestId(response.awsRequestId());
                metered.succeed();
                return settled(call, metered, response);
            }

            @Override
            void onFailing(Throwable error) {
                fail(call, metered, progress, error);
            }

            @Override
            void onCancelling() {
                if (abortCause() instanceof CallTimeoutException) {
                    metered.timeOut(CallTimeoutException.ERROR_CODE);
                } else {
                    metered.cancel();
                }
                call.logical.attemptEnded(metered);
            }
        };
        try {
            // A non-streaming call on the stream path is an async Converse: the answer comes whole.
            relay.upstream(call.streaming ? transport.converseStream(call.invocation(), progress, relay)
                    : transport.converseAsync(call.invocation(), progress, relay));
        } catch (RuntimeException e) {
            relay.onError(e);
        }
        return relay;
    }

    /** An attempt asked for after its call ended (a cancel won the race with a retry): it is not sent. */
    private static CancellationException over(Call call) {
        return new CancellationException("The call " + call.callId + " is over; no further attempt starts");
    }

    private void fail(Call call, MeteredCall metered, Progress progress, Throwable error) {
        TransportFailure failure;
        try {
            failure = transport.classify(error);
        } catch (RuntimeException e) {
            failure = new TransportFailure(Outcome.CLIENT_ERROR, error.getClass().getSimpleName(), null);
        }
        Outcome outcome = failure.outcome();
        if (progress.started && outcome != Outcome.TIMEOUT && outcome != Outcome.CANCELLED) {
            outcome = Outcome.STREAM_INTERRUPTED;
        }
        metered.awsRequestId(failure.awsRequestId());
        metered.fail(outcome, failure.errorCode());
        call.logical.attemptEnded(metered);
    }

    private static ChatResponse settled(Call call, MeteredCall metered, ChatResponse response) {
        UsageRecord r = metered.record().orElse(null);
        call.logical.finishReason(response.stopReason());
        call.logical.attemptEnded(metered);
        return r != null ? response.metered(r) : response;
    }

    /** Forwards the transport's reports to the attempt's meter. */
    private static final class Progress implements CallProgress {
        private final MeteredCall metered;
        volatile boolean started;

        Progress(MeteredCall metered) {
            this.metered = metered;
        }

        @Override
        public void awsRequestId(String requestId) {
            metered.awsRequestId(requestId);
        }

        @Override
        public void streamStarted() {
            started = true;
            metered.accepted();
        }

        @Override
        public void firstToken() {
            metered.firstToken();
        }

        @Override
        public void outputSeen(int chars) {
            metered.outputSeen(chars);
        }

        @Override
        public void usageReported(TokenUsage usage) {
            metered.reported(usage);
        }
    }
}
