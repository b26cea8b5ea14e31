package dev.aip.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.AwsRegionProvider;

/** {@code --aws} on a host without credentials or Region: one line saying what to set, exit code 2, no AWS call. */
class AwsSetupTest {

    static final AwsCredentialsProvider NO_CREDENTIALS = () -> {
        throw SdkClientException.create("Unable to load credentials from any of the providers in the chain");
    };
    static final AwsCredentialsProvider SOME_CREDENTIALS =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "secret"));
    static final AwsRegionProvider NO_REGION = () -> {
        throw SdkClientException.create("Unable to load region from any of the providers in the chain");
    };
    static final AwsRegionProvider SOME_REGION = () -> Region.US_WEST_2;

    static Stream<Arguments> labs() {
        return Stream.of(
                Arguments.of("lab 1", (Captured.Lab) Lab1SharedProfile::run),
                Arguments.of("lab 2", (Captured.Lab) Lab2ProfileLifecycle::run),
                Arguments.of("lab 3", (Captured.Lab) Lab3DirectSdk::run),
                Arguments.of("lab 4", (Captured.Lab) Lab4Agent::run),
                Arguments.of("lab 6", (Captured.Lab) Lab6Chains::run),
                Arguments.of("lab 7", (Captured.Lab) Lab7Workflow::run));
    }

    static LabEnvironment.Host host(AwsCredentialsProvider credentials, AwsRegionProvider region) {
        return new LabEnvironment.Host(() -> credentials, () -> region, null);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("labs")
    void run_awsWithoutCredentials_printsOneLineNamingTheVariablesAndExits2(String name, Captured.Lab lab) {
        Captured run = Captured.run(lab, host(NO_CREDENTIALS, SOME_REGION), "--aws");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err().lines()).singleElement().satisfies(line -> assertThat(line)
                .startsWith("aip: --aws needs AWS credentials")
                .contains("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
                .doesNotContain("Region"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("labs")
    void run_awsWithoutRegion_printsOneLineNamingAwsRegionAndExits2(String name, Captured.Lab lab) {
        Captured run = Captured.run(lab, host(SOME_CREDENTIALS, NO_REGION), "--aws");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err().lines()).singleElement().satisfies(line -> assertThat(line)
                .isEqualTo("aip: --aws needs a Region (set AWS_REGION or pass --region, e.g. --region us-west-2)"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("labs")
    void run_awsWithNeitherButARegionOption_asksOnlyForCredentials(String name, Captured.Lab lab) {
        Captured run = Captured.run(lab, host(NO_CREDENTIALS, NO_REGION), "--aws", "--region", "us-east-1");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err().lines()).singleElement().satisfies(line -> assertThat(line)
                .contains("AWS credentials").doesNotContain("AWS_REGION"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("labs")
    void run_unknownOption_isAUsageErrorWithExit2(String name, Captured.Lab lab) {
        Captured run = Captured.run(lab, host(NO_CREDENTIALS, NO_REGION), "--no-such-option");

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("--no-such-option");
    }
}
