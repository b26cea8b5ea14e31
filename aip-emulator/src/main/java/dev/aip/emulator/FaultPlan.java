package dev.aip.emulator;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Faults and latency injected into runtime calls. Immutable; build with {@link #builder()} and install with
 * {@link Faults#set} / {@link Faults#setGlobal} or {@link BedrockEmulator.Builder#faults}.
 *
 * <p>Decisions per call, in this order: throttle ({@code ThrottlingException} 429, not an invocation), then the
 * error fault (the call was accepted: an invocation that ended in an error), then {@code latency} before the answer
 * starts. For streams, {@code timeToFirstToken} passes before the first content delta and {@code chunkDelay} before
 * each later one; then at most one of: the connection is cut after {@code cutAfterEvents} events, an exception
 * frame is sent after {@code streamExceptionAfterEvents} events, or the usage event is left out
 * ({@code dropUsage}). Events are counted from the first frame ({@code messageStart} or the first {@code chunk}).
 *
 * <p>Throttles and errors are decided either by an exact sequence ({@code true} = fault) consumed one element per
 * call that reaches the plan, or, once the sequence is used up, by a probability drawn from the emulator's seeded
 * PRNG (deterministic for a given seed and call order).
 *
 * @param throttleProbability chance of a throttle, 0–1
 * @param throttleSequence exact throttle decisions for the first calls
 * @param errorCode error to inject (e.g. {@code InternalServerException}, {@code ModelErrorException}), or
 *     {@code null}
 * @param errorProbability chance of {@code errorCode}, 0–1
 * @param errorSequence exact error decisions for the first calls
 * @param latency added before every answer
 * @param timeToFirstToken streams: added before the first content delta
 * @param chunkDelay streams: added before each further event
 * @param cutAfterEvents streams: cut the connection after this many events; -1 for never
 * @param streamExceptionCode streams: exception sent in the stream (either spelling, e.g.
 *     {@code modelStreamErrorException}), or {@code null}
 * @param streamExceptionAfterEvents events sent before that exception
 * @param dropUsage streams: never send the usage event ({@code metadata}; for InvokeModelWithResponseStream the
 *     {@code amazon-bedrock-invocationMetrics} of the last chunk)
 */
public record FaultPlan(double throttleProbability, List<Boolean> throttleSequence, String errorCode,
                        double errorProbability, List<Boolean> errorSequence, Duration latency,
                        Duration timeToFirstToken, Duration chunkDelay, int cutAfterEvents,
                        String streamExceptionCode, int streamExceptionAfterEvents, boolean dropUsage) {

    /** No faults, no latency. */
    public static final FaultPlan NONE = builder().build();

    public FaultPlan {
        probability(throttleProbability, "throttleProbability");
        probability(errorProbability, "errorProbability");
        throttleSequence = List.copyOf(throttleSequence);
        errorSequence = List.copyOf(errorSequence);
        if (errorCode != null) {
            errorCode = RuntimeErrors.normalize(errorCode);
        } else if (errorProbability > 0 || errorSequence.contains(Boolean.TRUE)) {
            throw new IllegalArgumentException("an error probability or sequence needs an errorCode");
        }
        latency = nonNegative(latency, "latency");
        timeToFirstToken = nonNegative(timeToFirstToken, "timeToFirstToken");
        chunkDelay = nonNegative(chunkDelay, "chunkDelay");
        if (cutAfterEvents < -1) {
            throw new IllegalArgumentException("cutAfterEvents must be -1 (never) or >= 0, was " + cutAfterEvents);
        }
        if (streamExceptionCode != null) {
            streamExceptionCode = RuntimeErrors.normalize(streamExceptionCode);
            if (streamExceptionAfterEvents < 0) {
                throw new IllegalArgumentException("streamExceptionAfterEvents must be >= 0");
            }
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    boolean hasStreamFaults() {
        return cutAfterEvents >= 0 || streamExceptionCode != null || dropUsage;
    }

    private static void probability(double p, String name) {
        if (!(p >= 0.0 && p <= 1.0)) {
            throw new IllegalArgumentException(name + " must be between 0 and 1, was " + p);
        }
    }

    private static Duration nonNegative(Duration d, String name) {
        if (d == null) {
            return Duration.ZERO;
        }
        if (d.isNegative()) {
            throw new IllegalArgumentException(name + " must not be negative, was " + d);
        }
        return d;
    }

    /** Builds a {@link FaultPlan}. Confined. */
    public static final class Builder {
        private double throttleProbability;
        private List<Boolean> throttleSequence = List.of();
        private String errorCode;
        private double errorProbability;
        private List<Boolean> errorSequence = List.of();
        private Duration latency = Duration.ZERO;
        private Duration timeToFirstToken = Duration.ZERO;
        private Duration chunkDelay = Duration.ZERO;
        private int cutAfterEvents = -1;
        private String streamExceptionCode;
        private int streamExceptionAfterEvents;
        private boolean dropUsage;

        private Builder() {
        }

        /** Throttle each call with this probability (seeded PRNG). */
        public Builder throttle(double probability) {
            this.throttleProbability = probability;
            return this;
        }

        /** Throttle exactly as listed for the first calls, e.g. {@code throttleSequence(true, false, true)}. */
        public Builder throttleSequence(boolean... decisions) {
            this.throttleSequence = toList(decisions);
            return this;
        }

        /** Fail with {@code errorCode} with this probability. */
        public Builder error(String errorCode, double probability) {
            this.errorCode = Objects.requireNonNull(errorCode, "errorCode");
            this.errorProbability = probability;
            return this;
        }

        /** Fail with {@code errorCode} exactly as listed for the first calls. */
        public Builder errorSequence(String errorCode, boolean... decisions) {
            this.errorCode = Objects.requireNonNull(errorCode, "errorCode");
            this.errorSequence = toList(decisions);
            return this;
        }

        public Builder latency(Duration latency) {
            this.latency = latency;
            return this;
        }

        public Builder timeToFirstToken(Duration timeToFirstToken) {
            this.timeToFirstToken = timeToFirstToken;
            return this;
        }

        public Builder chunkDelay(Duration chunkDelay) {
            this.chunkDelay = chunkDelay;
            return this;
        }

        /**
         * Cut the connection after {@code events} stream events (0 = right after the 200 headers): HTTP/1.1 closes
         * the connection, HTTP/2 resets the stream. Note that the AWS SDK v2 async client completes such a stream
         * normally, only without the usage event; use {@link #streamExceptionAfterEvents} for a failure the client
         * sees.
         */
        public Builder cutStreamAfterEvents(int events) {
            this.cutAfterEvents = events;
            return this;
        }

        /** Send {@code exceptionCode} as an exception frame after {@code events} stream events. */
        public Builder streamExceptionAfterEvents(int events, String exceptionCode) {
            this.streamExceptionAfterEvents = events;
            this.streamExceptionCode = Objects.requireNonNull(exceptionCode, "exceptionCode");
            return this;
        }

        /** Never send the stream's usage event. */
        public Builder dropUsage() {
            this.dropUsage = true;
            return this;
        }

        /** @throws IllegalArgumentException naming the setting that is invalid */
        public FaultPlan build() {
            return new FaultPlan(throttleProbability, throttleSequence, errorCode, errorProbability, errorSequence,
                    latency, timeToFirstToken, chunkDelay, cutAfterEvents, streamExceptionCode,
                    streamExceptionAfterEvents, dropUsage);
        }

        private static List<Boolean> toList(boolean[] decisions) {
            List<Boolean> out = new ArrayList<>(decisions.length);
            for (boolean d : decisions) {
                out.add(d);
            }
            return out;
        }
    }
}
