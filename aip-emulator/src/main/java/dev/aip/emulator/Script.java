package dev.aip.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

/**
 * Scripted model behaviour: rules that decide what the emulator answers for a given model and prompt, ahead of the
 * deterministic model. Reach it with {@link BedrockEmulator#script()}.
 *
 * <pre>{@code
 * emulator.script().forModel(profileArn).whenPromptContains("weather")
 *         .useTool("get_weather", "{\"city\":\"Paris\"}", "It is sunny in Paris.");
 * emulator.script().forAnyModel().whenPromptContains("compare")
 *         .useTools(List.of(Script.toolCall("get_weather", "{\"city\":\"Paris\"}"),
 *                 Script.toolCall("get_weather", "{\"city\":\"Lyon\"}")), "Paris is warmer.");
 * emulator.script().forAnyModel().once().fail("ModelTimeoutException");
 * emulator.script().forModel("anthropic.claude-3-5-haiku-20241022-v1:0").replyTokens(500);
 * }</pre>
 *
 * <p>Which calls a rule matches: a rule for a model id matches every call whose target resolves to it, so a rule
 * written for the model a tenant's application inference profile was made from also fires on calls to that
 * profile. The id may be
 * <ol>
 *   <li>the id as called (a foundation model id or ARN, a system-defined profile id or ARN, an application
 *       profile's ARN or id);</li>
 *   <li>the called profile's other form: its ARN when called by id, its id when called by ARN;</li>
 *   <li>the system-defined profile an application profile was copied from ({@code modelSource.copyFrom}), by id
 *       ({@code us.anthropic.claude-3-5-haiku-20241022-v1:0}) or ARN;</li>
 *   <li>the foundation model that answers ({@code anthropic.claude-3-5-haiku-20241022-v1:0}).</li>
 * </ol>
 * Prompt matchers look at the text of the latest user message that has text (so in an agent loop, whose last user
 * turn carries only a toolResult, they still see the question).
 *
 * <p>Which rule wins when several match, most specific first: a rule with a prompt condition
 * ({@code whenPromptContains}, {@code whenPromptMatches}) beats one without; then a rule whose model id is higher in
 * the list above beats a lower one, and any model-specific rule beats a {@link #forAnyModel()} rule; among rules
 * equal on both counts, the one added first wins. So a per-tenant rule overrides a per-model default whatever the
 * order they were added in, and a chain of {@link RuleBuilder#once() one-shot} rules for the same model and prompt
 * fires in the order added. A one-shot rule is used up by the first call it wins; other rules stay until
 * {@link #clear()}.
 *
 * <p>Scripted replies still obey the request: stop sequences cut the text ({@code stop_sequence}) and
 * {@code maxTokens} caps it ({@code max_tokens}). Thread-safe: rules may be added while calls are served.
 */
public final class Script {

    /** What a matching rule makes the model do. Implementations are immutable records. */
    public sealed interface Action permits Action.ReplyText, Action.ReplyTokens, Action.UseTool, Action.UseTools,
            Action.Fail, Action.ModelDefault {

        /** Answer with exactly this text. */
        record ReplyText(String text) implements Action {
            public ReplyText {
                Objects.requireNonNull(text, "text");
            }
        }

        /** Answer with generated text of exactly {@code tokens} output tokens (before {@code maxTokens}). */
        record ReplyTokens(int tokens) implements Action {
            public ReplyTokens {
                if (tokens < 0) {
                    throw new IllegalArgumentException("tokens must be >= 0, was " + tokens);
                }
            }
        }

        /**
         * Ask for a tool when the request offers a tool of that name and no toolResult is pending; once the
         * conversation ends with a toolResult, answer with {@code finalText} (or generated text when it is
         * {@code null}).
         *
         * @param inputJson the tool input, a JSON object
         */
        record UseTool(String toolName, String inputJson, String finalText) implements Action {
            public UseTool {
                Objects.requireNonNull(toolName, "toolName");
                Objects.requireNonNull(inputJson, "inputJson");
                JsonNode parsed;
                try {
                    parsed = Json.MAPPER.readTree(inputJson);
                } catch (IOException e) {
                    throw new IllegalArgumentException("inputJson is not valid JSON: " + inputJson, e);
                }
                if (parsed == null || !parsed.isObject()) {
                    throw new IllegalArgumentException("inputJson must be a JSON object, was " + inputJson);
                }
                inputJson = parsed.toString();
            }
        }

        /**
         * Ask for several tools in one assistant turn (parallel tool calls): one toolUse block per call, in order,
         * when the request offers every tool named and no toolResult is pending; once the conversation ends with
         * the toolResults (Bedrock requires one for each toolUse of the turn), answer with {@code finalText} (or
         * generated text when it is {@code null}).
         *
         * @param calls two or more calls; a tool may be named more than once
         */
        record UseTools(List<UseTool> calls, String finalText) implements Action {
            public UseTools {
                calls = List.copyOf(Objects.requireNonNull(calls, "calls"));
                if (calls.size() < 2) {
                    throw new IllegalArgumentException("UseTools needs two or more calls, had " + calls.size()
                            + "; use UseTool for one");
                }
            }
        }

        /**
         * Fail the call with a Bedrock runtime error (any code of the runtime error table, e.g.
         * {@code ThrottlingException}, {@code ModelErrorException}). On ConverseStream a
         * {@code ModelStreamErrorException} arrives in the stream, as Bedrock sends it; every other code is the
         * HTTP answer.
         *
         * @param message the error message, or {@code null} for Bedrock's usual one
         */
        record Fail(String errorCode, String message) implements Action {
            public Fail {
                errorCode = RuntimeErrors.normalize(errorCode);
            }
        }

        /** The deterministic model's own answer (useful with a delay). */
        record ModelDefault() implements Action {
        }
    }

    /**
     * One rule. Immutable.
     *
     * @param modelId model to match (id as called, profile id or ARN, the system-defined profile an application
     *     profile was copied from, or foundation model), or {@code null} for any
     * @param promptContains substring the latest user text must contain, or {@code null}
     * @param promptPattern pattern the latest user text must contain a match of ({@code find}), or {@code null}
     * @param action what to do
     * @param delay extra time before the answer starts, zero for none
     * @param once whether the first call the rule wins uses it up
     */
    public record Rule(String modelId, String promptContains, Pattern promptPattern, Action action, Duration delay,
                       boolean once) {
        public Rule {
            Objects.requireNonNull(action, "action");
            delay = delay == null ? Duration.ZERO : delay;
            if (delay.isNegative()) {
                throw new IllegalArgumentException("delay must not be negative, was " + delay);
            }
        }

        /**
         * Where this rule stands for the call, lower winning (see the class comment), or {@link #NO_MATCH}: prompt
         * rules take 0..4 and the others 5..9, by how specifically the model id names the call's target (4 for any
         * model).
         */
        int rank(RuntimeTarget target, String userText) {
            int specificity = modelId == null ? ANY_MODEL : target.specificity(modelId);
            if (specificity == RuntimeTarget.NOT_NAMED) {
                return NO_MATCH;
            }
            if (promptContains != null && !userText.contains(promptContains)) {
                return NO_MATCH;
            }
            if (promptPattern != null && !promptPattern.matcher(userText).find()) {
                return NO_MATCH;
            }
            boolean promptCondition = promptContains != null || promptPattern != null;
            return (promptCondition ? 0 : ANY_MODEL + 1) + specificity;
        }
    }

    /** Builds one rule; a terminal method ({@code reply…}, {@code useTool}, {@code fail}) adds it. Confined. */
    public final class RuleBuilder {
        private final String modelId;
        private String contains;
        private Pattern pattern;
        private Duration delay = Duration.ZERO;
        private boolean once;

        private RuleBuilder(String modelId) {
            this.modelId = modelId;
        }

        /** Only when the latest user text contains {@code text}. */
        public RuleBuilder whenPromptContains(String text) {
            this.contains = Objects.requireNonNull(text, "text");
            return this;
        }

        /** Only when the latest user text contains a match of {@code regex} (compiled once, here). */
        public RuleBuilder whenPromptMatches(String regex) {
            this.pattern = Pattern.compile(regex);
            return this;
        }

        /** Wait this long before answering (on top of any fault latency). */
        public RuleBuilder delay(Duration delay) {
            this.delay = Objects.requireNonNull(delay, "delay");
            return this;
        }

        /** Use the rule for the first call it wins only (see the class comment for which rule wins). */
        public RuleBuilder once() {
            this.once = true;
            return this;
        }

        public Rule replyText(String text) {
            return add(new Action.ReplyText(text));
        }

        public Rule replyTokens(int tokens) {
            return add(new Action.ReplyTokens(tokens));
        }

        /** The model's own reply, e.g. together with {@link #delay}. */
        public Rule replyAsModel() {
            return add(new Action.ModelDefault());
        }

        public Rule useTool(String toolName, String inputJson) {
            return add(new Action.UseTool(toolName, inputJson, null));
        }

        public Rule useTool(String toolName, String inputJson, String finalText) {
            return add(new Action.UseTool(toolName, inputJson, finalText));
        }

        /**
         * Several tool calls in one turn, then generated text once their results are back. Build each call with
         * {@link Script#toolCall}, e.g. {@code useTools(List.of(Script.toolCall("get_weather",
         * "{\"city\":\"Paris\"}"), Script.toolCall("get_time", "{}")))}; a call's own {@code finalText} is
         * ignored.
         */
        public Rule useTools(List<Action.UseTool> calls) {
            return add(new Action.UseTools(calls, null));
        }

        /** Several tool calls in one turn, then {@code finalText} once their results are back. */
        public Rule useTools(List<Action.UseTool> calls, String finalText) {
            return add(new Action.UseTools(calls, finalText));
        }

        public Rule fail(String errorCode) {
            return add(new Action.Fail(errorCode, null));
        }

        public Rule fail(String errorCode, String message) {
            return add(new Action.Fail(errorCode, message));
        }

        private Rule add(Action action) {
            return Script.this.add(new Rule(modelId, contains, pattern, action, delay, once));
        }
    }

    private static final class Entry {
        final Rule rule;
        final AtomicBoolean used = new AtomicBoolean();

        Entry(Rule rule) {
            this.rule = rule;
        }
    }

    private static final int NO_MATCH = -1;
    /** A {@link #forAnyModel()} rule ranks below every model specificity of {@link RuntimeTarget}. */
    private static final int ANY_MODEL = RuntimeTarget.FOUNDATION_MODEL + 1;

    private final CopyOnWriteArrayList<Entry> entries = new CopyOnWriteArrayList<>();

    Script() {
    }

    /** One call for {@link RuleBuilder#useTools}: the tool's name and its input, a JSON object. */
    public static Action.UseTool toolCall(String toolName, String inputJson) {
        return new Action.UseTool(toolName, inputJson, null);
    }

    /**
     * Starts a rule for one model: an id as called, a profile's id or ARN, the system-defined profile an application
     * profile was copied from, or the foundation model (see the class comment for matching and precedence).
     */
    public RuleBuilder forModel(String modelId) {
        return new RuleBuilder(Objects.requireNonNull(modelId, "modelId"));
    }

    /** Starts a rule for every model. */
    public RuleBuilder forAnyModel() {
        return new RuleBuilder(null);
    }

    /** Adds a rule after the existing ones. */
    public Rule add(Rule rule) {
        entries.add(new Entry(Objects.requireNonNull(rule, "rule")));
        return rule;
    }

    /** Removes a rule; returns whether it was there. */
    public boolean remove(Rule rule) {
        return entries.removeIf(e -> e.rule == rule);
    }

    /** The rules still in force, in the order they were added. */
    public List<Rule> rules() {
        List<Rule> out = new ArrayList<>();
        for (Entry e : entries) {
            if (!e.used.get()) {
                out.add(e.rule);
            }
        }
        return List.copyOf(out);
    }

    /** Removes every rule. */
    public void clear() {
        entries.clear();
    }

    /** The winning rule for the call, using up a one-shot rule; {@code null} when none matches. */
    Rule match(RuntimeTarget target, String userText) {
        while (!entries.isEmpty()) {
            Entry best = null;
            int bestRank = Integer.MAX_VALUE;
            for (Entry e : entries) {
                if (e.used.get()) {
                    continue;
                }
                int rank = e.rule.rank(target, userText);
                if (rank != NO_MATCH && rank < bestRank) {
                    best = e;
                    bestRank = rank;
                }
            }
            if (best == null) {
                return null;
            }
            if (!best.rule.once()) {
                return best.rule;
            }
            if (best.used.compareAndSet(false, true)) {
                entries.remove(best);
                return best.rule;
            }
            // Another call used the one-shot rule up between the scan and here: decide again without it.
        }
        return null;
    }
}
