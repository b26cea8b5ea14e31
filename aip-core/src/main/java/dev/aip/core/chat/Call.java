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
 * the profile and metadata, the retrying stage the attempt number, the metering stage the records. Attempts run one
 * after another, so fields are written before the next stage reads them; {@code volatile} covers the hand-off to
 * transport threads for streams.
 */
final class Call {

    final String callId;
    final TenantContext tenant;
    final ChatRequest request;
    final boolean streaming;
    // Most calls have one attempt: its record needs no collection. Guarded by this (records arrive from whichever
    // thread ends an attempt, and are read once when the call is over).
    private UsageRecord firstRecord;
    private List<UsageRecord> laterRecords;
    volatile ResolvedProfile profile;
    volatile Map<String, String> requestMetadata = Map.of();
    volatile int attempt = 1;

    Call(String callId, TenantContext tenant, ChatRequest request, boolean streaming) {
        this.callId = callId;
        this.tenant = tenant;
        this.request = request;
        this.streaming = streaming;
    }

    ChatInvocation invocation() {
        return new ChatInvocation(callId, attempt, tenant, request, profile, requestMetadata);
    }

    /** What the meter needs to know about the current attempt. */
    CallInfo callInfo() {
        ResolvedProfile p = profile;
        return new CallInfo(callId, attempt, tenant, operation(), request.model(), p.profileArn(), p.profileId(),
                p.sourceModelId(), p.region(), p.pooled(), streaming, Meter.estimateTokens(request.inputChars()),
                request.attributes());
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
