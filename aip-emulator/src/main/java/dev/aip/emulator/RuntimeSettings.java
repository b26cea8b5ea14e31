package dev.aip.emulator;

import java.util.Map;
import java.util.Objects;

/**
 * Runtime settings fixed when the emulator is built. Immutable.
 *
 * @param minReplyTokens shortest default reply, in output tokens
 * @param maxReplyTokens longest default reply, in output tokens
 * @param streamChunkTokens about how many tokens of text each stream delta carries
 * @param invocationLogCapacity invocation records kept; older ones are evicted (and counted)
 * @param globalFaults fault plan for every call no per-id plan matches
 * @param faults fault plans per model id
 * @param capacities the account's quotas per foundation model id
 */
record RuntimeSettings(int minReplyTokens, int maxReplyTokens, int streamChunkTokens, int invocationLogCapacity,
                       FaultPlan globalFaults, Map<String, FaultPlan> faults,
                       Map<String, AccountQuotas.Limit> capacities) {

    static final RuntimeSettings DEFAULTS = new RuntimeSettings(20, 60, 4, 1_000_000, FaultPlan.NONE, Map.of());

    RuntimeSettings {
        if (minReplyTokens < 1 || maxReplyTokens < minReplyTokens) {
            throw new IllegalArgumentException("reply tokens must satisfy 1 <= min <= max, were " + minReplyTokens
                    + " and " + maxReplyTokens);
        }
        if (streamChunkTokens < 1) {
            throw new IllegalArgumentException("streamChunkTokens must be >= 1, was " + streamChunkTokens);
        }
        if (invocationLogCapacity < 1) {
            throw new IllegalArgumentException("invocationLogCapacity must be >= 1, was " + invocationLogCapacity);
        }
        Objects.requireNonNull(globalFaults, "globalFaults");
        faults = Map.copyOf(faults);
        capacities = Map.copyOf(capacities);
    }

    RuntimeSettings(int minReplyTokens, int maxReplyTokens, int streamChunkTokens, int invocationLogCapacity,
                    FaultPlan globalFaults, Map<String, FaultPlan> faults) {
        this(minReplyTokens, maxReplyTokens, streamChunkTokens, invocationLogCapacity, globalFaults, faults,
                Map.of());
    }
}
