package dev.aip.core.bedrock;

import dev.aip.core.ConfigurationException;
import dev.aip.core.chat.CallProgress;
import dev.aip.core.chat.ChatInvocation;
import dev.aip.core.chat.ChatResponse;
import dev.aip.core.chat.ChatStream;
import dev.aip.core.chat.ChatStreamListener;
import dev.aip.core.chat.ChatTransport;
import dev.aip.core.chat.TransportFailure;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import software.amazon.awssdk.awscore.AwsRequestOverrideConfiguration;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;

/**
 * The Bedrock terminal of the chat pipeline: sends each attempt with Converse (on the sync client; for
 * {@code chatAsync}, on the async client without blocking) or ConverseStream (async), the tenant's profile ARN as
 * {@code modelId} and the merged {@code requestMetadata}.
 *
 * <pre>{@code
 * BedrockChatTransport transport = BedrockChatTransport.builder()
 *     .client(BedrockRuntimeClient.create())
 *     .asyncClient(BedrockRuntimeAsyncClient.create())
 *     .build();
 * }</pre>
 *
 * <p><b>One attempt, one HTTP call.</b> Every request is sent with the SDK's retries turned off (a per-request
 * plugin with {@code AwsRetryStrategy.doNotRetry()}), whatever the clients were built with, so that each attempt of
 * the pipeline is exactly one Bedrock call and one usage record; retries belong to the pipeline's
 * {@code RetryPolicy}. Requests are also marked so that a {@link TenantRoutingInterceptor} installed on the same
 * clients leaves them alone instead of recording them a second time.
 *
 * <p><b>Streams.</b> The time to first token is taken at the first content delta, the usage from the
 * {@code metadata} event. A stream that ends without {@code messageStop} fails with
 * {@link dev.aip.core.chat.IncompleteStreamException}; one with {@code messageStop} but without {@code metadata}
 * completes, and the pipeline estimates its usage. Cancelling a stream cancels the HTTP response.
 *
 * <p>Bedrock's exceptions reach the caller unchanged. The clients are not closed by the transport.
 *
 * <p>Thread-safe; share one instance.
 */
public final class BedrockChatTransport implements ChatTransport {

    private final BedrockRuntimeClient client;
    private final BedrockRuntimeAsyncClient asyncClient;

    private BedrockChatTransport(BedrockRuntimeClient client, BedrockRuntimeAsyncClient asyncClient) {
        this.client = client;
        this.asyncClient = asyncClient;
    }

    /**
     * Returns a builder; at least one client is required, and streaming needs the async one.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public ChatResponse converse(ChatInvocation invocation, CallProgress progress) {
        ConverseRequest request = ConverseMapping.toConverse(invocation).toBuilder()
                .overrideConfiguration(BedrockChatTransport::marked)
                .build();
        software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse response;
        if (client != null) {
            response = client.converse(request);
        } else {
            try {
                response = asyncClient.converse(request).join();
            } catch (CompletionException e) {
                Throwable cause = BedrockErrors.unwrap(e);
                if (cause instanceof RuntimeException r) {
                    throw r;
                }
                throw e;
            }
        }
        progress.awsRequestId(response.responseMetadata().requestId());
        return ConverseMapping.fromConverse(response, invocation.profile().profileArn());
    }

    /**
     * {@inheritDoc}
     *
     * <p>On the async client, without blocking; without one, on the sync client on the calling thread.
     */
    @Override
    public ChatStream converseAsync(ChatInvocation invocation, CallProgress progress, ChatStreamListener listener) {
        if (asyncClient == null) {
            return ChatTransport.super.converseAsync(invocation, progress, listener);
        }
        ConverseRequest request = ConverseMapping.toConverse(invocation).toBuilder()
                .overrideConfiguration(BedrockChatTransport::marked)
                .build();
        return new ConverseCall(invocation, progress, listener, asyncClient.converse(request));
    }

    @Override
    public ChatStream converseStream(ChatInvocation invocation, CallProgress progress, ChatStreamListener listener) {
        if (asyncClient == null) {
            throw new ConfigurationException("Streaming needs a BedrockRuntimeAsyncClient: ConverseStream exists only"
                    + " on the async client; set BedrockChatTransport.builder().asyncClient(...)");
        }
        ConverseStreamRequest request = ConverseMapping.toConverseStream(invocation).toBuilder()
                .overrideConfiguration(BedrockChatTransport::marked)
                .build();
        ConverseStreamCall call = new ConverseStreamCall(invocation, progress, listener);
        call.start(asyncClient.converseStream(request, call.handler()));
        return call;
    }

    @Override
    public TransportFailure classify(Throwable failure) {
        return BedrockErrors.classify(failure);
    }

    private static void marked(AwsRequestOverrideConfiguration.Builder o) {
        o.putExecutionAttribute(AipAttributes.PIPELINE_REQUEST, Boolean.TRUE).addPlugin(AipAttributes.NO_SDK_RETRIES);
    }

    /**
     * Builds a {@link BedrockChatTransport}. Not thread-safe; confine to one thread.
     *
     * <p>Each setting may be set once; a second set is a {@link ConfigurationException}.
     */
    public static final class Builder {
        private final Map<String, Object> given = new HashMap<>();
        private BedrockRuntimeClient client;
        private BedrockRuntimeAsyncClient asyncClient;

        private Builder() {
        }

        /** Sets the sync client, used for Converse. */
        public Builder client(BedrockRuntimeClient value) {
            ConfigurationException.requireFirstSet(given, "BedrockChatTransport.client", value);
            client = Objects.requireNonNull(value, "client");
            return this;
        }

        /** Sets the async client, used for ConverseStream (and for Converse when no sync client is set). */
        public Builder asyncClient(BedrockRuntimeAsyncClient value) {
            ConfigurationException.requireFirstSet(given, "BedrockChatTransport.asyncClient", value);
            asyncClient = Objects.requireNonNull(value, "asyncClient");
            return this;
        }

        /**
         * Builds the transport.
         *
         * @return the transport
         * @throws ConfigurationException if no client is set
         */
        public BedrockChatTransport build() {
            if (client == null && asyncClient == null) {
                throw new ConfigurationException("BedrockChatTransport needs a BedrockRuntimeClient, a"
                        + " BedrockRuntimeAsyncClient, or both");
            }
            return new BedrockChatTransport(client, asyncClient);
        }
    }
}
