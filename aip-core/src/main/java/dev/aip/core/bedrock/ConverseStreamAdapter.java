package dev.aip.core.bedrock;

import dev.aip.core.chat.AdmissionRequest;
import dev.aip.core.chat.LogicalCall;
import dev.aip.core.chat.RequestMetadata;
import java.util.Map;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;

/** ConverseStream: as Converse for the request; the answer is settled from the event-stream body. */
final class ConverseStreamAdapter implements OperationAdapter {

    @Override
    public String tenantId(SdkRequest request) {
        ConverseStreamRequest r = (ConverseStreamRequest) request;
        return r.hasRequestMetadata() ? r.requestMetadata().get(RequestMetadata.TENANT_KEY) : null;
    }

    @Override
    public AdmissionRequest admissionRequest(SdkRequest request) {
        ConverseStreamRequest r = (ConverseStreamRequest) request;
        return AdmissionRequests.ofConverse(r.modelId(), r.messages(), r.system(), r.inferenceConfig(),
                r.toolConfig());
    }

    @Override
    public SdkRequest routed(SdkRequest request, LogicalCall call, AdmissionRequest asked, AdmissionRequest shaped) {
        ConverseStreamRequest r = (ConverseStreamRequest) request;
        return r.toBuilder().modelId(call.profile().profileArn())
                .inferenceConfig(AdmissionRequests.shaped(r.inferenceConfig(), asked, shaped))
                .requestMetadata(OperationAdapter.merge(call, r.hasRequestMetadata() ? r.requestMetadata() : Map.of()))
                .build();
    }

    @Override
    public void answered(InterceptedCall call, Context.AfterExecution context) {
        call.streamEnded();
    }
}
