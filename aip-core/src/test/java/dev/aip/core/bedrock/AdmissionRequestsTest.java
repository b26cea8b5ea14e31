package dev.aip.core.bedrock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.chat.AdmissionRequest;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.InferenceSettings;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.bedrockruntime.model.InferenceConfiguration;

class AdmissionRequestsTest {

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void maxTokens_fromAnthropicOrNovaBodies_isRead() {
        assertThat(AdmissionRequests.maxTokens(utf8("{\"max_tokens\":200,\"messages\":[]}"))).isEqualTo(200);
        assertThat(AdmissionRequests.maxTokens(utf8(" {\"inferenceConfig\":{\"maxTokens\":64}}"))).isEqualTo(64);
    }

    @Test
    void maxTokens_fromNovaTitanAndLlamaLimits_isRead() {
        assertThat(AdmissionRequests.maxTokens(utf8("{\"inferenceConfig\":{\"max_new_tokens\":70}}"))).isEqualTo(70);
        assertThat(AdmissionRequests.maxTokens(utf8("{\"textGenerationConfig\":{\"maxTokenCount\":80}}")))
                .isEqualTo(80);
        assertThat(AdmissionRequests.maxTokens(utf8("{\"prompt\":\"x\",\"max_gen_len\":90}"))).isEqualTo(90);
    }

    @Test
    void shaped_fillsOnlyWhatTheCallerLeftUnset() {
        AdmissionRequest asked = AdmissionRequest.of(ChatRequest.builder().model("m").message(ChatMessage.user("hi"))
                .build());
        AdmissionRequest shaped = asked.withSettings(new InferenceSettings(50, 0.25f, 0.5f, List.of("STOP")));
        InferenceConfiguration own = InferenceConfiguration.builder().temperature(0.9f).build();

        InferenceConfiguration sent = AdmissionRequests.shaped(own, asked, shaped);

        assertThat(sent.maxTokens()).isEqualTo(50);
        assertThat(sent.temperature()).isEqualTo(0.9f);
        assertThat(sent.topP()).isEqualTo(0.5f);
        assertThat(sent.stopSequences()).containsExactly("STOP");
        assertThat(AdmissionRequests.shaped(null, asked, shaped).temperature()).isEqualTo(0.25f);
        assertThat(AdmissionRequests.shaped(own, asked, asked)).isSameAs(own);
        assertThat(AdmissionRequests.shaped(null, asked, asked)).isNull();
    }

    @Test
    void maxTokens_ofEmbeddingBodies_isOneSoTheOutputCapIsNotReserved() {
        assertThat(AdmissionRequests.maxTokens(utf8("{\"inputText\":\"x\",\"dimensions\":256}"))).isEqualTo(1);
        assertThat(AdmissionRequests.maxTokens(utf8("{\"texts\":[\"x\"],\"input_type\":\"search_query\"}")))
                .isEqualTo(1);
        assertThat(AdmissionRequests.maxTokens(utf8("{\"inputText\":\"x\",\"textGenerationConfig\":{}}")))
                .isNull();
    }

    @Test
    void maxTokens_absentInvalidOrNotJson_isNull() {
        assertThat(AdmissionRequests.maxTokens(utf8("{\"messages\":[]}"))).isNull();
        assertThat(AdmissionRequests.maxTokens(utf8("{\"max_tokens\":0}"))).isNull();
        assertThat(AdmissionRequests.maxTokens(utf8("{\"max_tokens\":\"many\"}"))).isNull();
        assertThat(AdmissionRequests.maxTokens(utf8("{\"max_tokens\":"))).isNull();
        assertThat(AdmissionRequests.maxTokens(utf8("binary"))).isNull();
        assertThat(AdmissionRequests.maxTokens(new byte[0])).isNull();
    }

    @Test
    void ofBody_isSizedByTheBodysBytesAndKeepsTheModel() {
        String body = "{\"max_tokens\":300,\"messages\":[{\"role\":\"user\",\"content\":\"héllo\"}]}";

        var request = AdmissionRequests.ofBody("claude-haiku", SdkBytes.fromUtf8String(body));

        assertThat(request.model()).isEqualTo("claude-haiku");
        assertThat(request.estimatedInputTokens()).isEqualTo(UsageMeter.estimateTokens(utf8(body).length));
        assertThat(request.settings().maxTokens()).isEqualTo(300);
    }

    @Test
    void ofBody_withoutAModel_isNull() {
        assertThat(AdmissionRequests.ofBody(null, SdkBytes.fromUtf8String("{}"))).isNull();
    }
}
