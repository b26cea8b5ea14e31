package dev.aip.emulator;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.Message;

class BedrockEmulatorExtensionTest {

    @Nested
    class Registered {
        @RegisterExtension
        static final BedrockEmulatorExtension BEDROCK =
                BedrockEmulatorExtension.configured(b -> b.region("eu-central-1"));

        @Test
        void emulator_registeredAndConfigured_servesConverse() {
            BedrockEmulator emulator = BEDROCK.emulator();
            try (BedrockRuntimeClient runtime = SdkClients.runtime(emulator)) {
                ConverseResponse r = runtime.converse(c -> c
                        .modelId("anthropic.claude-3-5-haiku-20241022-v1:0")
                        .messages(Message.builder().role(ConversationRole.USER)
                                .content(ContentBlock.fromText("Hello")).build()));

                assertThat(emulator.region()).isEqualTo("eu-central-1");
                assertThat(r.usage().outputTokens()).isPositive();
            }
        }
    }

    @Nested
    @ExtendWith(BedrockEmulatorExtension.class)
    class Injected {
        @Test
        void parameter_extendWith_isARunningEmulator(BedrockEmulator emulator) {
            assertThat(emulator.endpoint().getScheme()).isEqualTo("http");
            assertThat(emulator.port()).isPositive();
        }
    }
}
