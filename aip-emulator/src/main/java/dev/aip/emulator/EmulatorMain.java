package dev.aip.emulator;

import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the emulator as a standalone server for other tools and languages:
 *
 * <pre>{@code
 * java -jar aip-emulator.jar --port 4566 [--bind 127.0.0.1] [--seed 42] [--account 123456789012]
 *      [--region us-east-1] [--profile-quota 1000] [--reply-tokens 20-60] [--stream-chunk-tokens 4]
 *      [--max-reset-frames 1000000/30] [--latency 0] [--ttft 0] [--chunk-delay 0] [--throttle 0]
 * }</pre>
 *
 * <p>{@code --latency}, {@code --ttft}, {@code --chunk-delay} and {@code --throttle} install a global
 * {@link FaultPlan}, as {@code aip emulator} does: durations are a number and a unit ({@code 300ms}, {@code 1s}) or
 * ISO-8601 ({@code PT1S}); the throttle is the fraction of runtime calls answered 429, drawn per call from the
 * seed.
 *
 * <p>Prints {@code endpoint=http://host:port} on one line once it is listening, then serves until the process is
 * stopped (SIGINT/SIGTERM close it cleanly).
 */
public final class EmulatorMain {

    private EmulatorMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        int code = run(args, System.out, System.err);
        if (code != 0) {
            System.exit(code);
        }
    }

    /** Parses {@code args}, starts the emulator and blocks until shutdown; returns a process exit code. */
    static int run(String[] args, PrintStream out, PrintStream err) throws InterruptedException {
        BedrockEmulator emulator;
        try {
            BedrockEmulator.Builder builder = configure(args, out);
            if (builder == null) {
                return 0;
            }
            emulator = builder.build().start();
        } catch (IllegalArgumentException e) {
            err.println("aip-emulator: " + e.getMessage());
            err.println("Try --help.");
            return 2;
        } catch (RuntimeException e) {
            err.println("aip-emulator: cannot start: " + e.getMessage());
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            emulator.close();
            stopped.countDown();
        }, "aip-emulator-shutdown"));
        out.println("endpoint=" + emulator.endpoint());
        out.println("region=" + emulator.region() + " account=" + emulator.accountId()
                + " (any credentials are accepted; stop with Ctrl-C)");
        out.flush();
        stopped.await();
        return 0;
    }

    /** Returns the configured builder, or {@code null} when only help was asked for. */
    static BedrockEmulator.Builder configure(String[] args, PrintStream out) {
        BedrockEmulator.Builder builder = BedrockEmulator.builder();
        Duration latency = Duration.ZERO;
        Duration ttft = Duration.ZERO;
        Duration chunkDelay = Duration.ZERO;
        double throttle = 0;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("-h") || arg.equals("--help")) {
                out.println("Usage: aip-emulator [--port N] [--bind HOST] [--seed N] [--account ID] [--region R]"
                        + " [--profile-quota N] [--reply-tokens N[-M]] [--stream-chunk-tokens N]"
                        + " [--max-reset-frames N[/S]] [--latency D] [--ttft D] [--chunk-delay D] [--throttle F]");
                out.println("  --port N           TCP port (default 0: a free port, printed on start)");
                out.println("  --bind HOST        address to listen on (default 127.0.0.1)");
                out.println("  --seed N           seed of the deterministic model (default 42)");
                out.println("  --account ID       12-digit account id used in ARNs (default 123456789012)");
                out.println("  --region R         region used in ARNs (default us-east-1)");
                out.println("  --profile-quota N  application inference profiles allowed (default 1000)");
                out.println("  --reply-tokens N[-M]      length of the model's replies in tokens (default 20-60)");
                out.println("  --stream-chunk-tokens N   tokens of text per stream delta (default 4)");
                out.println("  --max-reset-frames N[/S]  HTTP/2 stream resets a connection may receive (or send) per S"
                        + " seconds (30 if not given)");
                out.println("                            before it is closed; 0: no limit (default 1000000/30)");
                out.println("  --latency D         delay before every runtime call is answered, e.g. 300ms, 1s, PT1S"
                        + " (default 0)");
                out.println("  --ttft D            extra delay before a stream's first content event (default 0)");
                out.println("  --chunk-delay D     delay before each later stream event (default 0)");
                out.println("  --throttle F        fraction 0..1 of runtime calls answered 429 ThrottlingException,"
                        + " drawn per call from --seed (default 0)");
                out.println("  Waits are timers: slow calls hold no server thread.");
                return null;
            }
            String name = arg;
            String value;
            int eq = arg.indexOf('=');
            if (eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            } else {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("missing value for " + arg);
                }
                value = args[++i];
            }
            switch (name) {
                case "--port" -> builder.port(parseInt(name, value));
                case "--bind" -> builder.bindAddress(value);
                case "--seed" -> builder.seed(parseLong(name, value));
                case "--account" -> builder.accountId(value);
                case "--region" -> builder.region(value);
                case "--profile-quota" -> builder.profileQuota(parseInt(name, value));
                case "--reply-tokens" -> {
                    int dash = value.indexOf('-');
                    int min = parseInt(name, dash < 0 ? value : value.substring(0, dash));
                    int max = dash < 0 ? min : parseInt(name, value.substring(dash + 1));
                    builder.replyTokens(min, max);
                }
                case "--stream-chunk-tokens" -> builder.streamChunkTokens(parseInt(name, value));
                case "--max-reset-frames" -> {
                    int slash = value.indexOf('/');
                    int frames = parseInt(name, slash < 0 ? value : value.substring(0, slash));
                    long seconds = slash < 0 ? EmulatorConfig.DEFAULT_RESET_WINDOW.toSeconds()
                            : parseLong(name, value.substring(slash + 1));
                    builder.maxResetFramesPerWindow(frames, Duration.ofSeconds(seconds));
                }
                case "--latency" -> latency = parseDuration(name, value);
                case "--ttft" -> ttft = parseDuration(name, value);
                case "--chunk-delay" -> chunkDelay = parseDuration(name, value);
                case "--throttle" -> throttle = parseFraction(name, value);
                default -> throw new IllegalArgumentException("unknown option " + name);
            }
        }
        if (!latency.isZero() || !ttft.isZero() || !chunkDelay.isZero() || throttle != 0) {
            builder.faults(FaultPlan.builder().latency(latency).timeToFirstToken(ttft).chunkDelay(chunkDelay)
                    .throttle(throttle).build());
        }
        return builder;
    }

    static Duration parseDuration(String name, String value) {
        return EmulatorOptions.duration(name, value);
    }

    static double parseFraction(String name, String value) {
        return EmulatorOptions.fraction(name, value);
    }

    private static int parseInt(String name, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " needs a whole number, got '" + value + "'");
        }
    }

    private static long parseLong(String name, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " needs a whole number, got '" + value + "'");
        }
    }
}
