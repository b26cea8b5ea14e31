package dev.aip.cli;

import dev.aip.emulator.BedrockEmulator;
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

    /** Set by tests to stop the server; otherwise it runs until the process ends. */
    CountDownLatch stop = new CountDownLatch(1);

    @Override
    int execute() throws InterruptedException {
        BedrockEmulator.Builder builder = BedrockEmulator.builder();
        try {
            applyMaxResetFrames(builder);
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
