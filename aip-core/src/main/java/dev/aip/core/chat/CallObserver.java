package dev.aip.core.chat;

import dev.aip.core.metering.CallInfo;
import dev.aip.core.metering.UsageRecord;
import org.jspecify.annotations.Nullable;

/**
 * Watches the logical calls of a {@link CallEngine} and their attempts, e.g. to make a trace span of each (the
 * {@code aip-opentelemetry} module's {@code TracingCallObserver}). Set one with {@link CallEngine.Builder#observer},
 * or on the drivers that build an engine ({@code ChatPipeline.builder().observer(...)},
 * {@code TenantRoutingInterceptor.builder().observer(...)}); without one the engine makes no observer call and
 * allocates nothing for it.
 *
 * <p><b>When each method runs.</b>
 * <ul>
 *   <li>{@link #callStarted} when the call is {@linkplain CallEngine#begin begun}, <b>on the thread that begins
 *       it</b> (the caller's thread for every driver: the pipeline's {@code chat}, {@code chatAsync} and
 *       {@code stream}, the SDK interceptor's {@code modifyRequest}, the Spring AI advisor), before the call is
 *       routed; so an observer may read that thread's context (a current trace span) as the call's parent.</li>
 *   <li>{@link ObservedCall#attemptStarted} for each attempt sent to Bedrock (retries and fail-overs are
 *       attempts of their own), on whichever thread starts it (a transport or scheduler thread for a retried
 *       stream).</li>
 *   <li>{@link ObservedAttempt#attemptEnded} exactly once per started attempt, once it is settled, with its usage
 *       record.</li>
 *   <li>{@link ObservedCall#callEnded} exactly once per call, whatever ends it (answer, failure, refusal, cancel,
 *       timeout), after every attempt it started has ended: when the engine releases the call.</li>
 * </ul>
 * A refusal by policy is not an attempt: its {@code REJECTED_BY_POLICY} record is among the call's records at
 * {@code callEnded}.
 *
 * <p><b>Observers cannot change a call and never throw into it</b>: the engine catches and logs what an observer
 * throws, and the call goes on. Implementations must be thread-safe and quick (they run on the call's threads);
 * each {@link ObservedCall} and {@link ObservedAttempt} may be called from several threads, one after another.
 */
public interface CallObserver {

    /**
     * A logical call begins (on the thread that begins it; see the class comment).
     *
     * @param call the call: its id, tenant, operation and request are known; it is not routed yet
     * @param cover the observation of the call that covers this one (a Spring AI ChatClient call whose model calls
     *     run under it), or {@code null}: an observer may nest this call under it
     * @return what watches this call; never {@code null}
     */
    ObservedCall callStarted(LogicalCall call, @Nullable ObservedCall cover);

    /** One logical call under watch. Thread-safe. */
    interface ObservedCall {

        /**
         * An attempt of the call is about to be sent.
         *
         * @param attempt the attempt: its number, profile, source model and region
         * @return what watches the attempt; never {@code null}
         */
        ObservedAttempt attemptStarted(CallInfo attempt);

        /**
         * The model said why it stopped (e.g. {@code end_turn}, {@code max_tokens}, {@code tool_use}), as the
         * chat pipeline's answers and the SDK interceptor's Converse answers report it. Called at most once per
         * successful attempt, before {@link #callEnded}.
         *
         * @param reason the stop reason, in Bedrock's spelling
         */
        default void finishReason(String reason) {
        }

        /**
         * The call is over and released; called once.
         *
         * @param call the call; {@link LogicalCall#records()} holds the records of all its attempts, of a refusal,
         *     and of the calls it covered, in order
         * @param failure what ended a call that has no record to say it (a model the resolver could not resolve,
         *     an admission that failed), or {@code null}
         */
        void callEnded(LogicalCall call, @Nullable Throwable failure);
    }

    /** One attempt under watch. Thread-safe. */
    interface ObservedAttempt {

        /**
         * The attempt is settled; called once.
         *
         * @param record its usage record, or {@code null} if building it failed
         */
        void attemptEnded(@Nullable UsageRecord record);
    }
}
