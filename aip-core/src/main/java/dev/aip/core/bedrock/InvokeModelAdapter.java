package dev.aip.core.bedrock;

import dev.aip.core.chat.AdmissionRequest;
import dev.aip.core.chat.LogicalCall;
import dev.aip.core.chat.RequestMetadata;
import dev.aip.core.metering.TokenUsage;
import java.util.Optional;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.http.SdkHttpResponse;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelRequest;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelResponse;

/**
 * InvokeModel: the admission request from the body's size and output limit (the body is model-specific and is not
 * rewritten), metadata as the JSON header, usage from the {@code X-Amzn-Bedrock-*-Token-Count} headers, else an
 * estimate from the body.
 */
final class InvokeModelAdapter implements OperationAdapter {

    @Override
    public String tenantId(SdkRequest request) {
        return OperationAdapter.parse(((InvokeModelRequest) request).requestMetadata()).get(RequestMetadata.TENANT_KEY);
    }

    @Override
    public AdmissionRequest admissionRequest(SdkRequest request) {
        InvokeModelRequest r = (InvokeModelRequest) request;
        return AdmissionRequests.ofBody(r.modelId(), r.body());
    }

    @Override
    public SdkRequest routed(SdkRequest request, LogicalCall call, AdmissionRequest asked, AdmissionRequest shaped) {
        InvokeModelRequest r = (InvokeModelRequest) request;
        return r.toBuilder().modelId(call.profile().profileArn())
                .requestMetadata(OperationAdapter.json(OperationAdapter.merge(call,
                        OperationAdapter.parse(r.requestMetadata()))))
                .build();
    }

    @Override
    public void answered(InterceptedCall call, Context.AfterExecution context) {
        TokenUsage usage = headerUsage(context.httpResponse());
        if (usage == null) {
            InvokeModelResponse response = (InvokeModelResponse) context.response();
            call.current().outputSeen(response.body() == null ? 0 : response.body().asByteArray().length);
        }
        call.succeeded(null, usage);
    }

    private static TokenUsage headerUsage(SdkHttpResponse http) {
        Optional<String> in = http.firstMatchingHeader("X-Amzn-Bedrock-Input-Token-Count");
        Optional<String> out = http.firstMatchingHeader("X-Amzn-Bedrock-Output-Token-Count");
        if (in.isEmpty() || out.isEmpty()) {
            return null;
        }
        try {
            return new TokenUsage(Long.parseLong(in.get().strip()), Long.parseLong(out.get().strip()),
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
