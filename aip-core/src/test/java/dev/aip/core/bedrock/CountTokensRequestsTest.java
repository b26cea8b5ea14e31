package dev.aip.core.bedrock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.ContentPart;
import dev.aip.core.chat.StructuredOutput;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseTokensRequest;
import software.amazon.awssdk.services.bedrockruntime.model.CountTokensRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ImageFormat;

class CountTokensRequestsTest {

    static final String FOUNDATION_MODEL = "anthropic.claude-3-7-sonnet-20250219-v1:0";

    @Test
    void of_fullRequest_countsExactlyWhatConverseSends() {
        ChatRequest request = ConverseMappingTest.fullRequest();

        CountTokensRequest counted = CountTokensRequests.of(FOUNDATION_MODEL, request);
        ConverseRequest sent = ConverseMapping.toConverse(ConverseMappingTest.invocation(request));

        ConverseTokensRequest converse = counted.input().converse();
        assertThat(counted.modelId()).isEqualTo(FOUNDATION_MODEL);
        assertThat(converse.messages()).isEqualTo(sent.messages());
        assertThat(converse.system()).isEqualTo(sent.system());
        assertThat(converse.toolConfig()).isEqualTo(sent.toolConfig());
    }

    @Test
    void of_imageAndStructuredOutput_sendsTheImageBlock_andNoOutputSettings() {
        byte[] png = {(byte) 0x89, 'P', 'N', 'G'};
        ChatRequest request = ChatRequest.builder().model("claude")
                .message(ChatMessage.user(ContentPart.text("What is this?"), ContentPart.Image.of("image/png", png)))
                .structuredOutput(new StructuredOutput("answer", null, "{\"type\":\"object\",\"properties\":{},"
                        + "\"additionalProperties\":false}"))
                .build();

        ConverseTokensRequest converse = CountTokensRequests.of(FOUNDATION_MODEL, request).input().converse();

        ContentBlock image = converse.messages().get(0).content().get(1);
        assertThat(image.image().format()).isEqualTo(ImageFormat.PNG);
        assertThat(image.image().source().bytes().asByteArray()).isEqualTo(png);
        assertThat(converse.hasSystem()).isFalse();
        assertThat(converse.toolConfig()).isNull();
    }
}
