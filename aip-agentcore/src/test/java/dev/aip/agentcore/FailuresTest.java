package dev.aip.agentcore;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.GovernanceUnavailableException;
import dev.aip.core.PolicyViolationException;
import dev.aip.core.RateLimitExceededException;
import dev.aip.core.chat.CallTimeoutException;
import dev.aip.core.tenant.TenantId;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;

class FailuresTest {

    static final TenantId ACME = TenantId.of("acme");
    static final RateLimitExceededException RATE = new RateLimitExceededException(ACME, "requests-per-minute", 60, 0,
            Duration.ofMillis(1500), "Tenant acme made 60 requests this minute, its limit; retry after 2 s.");

    @Test
    void answer_rateLimitWrappedByAnExecutor_is429WithItsRetryAfterRoundedUp() {
        Failures.Answer a = Failures.answer(new ExecutionException(new CompletionException(RATE)));

        assertThat(a.status()).isEqualTo(429);
        assertThat(a.type()).isEqualTo("rate_limit_exceeded");
        assertThat(a.message()).isEqualTo(RATE.getMessage());
        assertThat(a.retryAfterSeconds()).isEqualTo("2");
    }

    @Test
    void answer_aipRefusalInsideAnSdkClientException_isTheRefusal() {
        SdkClientException wrapped = SdkClientException.builder().message("interceptor failed").cause(RATE).build();

        assertThat(Failures.answer(wrapped).status()).isEqualTo(429);
    }

    @Test
    void answer_policyGovernanceAndTimeouts_keepTheirMeaning() {
        assertThat(Failures.answer(new PolicyViolationException(ACME, "allowed-models", "not allowed")).status())
                .isEqualTo(403);
        assertThat(Failures.answer(new PolicyViolationException(ACME, "max-tokens", "too many")).status())
                .isEqualTo(400);
        Failures.Answer unavailable = Failures.answer(new GovernanceUnavailableException(ACME, "redis", "down",
                new IllegalStateException("connection refused")));
        assertThat(unavailable.status()).isEqualTo(503);
        assertThat(unavailable.retryAfterSeconds()).isEqualTo("1");
        assertThat(Failures.answer(new CallTimeoutException(Duration.ofSeconds(30))).status()).isEqualTo(504);
    }

    @Test
    void answer_bedrockThrottlingAndValidation_are503And400() {
        AwsServiceException throttled = AwsServiceException.builder().statusCode(429)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("ThrottlingException").build()).build();
        AwsServiceException invalid = AwsServiceException.builder().statusCode(400)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("ValidationException")
                        .errorMessage("maxTokens too large").build()).build();

        assertThat(Failures.answer(throttled).status()).isEqualTo(503);
        assertThat(Failures.answer(throttled).retryAfterSeconds()).isEqualTo("1");
        assertThat(Failures.answer(invalid).status()).isEqualTo(400);
        assertThat(Failures.answer(invalid).message()).contains("maxTokens too large");
    }

    @Test
    void answer_unknownFailure_is500WithoutItsMessage() {
        Failures.Answer a = Failures.answer(new IllegalStateException("secret internals"));

        assertThat(a.status()).isEqualTo(500);
        assertThat(a.message()).doesNotContain("secret internals");
        assertThat(a.retryAfterSeconds()).isNull();
    }
}
