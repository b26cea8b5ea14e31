package dev.aip.core.bedrock;

import dev.aip.core.chat.AdmissionRequest;
import dev.aip.core.chat.LogicalCall;
import dev.aip.core.chat.RequestMetadata;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.InferenceConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.SystemContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ToolConfiguration;

/**
 * Converse and ConverseStream: the admission request from the messages, shaping written into
 * {@code inferenceConfig}, metadata as the body member; a whole answer settles from the response's usage, a stream
 * from its event-stream body. The two SDK request types share no interface, so each is read through {@link Fields}.
 */
final class ConverseAdapter implements OperationAdapter {

    private final boolean streaming;

    ConverseAdapter(boolean streaming) {
        this.streaming = streaming;
    }

    /** What both request types carry, read once. */
    private record Fields(String modelId, List<Message> messages, List<SystemContentBlock> system,
                          InferenceConfiguration inferenceConfig, ToolConfiguration toolConfig,
                          Map<String, String> requestMetadata) {

        static Fields of(SdkRequest request) {
            if (request instanceof ConverseRequest r) {
                return new Fields(r.modelId(), r.messages(), r.system(), r.inferenceConfig(), r.toolConfig(),
                        r.hasRequestMetadata() ? r.requestMetadata() : Map.of());
            }
            ConverseStreamRequest r = (ConverseStreamRequest) request;
            return new Fields(r.modelId(), r.messages(), r.system(), r.inferenceConfig(), r.toolConfig(),
                    r.hasRequestMetadata() ? r.requestMetadata() : Map.of());
        }
    }

    @Override
    public String tenantId(SdkRequest request) {
        return Fields.of(request).requestMetadata().get(RequestMetadata.TENANT_KEY);
    }

    @Override
    public AdmissionRequest admissionRequest(SdkRequest request) {
        Fields f = Fields.of(request);
        return AdmissionRequests.ofConverse(f.modelId(), f.messages(), f.system(), f.inferenceConfig(),
                f.toolConfig());
    }

    @Override
    public SdkRequest routed(SdkRequest request, LogicalCall call, AdmissionRequest asked, AdmissionRequest shaped) {
        Fields f = Fields.of(request);
        String modelId = call.profile().profileArn();
        InferenceConfiguration inference = AdmissionRequests.shaped(f.inferenceConfig(), asked, shaped);
        Map<String, String> metadata = OperationAdapter.merge(call, f.requestMetadata());
        if (request instanceof ConverseRequest r) {
            return r.toBuilder().modelId(modelId).inferenceConfig(inference).requestMetadata(metadata).build();
        }
        return ((ConverseStreamRequest) request).toBuilder().modelId(modelId).inferenceConfig(inference)
                .requestMetadata(metadata).build();
    }

    @Override
    public void answered(InterceptedCall call, Context.AfterExecution context) {
        if (streaming) {
            call.streamEnded();
            return;
        }
        ConverseResponse response = (ConverseResponse) context.response();
        call.finishReason(response.stopReasonAsString());
        call.succeeded(response.responseMetadata().requestId(), BedrockUsage.of(response.usage()));
    }
}
