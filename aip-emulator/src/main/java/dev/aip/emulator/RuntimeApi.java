package dev.aip.emulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * The {@code bedrock-runtime} operations, the deterministic model behind them, scripted behaviour, fault injection
 * and the server-side view (metrics and invocation log). Thread-safe.
 */
final class RuntimeApi {

    RuntimeApi(EmulatorConfig config, ControlPlane controlPlane) {
    }

    /**
     * Serves one runtime call. {@code modelId} is already percent-decoded. May answer through {@code responder}
     * itself (streams) or throw {@link ApiError}, which the router renders; either way the call is recorded in the
     * server-side view first.
     */
    void handle(RuntimeOperation operation, String modelId, EmulatorRequest request, String requestId,
                Responder responder) {
        throw new UnsupportedOperationException(operation.wireName());
    }

    /** {@code GET /_emulator/metrics}: per {@code ModelId} counters, the AWS/Bedrock CloudWatch shape. */
    ObjectNode metricsJson() {
        throw new UnsupportedOperationException("metrics");
    }

    /** {@code GET /_emulator/invocations}: the invocation log, optionally filtered by query parameters. */
    ObjectNode invocationsJson(Map<String, List<String>> query) {
        throw new UnsupportedOperationException("invocations");
    }
}
