package dev.aip.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Which routes take structured output: the foundation models AWS documents it for, in any geography. */
class GatewayModelsTest {

    @Test
    void takesStructuredOutput_documentedModelsInAnyGeography_notOthers() {
        assertThat(GatewayConfiguration.GatewayModels.takesStructuredOutput(
                "anthropic.claude-haiku-4-5-20251001-v1:0")).isTrue();
        assertThat(GatewayConfiguration.GatewayModels.takesStructuredOutput(
                "us.anthropic.claude-sonnet-4-5-20250929-v1:0")).isTrue();
        assertThat(GatewayConfiguration.GatewayModels.takesStructuredOutput(
                "global.anthropic.claude-opus-4-5-20251101-v1:0")).isTrue();
        assertThat(GatewayConfiguration.GatewayModels.takesStructuredOutput(
                "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.anthropic.claude-opus-4-6-v1")).isTrue();
        assertThat(GatewayConfiguration.GatewayModels.takesStructuredOutput(
                "us.anthropic.claude-3-5-haiku-20241022-v1:0")).isFalse();
        assertThat(GatewayConfiguration.GatewayModels.takesStructuredOutput("us.amazon.nova-lite-v1:0")).isFalse();
        assertThat(GatewayConfiguration.GatewayModels.takesStructuredOutput(null)).isFalse();
    }
}
