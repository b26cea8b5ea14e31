package dev.aip.core.bedrock;

import dev.aip.core.chat.AdmissionRequest;
import dev.aip.core.chat.LogicalCall;
import dev.aip.core.chat.RequestMetadata;
import java.util.Map;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;

/** Converse: the admission request from the messages, shaping into {@code inferenceConfig}, usage from the body. */
final class ConverseAdapter implements OperationAdapter {

    @Override
    public String tenantId(SdkRequest request) {
        ConverseRequest r = (ConverseRequest) request;
        return r.hasRequestMetadata() ? r.requestMetadata().get(RequestMetadata.TENANT_KEY) : null;
    }

    @Override
    public AdmissionRequest admissionRequest(SdkRequest request) {
        ConverseRequest r = (ConverseRequest) request;
        return AdmissionRequests.ofConverse(r.modelId(), r.messages(), r.system(), r.inferenceConfig(),
                r.toolConfig());
    }

    @Override
    public SdkRequest routed(SdkRequest request, LogicalCall call, AdmissionRequest asked, AdmissionRequest shaped) {
        ConverseRequest r = (ConverseRequest) request;
        return r.toBuilder().modelId(call.profile().profileArn())
                .inferenceConfig(AdmissionRequests.shaped(r.inferenceConfig(), asked, shaped))
                .requestMetadata(OperationAdapter.merge(call, r.hasRequestMetadata() ? r.requestMetadata() : Map.of()))
                .build();
    }

    @Override
    public void answered(InterceptedCall call, Context.AfterExecution context) {
        ConverseResponse response = (ConverseResponse) context.response();
        call.succeeded(response.responseMetadata().requestId(), BedrockUsage.of(response.usage()));
    }
}
