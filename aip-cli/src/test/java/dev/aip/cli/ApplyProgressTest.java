package dev.aip.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.profile.ActionResult;
import dev.aip.core.profile.ApplyResult;
import dev.aip.core.profile.ControlPlaneFailure;
import dev.aip.core.profile.PlanAction;
import dev.aip.core.tenant.TenantId;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ApplyProgressTest {

    static final String ARN = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc123";

    @Test
    void progress_notATerminal_printsOneCounterLinePerActionAndASummary() {
        StringWriter text = new StringWriter();
        ApplyProgress progress = new ApplyProgress(new PrintWriter(text), false);

        run(progress);

        assertThat(text.toString().split("\n")).containsExactly(
                "Applying 2 action(s)...",
                "  [1/2] DELETE acme/claude-haiku ok " + ARN,
                "  [2/2] DELETE globex/claude-haiku FAILED: could not delete: THROTTLED (slow down)",
                "Applied 2 action(s) in 1.5 s: 1 succeeded (delete 1), 1 failed.");
    }

    @Test
    void progress_onATerminal_redrawsOneBar() {
        StringWriter text = new StringWriter();
        ApplyProgress progress = new ApplyProgress(new PrintWriter(text), true);

        run(progress);

        assertThat(text.toString()).contains("\r  [" + ".".repeat(30) + "] 0/2",
                "\r  [" + "#".repeat(15) + ".".repeat(15) + "] 1/2", "\r  [" + "#".repeat(30) + "] 2/2  (1 failed)\n")
                .endsWith("1 succeeded (delete 1), 1 failed.\n");
    }

    private static void run(ApplyProgress progress) {
        PlanAction a = action("acme");
        PlanAction b = action("globex");
        ActionResult ok = new ActionResult(a, true, ARN, null, null, 1);
        ActionResult failed = new ActionResult(b, false, null, ControlPlaneFailure.THROTTLED,
                "could not delete: THROTTLED (slow down)", 8);
        progress.onStart(2);
        progress.onActionDone(a, ok);
        progress.onActionDone(b, failed);
        progress.onFinish(new ApplyResult(List.of(ok, failed), Duration.ofMillis(1500)));
    }

    private static PlanAction action(String tenant) {
        return new PlanAction(PlanAction.Kind.DELETE, TenantId.of(tenant), "claude-haiku", "listed", ARN, null,
                Map.of(), Set.of());
    }
}
