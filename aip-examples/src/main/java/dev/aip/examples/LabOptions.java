package dev.aip.examples;

import picocli.CommandLine.Option;

/** The options every lab shares: where it runs. Confined to the command that owns it. */
final class LabOptions {

    /** The emulated Region when none is given: the workshop's Region. */
    static final String DEFAULT_EMULATOR_REGION = "us-west-2";

    @Option(names = "--aws", description = "Run against real AWS (the SDK's default credential chain and Region)"
            + " instead of the embedded Bedrock emulator.")
    boolean aws;

    @Option(names = "--region", paramLabel = "REGION", description = "The Region. Default: the SDK's Region chain"
            + " (AWS_REGION, profile) with --aws; " + DEFAULT_EMULATOR_REGION + " on the emulator.")
    String region;

    @Option(names = "--metrics-wait", paramLabel = "SECONDS", defaultValue = "240", description = "With --aws: how"
            + " long to wait for CloudWatch to publish the calls' AWS/Bedrock metrics, which arrive minutes after"
            + " the calls (default: ${DEFAULT-VALUE}; 0 = look once).")
    int metricsWaitSeconds;
}
