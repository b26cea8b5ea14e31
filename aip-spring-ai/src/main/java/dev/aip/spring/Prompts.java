package dev.aip.spring;

import dev.aip.core.chat.AdmissionRequest;
import dev.aip.core.chat.InferenceSettings;
import dev.aip.core.chat.RequestMetadata;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.tenant.TenantContext;
import java.util.HashMap;
import java.util.Map;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;

/** Spring AI prompts as aip sees them: tagged with the tenant, and as an {@link AdmissionRequest}. */
final class Prompts {

    private Prompts() {
    }

    /**
     * The prompt with the tenant (and, if given, the cover id) in its last user message's metadata. A cover already
     * there (the advisor's, when the chat model tags the prompt again) is kept.
     */
    static Prompt tag(Prompt prompt, TenantContext tenant, String cover) {
        return prompt.augmentUserMessage(user -> {
            Map<String, Object> metadata = new HashMap<>(user.getMetadata());
            metadata.put(RequestMetadata.TENANT_KEY, tenant.id().value());
            if (cover != null) {
                metadata.put(TenantBridgeInterceptor.COVER_KEY, cover);
            }
            return user.mutate().metadata(metadata).build();
        });
    }

    /** The model a prompt asks for: its options' model, else the chat model's default. */
    static String model(Prompt prompt, String defaultModel) {
        ChatOptions options = prompt.getOptions();
        String model = options == null ? null : options.getModel();
        return model != null && !model.isBlank() ? model : defaultModel;
    }

    /**
     * The prompt as admission sees it: its model, the input estimated from the characters of its messages (system,
     * user, assistant and tool responses), and its output limit, so that governance checks the model and reserves as
     * it would for the chat pipeline. Tools and media are left out here; each model call is metered on its own.
     */
    static AdmissionRequest admissionOf(Prompt prompt, String model) {
        long chars = 0;
        for (Message m : prompt.getInstructions()) {
            chars += text(m).length();
        }
        ChatOptions options = prompt.getOptions();
        InferenceSettings settings = options != null && options.getMaxTokens() != null && options.getMaxTokens() > 0
                ? InferenceSettings.DEFAULTS.withMaxTokens(options.getMaxTokens()) : InferenceSettings.DEFAULTS;
        return new AdmissionRequest(model, UsageMeter.estimateTokens(chars), settings);
    }

    private static String text(Message m) {
        if (m instanceof ToolResponseMessage t) {
            StringBuilder sb = new StringBuilder();
            t.getResponses().forEach(r -> sb.append(r.responseData()));
            return sb.toString();
        }
        String text = m.getText();
        return text == null ? "" : text;
    }
}
