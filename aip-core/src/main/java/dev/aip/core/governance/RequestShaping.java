package dev.aip.core.governance;

import dev.aip.core.chat.AdmissionRequest;
import dev.aip.core.chat.InferenceSettings;
import java.util.Objects;

/**
 * Applies a tenant's policy to a request before it is admitted and sent: the policy's {@code defaultSettings} fill
 * the settings the request leaves unset, and a request without {@code maxTokens} gets the policy's
 * {@code maxOutputTokens} (or the default settings' {@code maxTokens}, if lower), so that the output admission
 * reserves is the output Bedrock allows. A {@code maxTokens} the request sets itself is never changed: above the
 * cap, admission refuses it. Stateless.
 */
final class RequestShaping {

    private RequestShaping() {
    }

    /** The shaped request, or the same instance when the policy changes nothing. */
    static AdmissionRequest shape(TenantPolicy policy, AdmissionRequest request) {
        return request.withSettings(settings(policy, request.settings()));
    }

    static InferenceSettings settings(TenantPolicy policy, InferenceSettings asked) {
        InferenceSettings defaults = policy.defaultSettings();
        int cap = policy.outputCap();
        Integer maxTokens = asked.maxTokens();
        if (maxTokens == null) {
            Integer byDefault = defaults == null ? null : defaults.maxTokens();
            if (byDefault != null) {
                maxTokens = cap > 0 ? Math.min(byDefault, cap) : byDefault;
            } else if (cap > 0) {
                maxTokens = cap;
            }
        }
        if (defaults == null) {
            return Objects.equals(maxTokens, asked.maxTokens()) ? asked
                    : new InferenceSettings(maxTokens, asked.temperature(), asked.topP(), asked.stopSequences());
        }
        return new InferenceSettings(maxTokens,
                asked.temperature() != null ? asked.temperature() : defaults.temperature(),
                asked.topP() != null ? asked.topP() : defaults.topP(),
                asked.stopSequences().isEmpty() ? defaults.stopSequences() : asked.stopSequences());
    }
}
