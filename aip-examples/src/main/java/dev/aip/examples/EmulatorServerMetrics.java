package dev.aip.examples;

import dev.aip.emulator.BedrockEmulator;
import dev.aip.emulator.ModelMetrics;
import java.util.Objects;

/** The emulator's own counters, in the shape of the AWS/Bedrock metrics. Thread-safe. */
final class EmulatorServerMetrics implements ServerMetrics {

    private final BedrockEmulator emulator;

    EmulatorServerMetrics(BedrockEmulator emulator) {
        this.emulator = Objects.requireNonNull(emulator, "emulator");
    }

    @Override
    public ModelIdTotals totals(String modelId) {
        ModelMetrics m = emulator.metrics(modelId);
        return new ModelIdTotals(modelId, m.invocations(), m.inputTokenCount(), m.outputTokenCount(),
                m.cacheReadInputTokenCount(), m.cacheWriteInputTokenCount(), m.invocationThrottles());
    }

    @Override
    public String source() {
        return "the emulator's AWS/Bedrock counters (exact, immediate)";
    }

    @Override
    public boolean delayed() {
        return false;
    }
}
