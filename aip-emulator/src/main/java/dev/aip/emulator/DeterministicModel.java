package dev.aip.emulator;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The emulator's language model: a seeded PRNG over a word list. The same prompt, foundation model and seed always
 * give the same reply and the same token counts. Thread-safe (stateless apart from its settings).
 *
 * <p>Generated text is built so that its token count under {@link PromptDigest#textTokens} is exactly the number of
 * tokens asked for: every word plus its following space is 4 or 8 bytes of ASCII.
 */
final class DeterministicModel {

    // 3 letters (+ space = 1 token), 7 letters (+ space = 2 tokens), 2 letters and a full stop (1 token).
    private static final String[] SHORT = {"the", "sun", "sea", "map", "red", "ink", "owl", "fox", "day", "key",
        "oak", "art", "bay", "cup", "elm", "fig", "gem", "hut", "ivy", "jam", "kit", "log", "mud", "net", "orb",
        "pod", "rug", "sky", "tea", "urn", "van", "wax", "yew", "zip", "and", "for", "not", "but", "new", "old"};
    private static final String[] LONG = {"harbour", "lantern", "morning", "thunder", "compass", "journey",
        "granite", "whisper", "orchard", "meadows", "balance", "capital", "diamond", "evening", "fortune",
        "gallery", "horizon", "imagine", "justice", "kitchen", "landing", "machine", "network", "opinion",
        "pattern", "quarter", "railway", "science", "teacher", "uniform", "venture", "weather", "example"};
    private static final String[] LAST = {"up.", "on.", "in.", "go.", "so.", "to.", "by.", "at.", "we.", "it."};
    private static final char[] BASE62 =
            "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();

    private final long seed;
    private final int minReplyTokens;
    private final int maxReplyTokens;

    DeterministicModel(long seed, int minReplyTokens, int maxReplyTokens) {
        this.seed = seed;
        this.minReplyTokens = minReplyTokens;
        this.maxReplyTokens = maxReplyTokens;
    }

    /**
     * Answers a prompt.
     *
     * @param action the scripted action of the matching rule, or {@code null} for the model's own answer
     */
    ModelReply reply(Prompt prompt, String foundationModelId, Script.Action action) {
        SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L ^ prompt.hash()
                ^ ((long) foundationModelId.hashCode() << 32));
        if (action instanceof Script.Action.UseTool use) {
            if (!prompt.toolResultPending() && prompt.toolNames().contains(use.toolName())) {
                return toolCalls(random, List.of(use));
            }
            return use.finalText() == null ? ownText(prompt, random) : text(prompt, use.finalText());
        }
        if (action instanceof Script.Action.UseTools uses) {
            if (!prompt.toolResultPending()
                    && uses.calls().stream().allMatch(c -> prompt.toolNames().contains(c.toolName()))) {
                return toolCalls(random, uses.calls());
            }
            return uses.finalText() == null ? ownText(prompt, random) : text(prompt, uses.finalText());
        }
        if (action instanceof Script.Action.ReplyText reply) {
            return text(prompt, reply.text());
        }
        if (action instanceof Script.Action.ReplyTokens reply) {
            return text(prompt, generate(random, reply.tokens()));
        }
        if (!prompt.toolResultPending() && ("any".equals(prompt.toolChoice()) || "tool".equals(prompt.toolChoice()))) {
            String name = prompt.toolChoiceName() != null ? prompt.toolChoiceName() : prompt.toolNames().get(0);
            return toolCalls(random, List.of(Script.toolCall(name, "{}")));
        }
        return ownText(prompt, random);
    }

    /** The model's own text: JSON valid against the requested schema, or generated prose. */
    private ModelReply ownText(Prompt prompt, SplittableRandom random) {
        if (prompt.outputSchema() != null) {
            return text(prompt, prompt.outputSchema().generate(random));
        }
        return text(prompt, generate(random, defaultLength(random)));
    }

    private int defaultLength(SplittableRandom random) {
        return minReplyTokens + random.nextInt(maxReplyTokens - minReplyTokens + 1);
    }

    /** One assistant turn asking for the calls in order, each with its own id. */
    private static ModelReply toolCalls(SplittableRandom random, List<Script.Action.UseTool> uses) {
        List<ModelReply.Block> blocks = new ArrayList<>(uses.size());
        long tokens = 0;
        for (Script.Action.UseTool use : uses) {
            char[] id = new char[22];
            for (int i = 0; i < id.length; i++) {
                id[i] = BASE62[random.nextInt(BASE62.length)];
            }
            ModelReply.ToolCall call = new ModelReply.ToolCall(new String(id), use.toolName(), use.inputJson());
            blocks.add(call);
            tokens += call.tokens();
        }
        return new ModelReply(List.copyOf(blocks), "tool_use", null, tokens);
    }

    /** Applies stop sequences (earliest match wins), then the {@code maxTokens} cap. */
    static ModelReply text(Prompt prompt, String text) {
        String stopReason = "end_turn";
        String matched = null;
        int cut = -1;
        for (String stop : prompt.stopSequences()) {
            int at = text.indexOf(stop);
            if (at >= 0 && (cut < 0 || at < cut)) {
                cut = at;
                matched = stop;
            }
        }
        if (cut >= 0) {
            text = text.substring(0, cut);
            stopReason = "stop_sequence";
        }
        Integer max = prompt.maxTokens();
        if (max != null && PromptDigest.textTokens(text) > max) {
            text = prefixOfUtf8Bytes(text, 4L * max);
            stopReason = "max_tokens";
            matched = null;
        }
        ModelReply.Text block = new ModelReply.Text(text);
        return new ModelReply(List.of(block), stopReason, matched, block.tokens());
    }

    /** Text of exactly {@code tokens} tokens: sentences of short and long words. */
    static String generate(SplittableRandom random, int tokens) {
        if (tokens <= 0) {
            return "";
        }
        StringBuilder out = new StringBuilder(tokens * 4);
        int remaining = tokens;
        boolean sentenceStart = true;
        int sentenceWords = 0;
        int sentenceLength = 5 + random.nextInt(8);
        while (remaining > 0) {
            String word;
            if (remaining == 1 || sentenceWords >= sentenceLength) {
                word = LAST[random.nextInt(LAST.length)];
                remaining -= 1;
                sentenceWords = 0;
                sentenceLength = 5 + random.nextInt(8);
            } else if (remaining >= 3 && random.nextInt(3) == 0) {
                word = LONG[random.nextInt(LONG.length)];
                remaining -= 2;
                sentenceWords++;
            } else {
                word = SHORT[random.nextInt(SHORT.length)];
                remaining -= 1;
                sentenceWords++;
            }
            if (out.length() > 0) {
                out.append(' ');
            }
            if (sentenceStart) {
                out.append(Character.toUpperCase(word.charAt(0))).append(word, 1, word.length());
            } else {
                out.append(word);
            }
            sentenceStart = word.endsWith(".");
        }
        return out.toString();
    }

    /** The longest prefix whose UTF-8 encoding is at most {@code maxBytes}, never splitting a character. */
    static String prefixOfUtf8Bytes(String s, long maxBytes) {
        long bytes = 0;
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            int width;
            int chars = 1;
            if (c < 0x80) {
                width = 1;
            } else if (c < 0x800) {
                width = 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1))) {
                width = 4;
                chars = 2;
            } else {
                width = 3;
            }
            if (bytes + width > maxBytes) {
                break;
            }
            bytes += width;
            i += chars;
        }
        return s.substring(0, i);
    }

    /** Splits text into stream deltas of about {@code tokensPerChunk} tokens, breaking after spaces. */
    static List<String> chunks(String text, int tokensPerChunk) {
        List<String> out = new ArrayList<>();
        int target = Math.max(1, tokensPerChunk) * 4;
        int start = 0;
        while (start < text.length()) {
            int end = Math.min(text.length(), start + target);
            if (end < text.length()) {
                int space = text.indexOf(' ', end - 1);
                end = space < 0 ? text.length() : space + 1;
            }
            if (end < text.length() && Character.isHighSurrogate(text.charAt(end - 1))) {
                end++;
            }
            out.add(text.substring(start, end));
            start = end;
        }
        return out;
    }
}
