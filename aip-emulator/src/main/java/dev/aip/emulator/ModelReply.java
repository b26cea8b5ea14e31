package dev.aip.emulator;

import java.util.List;

/**
 * What the deterministic model answers, before a codec renders it in a wire format. Immutable.
 *
 * @param blocks content blocks in order
 * @param stopReason Converse spelling: {@code end_turn}, {@code max_tokens}, {@code stop_sequence}, {@code tool_use}
 * @param stopSequence the stop sequence that ended the text, or {@code null}
 * @param outputTokens output tokens of the whole reply
 */
record ModelReply(List<Block> blocks, String stopReason, String stopSequence, long outputTokens) {

    sealed interface Block permits Text, ToolCall {
        /** Output tokens of this block alone. */
        long tokens();
    }

    record Text(String text) implements Block {
        @Override
        public long tokens() {
            return PromptDigest.textTokens(text);
        }
    }

    /**
     * @param idSuffix the random part of the tool-use id; codecs add their prefix ({@code tooluse_}, {@code toolu_bdrk_})
     * @param inputJson compact JSON object
     */
    record ToolCall(String idSuffix, String name, String inputJson) implements Block {
        @Override
        public long tokens() {
            return tokens(inputJson.length());
        }

        /** Tokens of this call when only the first {@code inputChars} characters of its input were generated. */
        long tokens(int inputChars) {
            return PromptDigest.BLOCK_OVERHEAD + PromptDigest.textTokens(name)
                    + PromptDigest.textTokens(inputJson.substring(0, inputChars));
        }

        String converseId() {
            return "tooluse_" + idSuffix;
        }

        String anthropicId() {
            return "toolu_bdrk_" + idSuffix;
        }
    }
}
