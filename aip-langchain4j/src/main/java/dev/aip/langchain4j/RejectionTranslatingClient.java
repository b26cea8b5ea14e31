package dev.aip.langchain4j;

import dev.aip.core.AipException;
import java.util.Objects;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeServiceClientConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;

/**
 * The sync client handed to LangChain4j's {@code BedrockChatModel}: forwards Converse, the only operation the model
 * calls, and turns aip's refusals into {@link CallRejectedException} inside LangChain4j's retry loop, so the loop
 * does not repeat them. Thread-safe if the delegate is.
 */
final class RejectionTranslatingClient implements BedrockRuntimeClient {

    private final BedrockRuntimeClient delegate;

    RejectionTranslatingClient(BedrockRuntimeClient delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    @Override
    public ConverseResponse converse(ConverseRequest request) {
        try {
            return delegate.converse(request);
        } catch (AipException refusal) {
            throw new CallRejectedException(refusal);
        } catch (RuntimeException e) {
            AipException refusal = Rejections.refusal(e);
            if (refusal != null) {
                throw new CallRejectedException(refusal);
            }
            throw e;
        }
    }

    @Override
    public BedrockRuntimeServiceClientConfiguration serviceClientConfiguration() {
        return delegate.serviceClientConfiguration();
    }

    @Override
    public String serviceName() {
        return delegate.serviceName();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
