package dev.aip.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.BudgetExceededException;
import dev.aip.core.tenant.TenantId;
import java.math.BigDecimal;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.awscore.exception.AwsServiceException;

class AnthropicErrorTest {

    @Test
    void of_bedrockThrottling_is529OverloadedWithRetryAfter() {
        AwsServiceException throttled = AwsServiceException.builder().statusCode(429)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("ThrottlingException").build()).build();

        AnthropicError e = AnthropicError.of(throttled);

        assertThat(e.status).isEqualTo(529);
        assertThat(e.type).isEqualTo("overloaded_error");
        assertThat(e.retryAfter).isEqualTo("1");
        assertThat(e.doNotRetry).isFalse();
    }

    @Test
    void of_gatewayCaps_tenantsIs429RateLimit_gatewaysIs529Overloaded() {
        AnthropicError tenant = AnthropicError.of(new GatewayError(429, "rate_limit_exceeded",
                "too_many_concurrent_requests", null, "busy", "1"));
        AnthropicError gateway = AnthropicError.of(new GatewayError(503, "api_error", "gateway_overloaded", null,
                "full", "1"));

        assertThat(tenant.status).isEqualTo(429);
        assertThat(tenant.type).isEqualTo("rate_limit_error");
        assertThat(tenant.retryAfter).isEqualTo("1");
        assertThat(gateway.status).isEqualTo(529);
        assertThat(gateway.type).isEqualTo("overloaded_error");
    }

    @Test
    void of_exhaustedBudget_is429WithItsRetryAfter_andSaysDoNotRetry() {
        AnthropicError e = AnthropicError.of(new BudgetExceededException(TenantId.of("acme"), "2026-11",
                BigDecimal.TEN, BigDecimal.ZERO, BigDecimal.ONE, Duration.ofHours(5), "Budget spent."));

        assertThat(e.status).isEqualTo(429);
        assertThat(e.type).isEqualTo("rate_limit_error");
        assertThat(e.retryAfter).isEqualTo("18000");
        assertThat(e.doNotRetry).isTrue();
    }
}
