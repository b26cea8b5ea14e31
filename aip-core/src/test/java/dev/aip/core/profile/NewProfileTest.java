package dev.aip.core.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class NewProfileTest {

    private static final String COPY = FakeInferenceProfileApi.HAIKU_SYSTEM_ARN;

    @Test
    void new_valid_keepsTagsSorted() {
        NewProfile p = new NewProfile("acme-haiku", "aip tenant acme", COPY, Map.of("b", "1", "a", "2"), "tok-1");

        assertThat(p.tags().keySet()).containsExactly("a", "b");
    }

    @Test
    void new_badName_namesTheProblem() {
        assertThatThrownBy(() -> new NewProfile("acme.haiku", null, COPY, Map.of(), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("acme.haiku");
        assertThatThrownBy(() -> new NewProfile("-acme", null, COPY, Map.of(), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("starting with a letter");
        assertThatThrownBy(() -> new NewProfile("a--b", null, COPY, Map.of(), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a--b");
        assertThatThrownBy(() -> new NewProfile("x".repeat(65), null, COPY, Map.of(), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("65 characters");
    }

    @Test
    void new_badDescription_namesIt() {
        assertThatThrownBy(() -> new NewProfile("a", "Tenant A, B2B", COPY, Map.of(), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Tenant A, B2B")
                .hasMessageContaining("no commas");
    }

    @Test
    void new_copyFromApplicationProfile_isRejected() {
        String aip = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123def456";

        assertThatThrownBy(() -> new NewProfile("a", null, aip, Map.of(), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("application profiles cannot");
    }

    @Test
    void new_badToken_isRejected() {
        assertThatThrownBy(() -> new NewProfile("a", null, COPY, Map.of(), "tok_1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("tok_1");
        assertThatThrownBy(() -> new NewProfile("a", null, COPY, Map.of(), "a".repeat(257)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("256");
    }

    @Test
    void inferenceProfile_badArn_isRejected() {
        assertThatThrownBy(() -> new InferenceProfile("arn:aws:s3:::bucket", "x", "x", null,
                List.of("arn:aws:bedrock:us-east-1::foundation-model/m.x"), "APPLICATION", Instant.EPOCH,
                Instant.EPOCH))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("arn:aws:s3:::bucket");
    }

    @Test
    void inferenceProfile_sourceModelId_comesFromFirstModelArn() {
        InferenceProfile p = new InferenceProfile(
                "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123def456", "abc123def456",
                "n", null, List.of("arn:aws:bedrock:us-east-1::foundation-model/" + FakeInferenceProfileApi.HAIKU,
                        "arn:aws:bedrock:us-west-2::foundation-model/" + FakeInferenceProfileApi.HAIKU),
                "APPLICATION", null, null);

        assertThat(p.sourceModelId()).isEqualTo(FakeInferenceProfileApi.HAIKU);
        assertThat(p.region()).isEqualTo("us-east-1");
    }

    @Test
    void desiredProfile_badExtraTag_namesIt() {
        assertThatThrownBy(() -> new DesiredProfile(dev.aip.core.tenant.TenantId.of("a"),
                dev.aip.core.tenant.Tier.STANDARD, "m", Map.of("Team", "x*y")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Team").hasMessageContaining("x*y");
    }
}
