package dev.aip.core.bedrock;

import dev.aip.core.chat.AdmissionRequest;
import dev.aip.core.chat.LogicalCall;
import dev.aip.core.chat.RequestMetadata;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelWithResponseStreamRequest;

/** InvokeModelWithResponseStream: as InvokeModel for the request; the answer is settled from the chunk stream. */
final class InvokeModelStreamAdapter implements OperationAdapter {

    @Override
    public String tenantId(SdkRequest request) {
        return OperationAdapter.parse(((InvokeModelWithResponseStreamRequest) request).requestMetadata())
                .get(RequestMetadata.TENANT_KEY);
    }

    @Override
    public AdmissionRequest admissionRequest(SdkRequest request) {
        InvokeModelWithResponseStreamRequest r = (InvokeModelWithResponseStreamRequest) request;
        return AdmissionRequests.ofBody(r.modelId(), r.body());
    }

    @Override
    public SdkRequest routed(SdkRequest request, LogicalCall call, AdmissionRequest asked, AdmissionRequest shaped) {
        InvokeModelWithResponseStreamRequest r = (InvokeModelWithResponseStreamRequest) request;
        return r.toBuilder().modelId(call.profile().profileArn())
                .requestMetadata(OperationAdapter.json(OperationAdapter.merge(call,
                        OperationAdapter.parse(r.requestMetadata()))))
                .build();
    }

    @Override
    public void answered(InterceptedCall call, Context.AfterExecution context) {
        call.streamEnded();
    }
}
