package dev.aip.core.chat;

import dev.aip.core.metering.CallInfo;
import dev.aip.core.metering.Meter;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.tenant.TenantContext;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The state of one logical call as it passes down the stages. Each stage fills in what it owns: the resolving stage
 * the candidate profiles and metadata, the admitting stage the shaped request, the retrying stage the attempt number
 * and the profile of each attempt, the metering stage the records. Attempts run one after another, so fields are
 * written before the next stage reads them; {@code volatile} covers the hand-off to transport and scheduler threads
 * for streams.
 */
final class Call {

    final String callId;
    final TenantContext tenant;
    final boolean streaming;
    /** When the call started, by the pipeline's ticker; deadlines count from here. */
    final long startNanos;
    /** The request as made, then as shaped by the admission. */
    volatile ChatRequest request;
    // Most calls have one attempt: its record needs no collection. Guarded by this (records arrive from whichever
    // thread ends an attempt, and are read once when the call is over).
    private UsageRecord firstRecord;
    private List<UsageRecord> laterRecords;
    // Attempts started and not yet settled, and what to run once the call is over and none is left. Guarded by this.
    private int openAttempts;
    private Runnable settledAction;
    private boolean released;
    volatile ResolvedProfile profile;
    volatile Map<String, String> requestMetadata = Map.of();
    volatile int attempt = 1;
    /** The profile the call is admitted on: its first. */
    volatile ResolvedProfile primary;
    /** With a balancer, the profiles the call may use, in order (the first is {@link #primary}); else empty. */
    volatile List<ResolvedProfile> candidates = List.of();
    /** Which candidate the current attempt uses. */
    volatile int candidate;
    /** The 1-based attempt on the current profile. */
    volatile int profileAttempt = 1;

    Call(String callId, TenantContext tenant, ChatRequest request, boolean streaming, long startNanos) {
        this.callId = callId;
        this.tenant = tenant;
        this.request = request;
        this.streaming = streaming;
        this.startNanos = startNanos;
    }


    ChatInvocation invocation() {
        return new ChatInvocation(callId, attempt, tenant, request, profile, requestMetadata);
    }

    /** What the meter needs to know about the current attempt. */
    CallInfo callInfo() {
        ResolvedProfile p = profile;
        ChatRequest r = request;
        return new CallInfo(callId, attempt, tenant, operation(), r.model(), p.profileArn(), p.profileId(),
                p.sourceModelId(), p.region(), p.pooled(), streaming, Meter.estimateTokens(r.inputChars()),
                r.attributes());
    }

    /**
     * An attempt is about to start. {@code false} if the call is already over (its permit released, typically by a
     * cancel that raced with a retry): the attempt must then not start, since its cost could no longer be settled.
     */
    synchronized boolean attemptStarting() {
        if (released || settledAction != null) {
            return false;
        }
        openAttempts++;
        return true;
    }

    /**
     * An attempt that {@link #attemptStarting() started} is settled, with its record ({@code null} only if another
     * path already reported it). Runs the {@link #whenAttemptsSettled} action if the call is over and this was the
     * last attempt still settling.
     */
    void attemptEnded(UsageRecord record) {
        Runnable action;
        synchronized (this) {
            if (record != null) {
                recorded(record);
            }
            openAttempts--;
            action = takeSettledAction();
        }
        if (action != null) {
            action.run();
        }
    }

    /**
     * The call is over (complete, failed or cancelled): runs {@code action} once every attempt it started is settled,
     * now or when the last one ends. A cancel can overtake an attempt that is still settling on the transport's
     * thread; releasing the permit only then gives the permit every attempt's record.
     */
    void whenAttemptsSettled(Runnable action) {
        Runnable run;
        synchronized (this) {
            if (released || settledAction != null) {
                return;
            }
            settledAction = action;
            run = takeSettledAction();
        }
        if (run != null) {
            run.run();
        }
    }

    private Runnable takeSettledAction() {
        if (settledAction == null || openAttempts > 0) {
            return null;
        }
        Runnable action = settledAction;
        settledAction = null;
        released = true;
        return action;
    }

    synchronized void recorded(UsageRecord record) {
        if (firstRecord == null) {
            firstRecord = record;
        } else {
            if (laterRecords == null) {
                laterRecords = new ArrayList<>(2);
            }
            laterRecords.add(record);
        }
    }

    /** The records of the call's attempts, in order; unmodifiable. */
    synchronized List<UsageRecord> records() {
        if (firstRecord == null) {
            return List.of();
        }
        if (laterRecords == null) {
            return List.of(firstRecord);
        }
        List<UsageRecord> all = new ArrayList<>(1 + laterRecords.size());
        all.add(firstRecord);
        all.addAll(laterRecords);
        return Collections.unmodifiableList(all);
    }

    String operation() {
        return streaming ? "ConverseStream" : "Converse";
    }
}
