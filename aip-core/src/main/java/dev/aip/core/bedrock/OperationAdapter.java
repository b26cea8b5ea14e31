package dev.aip.core.bedrock;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import dev.aip.core.chat.AdmissionRequest;
import dev.aip.core.chat.LogicalCall;
import dev.aip.core.chat.RequestMetadata;
import dev.aip.core.metering.Operation;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;

/**
 * What the routing interceptor needs to know about one Bedrock operation's request and response: where its tenant
 * and admission request are, how to send it to the routed profile, and how its answer settles the attempt. One small
 * adapter per operation family (Converse, InvokeModel; each whole or streamed); the interceptor itself only drives
 * the {@link dev.aip.core.chat.CallEngine}.
 *
 * <p>Stateless and thread-safe.
 */
interface OperationAdapter {

    /** The tenant id the request names in its own {@code requestMetadata}, or {@code null}. */
    @Nullable String tenantId(SdkRequest request);

    /** What admission sizes the request by; {@code null} without a model id (the SDK refuses it itself). */
    @Nullable AdmissionRequest admissionRequest(SdkRequest request);

    /**
     * The request to send: to the call's profile, with the tenant's {@code requestMetadata} and the settings the
     * admission shaped (where the operation's body can carry them).
     */
    SdkRequest routed(SdkRequest request, LogicalCall call, AdmissionRequest asked, AdmissionRequest shaped);

    /**
     * The execution ended normally: settle the current attempt from the response. Stream operations settle from
     * their body instead (see {@link InterceptedCall#streamEnded()}).
     */
    void answered(InterceptedCall call, Context.AfterExecution context);

    /** The adapter of an operation. */
    static OperationAdapter of(Operation operation) {
        return Adapters.BY_OPERATION.get(operation);
    }

    /** The merged {@code requestMetadata} of a routed call: the tenant's entries over the caller's own. */
    static Map<String, String> merge(LogicalCall call, Map<String, String> own) {
        return RequestMetadata.merge(call.tenant(), call.profile().pooled(), own);
    }

    /** An InvokeModel {@code X-Amzn-Bedrock-Request-Metadata} header as a map; empty when absent. */
    static Map<String, String> parse(@Nullable String json) {
        if (json == null || json.isBlank()) {
            return Map.of();
        }
        try {
            return Documents.JSON.readValue(json, Adapters.STRING_MAP);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("The request's requestMetadata is not a JSON object of strings: "
                    + e.getOriginalMessage(), e);
        }
    }

    /** A map as an InvokeModel {@code X-Amzn-Bedrock-Request-Metadata} header. */
    static String json(Map<String, String> metadata) {
        try {
            return Documents.JSON.writeValueAsString(metadata);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The adapters, one per operation. */
    final class Adapters {
        static final TypeReference<LinkedHashMap<String, String>> STRING_MAP = new TypeReference<>() { };
        static final Map<Operation, OperationAdapter> BY_OPERATION = new EnumMap<>(Map.of(
                Operation.CONVERSE, new ConverseAdapter(false),
                Operation.CONVERSE_STREAM, new ConverseAdapter(true),
                Operation.INVOKE_MODEL, new InvokeModelAdapter(false),
                Operation.INVOKE_MODEL_WITH_RESPONSE_STREAM, new InvokeModelAdapter(true)));

        private Adapters() {
        }
    }
}
