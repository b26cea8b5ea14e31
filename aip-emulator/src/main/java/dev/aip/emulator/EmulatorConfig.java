package dev.aip.emulator;

import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings fixed when the emulator is built. Immutable.
 *
 * @param bindAddress address the server listens on (loopback by default)
 * @param port TCP port, or 0 for an ephemeral one
 * @param accountId the 12-digit AWS account id used in ARNs
 * @param region the region used in ARNs
 * @param seed seed of the deterministic model: same request and seed, same reply and token counts
 * @param clock time source for timestamps ({@code createdAt}, invocation log); latency uses real time
 * @param profileQuota application inference profiles the account may hold; one more is
 *     {@code ServiceQuotaExceededException}
 * @param maxRequestBodyBytes larger bodies are refused with 413 before they are buffered
 * @param maxHeaderBytes larger request heads are refused with 431
 * @param workerThreads threads answering requests (simulated waits hold none; see {@link Responder#schedule})
 * @param maxResetFrames RST_STREAM frames one HTTP/2 connection may receive, and separately send, within
 *     {@code resetWindow} before it is closed with GOAWAY {@code ENHANCE_YOUR_CALM}; 0 for no limit
 * @param resetWindow the window of {@code maxResetFrames}, a whole number of seconds
 */
record EmulatorConfig(InetAddress bindAddress, int port, String accountId, String region, long seed, Clock clock,
                      int profileQuota, int maxRequestBodyBytes, int maxHeaderBytes, int workerThreads,
                      int maxResetFrames, Duration resetWindow) {

    // Far above what cancelling clients produce (1,000 cancels a second is 30,000 a window), yet a reset flood ends.
    static final int DEFAULT_MAX_RESET_FRAMES = 1_000_000;
    static final Duration DEFAULT_RESET_WINDOW = Duration.ofSeconds(30);

    /** The settings with the default stream-reset guard. */
    EmulatorConfig(InetAddress bindAddress, int port, String accountId, String region, long seed, Clock clock,
                   int profileQuota, int maxRequestBodyBytes, int maxHeaderBytes, int workerThreads) {
        this(bindAddress, port, accountId, region, seed, clock, profileQuota, maxRequestBodyBytes, maxHeaderBytes,
                workerThreads, DEFAULT_MAX_RESET_FRAMES, DEFAULT_RESET_WINDOW);
    }

    EmulatorConfig {
        Objects.requireNonNull(bindAddress, "bindAddress");
        Objects.requireNonNull(clock, "clock");
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port must be 0..65535, was " + port);
        }
        if (accountId == null || !accountId.matches("[0-9]{12}")) {
            throw new IllegalArgumentException("accountId must be 12 digits, was " + accountId);
        }
        if (region == null || !region.matches("[a-z]{2}(-[a-z]+)+-[0-9]")) {
            throw new IllegalArgumentException("region must look like us-east-1, was " + region);
        }
        if (profileQuota < 0) {
            throw new IllegalArgumentException("profileQuota must be >= 0, was " + profileQuota);
        }
        if (maxRequestBodyBytes < 1024) {
            throw new IllegalArgumentException("maxRequestBodyBytes must be >= 1024, was " + maxRequestBodyBytes);
        }
        if (maxHeaderBytes < 1024) {
            throw new IllegalArgumentException("maxHeaderBytes must be >= 1024, was " + maxHeaderBytes);
        }
        if (workerThreads < 1) {
            throw new IllegalArgumentException("workerThreads must be >= 1, was " + workerThreads);
        }
        Objects.requireNonNull(resetWindow, "resetWindow");
        if (maxResetFrames < 0) {
            throw new IllegalArgumentException("maxResetFramesPerWindow frames must be >= 0 (0 for no limit), was "
                    + maxResetFrames);
        }
        if (resetWindow.getNano() != 0 || resetWindow.getSeconds() < 1
                || resetWindow.getSeconds() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("maxResetFramesPerWindow window must be a whole number of seconds, at"
                    + " least 1, was " + resetWindow);
        }
    }
}
