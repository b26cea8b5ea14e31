package dev.aip.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class EmulatorCommandTest {

    @Test
    void emulator_onAFreePort_printsItsEndpointAndServesUntilStopped() throws Exception {
        Running emulator = Running.start("--region", "eu-west-1");
        String endpoint = emulator.endpoint;
        HttpResponse<String> health = HttpClient.newHttpClient().send(
                HttpRequest.newBuilder(URI.create(endpoint + "/_emulator/health")).build(),
                HttpResponse.BodyHandlers.ofString());
        emulator.command.stop.countDown();

        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(emulator.out.toString()).contains("region=eu-west-1 account=123456789012");
        assertThat(emulator.exit.get(10, TimeUnit.SECONDS)).isZero();
    }

    @Test
    void emulator_badReplyTokens_isAUsageError() {
        CliRun.Result run = CliRun.run("emulator", "--reply-tokens", "lots");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.error()).isEqualTo("aip: --reply-tokens needs N or N-M (whole numbers), got 'lots'");
    }

    @Test
    void emulator_badMaxResetFrames_isAUsageErrorNamingIt() {
        CliRun.Result words = CliRun.run("emulator", "--max-reset-frames", "lots");
        CliRun.Result negative = CliRun.run("emulator", "--max-reset-frames=-1/30");

        assertThat(words.exitCode()).isEqualTo(2);
        assertThat(words.error()).isEqualTo("aip: --max-reset-frames needs N or N/S (whole numbers), got 'lots'");
        assertThat(negative.exitCode()).isEqualTo(2);
        assertThat(negative.error()).contains("maxResetFramesPerWindow frames must be >= 0");
    }

    @Test
    void emulator_help_listsMaxResetFrames() {
        CliRun.Result help = CliRun.run("emulator", "--help");

        assertThat(help.out()).contains("--max-reset-frames=N[/S]").contains("default 1000000/30");
    }

    @Test
    void duration_acceptsUnitsAndIso8601() {
        assertThat(EmulatorCommand.duration("--latency", "1s")).isEqualTo(Duration.ofSeconds(1));
        assertThat(EmulatorCommand.duration("--latency", "300ms")).isEqualTo(Duration.ofMillis(300));
        assertThat(EmulatorCommand.duration("--chunk-delay", "20ms")).isEqualTo(Duration.ofMillis(20));
        assertThat(EmulatorCommand.duration("--ttft", "1.5s")).isEqualTo(Duration.ofMillis(1_500));
        assertThat(EmulatorCommand.duration("--ttft", "2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(EmulatorCommand.duration("--ttft", "250us")).isEqualTo(Duration.ofNanos(250_000));
        assertThat(EmulatorCommand.duration("--latency", "PT1S")).isEqualTo(Duration.ofSeconds(1));
        assertThat(EmulatorCommand.duration("--latency", "pt0.25s")).isEqualTo(Duration.ofMillis(250));
        assertThat(EmulatorCommand.duration("--latency", "0")).isZero();
    }

    @Test
    void emulator_badDurations_areUsageErrorsNamingTheOption() {
        CliRun.Result noUnit = CliRun.run("emulator", "--latency", "300");
        CliRun.Result words = CliRun.run("emulator", "--ttft", "soon");
        CliRun.Result negative = CliRun.run("emulator", "--chunk-delay", "PT-1S");
        CliRun.Result badIso = CliRun.run("emulator", "--latency", "P1X");

        assertThat(noUnit.exitCode()).isEqualTo(2);
        assertThat(noUnit.error()).isEqualTo(
                "aip: --latency needs a duration such as 300ms, 1s, 1.5s, 2m or PT1S, got '300'");
        assertThat(words.exitCode()).isEqualTo(2);
        assertThat(words.error()).startsWith("aip: --ttft needs a duration").endsWith("got 'soon'");
        assertThat(negative.exitCode()).isEqualTo(2);
        assertThat(negative.error()).startsWith("aip: --chunk-delay needs a duration").endsWith("got 'PT-1S'");
        assertThat(badIso.exitCode()).isEqualTo(2);
        assertThat(badIso.error()).startsWith("aip: --latency needs a duration");
    }

    @Test
    void emulator_badThrottle_isAUsageErrorNamingIt() {
        for (String bad : new String[] {"1.5", "-0.1", "half", "NaN"}) {
            CliRun.Result run = CliRun.run("emulator", "--throttle", bad);

            assertThat(run.exitCode()).as(bad).isEqualTo(2);
            assertThat(run.error()).as(bad)
                    .isEqualTo("aip: --throttle needs a fraction from 0 to 1 such as 0.1, got '" + bad + "'");
        }
        assertThat(EmulatorCommand.fraction("--throttle", "0.25")).isEqualTo(0.25);
        assertThat(EmulatorCommand.fraction("--throttle", "1")).isEqualTo(1.0);
    }

    @Test
    void emulator_withThrottleOne_answersRuntimeCallsWith429() throws Exception {
        Running emulator = Running.start("--throttle", "1", "--latency", "200ms");
        String endpoint = emulator.endpoint;
        HttpResponse<String> converse = converse(endpoint);
        emulator.command.stop.countDown();

        assertThat(converse.statusCode()).isEqualTo(429);
        assertThat(converse.headers().firstValue("x-amzn-ErrorType").orElse("")).startsWith("ThrottlingException");
        assertThat(emulator.exit.get(10, TimeUnit.SECONDS)).isZero();
    }

    @Test
    void emulator_withLatency_delaysTheAnswer() throws Exception {
        Running emulator = Running.start("--latency", "300ms");
        String endpoint = emulator.endpoint;
        long start = System.nanoTime();
        HttpResponse<String> converse = converse(endpoint);
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        emulator.command.stop.countDown();

        assertThat(converse.statusCode()).isEqualTo(200);
        assertThat(tookMillis).isGreaterThanOrEqualTo(300 - 5);
        assertThat(emulator.exit.get(10, TimeUnit.SECONDS)).isZero();
    }

    @Test
    void emulator_help_listsPacingAndThrottleOptions() {
        CliRun.Result help = CliRun.run("emulator", "--help");

        assertThat(help.out()).contains("--latency=DURATION").contains("--ttft=DURATION")
                .contains("--chunk-delay=DURATION").contains("--throttle=FRACTION");
    }

    /** {@code aip emulator --port 0 <args>} running on another thread, once it has printed its endpoint. */
    private static final class Running {
        final StringWriter out = new StringWriter();
        final EmulatorCommand command;
        final CompletableFuture<Integer> exit;
        final String endpoint;

        private Running(String... args) throws InterruptedException {
            CommandLine cl = AipCommand.configure(new CommandLine(new AipCommand()));
            cl.setOut(new PrintWriter(out, true));
            command = cl.getSubcommands().get("emulator").getCommand();
            String[] all = new String[args.length + 3];
            all[0] = "emulator";
            all[1] = "--port";
            all[2] = "0";
            System.arraycopy(args, 0, all, 3, args.length);
            exit = CompletableFuture.supplyAsync(() -> cl.execute(all));
            endpoint = awaitEndpoint(out);
        }

        static Running start(String... args) throws InterruptedException {
            return new Running(args);
        }
    }

    private static String awaitEndpoint(StringWriter out) throws InterruptedException {
        Pattern endpoint = Pattern.compile("endpoint=(http://\\S+)");
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            Matcher m = endpoint.matcher(out.toString());
            if (m.find()) {
                return m.group(1);
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no endpoint printed: " + out);
    }

    /** One Converse call straight to a running emulator. */
    private static HttpResponse<String> converse(String endpoint) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(endpoint
                        + "/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}]}"))
                .build(), HttpResponse.BodyHandlers.ofString());
    }
}
