package dev.aip.emulator;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The runtime error codes of Bedrock (reference §2.7): status, default message, extra members, and how the
 * server-side view classifies each. Stateless.
 */
final class RuntimeErrors {

    /** How an error is counted: throttled, the caller's fault (rejected), or a failure after the call was accepted. */
    enum Category { THROTTLE, CLIENT, SERVER }

    private record Spec(int status, Category category, String message) {
    }

    private static final Map<String, Spec> SPECS = Map.ofEntries(
            Map.entry("ValidationException", new Spec(400, Category.CLIENT, "The request failed validation.")),
            Map.entry("AccessDeniedException", new Spec(403, Category.CLIENT,
                    "You don't have access to the model with the specified model ID.")),
            Map.entry("ResourceNotFoundException", new Spec(404, Category.CLIENT,
                    "The specified resource was not found.")),
            Map.entry("ServiceQuotaExceededException", new Spec(400, Category.CLIENT,
                    "Your request exceeds the service quota for your account.")),
            Map.entry("ConflictException", new Spec(400, Category.CLIENT, "The request conflicts with another.")),
            Map.entry("ThrottlingException", new Spec(429, Category.THROTTLE,
                    "Too many requests, please wait before trying again.")),
            Map.entry("ModelTimeoutException", new Spec(408, Category.SERVER,
                    "Model has timed out in processing the request. Try your request again.")),
            Map.entry("ModelNotReadyException", new Spec(429, Category.SERVER,
                    "Model is not ready to serve inference requests. The AWS SDK will automatically retry the "
                            + "operation up to 5 times.")),
            Map.entry("ModelErrorException", new Spec(424, Category.SERVER,
                    "The system encountered an unexpected error during processing. Try your request again.")),
            Map.entry("ModelStreamErrorException", new Spec(424, Category.SERVER,
                    "The model encountered an error while streaming the response.")),
            Map.entry("InternalServerException", new Spec(500, Category.SERVER,
                    "The server encountered an internal error while processing the request.")),
            Map.entry("ServiceUnavailableException", new Spec(503, Category.SERVER,
                    "Bedrock is unable to process your request.")));

    private RuntimeErrors() {
    }

    /** Accepts {@code ThrottlingException} or {@code throttlingException}; returns the UpperCamel code. */
    static String normalize(String code) {
        if (code == null || code.isEmpty()) {
            throw new IllegalArgumentException("error code must not be empty");
        }
        String upper = Character.toUpperCase(code.charAt(0)) + code.substring(1);
        if (!SPECS.containsKey(upper)) {
            throw new IllegalArgumentException("unknown Bedrock runtime error code " + code + "; use one of "
                    + SPECS.keySet());
        }
        return upper;
    }

    static String lowerCamel(String code) {
        return Character.toLowerCase(code.charAt(0)) + code.substring(1);
    }

    static Category category(String code) {
        Spec spec = SPECS.get(code);
        return spec == null ? (code.endsWith("ThrottlingException") ? Category.THROTTLE : Category.CLIENT)
                : spec.category();
    }

    /** The error as the SDK receives it, with the extra members the model declares for the code. */
    static ApiError error(String code, String message, String resourceName) {
        Spec spec = SPECS.get(code);
        String text = message != null ? message : spec.message();
        Map<String, Object> extra = new LinkedHashMap<>();
        if (code.equals("ModelErrorException")) {
            extra.put("originalStatusCode", 500);
            extra.put("resourceName", resourceName);
        } else if (code.equals("ModelStreamErrorException")) {
            extra.put("originalStatusCode", 500);
            extra.put("originalMessage", text);
        }
        return new ApiError(spec.status(), code, text, extra);
    }
}
