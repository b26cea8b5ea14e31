package dev.aip.cli;

import dev.aip.emulator.BedrockEmulator;
import dev.aip.emulator.EmulatorOptions;
import dev.aip.emulator.FaultPlan;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code aip emulator}: the Bedrock emulator as a standalone server, for other tools and languages. */
@Command(name = "emulator", mixinStandardHelpOptions = true,
        description = {"Run the Bedrock emulator as a standalone server (control plane and runtime on one port).",
            "Prints endpoint=http://HOST:PORT once listening; stop with Ctrl-C. Any credentials are accepted."})
final class EmulatorCommand extends Subcommand {

    @Option(names = "--port", paramLabel = "N", defaultValue = "0",
            description = "TCP port (default 0: a free port, printed on start).")
    int port;

    @Option(names = "--bind", paramLabel = "HOST", defaultValue = "127.0.0.1",
            description = "Address to listen on (default ${DEFAULT-VALUE}).")
    String bind;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42",
            description = "Seed of the deterministic model (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--account", paramLabel = "ID", defaultValue = "123456789012",
            description = "12-digit account id used in ARNs (default ${DEFAULT-VALUE}).")
    String account;

    @Option(names = "--region", paramLabel = "R", defaultValue = "us-east-1",
            description = "Region used in ARNs (default ${DEFAULT-VALUE}).")
    String region;

    @Option(names = "--profile-quota", paramLabel = "N", defaultValue = "1000",
            description = "Application inference profiles allowed (default ${DEFAULT-VALUE}).")
    int profileQuota;

    @Option(names = "--reply-tokens", paramLabel = "N[-M]", defaultValue = "20-60",
            description = "Length of the model's replies in tokens (default ${DEFAULT-VALUE}).")
    String replyTokens;

    @Option(names = "--stream-chunk-tokens", paramLabel = "N", defaultValue = "4",
            description = "Tokens of text per stream delta (default ${DEFAULT-VALUE}).")
    int streamChunkTokens;

    @Option(names = "--max-reset-frames", paramLabel = "N[/S]", defaultValue = "1000000/30",
            description = {"HTTP/2 stream resets a connection may receive (or send) per S seconds (30 if not given)"
                    + " before it is closed; 0: no limit (default ${DEFAULT-VALUE}).",
                "Clients cancel streams all the time; a low limit makes them re-send the calls of closed connections."})
    String maxResetFrames;

    @Option(names = "--latency", paramLabel = "DURATION", defaultValue = "0",
            description = {"Delay before every runtime call is answered (or its stream starts), e.g. 300ms, 1s, "
                    + "PT1S (default ${DEFAULT-VALUE}).",
                "Waits run on a timer, so slow calls hold no server thread: thousands can be in flight at once."})
    String latency;

    @Option(names = "--ttft", paramLabel = "DURATION", defaultValue = "0",
            description = "Time to first token: extra delay before a stream's first content event "
                    + "(default ${DEFAULT-VALUE}).")
    String ttft;

    @Option(names = "--chunk-delay", paramLabel = "DURATION", defaultValue = "0",
            description = "Delay before each later stream event (default ${DEFAULT-VALUE}).")
    String chunkDelay;

    @Option(names = "--throttle", paramLabel = "FRACTION", defaultValue = "0",
            description = {"Fraction (0..1) of runtime calls answered at once with 429 ThrottlingException "
                    + "(default ${DEFAULT-VALUE}).",
                "The n-th runtime call is throttled when a hash of --seed and n falls below it: about that "
                    + "fraction, and the same calls for the same seed and order of calls."})
    String throttle;

    /** Set by tests to stop the server; otherwise it runs until the process ends. */
    CountDownLatch stop = new CountDownLatch(1);

    @Override
    int execute() throws InterruptedException {
        BedrockEmulator.Builder builder = BedrockEmulator.builder();
        try {
            applyMaxResetFrames(builder);
            applyFaults(builder);
            int dash = replyTokens.indexOf('-');
            int min = Integer.parseInt(dash < 0 ? replyTokens : replyTokens.substring(0, dash));
            int max = dash < 0 ? min : Integer.parseInt(replyTokens.substring(dash + 1));
            builder.port(port).bindAddress(bind).seed(seed).accountId(account).region(region)
                    .profileQuota(profileQuota).replyTokens(min, max).streamChunkTokens(streamChunkTokens);
        } catch (NumberFormatException e) {
            throw CliException.usage("--reply-tokens needs N or N-M (whole numbers), got '" + replyTokens + "'");
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage(), e);
        }
        BedrockEmulator emulator;
        try {
            emulator = builder.build().start();
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage(), e);
        } catch (RuntimeException e) {
            throw CliException.failure("cannot start the emulator on " + bind + ":" + port + ": " + e.getMessage(), e);
        }
        Thread hook = new Thread(() -> {
            emulator.close();
            stop.countDown();
        }, "aip-emulator-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        out().println("endpoint=" + emulator.endpoint());
        out().println("region=" + emulator.region() + " account=" + emulator.accountId()
                + " (any credentials are accepted; stop with Ctrl-C)");
        out().flush();
        try {
            stop.await();
        } finally {
            emulator.close();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // The hook is running: nothing to remove.
            }
        }
        return AipCommand.EXIT_OK;
    }

    private void applyFaults(BedrockEmulator.Builder builder) {
        Duration latencyValue = duration("--latency", latency);
        Duration ttftValue = duration("--ttft", ttft);
        Duration chunkDelayValue = duration("--chunk-delay", chunkDelay);
        double throttleValue = fraction("--throttle", throttle);
        if (latencyValue.isZero() && ttftValue.isZero() && chunkDelayValue.isZero() && throttleValue == 0) {
            return;
        }
        builder.faults(FaultPlan.builder().latency(latencyValue).timeToFirstToken(ttftValue)
                .chunkDelay(chunkDelayValue).throttle(throttleValue).build());
    }

    /** A duration by the emulator's option syntax ({@link EmulatorOptions#duration}); a usage error if not. */
    static Duration duration(String option, String text) {
        try {
            return EmulatorOptions.duration(option, text);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
    }

    /** A fraction from 0 to 1 inclusive ({@link EmulatorOptions#fraction}); a usage error if not. */
    static double fraction(String option, String text) {
        try {
            return EmulatorOptions.fraction(option, text);
        } catch (IllegalArgumentException e) {
            throw CliException.usage(e.getMessage());
        }
    }

    private void applyMaxResetFrames(BedrockEmulator.Builder builder) {
        int slash = maxResetFrames.indexOf('/');
        try {
            int frames = Integer.parseInt(slash < 0 ? maxResetFrames : maxResetFrames.substring(0, slash));
            long seconds = slash < 0 ? 30 : Long.parseLong(maxResetFrames.substring(slash + 1));
            builder.maxResetFramesPerWindow(frames, Duration.ofSeconds(seconds));
        } catch (NumberFormatException e) {
            throw CliException.usage("--max-reset-frames needs N or N/S (whole numbers), got '" + maxResetFrames
                    + "'");
        }
    }
}
