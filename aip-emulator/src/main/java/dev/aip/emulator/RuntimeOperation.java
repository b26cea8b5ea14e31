package dev.aip.emulator;

/** The runtime operations the emulator serves, with the path suffix and the wire name of each. */
enum RuntimeOperation {
    CONVERSE("converse", "Converse"),
    CONVERSE_STREAM("converse-stream", "ConverseStream"),
    INVOKE_MODEL("invoke", "InvokeModel"),
    INVOKE_MODEL_WITH_RESPONSE_STREAM("invoke-with-response-stream", "InvokeModelWithResponseStream"),
    COUNT_TOKENS("count-tokens", "CountTokens");

    private final String pathSuffix;
    private final String wireName;

    RuntimeOperation(String pathSuffix, String wireName) {
        this.pathSuffix = pathSuffix;
        this.wireName = wireName;
    }

    String pathSuffix() {
        return pathSuffix;
    }

    /** The operation name AWS uses (CloudWatch, invocation logs, the SDK). */
    String wireName() {
        return wireName;
    }

    /** Whether the call is counted as a model invocation (CountTokens is not). */
    boolean isInvocation() {
        return this != COUNT_TOKENS;
    }

    boolean isStreaming() {
        return this == CONVERSE_STREAM || this == INVOKE_MODEL_WITH_RESPONSE_STREAM;
    }

    static RuntimeOperation fromPathSuffix(String suffix) {
        for (RuntimeOperation op : values()) {
            if (op.pathSuffix.equals(suffix)) {
                return op;
            }
        }
        return null;
    }
}
