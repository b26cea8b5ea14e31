package dev.aip.emulator;

import java.util.List;
import java.util.Map;

/**
 * What the deterministic model, the prompt cache and the script need from a validated request, whatever its wire
 * format. Immutable.
 *
 * @param inputTokens all input tokens, cached or not (what CountTokens answers)
 * @param hash hash of the whole content; seeds the reply
 * @param breakpoints cache points in order
 * @param lastUserText text of the latest user message that has text ("" if none); what prompt matchers see
 * @param toolResultPending whether the latest message is a user turn carrying a toolResult, i.e. the model is
 *     expected to answer after a tool ran
 * @param toolNames names of the tools offered, in order
 * @param toolChoice {@code auto}, {@code any}, {@code tool} or {@code null} when absent
 * @param toolChoiceName the tool named by {@code toolChoice: tool}
 * @param maxTokens the output cap, or {@code null} for the model default
 * @param stopSequences the requested stop sequences
 * @param requestMetadata request metadata from the body or the header, empty if none
 * @param outputSchema the JSON schema of Converse's {@code outputConfig.textFormat}, or {@code null} for free text
 */
record Prompt(long inputTokens, long hash, List<PromptDigest.Breakpoint> breakpoints, String lastUserText,
              boolean toolResultPending, List<String> toolNames, String toolChoice, String toolChoiceName,
              Integer maxTokens, List<String> stopSequences, Map<String, String> requestMetadata,
              OutputSchema outputSchema) {

    Prompt withRequestMetadata(Map<String, String> metadata) {
        return new Prompt(inputTokens, hash, breakpoints, lastUserText, toolResultPending, toolNames, toolChoice,
                toolChoiceName, maxTokens, stopSequences, metadata, outputSchema);
    }
}
