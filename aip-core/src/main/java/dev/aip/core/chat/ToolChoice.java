package dev.aip.core.chat;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How the model may use the request's tools.
 *
 * <p>Immutable.
 *
 * @param mode auto, any or one named tool
 * @param toolName the tool for {@link Mode#TOOL}, else {@code null}
 */
public record ToolChoice(Mode mode, @Nullable String toolName) {

    /** The kinds of choice Bedrock supports. */
    public enum Mode {
        /** The model decides whether to use a tool. */
        AUTO,
        /** The model must use some tool. */
        ANY,
        /** The model must use the named tool. */
        TOOL
    }

    /** @throws IllegalArgumentException if a tool name is given without {@code TOOL} mode or missing with it */
    public ToolChoice {
        Objects.requireNonNull(mode, "ToolChoice.mode");
        if (mode == Mode.TOOL) {
            Checks.toolName(toolName);
        } else if (toolName != null) {
            throw new IllegalArgumentException("ToolChoice " + mode + " takes no tool name; use ToolChoice.tool(name)");
        }
    }

    /** @return the model decides */
    public static ToolChoice auto() {
        return new ToolChoice(Mode.AUTO, null);
    }

    /** @return the model must use a tool */
    public static ToolChoice any() {
        return new ToolChoice(Mode.ANY, null);
    }

    /**
     * @param name the tool
     * @return the model must use this tool
     */
    public static ToolChoice tool(String name) {
        return new ToolChoice(Mode.TOOL, name);
    }
}
