package dev.aip.core.chat;

import dev.aip.core.metering.UsageMeter;
import java.util.Objects;

/**
 * What an {@link Admission} sizes a call by: the model asked for, the input tokens estimated from the request's
 * characters ({@link UsageMeter#estimateTokens}, the same estimate the meter falls back to), and the inference
 * settings.
 * Every path builds one the same way (the pipeline from its {@link ChatRequest}, the SDK interceptor from the SDK
 * request, the Spring AI advisor from the prompt), so governance never needs the messages themselves.
 *
 * @param model the logical model or profile ARN the caller asked for
 * @param estimatedInputTokens the input estimate; at least 0
 * @param settings the inference settings; {@code maxTokens} sizes the output reservation
 */
public record AdmissionRequest(String model, long estimatedInputTokens, InferenceSettings settings) {

    /**
     * @throws NullPointerException if {@code model} or {@code settings} is null
     * @throws IllegalArgumentException if {@code model} is blank or the estimate negative
     */
    public AdmissionRequest {
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(settings, "settings");
        if (model.isBlank()) {
            throw new IllegalArgumentException("AdmissionRequest.model must not be blank");
        }
        if (estimatedInputTokens < 0) {
            throw new IllegalArgumentException("AdmissionRequest.estimatedInputTokens must be at least 0, was "
                    + estimatedInputTokens);
        }
    }

    /**
     * Returns the admission request of a chat request: its model, {@link UsageMeter#estimateTokens} of its
     * {@linkplain ChatRequest#inputChars() input characters}, and its settings.
     *
     * @param request the chat request
     * @return the admission request
     */
    public static AdmissionRequest of(ChatRequest request) {
        return new AdmissionRequest(request.model(), UsageMeter.estimateTokens(request.inputChars()),
                request.settings());
    }

    /**
     * Returns a copy with other settings.
     *
     * @param value the settings
     * @return this request when {@code value} equals its settings, else a copy
     */
    public AdmissionRequest withSettings(InferenceSettings value) {
        return value.equals(settings) ? this : new AdmissionRequest(model, estimatedInputTokens, value);
    }
}
