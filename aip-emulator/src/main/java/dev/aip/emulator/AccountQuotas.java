package dev.aip.emulator;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The account's runtime quotas per foundation model, as Bedrock keeps them: tokens per minute and requests per minute
 * over a sliding minute on the emulator's clock, shared by every caller, profile and operation that reaches the model.
 *
 * <p>Like Bedrock, a call takes its input tokens plus its output cap ({@code maxTokens}, else the emulator's longest
 * reply) from the quota when it starts, and the reservation is corrected to the tokens it really used (input, output
 * and both cache counts) when it ends. A call that does not fit is throttled and takes nothing. Thread-safe; each
 * model's window is guarded by its own lock.
 */
final class AccountQuotas {

    static final String TOO_MANY_TOKENS = "Too many tokens, please wait before trying again.";
    static final String TOO_MANY_REQUESTS = "Too many requests, please wait before trying again.";
    private static final long MINUTE_MILLIS = 60_000;

    /**
     * One model's quota; 0 means no limit on that axis. Immutable.
     *
     * @param tokensPerMinute tokens in any sliding minute
     * @param requestsPerMinute calls in any sliding minute
     */
    record Limit(long tokensPerMinute, long requestsPerMinute) {
        Limit {
            if (tokensPerMinute < 0 || requestsPerMinute < 0 || tokensPerMinute + requestsPerMinute == 0) {
                throw new IllegalArgumentException("a model capacity needs tokensPerMinute and/or requestsPerMinute"
                        + " above 0 (0 for no limit on one of them), were " + tokensPerMinute + " and "
                        + requestsPerMinute);
            }
        }
    }

    private final Clock clock;
    private final Map<String, Window> windows = new HashMap<>();

    AccountQuotas(Map<String, Limit> limits, Clock clock) {
        this.clock = clock;
        limits.forEach((model, limit) -> windows.put(model, new Window(limit)));
    }

    /**
     * Takes a call's tokens from its model's quota.
     *
     * @param foundationModelId the model that answers
     * @param tokens input tokens plus the output cap
     * @return the reservation to settle, or {@link Reservation#NONE} when the model has no quota
     * @throws ApiError {@code ThrottlingException} (429) when the call does not fit
     */
    Reservation reserve(String foundationModelId, long tokens) {
        Window w = windows.get(foundationModelId);
        if (w == null) {
            return Reservation.NONE;
        }
        return w.reserve(clock.millis(), tokens);
    }

    /** A call's share of a model's minute; settled once, when the call is recorded. */
    interface Reservation {
        Reservation NONE = actual -> { };

        /** Replaces the reservation by what the call used (0 if it failed before producing anything). */
        void settle(long actualTokens);
    }

    /** A sliding minute of calls for one model. */
    private static final class Window {
        private final Limit limit;
        private final ArrayDeque<Entry> entries = new ArrayDeque<>();
        private long tokens;

        Window(Limit limit) {
            this.limit = limit;
        }

        synchronized Reservation reserve(long now, long amount) {
            evict(now);
            if (limit.requestsPerMinute() > 0 && entries.size() >= limit.requestsPerMinute()) {
                throw RuntimeErrors.error("ThrottlingException", TOO_MANY_REQUESTS, null);
            }
            if (limit.tokensPerMinute() > 0 && tokens + amount > limit.tokensPerMinute()) {
                throw RuntimeErrors.error("ThrottlingException", TOO_MANY_TOKENS, null);
            }
            Entry e = new Entry(now, amount);
            entries.addLast(e);
            tokens += amount;
            return actual -> settle(e, actual);
        }

        private synchronized void settle(Entry e, long actual) {
            if (e.settled) {
                return;
            }
            e.settled = true;
            if (!e.evicted) {
                tokens += actual - e.tokens;
                e.tokens = actual;
            }
        }

        private void evict(long now) {
            while (!entries.isEmpty() && entries.peekFirst().at <= now - MINUTE_MILLIS) {
                Entry e = entries.pollFirst();
                e.evicted = true;
                tokens -= e.tokens;
            }
        }
    }

    private static final class Entry {
        final long at;
        long tokens;
        boolean evicted;
        boolean settled;

        Entry(long at, long tokens) {
            this.at = at;
            this.tokens = tokens;
        }
    }

    static void requireModel(String foundationModelId) {
        Objects.requireNonNull(foundationModelId, "foundationModelId");
        if (foundationModelId.isBlank()) {
            throw new IllegalArgumentException("a model capacity needs a foundation model id, was blank");
        }
    }
}
