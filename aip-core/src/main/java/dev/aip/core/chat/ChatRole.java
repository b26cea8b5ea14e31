package dev.aip.core.chat;

/** Who wrote a {@link ChatMessage}. System prompts are not messages; see {@link ChatRequest#system()}. */
public enum ChatRole {
    /** The user, or the application on the user's behalf (including tool results). */
    USER,
    /** The model (including its tool use requests). */
    ASSISTANT
}
