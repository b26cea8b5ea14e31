package dev.aip.cli;

import dev.aip.core.profile.ActionResult;
import dev.aip.core.profile.ApplyListener;
import dev.aip.core.profile.ApplyResult;
import dev.aip.core.profile.PlanAction;
import java.io.PrintWriter;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;

/**
 * Shows an apply's progress: on a terminal, one bar redrawn in place; otherwise (a pipe, a CI log) one counter line
 * per finished action. Then a summary. The lifecycle serialises the calls.
 */
final class ApplyProgress implements ApplyListener {

    private static final int WIDTH = 30;

    private final PrintWriter out;
    private final boolean terminal;
    private final Map<PlanAction.Kind, Integer> succeeded = new EnumMap<>(PlanAction.Kind.class);
    private int total;
    private int done;
    private int failed;

    ApplyProgress(PrintWriter out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    @Override
    public void onStart(int total) {
        this.total = total;
        out.println("Applying " + total + " action(s)...");
        if (terminal) {
            bar();
        }
        out.flush();
    }

    @Override
    public void onActionDone(PlanAction action, ActionResult result) {
        done++;
        if (result.succeeded()) {
            succeeded.merge(action.kind(), 1, Integer::sum);
        } else {
            failed++;
        }
        if (terminal) {
            bar();
        } else {
            String width = Integer.toString(total);
            out.printf(Locale.ROOT, "  [%" + width.length() + "d/%s] %s %s/%s %s%n", done, width, action.kind(),
                    action.tenant(), action.logicalModel(), result.succeeded()
                            ? "ok" + (result.profileArn() == null ? "" : " " + result.profileArn())
                            : "FAILED: " + Subcommand.oneLine(result.message()));
        }
        out.flush();
    }

    @Override
    public void onFinish(ApplyResult summary) {
        if (terminal) {
            out.println();
        }
        StringBuilder kinds = new StringBuilder();
        succeeded.forEach((k, n) -> kinds.append(kinds.length() == 0 ? "" : ", ")
                .append(k.name().toLowerCase(Locale.ROOT)).append(' ').append(n));
        out.printf(Locale.ROOT, "Applied %d action(s) in %.1f s: %d succeeded%s, %d failed.%n", summary.results().size(),
                summary.elapsed().toMillis() / 1000.0, summary.succeeded(),
                kinds.length() == 0 ? "" : " (" + kinds + ")", summary.failed());
        out.flush();
    }

    private void bar() {
        int filled = total == 0 ? WIDTH : done * WIDTH / total;
        out.printf(Locale.ROOT, "\r  [%s%s] %d/%d%s", "#".repeat(filled), ".".repeat(WIDTH - filled), done, total,
                failed == 0 ? "" : "  (" + failed + " failed)");
    }
}
