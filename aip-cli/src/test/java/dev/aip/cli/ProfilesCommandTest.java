package dev.aip.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.emulator.BedrockEmulator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProfilesCommandTest {

    static final String TENANTS = """
            tenant,tier,model,tags
            # the workshop's tenants
            tenant-a,premium,claude-sonnet,BusinessType=B2B-Tech;Environment=production
            tenant-b,standard,claude-haiku,BusinessType=B2C-Retail
            tenant-c,basic,nova-lite,
            """;

    @TempDir
    Path dir;

    BedrockEmulator emulator;
    String endpoint;

    @BeforeEach
    void start() {
        emulator = BedrockEmulator.builder().build().start();
        endpoint = emulator.endpoint().toString();
    }

    @AfterEach
    void stop() {
        emulator.close();
    }

    @Test
    void planApplyPlan_onEmptyAccount_createsEveryProfileThenPlansNothing() throws IOException {
        Path file = write("tenants.csv", TENANTS);

        CliRun.Result plan = profiles("plan", file);
        assertThat(plan.exitCode()).as(plan.err()).isZero();
        assertThat(plan.out()).contains("+ CREATE tenant-a/claude-sonnet", "+ CREATE tenant-b/claude-haiku",
                "+ CREATE tenant-c/nova-lite", "Plan: 3 to create, 0 to retag, 0 to replace, 0 to delete");
        assertThat(emulator.metrics()).isEmpty();

        CliRun.Result apply = profiles("apply", file);
        assertThat(apply.exitCode()).as(apply.err()).isZero();
        assertThat(apply.out()).containsPattern("\\[1/3] CREATE tenant-./\\S+ ok arn:aws:bedrock:us-east-1:")
                .contains("[3/3]", "Applied 3 action(s)", "3 succeeded (create 3), 0 failed.");

        CliRun.Result again = profiles("plan", file);
        assertThat(again.exitCode()).isZero();
        assertThat(again.out()).contains("Plan: 0 to create, 0 to retag, 0 to replace, 0 to delete; 3 unchanged")
                .doesNotContain("CREATE");

        CliRun.Result list = CliRun.run("profiles", "list", "--endpoint", endpoint);
        assertThat(list.exitCode()).isZero();
        assertThat(list.out()).containsPattern("tenant-a +premium +claude-sonnet +tenant-a-claude-sonnet +arn:aws:")
                .containsPattern("tenant-c +basic +nova-lite").contains("3 managed profile(s).");
    }

    @Test
    void apply_withDeletesWithoutYes_refusesAndChangesNothing() throws IOException {
        profiles("apply", write("tenants.csv", TENANTS));
        Path fewer = write("fewer.csv", "tenant,tier,model\ntenant-a,premium,claude-sonnet\n");

        CliRun.Result refused = profiles("apply", fewer);

        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.out()).contains("- DELETE tenant-b/claude-haiku", "- DELETE tenant-c/nova-lite");
        assertThat(refused.error()).isEqualTo("aip: the plan deletes or replaces 2 profile(s); rerun with --yes to"
                + " apply it");
        assertThat(CliRun.run("profiles", "list", "--endpoint", endpoint).out()).contains("3 managed profile(s).");

        CliRun.Result applied = CliRun.run("profiles", "apply", "--tenants", fewer.toString(), "--endpoint",
                endpoint, "--yes");
        assertThat(applied.exitCode()).as(applied.err()).isZero();
        assertThat(CliRun.run("profiles", "list", "--endpoint", endpoint).out()).contains("1 managed profile(s).");
    }

    @Test
    void apply_tierChanged_retagsInsteadOfRecreating() throws IOException {
        profiles("apply", write("tenants.csv", TENANTS));
        Path changed = write("changed.yaml", """
                - tenant: tenant-a
                  tier: basic
                  model: claude-sonnet
                  tags: {BusinessType: B2B-Tech, Environment: production}
                - tenant: tenant-b
                  tier: standard
                  model: claude-haiku
                  tags: {BusinessType: B2C-Retail}
                - tenant: tenant-c
                  tier: basic
                  model: nova-lite
                """);

        CliRun.Result apply = profiles("apply", changed);

        assertThat(apply.exitCode()).as(apply.err()).isZero();
        assertThat(apply.out()).contains("~ RETAG tenant-a/claude-sonnet", "Tier is premium, want basic",
                "1 succeeded (retag 1)");
        assertThat(profiles("plan", changed).out()).contains("3 unchanged");
    }

    @Test
    void delete_listedTenantsWithYes_deletesOnlyTheirProfiles() throws IOException {
        profiles("apply", write("tenants.csv", TENANTS));
        Path gone = write("gone.csv", "tenant,tier,model\ntenant-b,standard,claude-haiku\ntenant-x,basic,nova-lite\n");

        CliRun.Result refused = CliRun.run("profiles", "delete", "--tenants", gone.toString(), "--endpoint",
                endpoint);
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.error()).isEqualTo("aip: not deleting 1 profile(s) without confirmation; rerun with --yes");

        CliRun.Result deleted = CliRun.run("profiles", "delete", "--tenants", gone.toString(), "--endpoint",
                endpoint, "--yes");
        assertThat(deleted.exitCode()).as(deleted.err()).isZero();
        assertThat(deleted.out()).contains("(tenant tenant-x has no managed profile)", "DELETE tenant-b/claude-haiku",
                "1 succeeded (delete 1)");
        String list = CliRun.run("profiles", "list", "--endpoint", endpoint).out();
        assertThat(list).contains("tenant-a", "tenant-c", "2 managed profile(s).").doesNotContain("tenant-b");
    }

    @Test
    void plan_csvMissingTierColumn_namesFileLineAndColumn() throws IOException {
        Path file = write("bad.csv", "tenant,model\nacme,claude-haiku\n");

        CliRun.Result run = profiles("plan", file);

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.error()).isEqualTo("aip: " + file + ":1: missing column 'tier'; the header must name"
                + " tenant,tier,model[,tags] (found: tenant,model)");
        assertThat(run.out()).isEmpty();
    }

    @Test
    void plan_csvBadTier_namesLineAndField() throws IOException {
        Path file = write("bad.csv", "tenant,tier,model\nacme,premium,claude-haiku\n\nglobex,Gold!,claude-haiku\n");

        CliRun.Result run = profiles("plan", file);

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.error()).startsWith("aip: " + file + ":4: field 'tier': Tier name \"Gold!\" is invalid")
                .doesNotContain("\n");
    }

    @Test
    void plan_badTenantId_namesLineAndField() throws IOException {
        Path file = write("bad.csv", "tenant,tier,model\n# comment\nacme corp,premium,claude-haiku\n");

        CliRun.Result run = profiles("plan", file);

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.error()).startsWith("aip: " + file + ":3: field 'tenant': Tenant id \"acme corp\" contains"
                + " the disallowed character").doesNotContain("\n");
    }

    @Test
    void plan_yamlEntryWithoutModel_namesLineAndField() throws IOException {
        Path file = write("bad.yaml", "- tenant: ok\n  tier: premium\n  model: claude-haiku\n- tenant: x\n  tier: basic\n");

        CliRun.Result run = profiles("plan", file);

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.error()).isEqualTo("aip: " + file + ":4: field 'model' is missing");
    }

    @Test
    void plan_missingTenantsFile_isAUsageError() {
        Path file = dir.resolve("nope.csv");

        CliRun.Result run = profiles("plan", file);

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.error()).isEqualTo("aip: tenants file not found: " + file.toAbsolutePath());
    }

    @Test
    void plan_unknownModelWithoutRoute_saysHowToRouteIt() throws IOException {
        Path file = write("t.csv", "tenant,tier,model\nacme,premium,my-model\n");

        CliRun.Result run = profiles("plan", file);

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.error()).startsWith("aip: No model route for logical model \"my-model\"").doesNotContain("\n");
    }

    @Test
    void plan_modelRouteOption_routesACustomName() throws IOException {
        Path file = write("t.csv", "tenant,tier,model\nacme,premium,fast\n");

        CliRun.Result run = CliRun.run("profiles", "plan", "--tenants", file.toString(), "--endpoint", endpoint,
                "--model-route", "fast=arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0");

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.out()).contains("+ CREATE acme/fast");
    }

    @Test
    void list_withoutEndpointOrRegion_namesWhatToSet() {
        CliRun.Result run = CliRun.run("profiles", "list");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.error()).isEqualTo("aip: no AWS region: pass --region (e.g. --region us-east-1) or set"
                + " AWS_REGION");
    }

    @Test
    void list_unreachableEndpoint_failsWithOneLine() {
        CliRun.Result run = CliRun.run("profiles", "list", "--endpoint", "http://127.0.0.1:1");

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.error()).startsWith("aip: AWS call failed: ").doesNotContain("\n");
    }

    @Test
    void profiles_withoutSubcommand_listsThemAndFails() {
        CliRun.Result run = CliRun.run("profiles");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.error()).isEqualTo("aip: 'aip profiles' needs a subcommand: plan, apply, list, delete. Try"
                + " 'aip profiles --help'.");
    }

    private CliRun.Result profiles(String command, Path file) {
        return CliRun.run("profiles", command, "--tenants", file.toString(), "--endpoint", endpoint);
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }
}
