package dev.aip.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code aip usage reconcile --aws} against the real Cost Explorer. Opt-in: run with
 * {@code -Daip.aws.costexplorer=true} and AWS credentials allowed {@code ce:GetCostAndUsage}; skipped without
 * credentials. Each page is a request AWS charges for (USD 0.01). It proves the call is accepted, its pages are saved
 * and read; the ledger here is empty, so whatever Bedrock cost the account has shows as aws-only.
 */
@EnabledIfSystemProperty(named = "aip.aws.costexplorer", matches = "true")
class ReconcileAwsTest {

    @TempDir
    Path dir;

    @Test
    void reconcileAws_againstCostExplorer_savesAndReadsTheAnswer() throws IOException {
        assumeTrue(AwsCredentialsProbe.present(), "no AWS credentials: skipped");
        Path ledger = Files.writeString(dir.resolve("empty.jsonl"), "");
        Path pages = dir.resolve("pages");
        LocalDate today = LocalDate.now(ZoneOffset.UTC);

        CliRun.Result run = CliRun.run(System::getenv, "usage", "reconcile", "--ledger", ledger.toString(), "--aws",
                "--from", today.minusDays(3).toString(), "--to", today.toString(), "--save-cost-explorer",
                pages.toString());

        assertThat(run.exitCode()).as(run.err()).isIn(AipCommand.EXIT_OK, ReconcileCommand.EXIT_DIFFERENCES);
        assertThat(run.out()).startsWith("Bill reconciliation: ledger " + ledger + " against Cost Explorer answer");
        try (var saved = Files.list(pages)) {
            assertThat(saved).isNotEmpty();
        }
        System.out.println(run.out());
    }
}
