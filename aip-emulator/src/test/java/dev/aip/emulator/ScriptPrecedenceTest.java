package dev.aip.emulator;

import static dev.aip.emulator.RuntimeFixture.AIP_ARN;
import static dev.aip.emulator.RuntimeFixture.AIP_ID;
import static dev.aip.emulator.RuntimeFixture.HAIKU;
import static dev.aip.emulator.RuntimeFixture.US_HAIKU;
import static dev.aip.emulator.RuntimeFixture.US_HAIKU_ARN;
import static dev.aip.emulator.RuntimeFixture.converse;
import static dev.aip.emulator.RuntimeOperation.CONVERSE;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Which calls a script rule matches and which rule wins; the fixture's AIP was copied from {@code us.} Haiku. */
class ScriptPrecedenceTest {

    private final RuntimeFixture f = new RuntimeFixture();

    private String text(String modelId, String prompt) {
        return f.call(CONVERSE, modelId, converse(prompt)).json().at("/output/message/content/0/text").asText();
    }

    @ParameterizedTest
    @ValueSource(strings = {US_HAIKU, US_HAIKU_ARN})
    void ruleForSystemProfile_firesOnCallsToAnApplicationProfileCopiedFromIt(String systemProfile) {
        f.api.script().forModel(systemProfile).replyText("scripted");

        assertThat(text(AIP_ARN, "x")).isEqualTo("scripted");
        assertThat(text(AIP_ID, "x")).isEqualTo("scripted");
        assertThat(text(US_HAIKU, "x")).isEqualTo("scripted");
    }

    @Test
    void ruleForSystemProfile_doesNotFireOnTheBareFoundationModel() {
        f.api.script().forModel(US_HAIKU).replyText("scripted");

        assertThat(text(HAIKU, "x")).isNotEqualTo("scripted");
    }

    @Test
    void rulesForEveryLevel_mostSpecificWins_whateverTheOrderAdded() {
        // Added least specific first, so "first added wins" would answer "any" everywhere.
        f.api.script().forAnyModel().replyText("any");
        f.api.script().forModel(HAIKU).replyText("foundation model");
        f.api.script().forModel(US_HAIKU).replyText("system profile");
        f.api.script().forModel(AIP_ID).replyText("aip id");
        f.api.script().forModel(AIP_ARN).replyText("aip arn");

        assertThat(List.of(text(AIP_ARN, "x"), text(AIP_ID, "x"), text(US_HAIKU, "x"), text(HAIKU, "x"),
                text(RuntimeFixture.NOVA, "x")))
                .containsExactly("aip arn", "aip id", "system profile", "foundation model", "any");
    }

    @Test
    void profileRuleByItsOtherForm_beatsTheSystemProfileRule() {
        f.api.script().forModel(US_HAIKU).replyText("system profile");
        f.api.script().forModel(AIP_ID).replyText("aip id");

        assertThat(text(AIP_ARN, "x")).isEqualTo("aip id");
    }

    @Test
    void promptRule_beatsModelRule_evenForAnyModelAndAddedLater() {
        f.api.script().forModel(AIP_ARN).replyText("tenant default");
        f.api.script().forAnyModel().whenPromptContains("weather").replyText("weather");

        assertThat(text(AIP_ARN, "the weather?")).isEqualTo("weather");
        assertThat(text(AIP_ARN, "hello")).isEqualTo("tenant default");
    }

    @Test
    void promptRules_mostSpecificModelWins() {
        f.api.script().forModel(HAIKU).whenPromptContains("weather").replyText("model weather");
        f.api.script().forModel(AIP_ARN).whenPromptMatches("weat?her").replyText("tenant weather");

        assertThat(text(AIP_ARN, "the weather?")).isEqualTo("tenant weather");
        assertThat(text(HAIKU, "the weather?")).isEqualTo("model weather");
    }

    @Test
    void oneShotRulesOfEqualRank_fireInTheOrderAdded() {
        f.api.script().forModel(US_HAIKU).whenPromptContains("Review").once().replyText("REVISE");
        f.api.script().forModel(US_HAIKU).whenPromptContains("Review").replyText("APPROVED");

        assertThat(List.of(text(AIP_ARN, "Review this"), text(AIP_ARN, "Review this"), text(AIP_ARN, "Review this")))
                .containsExactly("REVISE", "APPROVED", "APPROVED");
    }

    @Test
    void oneShotRule_usedUpOnlyByTheCallItWins() {
        f.api.script().forModel(HAIKU).once().replyText("model once");
        f.api.script().forModel(AIP_ARN).replyText("tenant");

        String tenant = text(AIP_ARN, "x");
        String model = text(HAIKU, "x");

        assertThat(tenant).isEqualTo("tenant");
        assertThat(model).isEqualTo("model once");
        assertThat(f.api.script().rules()).extracting(Script.Rule::modelId).containsExactly(AIP_ARN);
    }

    @Test
    void faultPlanForSystemProfile_appliesToAnApplicationProfileCopiedFromIt_belowThePlanOfTheProfile() {
        f.api.faults().set(US_HAIKU, FaultPlan.builder().throttleSequence(true, true).build());
        f.api.faults().set(HAIKU, FaultPlan.builder().throttleSequence(false, false).build());

        assertThat(f.error(CONVERSE, AIP_ARN, converse("x")).code()).isEqualTo("ThrottlingException");

        f.api.faults().set(AIP_ID, FaultPlan.NONE);

        assertThat(f.call(CONVERSE, AIP_ARN, converse("x")).status).isEqualTo(200);
    }
}
