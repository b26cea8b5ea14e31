package dev.aip.cli;

import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;

/** Whether the SDK's default chain finds credentials on this machine, for tests that need them or their absence. */
final class AwsCredentialsProbe {

    private AwsCredentialsProbe() {
    }

    /** Whether the default chain resolves credentials. */
    static boolean present() {
        try {
            DefaultCredentialsProvider.builder().build().resolveCredentials();
            return true;
        } catch (SdkClientException e) {
            return false;
        }
    }

    /**
     * Runs a check with the EC2 instance metadata service switched off for the SDK, and restores the setting after.
     */
    static void withoutInstanceMetadata(Runnable check) {
        String imds = System.getProperty("aws.disableEc2Metadata");
        System.setProperty("aws.disableEc2Metadata", "true");
        try {
            check.run();
        } finally {
            if (imds == null) {
                System.clearProperty("aws.disableEc2Metadata");
            } else {
                System.setProperty("aws.disableEc2Metadata", imds);
            }
        }
    }
}
