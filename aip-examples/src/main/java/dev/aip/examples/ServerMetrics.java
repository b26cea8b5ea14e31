package dev.aip.examples;

/**
 * The server-side view of Bedrock usage: the {@code AWS/Bedrock} metrics of one {@code ModelId}. On the emulator it
 * is exact and immediate ({@code BedrockEmulator.metrics(modelId)}); on AWS it is CloudWatch, which publishes the
 * metrics minutes after the calls.
 *
 * <p>Implementations are thread-safe.
 */
interface ServerMetrics {

    /** The totals of one {@code ModelId} (all zero if it has none). */
    ModelIdTotals totals(String modelId);

    /** Where the figures come from, for the lab's printout. */
    String source();

    /** Whether figures can lag behind the calls (CloudWatch), so that a lab should wait for them. */
    boolean delayed();
}
