package dev.aip.core.chat;

import dev.aip.core.profile.ResolvedProfile;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Third stage: runs attempts one after another as the {@link RetryPolicy} decides: again on the same profile after a
 * pause, or on the call's next profile (the balancer's further candidates, then the {@link FallbackRoutes}). Each
 * attempt goes through the stages below, so each is one usage record, carrying the profile it used.
 *
 * <p><b>A profile gone.</b> Before the policy is asked, an attempt that failed because its profile seems deleted
 * (see {@code GoneProfiles}) on a profile resolved for the call's logical model makes the engine forget it and resolve
 * the model again ({@link CallEngine#resolveAgain}), once per call: a different profile gets the next attempt (its
 * own record), the same profile leaves the decision to the policy, and a resolution that fails ends the call with the
 * resolver's exception, the attempt's failure attached as suppressed. For streams this runs on the scheduler.
 *
 * <p>Sync calls pause on the caller's thread; an interrupt during a pause ends the call with the attempt's failure
 * (the interrupt is attached as suppressed and the thread's flag restored). Streams never pause on a transport
 * thread: the next attempt is scheduled, and so is any move to a fallback entry (resolving it may call the control
 * plane). A stream is retried only while none of it has reached the listener. Starting an attempt and cancelling
 * the stream exclude each other (one lock per stream), so a cancel during a pause starts nothing, and a cancel that
 * races a starting attempt cancels that attempt before the permit above is released.
 */
final class RetryingStage implements ChatStage {

    private static final Logger LOG = LoggerFactory.getLogger(RetryingStage.class);

    /** Pauses the caller's thread; injected so that tests never sleep. */
    @FunctionalInterface
    interface Sleeper {
        void sleep(Duration pause) throws InterruptedException;
    }

    /** Runs a task after a pause; injected so that tests control time. */
    @FunctionalInterface
    interface Scheduler {
        /** Returns what cancels the task if it has not started. */
        Runnable schedule(Runnable task, Duration pause);
    }

    static final Sleeper THREAD_SLEEP = pause -> TimeUnit.NANOSECONDS.sleep(pause.toNanos());

    private final RetryPolicy policy;
    private final ChatTransport transport;
    private final CallEngine engine;
    private final FallbackRoutes fallbacks;
    private final LongSupplier ticker;
    private final Sleeper sleeper;
    private final Scheduler scheduler;
    private final ChatStage next;

    RetryingStage(RetryPolicy policy, ChatTransport transport, CallEngine engine,
                  FallbackRoutes fallbacks, LongSupplier ticker, Sleeper sleeper, Scheduler scheduler,
                  ChatStage next) {
        this.policy = policy;
        this.transport = transport;
        this.engine = engine;
        this.fallbacks = fallbacks;
        this.ticker = ticker;
        this.sleeper = sleeper;
        this.scheduler = scheduler;
        this.next = next;
    }

    @Override
    public ChatResponse call(Call call) {
        call.attempt = 1;
        call.profileAttempt = 1;
        Failover failover = null;
        while (true) {
            try {
                return next.call(call);
            } catch (RuntimeException e) {
                if (failover == null) {
                    failover = new Failover(call);
                }
                if (mayBeGone(call, e)) {
                    ResolvedProfile fresh;
                    try {
                        fresh = resolveAgain(call);
                    } catch (RuntimeException unresolved) {
                        unresolved.addSuppressed(e);
                        throw failover.attachTo(unresolved);
                    }
                    if (fresh != null) {
                        advance(call, fresh);
                        continue;
                    }
                }
                RetryPolicy.Decision decision = decide(call, e);
                ResolvedProfile moveTo = null;
                if (decision.action() == RetryPolicy.Decision.Action.FAIL_OVER) {
                    moveTo = failover.next();
                    if (moveTo == null) {
                        throw failover.attachTo(e);
                    }
                } else if (decision.action() != RetryPolicy.Decision.Action.RETRY) {
                    throw failover.attachTo(e);
                }
                if (!decision.pause().isZero()) {
                    try {
                        sleeper.sleep(decision.pause());
                    } catch (InterruptedException interrupted) {
                        Thread.currentThread().interrupt();
                        e.addSuppressed(interrupted);
                        throw failover.attachTo(e);
                    }
                }
                advance(call, moveTo);
            }
        }
    }

    @Override
    public ChatStream stream(Call call, ChatStreamListener listener) {
        call.attempt = 1;
        call.profileAttempt = 1;
        RetryRelay relay = new RetryRelay(call, listener);
        relay.startAttempt();
        return relay;
    }

    /** Asks the policy; a policy that fails ends the call (with the attempt's failure, not the policy's). */
    private RetryPolicy.Decision decide(Call call, Throwable error) {
        try {
            TransportFailure failure = transport.classify(error);
            Duration elapsed = Duration.ofNanos(Math.max(0, ticker.getAsLong() - call.startNanos));
            RetryPolicy.Decision d = policy.decide(new RetryPolicy.FailedAttempt(call.invocation(), failure,
                    call.profileAttempt, elapsed));
            return d != null ? d : RetryPolicy.Decision.STOP;
        } catch (RuntimeException e) {
            LOG.warn("The retry policy failed on attempt {} of a call of tenant {}; the call ends", call.attempt,
                    call.tenant.id(), e);
            return RetryPolicy.Decision.STOP;
        }
    }

    /**
     * Whether the attempt failed because its profile seems gone and the call may resolve its model again: once per
     * call, and only for a profile the resolver gave for the call's logical model (a profile named by ARN, or a
     * fallback entry, is what the caller asked for and is not swapped).
     */
    private boolean mayBeGone(Call call, Throwable error) {
        if (call.resolvedAgain || !engine.isLogicalModel(call.request.model())) {
            return false;
        }
        ResolvedProfile failed = call.profile;
        if (failed != call.primary && !call.candidates.contains(failed)) {
            return false;
        }
        try {
            return GoneProfiles.gone(transport.classify(error), error, failed);
        } catch (RuntimeException e) {
            return false;
        }
    }

    /*
     * Invalidates the resolver's entry and resolves again; the new profile becomes the call's primary, so a later
     * fail-over does not return to the gone one. Null when the resolver gives the same profile.
     */
    private ResolvedProfile resolveAgain(Call call) {
        call.resolvedAgain = true;
        ResolvedProfile gone = call.profile;
        ResolvedProfile fresh = engine.resolveAgain(call.tenant, gone.logicalModel(), gone);
        if (fresh != null) {
            LOG.info("Profile {} of tenant {} for {} is gone; the call moves to {}", gone.profileArn(),
                    call.tenant.id(), gone.logicalModel(), fresh.profileArn());
            call.primary = fresh;
        }
        return fresh;
    }

    /** The next attempt: on the same profile, or on {@code moveTo}. */
    private static void advance(Call call, ResolvedProfile moveTo) {
        if (moveTo != null) {
            ResolvingStage.use(call, moveTo);
            call.profileAttempt = 1;
        } else {
            call.profileAttempt++;
        }
        call.attempt++;
    }

    /**
     * Where one call may move: the remaining candidates, then the fallback entries, each resolved when reached.
     * Confined to the thread running the call's next step (attempts and moves are sequential).
     */
    private final class Failover {
        private final Call call;
        private final Set<String> tried = new HashSet<>();
        private final List<RuntimeException> refused = new ArrayList<>(0);
        private List<String> entries;
        private int nextEntry;

        Failover(Call call) {
            this.call = call;
            tried.add(call.profile.profileArn());
        }

        /** Whether the next profile is known without resolving anything. */
        boolean nextIsResolved() {
            List<ResolvedProfile> c = call.candidates;
            for (int i = call.candidate + 1; i < c.size(); i++) {
                if (!tried.contains(c.get(i).profileArn())) {
                    return true;
                }
            }
            return false;
        }

        /** The next profile to try, or {@code null} when none is left. */
        ResolvedProfile next() {
            List<ResolvedProfile> c = call.candidates;
            while (call.candidate + 1 < c.size()) {
                call.candidate++;
                ResolvedProfile p = c.get(call.candidate);
                if (tried.add(p.profileArn())) {
                    return p;
                }
            }
            if (entries == null) {
                try {
                    List<String> listed = fallbacks.fallbacks(call.tenant, call.request, call.primary);
                    entries = listed == null ? List.of() : listed;
                } catch (RuntimeException e) {
                    refused.add(e);
                    entries = List.of();
                }
            }
            while (nextEntry < entries.size()) {
                String entry = entries.get(nextEntry++);
                ResolvedProfile p;
                try {
                    p = resolve(entry);
                } catch (RuntimeException e) {
                    LOG.warn("Fallback entry {} of tenant {} is skipped: {}", entry, call.tenant.id(),
                            e.getMessage());
                    refused.add(e);
                    continue;
                }
                if (tried.add(p.profileArn())) {
                    return p;
                }
            }
            return null;
        }

        /** A fallback entry by the ownership rule every path shares: a logical model, or a named profile ARN. */
        private ResolvedProfile resolve(String entry) {
            return engine.resolve(call.tenant, entry);
        }

        /** The call's final failure, with the entries that were refused attached. */
        <T extends Throwable> T attachTo(T failure) {
            for (RuntimeException r : refused) {
                if (r != failure) {
                    failure.addSuppressed(r);
                }
            }
            refused.clear();
            return failure;
        }
    }

    /** The stream of one call across its attempts. */
    private final class RetryRelay extends Relay {
        private final Call call;
        private final Object lock = new Object();
        // Guarded by lock.
        private boolean stopped;
        private int started;
        private Runnable pending;
        // Written and read by the thread running the call's current step; steps hand over through the transport's
        // callbacks and the scheduler, volatile for the hand-over.
        private volatile Failover failover;

        RetryRelay(Call call, ChatStreamListener listener) {
            super(listener);
            this.call = call;
        }

        void startAttempt() {
            synchronized (lock) {
                if (stopped) {
                    return;
                }
                pending = null;
                int mine = ++started;
                ChatStream attempt = next.stream(call, new AttemptListener(this));
                // An attempt that failed at once may have started the next one already; keep the newest.
                if (mine == started) {
                    upstream(attempt);
                }
            }
        }

        Failover failover() {
            if (failover == null) {
                failover = new Failover(call);
            }
            return failover;
        }

        /** An attempt failed before any of it was forwarded. */
        void attemptFailed(Throwable error) {
            if (mayBeGone(call, error)) {
                // Resolving may call the control plane: never on a transport thread.
                later(Duration.ZERO, error, () -> {
                    ResolvedProfile fresh;
                    try {
                        fresh = resolveAgain(call);
                    } catch (RuntimeException unresolved) {
                        unresolved.addSuppressed(error);
                        fail(unresolved);
                        return;
                    }
                    if (fresh == null) {
                        decideAfter(error);
                        return;
                    }
                    synchronized (lock) {
                        if (stopped) {
                            return;
                        }
                        advance(call, fresh);
                        startAttempt();
                    }
                });
                return;
            }
            decideAfter(error);
        }

        private void decideAfter(Throwable error) {
            RetryPolicy.Decision decision = decide(call, error);
            switch (decision.action()) {
                case RETRY -> {
                    if (decision.pause().isZero()) {
                        advance(call, null);
                        startAttempt();
                    } else {
                        later(decision.pause(), error, () -> {
                            advance(call, null);
                            startAttempt();
                        });
                    }
                }
                case FAIL_OVER -> {
                    Failover f = failover();
                    if (decision.pause().isZero() && f.nextIsResolved()) {
                        moveOn(f, error);
                    } else {
                        later(decision.pause(), error, () -> moveOn(f, error));
                    }
                }
                default -> fail(error);
            }
        }

        private void moveOn(Failover f, Throwable error) {
            ResolvedProfile to = f.next();
            if (to == null) {
                fail(error);
                return;
            }
            synchronized (lock) {
                if (stopped) {
                    return;
                }
                advance(call, to);
                startAttempt();
            }
        }

        private void later(Duration pause, Throwable error, Runnable step) {
            synchronized (lock) {
                if (stopped) {
                    return;
                }
                try {
                    pending = scheduler.schedule(() -> {
                        try {
                            step.run();
                        } catch (RuntimeException e) {
                            error.addSuppressed(e);
                            fail(error);
                        }
                    }, pause);
                } catch (RuntimeException rejected) {
                    error.addSuppressed(rejected);
                    fail(error);
                }
            }
        }

        void fail(Throwable error) {
            onError(failover != null ? failover.attachTo(error) : error);
        }

        @Override
        void onCancelling() {
            Runnable cancelPending;
            synchronized (lock) {
                stopped = true;
                cancelPending = pending;
                pending = null;
            }
            if (cancelPending != null) {
                cancelPending.run();
            }
        }
    }

    /** Listens to one attempt; on an early failure the policy may start the next attempt in its place. */
    private static final class AttemptListener implements ChatStreamListener {
        private final RetryRelay relay;
        private volatile boolean forwarded;

        AttemptListener(RetryRelay relay) {
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
            if (forwarded || relay.ended()) {
                relay.fail(error);
                return;
            }
            try {
                relay.attemptFailed(error);
            } catch (RuntimeException e) {
                error.addSuppressed(e);
                relay.fail(error);
            }
        }
    }
}
