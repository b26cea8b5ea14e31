package dev.aip.core.bedrock;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;

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
        assertThat(request.inputChars()).isEqualTo(utf8(body).length);
        assertThat(request.settings().maxTokens()).isEqualTo(300);
    }

    @Test
    void ofBody_withoutAModel_isNull() {
        assertThat(AdmissionRequests.ofBody(null, SdkBytes.fromUtf8String("{}"))).isNull();
    }
}
