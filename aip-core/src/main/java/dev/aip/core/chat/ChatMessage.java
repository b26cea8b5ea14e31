package dev.aip.core.chat;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * One turn of a conversation.
 *
 * <p>Immutable.
 *
 * @param role who wrote it
 * @param content its parts; copied. A request's messages need at least one part that is not a cache point; a
 *     model's answer may be empty (e.g. when content was filtered)
 */
public record ChatMessage(ChatRole role, List<ContentPart> content) {

    /**
     * Validates and copies the content.
     *
     * @throws NullPointerException if the role, the list or a part is {@code null}
     */
    public ChatMessage {
        Objects.requireNonNull(role, "ChatMessage.role");
        content = List.copyOf(Objects.requireNonNull(content, "ChatMessage.content"));
    }

    /**
     * Creates a user message.
     *
     * @param text the text
     * @return the message
     */
    public static ChatMessage user(String text) {
        return new ChatMessage(ChatRole.USER, List.of(ContentPart.text(text)));
    }

    /**
     * Creates a user message.
     *
     * @param parts the parts
     * @return the message
     */
    public static ChatMessage user(ContentPart... parts) {
        return new ChatMessage(ChatRole.USER, List.of(parts));
    }

    /**
     * Creates an assistant message.
     *
     * @param text the text
     * @return the message
     */
    public static ChatMessage assistant(String text) {
        return new ChatMessage(ChatRole.ASSISTANT, List.of(ContentPart.text(text)));
    }

    /**
     * Creates an assistant message, e.g. to send a model's tool use back with the tool results.
     *
     * @param parts the parts
     * @return the message
     */
    public static ChatMessage assistant(ContentPart... parts) {
        return new ChatMessage(ChatRole.ASSISTANT, List.of(parts));
    }

    /**
     * Returns the text parts, concatenated.
     *
     * @return the text, empty if there is none
     */
    public String text() {
        return content.stream().filter(p -> p instanceof ContentPart.Text)
                .map(p -> ((ContentPart.Text) p).text()).collect(Collectors.joining());
    }

    /**
     * Returns the tool use requests, in order.
     *
     * @return the tool uses, possibly empty
     */
    public List<ContentPart.ToolUse> toolUses() {
        return content.stream().filter(p -> p instanceof ContentPart.ToolUse)
                .map(p -> (ContentPart.ToolUse) p).collect(Collectors.toUnmodifiableList());
    }
}
