package dev.aip.core.chat;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * One part of a {@link ChatMessage}: text, an image (user messages), a tool use request by the model, the result of a
 * tool, or a prompt-cache checkpoint.
 *
 * <p>Immutable.
 */
public sealed interface ContentPart
        permits ContentPart.Text, ContentPart.Image, ContentPart.ToolUse, ContentPart.ToolResult,
        ContentPart.CachePoint {

    /**
     * Creates a text part.
     *
     * @param text the text, not empty
     * @return the part
     */
    static Text text(String text) {
        return new Text(text);
    }

    /**
     * Returns the prompt-cache checkpoint: everything before it may be cached by Bedrock.
     *
     * @return the part
     */
    static CachePoint cachePoint() {
        return CachePoint.INSTANCE;
    }

    /**
     * Text.
     *
     * @param text the text, not empty
     */
    record Text(String text) implements ContentPart {
        /** @throws IllegalArgumentException if the text is null or empty (Bedrock rejects empty text blocks) */
        public Text {
            if (text == null || text.isEmpty()) {
                throw new IllegalArgumentException("A text part needs at least one character");
            }
        }
    }

    /**
     * An image sent to the model (a Converse {@code image} block with its bytes), in a user message.
     *
     * <p>Immutable: the bytes are copied in and out.
     *
     * @param format {@code png}, {@code jpeg}, {@code gif} or {@code webp}, as Converse names them
     * @param bytes the encoded image, not empty; Bedrock takes at most 3.75 MB per image
     */
    record Image(String format, byte[] bytes) implements ContentPart {

        /** The formats Converse takes. */
        public static final Set<String> FORMATS = Set.of("png", "jpeg", "gif", "webp");

        /** @throws IllegalArgumentException if the format is not one Converse takes or there are no bytes */
        public Image {
            Objects.requireNonNull(format, "Image.format");
            if (!FORMATS.contains(format)) {
                throw new IllegalArgumentException("Image format \"" + Checks.abbreviate(format) + "\" is not"
                        + " one Bedrock takes; use png, jpeg, gif or webp");
            }
            if (bytes == null || bytes.length == 0) {
                throw new IllegalArgumentException("An image part needs its bytes");
            }
            bytes = bytes.clone();
        }

        /**
         * Creates an image part from a media type such as {@code image/png}.
         *
         * @param mediaType {@code image/png}, {@code image/jpeg}, {@code image/gif} or {@code image/webp}
         * @param bytes the encoded image
         * @return the part
         * @throws IllegalArgumentException if the media type is not one Bedrock takes
         */
        public static Image of(String mediaType, byte[] bytes) {
            Objects.requireNonNull(mediaType, "mediaType");
            String type = mediaType.toLowerCase(Locale.ROOT).strip();
            String format = switch (type) {
                case "image/png" -> "png";
                case "image/jpeg", "image/jpg" -> "jpeg";
                case "image/gif" -> "gif";
                case "image/webp" -> "webp";
                default -> throw new IllegalArgumentException("Image media type \"" + Checks.abbreviate(mediaType)
                        + "\" is not one Bedrock takes; use image/png, image/jpeg, image/gif or image/webp");
            };
            return new Image(format, bytes);
        }

        /** @return a copy of the encoded image */
        @Override
        public byte[] bytes() {
            return bytes.clone();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Image other && format.equals(other.format)
                    && Arrays.equals(bytes, other.bytes);
        }

        @Override
        public int hashCode() {
            return 31 * format.hashCode() + Arrays.hashCode(bytes);
        }

        @Override
        public String toString() {
            return "Image[format=" + format + ", bytes=" + bytes.length + "]";
        }
    }

    /**
     * The model asks the application to run a tool.
     *
     * @param id the tool use id (1–64 of {@code [a-zA-Z0-9_.:-]}), echoed in the {@link ToolResult}
     * @param name the tool name, as in the {@link ToolSpec}
     * @param inputJson the tool input, a JSON object
     */
    record ToolUse(String id, String name, String inputJson) implements ContentPart {
        /** @throws IllegalArgumentException if a value is missing or the id or name is malformed */
        public ToolUse {
            Checks.toolUseId(id);
            Checks.toolName(name);
            Checks.jsonObject("ToolUse.inputJson", inputJson);
        }
    }

    /**
     * The application's answer to a {@link ToolUse}.
     *
     * @param toolUseId the id of the tool use answered
     * @param content the result as text (JSON is fine), not empty
     * @param isError whether the tool failed; the model sees the content as an error message
     */
    record ToolResult(String toolUseId, String content, boolean isError) implements ContentPart {
        /** @throws IllegalArgumentException if a value is missing or the id is malformed */
        public ToolResult {
            Checks.toolUseId(toolUseId);
            if (content == null || content.isEmpty()) {
                throw new IllegalArgumentException("ToolResult.content for " + toolUseId + " is empty; send at"
                        + " least one character, e.g. \"ok\"");
            }
        }

        /**
         * Creates a successful result.
         *
         * @param toolUseId the id of the tool use answered
         * @param content the result
         * @return the part
         */
        public static ToolResult of(String toolUseId, String content) {
            return new ToolResult(toolUseId, content, false);
        }
    }

    /** A prompt-cache checkpoint (Bedrock {@code cachePoint} of type {@code default}). */
    record CachePoint() implements ContentPart {
        static final CachePoint INSTANCE = new CachePoint();
    }
}
