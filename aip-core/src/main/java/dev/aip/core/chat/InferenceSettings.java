package dev.aip.core.chat;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Sampling settings for one request; {@code null} leaves a setting to the model's default.
 *
 * <p>Immutable.
 *
 * @param maxTokens the most output tokens, at least 1, or {@code null}
 * @param temperature randomness, 0–1, or {@code null}
 * @param topP nucleus sampling mass, 0–1, or {@code null}
 * @param stopSequences texts that end the answer, each non-empty; copied
 */
public record InferenceSettings(
        @Nullable Integer maxTokens, @Nullable Float temperature, @Nullable Float topP, List<String> stopSequences) {

    /** All defaults. */
    public static final InferenceSettings DEFAULTS = new InferenceSettings(null, null, null, List.of());

    /** @throws IllegalArgumentException naming the setting that is out of range */
    public InferenceSettings {
        if (maxTokens != null && maxTokens < 1) {
            throw new IllegalArgumentException("maxTokens must be at least 1, was " + maxTokens);
        }
        checkUnit("temperature", temperature);
        checkUnit("topP", topP);
        stopSequences = List.copyOf(Objects.requireNonNull(stopSequences, "stopSequences; use List.of()"));
        if (stopSequences.size() > 2500 || stopSequences.stream().anyMatch(String::isEmpty)) {
            throw new IllegalArgumentException("stopSequences must hold at most 2500 non-empty strings");
        }
    }

    /**
     * Returns a copy with another token limit.
     *
     * @param value at least 1
     * @return the settings
     */
    public InferenceSettings withMaxTokens(int value) {
        return new InferenceSettings(value, temperature, topP, stopSequences);
    }

    /**
     * Returns a copy with another temperature.
     *
     * @param value 0–1
     * @return the settings
     */
    public InferenceSettings withTemperature(float value) {
        return new InferenceSettings(maxTokens, value, topP, stopSequences);
    }

    /**
     * Returns a copy with another top-p.
     *
     * @param value 0–1
     * @return the settings
     */
    public InferenceSettings withTopP(float value) {
        return new InferenceSettings(maxTokens, temperature, value, stopSequences);
    }

    /**
     * Returns a copy with other stop sequences.
     *
     * @param values the sequences
     * @return the settings
     */
    public InferenceSettings withStopSequences(List<String> values) {
        return new InferenceSettings(maxTokens, temperature, topP, values);
    }

    /** @return whether every setting is left to the model */
    public boolean isDefault() {
        return maxTokens == null && temperature == null && topP == null && stopSequences.isEmpty();
    }

    private static void checkUnit(String name, Float v) {
        if (v != null && !(v >= 0f && v <= 1f)) {
            throw new IllegalArgumentException(name + " must be between 0 and 1, was " + v);
        }
    }
}
