package dev.aip.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;

/**
 * {@code aip pricing check} against the real AWS Price List API. Opt-in: run with {@code -Daip.aws.pricing=true} and
 * AWS credentials allowed {@code pricing:GetProducts}; skipped without credentials. It proves the call is accepted and
 * its answers are read; whether AWS's prices equal the catalog's is the command's output, not this test's verdict.
 */
@EnabledIfSystemProperty(named = "aip.aws.pricing", matches = "true")
class PricingCheckAwsTest {

    @Test
    void check_againstAws_readsTheAnswersAndReportsDriftOrNone() {
        assumeTrue(hasCredentials(), "no AWS credentials: skipped");

        CliRun.Result run = CliRun.run(System::getenv, "pricing", "check");

        assertThat(run.exitCode()).as(run.err()).isIn(AipCommand.EXIT_OK, PricingCommand.EXIT_DRIFT);
        assertThat(run.out()).startsWith("Price catalog " + dev.aip.core.pricing.PriceCatalog.bundled().version()
                + " against the AWS Price List API");
        System.out.println(run.out());
        System.out.println(run.err());
    }

    private static boolean hasCredentials() {
        try {
            DefaultCredentialsProvider.builder().build().resolveCredentials();
            return true;
        } catch (SdkClientException e) {
            return false;
        }
    }
}
