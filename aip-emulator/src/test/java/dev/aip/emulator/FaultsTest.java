package dev.aip.emulator;

import static dev.aip.emulator.RuntimeFixture.AIP_ARN;
import static dev.aip.emulator.RuntimeFixture.AIP_ID;
import static dev.aip.emulator.RuntimeFixture.HAIKU;
import static dev.aip.emulator.RuntimeFixture.converse;
import static dev.aip.emulator.RuntimeOperation.CONVERSE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class FaultsTest {

    private final RuntimeFixture f = new RuntimeFixture();

    private List<Boolean> throttled(RuntimeFixture fixture, String modelId, int calls) {
        List<Boolean> out = new ArrayList<>();
        for (int i = 0; i < calls; i++) {
            try {
                fixture.call(CONVERSE, modelId, converse("hi"));
                out.add(false);
            } catch (ApiError e) {
                out.add(e.code().equals("ThrottlingException"));
            }
        }
        return out;
    }

    @Test
    void throttleSequence_appliedExactlyThenNoMoreThrottles() {
        f.api.faults().set(AIP_ARN, FaultPlan.builder().throttleSequence(true, false, true).build());

        assertThat(throttled(f, AIP_ARN, 5)).containsExactly(true, false, true, false, false);
        ModelMetrics m = f.api.view().metrics(AIP_ID);
        assertThat(m.invocationThrottles()).isEqualTo(2);
        assertThat(m.invocations()).isEqualTo(3);
    }

    @Test
    void throttleProbability_sameSeed_sameDecisions() {
        RuntimeFixture a = new RuntimeFixture(99, RuntimeSettings.DEFAULTS);
        RuntimeFixture b = new RuntimeFixture(99, RuntimeSettings.DEFAULTS);
        a.api.faults().setGlobal(FaultPlan.builder().throttle(0.5).build());
        b.api.faults().setGlobal(FaultPlan.builder().throttle(0.5).build());

        List<Boolean> first = throttled(a, HAIKU, 40);

        assertThat(throttled(b, HAIKU, 40)).isEqualTo(first);
        assertThat(first).contains(true, false);
    }

    @Test
    void planForProfileId_appliesWhenCalledByArn() {
        f.api.faults().set(AIP_ID, FaultPlan.builder().throttleSequence(true).build());

        assertThat(throttled(f, AIP_ARN, 1)).containsExactly(true);
        assertThat(throttled(f, HAIKU, 1)).containsExactly(false);
    }

    @ParameterizedTest
    @CsvSource({
        "InternalServerException,500",
        "ServiceUnavailableException,503",
        "ModelNotReadyException,429",
        "ModelTimeoutException,408",
        "ModelErrorException,424"})
    void errorFault_answersCodeAndCountsAcceptedServerError(String code, int status) {
        f.api.faults().setGlobal(FaultPlan.builder().errorSequence(code, true).build());

        ApiError e = f.error(CONVERSE, HAIKU, converse("hi"));

        assertThat(e.code()).isEqualTo(code);
        assertThat(e.status()).isEqualTo(status);
        if (code.equals("ModelErrorException")) {
            assertThat(e.extra()).containsEntry("originalStatusCode", 500).containsKey("resourceName");
        }
        ModelMetrics m = f.api.view().metrics(HAIKU);
        assertThat(m.invocations()).isEqualTo(1);
        assertThat(m.invocationServerErrors()).isEqualTo(1);
        assertThat(m.inputTokenCount()).isZero();
        assertThat(f.last().outcome()).isEqualTo(InvocationRecord.Outcome.SERVER_ERROR);
    }

    @Test
    void clear_returnsToBuilderDefaults() {
        RuntimeFixture g = new RuntimeFixture(1, new RuntimeSettings(20, 60, 4, 100,
                FaultPlan.NONE, Map.of(HAIKU, FaultPlan.builder().throttleSequence(true, true).build())));
        g.api.faults().set(HAIKU, FaultPlan.NONE);
        assertThat(throttled(g, HAIKU, 1)).containsExactly(false);

        g.api.faults().clear();

        assertThat(throttled(g, HAIKU, 2)).containsExactly(true, true);
    }

    @Test
    void faultPlan_invalidSettings_rejectedWithTheSettingNamed() {
        assertThatThrownBy(() -> FaultPlan.builder().throttle(1.5).build()).hasMessageContaining("throttleProbability");
        assertThatThrownBy(() -> FaultPlan.builder().error("NoSuchException", 1).build())
                .hasMessageContaining("NoSuchException");
        assertThatThrownBy(() -> FaultPlan.builder().cutStreamAfterEvents(-2).build())
                .hasMessageContaining("cutAfterEvents");
    }

    @Test
    void scriptOnceRule_usedByFirstMatchingCallOnly() {
        f.api.script().forModel(AIP_ARN).once().fail("ModelTimeoutException");

        ApiError e = f.error(CONVERSE, AIP_ARN, converse("hi"));
        int status = f.call(CONVERSE, AIP_ARN, converse("hi")).status;

        assertThat(e.status()).isEqualTo(408);
        assertThat(status).isEqualTo(200);
        assertThat(f.api.script().rules()).isEmpty();
    }

    @Test
    void scriptRules_promptRuleWinsOverModelRuleAndPromptMatchersFilter() {
        f.api.script().forAnyModel().whenPromptMatches("^order #\\d+").replyText("order found");
        f.api.script().forModel(HAIKU).replyText("generic");

        String a = f.call(CONVERSE, HAIKU, converse("order #42 please")).json().at("/output/message/content/0/text").asText();
        String b = f.call(CONVERSE, HAIKU, converse("hello")).json().at("/output/message/content/0/text").asText();

        assertThat(a).isEqualTo("order found");
        assertThat(b).isEqualTo("generic");
    }

    @Test
    void scriptByFoundationModel_matchesCallThroughProfile() {
        f.api.script().forModel(HAIKU).replyText("from haiku");

        String text = f.call(CONVERSE, AIP_ARN, converse("x")).json().at("/output/message/content/0/text").asText();

        assertThat(text).isEqualTo("from haiku");
    }

    @ParameterizedTest
    @CsvSource({"ThrottlingException,THROTTLED,0", "AccessDeniedException,CLIENT_ERROR,0",
        "ServiceUnavailableException,SERVER_ERROR,1"})
    void scriptedFailure_classifiedByCode(String code, String outcome, long invocations) {
        f.api.script().forAnyModel().fail(code, "scripted");

        ApiError e = f.error(CONVERSE, HAIKU, converse("x"));

        assertThat(e.getMessage()).isEqualTo("scripted");
        assertThat(f.last().outcome().name()).isEqualTo(outcome);
        assertThat(f.api.view().metrics(HAIKU).invocations()).isEqualTo(invocations);
    }

    @Test
    void scriptClear_removesRules() {
        f.api.script().forAnyModel().replyText("a");

        f.api.script().clear();

        assertThat(f.api.script().rules()).isEmpty();
        assertThat(f.call(CONVERSE, HAIKU, converse("x")).json().at("/output/message/content/0/text").asText())
                .isNotEqualTo("a");
    }

    @Test
    void useTool_invalidInputJson_rejectedAtRuleCreation() {
        assertThatThrownBy(() -> f.api.script().forAnyModel().useTool("t", "[1]"))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
