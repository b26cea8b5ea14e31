package dev.aip.core.bedrock;

import dev.aip.core.chat.AdmissionRequest;
import dev.aip.core.chat.LogicalCall;
import dev.aip.core.chat.RequestMetadata;
import dev.aip.core.metering.TokenUsage;
import java.util.Optional;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelRequest;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelResponse;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelWithResponseStreamRequest;

/**
 * InvokeModel and InvokeModelWithResponseStream: the admission request from the body's size and output limit (the
 * body is model-specific and is not rewritten), metadata as the JSON header. A whole answer settles from the
 * {@code X-Amzn-Bedrock-*-Token-Count} headers (an input count without an output count, as an embedding model
 * answers, is no output), else an estimate from the body; a stream from its chunks.
 */
final class InvokeModelAdapter implements OperationAdapter {

    private final boolean streaming;

    InvokeModelAdapter(boolean streaming) {
        this.streaming = streaming;
    }

    @Override
    public String tenantId(SdkRequest request) {
        return OperationAdapter.parse(metadata(request)).get(RequestMetadata.TENANT_KEY);
    }

    @Override
    public AdmissionRequest admissionRequest(SdkRequest request) {
        if (request instanceof InvokeModelRequest r) {
            return AdmissionRequests.ofBody(r.modelId(), r.body());
        }
        InvokeModelWithResponseStreamRequest r = (InvokeModelWithResponseStreamRequest) request;
        return AdmissionRequests.ofBody(r.modelId(), r.body());
    }

    @Override
    public SdkRequest routed(SdkRequest request, LogicalCall call, AdmissionRequest asked, AdmissionRequest shaped) {
        String modelId = call.profile().profileArn();
        String metadata = OperationAdapter.json(OperationAdapter.merge(call,
                OperationAdapter.parse(metadata(request))));
        if (request instanceof InvokeModelRequest r) {
            return r.toBuilder().modelId(modelId).requestMetadata(metadata).build();
        }
        return ((InvokeModelWithResponseStreamRequest) request).toBuilder().modelId(modelId)
                .requestMetadata(metadata).build();
    }

    @Override
    public void answered(InterceptedCall call, Context.AfterExecution context) {
        if (streaming) {
            call.streamEnded();
            return;
        }
        TokenUsage usage = headerUsage(context.httpResponse());
        if (usage == null) {
            SdkBytes body = ((InvokeModelResponse) context.response()).body();
            call.current().outputSeen(body == null ? 0 : body.asByteArrayUnsafe().length);
        }
        call.succeeded(null, usage);
    }

    private static String metadata(SdkRequest request) {
        return request instanceof InvokeModelRequest r ? r.requestMetadata()
                : ((InvokeModelWithResponseStreamRequest) request).requestMetadata();
    }

    /**
     * The usage the token count headers report, or {@code null} without an input count. An answer with an input
     * count but no output count (an embedding model generates nothing) has no output tokens; estimating them from the
     * body would charge a vector of floats as text.
     */
    private static TokenUsage headerUsage(SdkHttpResponse http) {
        Optional<String> in = http.firstMatchingHeader("X-Amzn-Bedrock-Input-Token-Count");
        Optional<String> out = http.firstMatchingHeader("X-Amzn-Bedrock-Output-Token-Count");
        if (in.isEmpty()) {
            return null;
        }
        try {
            long output = out.isEmpty() ? 0 : Long.parseLong(out.get().strip());
            return new TokenUsage(Long.parseLong(in.get().strip()), output,
                    count(http, "X-Amzn-Bedrock-Cache-Read-Input-Token-Count"),
                    count(http, "X-Amzn-Bedrock-Cache-Write-Input-Token-Count"));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private static long count(SdkHttpResponse http, String header) {
        return http.firstMatchingHeader(header).map(v -> Long.parseLong(v.strip())).orElse(0L);
    }
}
