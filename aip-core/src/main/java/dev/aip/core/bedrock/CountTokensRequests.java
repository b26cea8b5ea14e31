package dev.aip.core.bedrock;

import dev.aip.core.chat.ChatRequest;
import java.util.Objects;
import software.amazon.awssdk.services.bedrockruntime.model.CountTokensInput;
import software.amazon.awssdk.services.bedrockruntime.model.CountTokensRequest;

/**
 * Bedrock {@code CountTokens} requests for aip chat requests, in their Converse form: the messages, system prompt,
 * cache points, images and tools are mapped exactly as {@link BedrockChatTransport} sends them to Converse, so the
 * count is the input the call would be charged for.
 *
 * <pre>{@code
 * CountTokensResponse counted = bedrockRuntime.countTokens(
 *         CountTokensRequests.of("anthropic.claude-3-5-haiku-20241022-v1:0", chatRequest));
 * }</pre>
 *
 * <p>CountTokens takes a foundation model id only: a system-defined or application inference profile is refused by
 * Bedrock ({@code ValidationException}), so callers pass the foundation model behind the tenant's profile
 * ({@code InferenceProfile.sourceModelId()}). The request's model, inference settings and structured output are not
 * part of a count and are not sent. CountTokens is free on Bedrock and writes no usage record.
 *
 * <p>Thread-safe: stateless.
 */
public final class CountTokensRequests {

    private CountTokensRequests() {
    }

    /**
     * The CountTokens request for {@code request} on {@code foundationModelId}.
     *
     * @param foundationModelId a foundation model id, e.g. {@code anthropic.claude-3-5-haiku-20241022-v1:0}
     * @param request the chat request whose input is counted
     * @return the request, ready for {@code BedrockRuntimeClient.countTokens}
     * @throws IllegalArgumentException if a tool's input or input schema is not valid JSON
     */
    public static CountTokensRequest of(String foundationModelId, ChatRequest request) {
        Objects.requireNonNull(foundationModelId, "foundationModelId");
        Objects.requireNonNull(request, "request");
        return CountTokensRequest.builder().modelId(foundationModelId)
                .input(CountTokensInput.builder().converse(ConverseMapping.toConverseTokens(request)).build())
                .build();
    }
}
