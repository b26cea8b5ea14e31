package dev.aip.core.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.ConfigurationException;
import org.junit.jupiter.api.Test;

class ModelRoutesTest {

    private final ModelRoutes routes = FakeInferenceProfileApi.routes();

    @Test
    void copyFrom_routedName_returnsRoute() {
        assertThat(routes.copyFrom("claude-haiku")).isEqualTo(FakeInferenceProfileApi.HAIKU_SYSTEM_ARN);
        assertThat(routes.sourceModelId("claude-haiku")).isEqualTo(FakeInferenceProfileApi.HAIKU);
    }

    @Test
    void copyFrom_foundationModelId_becomesFoundationModelArn() {
        assertThat(routes.copyFrom("amazon.nova-pro-v1:0"))
                .isEqualTo("arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0");
    }

    @Test
    void copyFrom_systemProfileId_becomesSystemProfileArn() {
        assertThat(routes.copyFrom("eu.amazon.nova-pro-v1:0"))
                .isEqualTo("arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.amazon.nova-pro-v1:0");
        assertThat(routes.sourceModelId("eu.amazon.nova-pro-v1:0")).isEqualTo("amazon.nova-pro-v1:0");
    }

    @Test
    void copyFrom_arn_isUsedAsIs() {
        String arn = "arn:aws:bedrock:eu-west-1::foundation-model/amazon.nova-pro-v1:0";

        assertThat(routes.copyFrom(arn)).isEqualTo(arn);
    }

    @Test
    void copyFrom_unknownName_throwsNamingItAndTheFix() {
        assertThatThrownBy(() -> routes.copyFrom("claude-opus"))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("claude-opus").hasMessageContaining("route(");
    }

    @Test
    void copyFrom_explicitOnly_rejectsModelIds() {
        ModelRoutes strict = ModelRoutes.builder().region("us-east-1").explicitOnly().build();

        assertThatThrownBy(() -> strict.copyFrom("amazon.nova-pro-v1:0")).isInstanceOf(ConfigurationException.class);
    }

    @Test
    void copyFrom_systemProfileIdWithoutAccount_explainsWhatIsMissing() {
        ModelRoutes noAccount = ModelRoutes.builder().region("us-east-1").build();

        assertThatThrownBy(() -> noAccount.copyFrom("us.amazon.nova-pro-v1:0"))
                .isInstanceOf(ConfigurationException.class).hasMessageContaining("accountId");
    }

    @Test
    void route_badArnOrDuplicate_isRejected() {
        assertThatThrownBy(() -> ModelRoutes.builder().route("x", "arn:aws:bedrock:us-east-1:1:thing/x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("arn:aws:bedrock:us-east-1:1:thing/x");
        assertThatThrownBy(() -> ModelRoutes.builder().route("x", FakeInferenceProfileApi.HAIKU_SYSTEM_ARN)
                .route("x", FakeInferenceProfileApi.SONNET_SYSTEM_ARN))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("routed twice");
    }
}
