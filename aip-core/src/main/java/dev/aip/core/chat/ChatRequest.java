package dev.aip.core.chat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * One chat request, independent of the tenant: the pipeline adds the tenant, routes the request to the tenant's
 * profile and meters it.
 *
 * <pre>{@code
 * ChatRequest request = ChatRequest.builder()
 *     .model("claude-haiku")
 *     .system("You are terse.")
 *     .message(ChatMessage.user("What is an inference profile?"))
 *     .settings(InferenceSettings.DEFAULTS.withMaxTokens(300))
 *     .attribute("user", "u-42")
 *     .build();
 * }</pre>
 *
 * <p>Immutable.
 *
 * @param model the logical model, resolved per tenant by the {@code TenantProfileResolver} (an alias such as
 *     {@code claude-haiku}, or a foundation model id); or a profile ARN, which the pipeline sends only if it is the
 *     tenant's own profile or a shared one (see {@code ChatPipeline})
 * @param messages the conversation, at least one message; copied
 * @param system system prompt parts: {@link ContentPart.Text} and {@link ContentPart.CachePoint} only; copied
 * @param settings sampling settings
 * @param tools tools the model may use; copied
 * @param toolChoice how tools may be used, or {@code null} for the model's default; needs tools
 * @param structuredOutput the JSON schema the answer's text must follow, or {@code null} for free text; see
 *     {@link StructuredOutput} for the models that support it
 * @param requestMetadata entries forwarded to Bedrock's {@code requestMetadata} (invocation logs); see
 *     {@link RequestMetadata} for the rules; copied
 * @param attributes usage record attributes (end user, feature, workflow run, step), not sent to Bedrock; copied
 */
public record ChatRequest(
        String model,
        List<ChatMessage> messages,
        List<ContentPart> system,
        InferenceSettings settings,
        List<ToolSpec> tools,
        @Nullable ToolChoice toolChoice,
        @Nullable StructuredOutput structuredOutput,
        Map<String, String> requestMetadata,
        Map<String, String> attributes) {

    /**
     * Validates and copies.
     *
     * @throws NullPointerException if a required value is {@code null}
     * @throws IllegalArgumentException naming the value that is invalid
     */
    public ChatRequest {
        Objects.requireNonNull(model, "ChatRequest.model");
        if (model.isBlank()) {
            throw new IllegalArgumentException("ChatRequest.model is blank; name a logical model, e.g."
                    + " \"claude-haiku\"");
        }
        messages = List.copyOf(Objects.requireNonNull(messages, "ChatRequest.messages"));
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("ChatRequest needs at least one message");
        }
        for (int i = 0; i < messages.size(); i++) {
            if (messages.get(i).content().stream().allMatch(p -> p instanceof ContentPart.CachePoint)) {
                throw new IllegalArgumentException("ChatRequest message " + i + " (" + messages.get(i).role()
                        + ") needs at least one text, image, tool use or tool result part");
            }
        }
        system = List.copyOf(Objects.requireNonNull(system, "ChatRequest.system"));
        for (ContentPart p : system) {
            if (!(p instanceof ContentPart.Text) && !(p instanceof ContentPart.CachePoint)) {
                throw new IllegalArgumentException("System prompt parts must be text or cache points, was "
                        + p.getClass().getSimpleName());
            }
        }
        Objects.requireNonNull(settings, "ChatRequest.settings; use InferenceSettings.DEFAULTS");
        tools = List.copyOf(Objects.requireNonNull(tools, "ChatRequest.tools"));
        if (toolChoice != null) {
            if (tools.isEmpty()) {
                throw new IllegalArgumentException("ChatRequest has a tool choice but no tools");
            }
            if (toolChoice.mode() == ToolChoice.Mode.TOOL
                    && tools.stream().noneMatch(t -> t.name().equals(toolChoice.toolName()))) {
                throw new IllegalArgumentException("ToolChoice names tool \"" + toolChoice.toolName()
                        + "\", which is not among the request's tools");
            }
        }
        long distinct = tools.stream().map(ToolSpec::name).distinct().count();
        if (distinct != tools.size()) {
            throw new IllegalArgumentException("ChatRequest.tools has duplicate tool names");
        }
        requestMetadata = RequestMetadata.checkOwn(Objects.requireNonNull(requestMetadata,
                "ChatRequest.requestMetadata"));
        Objects.requireNonNull(attributes, "ChatRequest.attributes");
        TreeMap<String, String> attrs = new TreeMap<>();
        attributes.forEach((k, v) -> attrs.put(Objects.requireNonNull(k, "attribute key"),
                Objects.requireNonNull(v, () -> "value of attribute " + k)));
        attributes = attrs.isEmpty() ? Map.of() : Collections.unmodifiableMap(attrs);
    }

    /**
     * Returns an empty builder.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Returns a builder holding this request, e.g. to append the next turn.
     *
     * @return the builder
     */
    public Builder toBuilder() {
        Builder b = new Builder().model(model).settings(settings).toolChoice(toolChoice)
                .structuredOutput(structuredOutput);
        b.messages.addAll(messages);
        b.system.addAll(system);
        b.tools.addAll(tools);
        b.requestMetadata.putAll(requestMetadata);
        b.attributes.putAll(attributes);
        return b;
    }

    /**
     * Returns the characters of everything sent as input (text, tool input and results, system prompts, tool
     * specs, the structured output schema), from which the input tokens are estimated when Bedrock reports no
     * usage. An image counts as {@value #IMAGE_CHARS} characters: about 1,600 tokens, the most Anthropic's models
     * on Bedrock charge for one image (larger ones are scaled down first).
     *
     * @return the character count
     */
    public long inputChars() {
        long n = 0;
        for (ChatMessage m : messages) {
            for (ContentPart p : m.content()) {
                n += chars(p);
            }
        }
        for (ContentPart p : system) {
            n += chars(p);
        }
        for (ToolSpec t : tools) {
            n += t.name().length() + (t.description() == null ? 0 : t.description().length())
                    + t.inputSchemaJson().length();
        }
        if (structuredOutput != null) {
            n += structuredOutput.schemaJson().length();
        }
        return n;
    }

    /** The characters an image counts for in {@link #inputChars()}. */
    public static final int IMAGE_CHARS = 6_400;

    private static long chars(ContentPart p) {
        if (p instanceof ContentPart.Text t) {
            return t.text().length();
        }
        if (p instanceof ContentPart.ToolUse u) {
            return u.name().length() + u.inputJson().length();
        }
        if (p instanceof ContentPart.ToolResult r) {
            return r.content().length();
        }
        if (p instanceof ContentPart.Image) {
            return IMAGE_CHARS;
        }
        return 0;
    }

    /**
     * Builds a {@link ChatRequest}. Setters of lists and maps add to what is there. Not thread-safe; confine to
     * one thread.
     */
    public static final class Builder {
        private String model;
        private final List<ChatMessage> messages = new ArrayList<>();
        private final List<ContentPart> system = new ArrayList<>();
        private InferenceSettings settings = InferenceSettings.DEFAULTS;
        private final List<ToolSpec> tools = new ArrayList<>();
        private ToolChoice toolChoice;
        private StructuredOutput structuredOutput;
        private final Map<String, String> requestMetadata = new LinkedHashMap<>();
        private final Map<String, String> attributes = new LinkedHashMap<>();

        private Builder() {
        }

        /** Sets the logical model. */
        public Builder model(String value) {
            model = value;
            return this;
        }

        /** Appends a message. */
        public Builder message(ChatMessage value) {
            messages.add(value);
            return this;
        }

        /** Appends messages. */
        public Builder messages(List<ChatMessage> values) {
            messages.addAll(values);
            return this;
        }

        /** Appends a system prompt text. */
        public Builder system(String text) {
            system.add(ContentPart.text(text));
            return this;
        }

        /** Appends a system prompt part (text or cache point). */
        public Builder system(ContentPart part) {
            system.add(part);
            return this;
        }

        /** Sets the sampling settings. */
        public Builder settings(InferenceSettings value) {
            settings = value;
            return this;
        }

        /** Appends a tool. */
        public Builder tool(ToolSpec value) {
            tools.add(value);
            return this;
        }

        /** Sets the tool choice. */
        public Builder toolChoice(@Nullable ToolChoice value) {
            toolChoice = value;
            return this;
        }

        /** Sets the JSON schema the answer must follow ({@code null}: free text). */
        public Builder structuredOutput(@Nullable StructuredOutput value) {
            structuredOutput = value;
            return this;
        }

        /** Adds a {@code requestMetadata} entry sent to Bedrock. */
        public Builder requestMetadata(String key, String value) {
            requestMetadata.put(key, value);
            return this;
        }

        /** Adds a usage record attribute (not sent to Bedrock). */
        public Builder attribute(String key, String value) {
            attributes.put(key, value);
            return this;
        }

        /**
         * Builds the request.
         *
         * @return the request
         * @throws NullPointerException if a required value is missing
         * @throws IllegalArgumentException naming the value that is invalid
         */
        public ChatRequest build() {
            return new ChatRequest(model, messages, system, settings, tools, toolChoice, structuredOutput,
                    requestMetadata, attributes);
        }
    }
}
