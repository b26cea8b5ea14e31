package dev.aip.core.bedrock;

import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.SdkPlugin;
import software.amazon.awssdk.core.interceptor.ExecutionAttribute;

/** Execution attributes and request plugins shared by the transport and the interceptor. */
final class AipAttributes {

    /**
     * Set on every request the chat pipeline sends. The {@link TenantRoutingInterceptor} leaves such requests alone:
     * the pipeline already routed and metered them, and a second record would bill the call twice.
     */
    static final ExecutionAttribute<Boolean> PIPELINE_REQUEST = new ExecutionAttribute<>("aip.PipelineRequest");

    /**
     * Turns the SDK's own retries off for one request, whatever the client was built with: each pipeline attempt is
     * then exactly one HTTP call and one usage record, and a retried stream can never replay events into the
     * listener. Retries are the pipeline's {@code RetryPolicy}.
     */
    static final SdkPlugin NO_SDK_RETRIES =
            config -> config.overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()));

    private AipAttributes() {
    }
}
