package dev.aip.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.emulator.BedrockEmulator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrock.model.InferenceProfileSummary;
import software.amazon.awssdk.services.bedrock.model.InferenceProfileType;
import software.amazon.awssdk.services.bedrock.model.Tag;

class Lab2ProfileLifecycleTest {

    BedrockEmulator emulator;
    BedrockClient bedrock;

    @BeforeEach
    void start() {
        emulator = BedrockEmulator.builder().region("us-west-2").build().start();
        bedrock = BedrockClient.builder().endpointOverride(emulator.endpoint()).region(Region.US_WEST_2)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                .build();
    }

    @AfterEach
    void stop() {
        bedrock.close();
        emulator.close();
    }

    LabEnvironment.Host host() {
        return LabEnvironment.Host.system().withEmulator(emulator);
    }

    List<InferenceProfileSummary> applicationProfiles() {
        return bedrock.listInferenceProfiles(r -> r.typeEquals(InferenceProfileType.APPLICATION))
                .inferenceProfileSummaries();
    }

    Map<String, String> tags(String arn) {
        return bedrock.listTagsForResource(r -> r.resourceARN(arn)).tags().stream()
                .collect(Collectors.toMap(Tag::key, Tag::value));
    }

    @Test
    void run_onTheEmulator_walksCreateReadUpdateMonitorDeleteInOrder() {
        Captured run = Captured.run(Lab2ProfileLifecycle::run, host());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.lines("^(CREATE|READ|UPDATE|MONITOR|DELETE) ")).extracting(l -> l.split(" ")[0])
                .containsExactly("CREATE", "READ", "UPDATE", "MONITOR", "DELETE");
    }

    @Test
    void run_onTheEmulator_createsEachTenantsProfileWithTheTagSchemaThenUpdatesItsTags() {
        Captured run = Captured.run(Lab2ProfileLifecycle::run, host());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.lines("created marketing-ai-tenant-[ab]$")).hasSize(2);
        assertThat(run.only("tenant-a +tags: (.*)").group(1)).isEqualTo("BusinessType=B2B-Tech"
                + " CostCenter=marketing-ai-platform Environment=production ManagedBy=aip Model=nova-pro"
                + " TenantId=tenant-a Tier=premium");
        assertThat(run.only("tenant-b +tags: (.*)").group(1)).contains("BusinessType=B2C-Retail", "TenantId=tenant-b",
                "Environment=production", "CostCenter=marketing-ai-platform", "ManagedBy=aip");
        assertThat(run.only("tenant-a +tag Environment=development UpdatedAt=\\S+ -> (.*)").group(1))
                .contains("Environment=development", "UpdatedAt=", "TenantId=tenant-a");
        assertThat(run.only("tenant-a +untag UpdatedAt -> (.*)").group(1))
                .contains("Environment=development").doesNotContain("UpdatedAt");
        assertThat(run.lines("get: +name=marketing-ai-tenant-[ab] type=APPLICATION model=amazon.nova-pro-v1:0"))
                .hasSize(2);
    }

    @Test
    void run_onTheEmulator_printsThreeAlarmsPerTenantOnItsProfileIdWithTierThresholds() {
        Captured run = Captured.run(Lab2ProfileLifecycle::run, host());

        assertThat(run.exitCode()).as(run.err()).isZero();
        String idA = run.only("tenant-a .*\\n +arn=\\S+\\n +id=(\\S+)").group(1);
        String idB = run.only("tenant-b .*\\n +arn=\\S+\\n +id=(\\S+)").group(1);
        assertThat(idA).isNotEqualTo(idB);
        assertThat(run.lines("alarm aip-tenant-a-")).extracting(String::strip).containsExactly(
                "alarm aip-tenant-a-" + idA + "-invocations-5m",
                "alarm aip-tenant-a-" + idA + "-tokens-1m",
                "alarm aip-tenant-a-" + idA + "-throttles-5m");
        assertThat(run.lines("alarm aip-tenant-b-" + idB + "-")).hasSize(3);
        assertThat(run.lines("AWS/Bedrock .*\\{ModelId=" + idA + "}")).hasSize(3);
        assertThat(run.lines("AWS/Bedrock .*\\{ModelId=" + idB + "}")).hasSize(3);
        assertThat(run.only("AWS/Bedrock Invocations \\{ModelId=" + idA + "} Sum/300s > (\\d+)").group(1))
                .isEqualTo("1000");
        assertThat(run.only("AWS/Bedrock Invocations \\{ModelId=" + idB + "} Sum/300s > (\\d+)").group(1))
                .isEqualTo("250");
        assertThat(run.out()).contains("the emulator has no CloudWatch: this is the plan");
    }

    @Test
    void run_onTheEmulator_deletesWhatItCreated() {
        Captured run = Captured.run(Lab2ProfileLifecycle::run, host());

        assertThat(run.exitCode()).as(run.err()).isZero();
        assertThat(run.lines("DeleteInferenceProfile marketing-ai-tenant-[ab]; GetInferenceProfile now: not found"))
                .hasSize(2);
        assertThat(applicationProfiles()).isEmpty();
    }

    @Test
    void run_withKeep_leavesTheProfilesForLab3ToFind() {
        Captured lab2 = Captured.run(Lab2ProfileLifecycle::run, host(), "--keep");
        Captured lab3 = Captured.run(Lab3DirectSdk::run, host());

        assertThat(lab2.exitCode()).as(lab2.err()).isZero();
        assertThat(lab3.exitCode()).as(lab3.err()).isZero();
        assertThat(applicationProfiles()).hasSize(2);
        assertThat(lab3.lines("found +marketing-ai-tenant-[ab] ")).hasSize(2);
        assertThat(lab3.lines("created")).isEmpty();
    }

    @Test
    void run_withAProfileFromAnEarlierLab_reusesItAndRestoresItsTags() {
        Captured lab3 = Captured.run(Lab3DirectSdk::run, host());
        assertThat(lab3.exitCode()).as(lab3.err()).isZero();
        Map<String, Map<String, String>> before = applicationProfiles().stream()
                .collect(Collectors.toMap(InferenceProfileSummary::inferenceProfileArn,
                        p -> tags(p.inferenceProfileArn())));

        Captured lab2 = Captured.run(Lab2ProfileLifecycle::run, host());

        assertThat(lab2.exitCode()).as(lab2.err()).isZero();
        assertThat(lab2.lines("exists +marketing-ai-tenant-[ab]$")).hasSize(2);
        assertThat(lab2.lines("kept marketing-ai-tenant-[ab]: it existed before this lab")).hasSize(2);
        assertThat(applicationProfiles()).hasSize(2);
        before.forEach((arn, tags) -> assertThat(tags(arn)).isEqualTo(tags));
    }
}
