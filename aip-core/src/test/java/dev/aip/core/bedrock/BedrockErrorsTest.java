package dev.aip.core.bedrock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.chat.IncompleteStreamException;
import dev.aip.core.chat.TransportFailure;
import dev.aip.core.metering.Outcome;
import dev.aip.core.tenant.TenantId;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.bedrockruntime.model.ThrottlingException;

class BedrockErrorsTest {

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "429, ThrottlingException, THROTTLED",
        "429, ModelNotReadyException, THROTTLED",
        "408, ModelTimeoutException, TIMEOUT",
        "400, ValidationException, CLIENT_ERROR",
        "403, AccessDeniedException, CLIENT_ERROR",
        "404, ResourceNotFoundException, CLIENT_ERROR",
        "424, ModelErrorException, SERVER_ERROR",
        "500, InternalServerException, SERVER_ERROR",
        "503, ServiceUnavailableException, SERVER_ERROR",
    })
    void classify_serviceExceptions_byStatusAndCode(int status, String code, Outcome expected) {
        AwsServiceException e = AwsServiceException.builder().statusCode(status).requestId("req-1")
                .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).build()).build();

        TransportFailure f = BedrockErrors.classify(new CompletionException(e));

        assertThat(f.outcome()).isEqualTo(expected);
        assertThat(f.errorCode()).isEqualTo(code);
        assertThat(f.awsRequestId()).isEqualTo("req-1");
    }

    @Test
    void classify_eventStreamSpelling_isNormalisedToTheExceptionName() {
        ThrottlingException e = (ThrottlingException) ThrottlingException.builder().statusCode(429)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("throttlingException").build()).build();
        assertThat(BedrockErrors.classify(e).errorCode()).isEqualTo("ThrottlingException");
        assertThat(BedrockErrors.errorCode("ValidationException:http://internal.amazon.com/coral/"))
                .isEqualTo("ValidationException");
    }

    @Test
    void classify_clientSideFailures() {
        assertThat(BedrockErrors.classify(ApiCallTimeoutException.create(1000)).outcome()).isEqualTo(Outcome.TIMEOUT);
        assertThat(BedrockErrors.classify(new CancellationException()).outcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(BedrockErrors.classify(SdkClientException.create("connection reset")).outcome())
                .isEqualTo(Outcome.SERVER_ERROR);
        assertThat(BedrockErrors.classify(new IncompleteStreamException(TenantId.of("a"), "cut")))
                .isEqualTo(new TransportFailure(Outcome.STREAM_INTERRUPTED, "IncompleteStream", null));
    }
}
