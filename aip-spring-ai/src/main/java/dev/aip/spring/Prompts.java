package dev.aip.spring;

import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.InferenceSettings;
import dev.aip.core.chat.RequestMetadata;
import dev.aip.core.tenant.TenantContext;
import java.util.HashMap;
import java.util.Map;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;

/** Spring AI prompts as aip sees them: tagged with the tenant, and as a {@link ChatRequest} for admission. */
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
     * The prompt as a request for admission: same model, text and output limit, so that governance checks the model
     * and estimates tokens as it would for the chat pipeline. Tools and media are left out (they are estimated when
     * metered).
     */
    static ChatRequest asRequest(Prompt prompt, String model) {
        ChatRequest.Builder b = ChatRequest.builder().model(model);
        for (Message m : prompt.getInstructions()) {
            String text = text(m);
            if (m instanceof SystemMessage) {
                if (!text.isEmpty()) {
                    b.system(text);
                }
            } else if (m instanceof AssistantMessage) {
                b.message(ChatMessage.assistant(text.isEmpty() ? "." : text));
            } else {
                b.message(ChatMessage.user(text.isEmpty() ? "." : text));
            }
        }
        if (prompt.getInstructions().isEmpty()) {
            b.message(ChatMessage.user("."));
        }
        ChatOptions options = prompt.getOptions();
        if (options != null && options.getMaxTokens() != null && options.getMaxTokens() > 0) {
            b.settings(InferenceSettings.DEFAULTS.withMaxTokens(options.getMaxTokens()));
        }
        return b.build();
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
