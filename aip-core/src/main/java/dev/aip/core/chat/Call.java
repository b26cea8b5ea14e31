package dev.aip.core.chat;

import dev.aip.core.metering.CallInfo;
import dev.aip.core.metering.Meter;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.tenant.TenantContext;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

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
    private final Queue<UsageRecord> records = new ConcurrentLinkedQueue<>();
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
        return CallInfo.builder()
                .callId(callId)
                .attempt(attempt)
                .tenant(tenant)
                .operation(operation())
                .requestedModel(request.model())
                .profileArn(p.profileArn())
                .profileId(p.profileId())
                .sourceModelId(p.sourceModelId())
                .region(p.region())
                .pooled(p.pooled())
                .streaming(streaming)
                .estimatedInputTokens(Meter.estimateTokens(request.inputChars()))
                .attributes(request.attributes())
                .build();
    }

    void recorded(UsageRecord record) {
        records.add(record);
    }

    List<UsageRecord> records() {
        return List.copyOf(records);
    }

    String operation() {
        return streaming ? "ConverseStream" : "Converse";
    }
}
