package dev.aip.core.bedrock;

import dev.aip.emulator.BedrockEmulator;
import org.junit.jupiter.api.Assumptions;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrock.BedrockClient;

/**
 * A real {@link BedrockClient} against an emulator, built as a user would: endpoint override and dummy static
 * credentials; SDK retries off, so that the library's own retry behaviour is what the tests see.
 */
final class EmulatorControlPlane {

    static final String HAIKU = "anthropic.claude-3-5-haiku-20241022-v1:0";
    static final String SONNET = "anthropic.claude-3-7-sonnet-20250219-v1:0";

    private EmulatorControlPlane() {
    }

    /** Starts the emulator, or skips the test class while the emulator's transport cannot start yet. */
    static BedrockEmulator startOrSkip(BedrockEmulator.Builder builder) {
        BedrockEmulator emulator = builder.build();
        try {
            return emulator.start();
        } catch (UnsupportedOperationException notYet) {
            Assumptions.abort("the emulator cannot serve yet: " + notYet.getMessage());
            throw notYet;
        }
    }

    static BedrockClient client(BedrockEmulator emulator) {
        return BedrockClient.builder()
                .endpointOverride(emulator.endpoint())
                .region(Region.of(emulator.region()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE",
                        "dummy-secret")))
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }

    static String systemProfileArn(BedrockEmulator emulator, String modelId) {
        return "arn:aws:bedrock:" + emulator.region() + ":" + emulator.accountId() + ":inference-profile/us."
                + modelId;
    }

    static String foundationModelArn(BedrockEmulator emulator, String modelId) {
        return "arn:aws:bedrock:" + emulator.region() + "::foundation-model/" + modelId;
    }
}
