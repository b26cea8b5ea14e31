package dev.aip.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.BudgetExceededException;
import dev.aip.core.PolicyViolationException;
import dev.aip.core.ProfileResolutionException;
import dev.aip.core.RateLimitExceededException;
import dev.aip.core.UnknownTenantException;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.TenantScope;
import dev.aip.core.tenant.Tier;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.http.ResponseEntity;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.bedrockruntime.model.ThrottlingException;

class WebSupportTest {

    private final TenantDirectory tenants = TenantDirectory.of(Map.of("acme", premium()));

    private static AipProperties.Tenant premium() {
        AipProperties.Tenant t = new AipProperties.Tenant();
        t.setTier("premium");
        return t;
    }

    @Test
    void tenantFilter_headerNamesTheTenant_requestRunsInItsScope() throws Exception {
        TenantFilter filter = new TenantFilter(TenantResolver.header("X-Tenant-Id", tenants), null);
        MockHttpServletRequest request = new MockHttpServletRequest("GET", "/chat");
        request.addHeader("X-Tenant-Id", "acme");
        AtomicReference<TenantContext> seen = new AtomicReference<>();

        filter.doFilter(request, new MockHttpServletResponse(),
                (req, res) -> seen.set(TenantScope.current().orElse(null)));

        assertThat(seen.get().id()).isEqualTo(TenantId.of("acme"));
        assertThat(seen.get().tier()).isEqualTo(Tier.PREMIUM);
        assertThat(request.getAttribute(TenantFilter.ATTRIBUTE)).isEqualTo(seen.get());
        assertThat(TenantScope.current()).isEmpty();
    }

    @Test
    void tenantFilter_malformedOrUnknownTenant_isAnsweredByTheFilter() throws Exception {
        TenantFilter knownOnly = new TenantFilter(TenantResolver.header("X-Tenant-Id", tenants), tenants);
        MockHttpServletRequest bad = new MockHttpServletRequest("GET", "/chat");
        bad.addHeader("X-Tenant-Id", "no spaces allowed");
        MockHttpServletRequest stranger = new MockHttpServletRequest("GET", "/chat");
        stranger.addHeader("X-Tenant-Id", "stranger");
        MockHttpServletResponse badResponse = new MockHttpServletResponse();
        MockHttpServletResponse strangerResponse = new MockHttpServletResponse();

        knownOnly.doFilter(bad, badResponse, (req, res) -> { throw new AssertionError("must not pass"); });
        knownOnly.doFilter(stranger, strangerResponse, (req, res) -> { throw new AssertionError("must not pass"); });

        assertThat(badResponse.getStatus()).isEqualTo(400);
        assertThat(strangerResponse.getStatus()).isEqualTo(403);
    }

    @Test
    void jwtClaim_ofAVerifiedToken_namesTheTenant_andAnUnauthenticatedRequestHasNone() {
        JwtClaimTenantResolver resolver = new JwtClaimTenantResolver("tenant_id", tenants);
        Jwt jwt = Jwt.withTokenValue("token").header("alg", "RS256").claim("tenant_id", "acme").build();
        try {
            assertThat(resolver.resolve(new MockHttpServletRequest())).isEmpty();
            SecurityContextHolder.getContext().setAuthentication(new JwtAuthenticationToken(jwt, java.util.List.of()));
            assertThat(resolver.resolve(new MockHttpServletRequest())).map(TenantContext::tier)
                    .hasValue(Tier.PREMIUM);
        } finally {
            SecurityContextHolder.clearContext();
        }
    }

    @Test
    void errors_mapToStatusAndRetryAfter() {
        TenantId acme = TenantId.of("acme");
        AipErrors.Answer rate = AipErrors.map(new CompletionException(new RateLimitExceededException(acme,
                "requests-per-minute", 60, 0, Duration.ofMillis(1200), "slow down")));
        AipErrors.Answer budget = AipErrors.map(new BudgetExceededException(acme, "2026-11", BigDecimal.TEN,
                BigDecimal.ZERO, BigDecimal.ONE, Duration.ofHours(3), "budget"));
        AipErrors.Answer model = AipErrors.map(new PolicyViolationException(acme, "allowed-models", "no"));
        AipErrors.Answer output = AipErrors.map(new PolicyViolationException(acme, "max-output-tokens", "no"));
        AipErrors.Answer none = AipErrors.map(new UnknownTenantException("no tenant"));
        AipErrors.Answer upstream = AipErrors.map(ThrottlingException.builder().statusCode(429)
                .awsErrorDetails(AwsErrorDetails.builder().errorCode("ThrottlingException").build()).build());

        assertThat(rate.status()).isEqualTo(429);
        assertThat(rate.retryAfterHeader()).hasValue("2");
        assertThat(budget.status()).isEqualTo(429);
        assertThat(budget.type()).isEqualTo("budget_exceeded");
        assertThat(budget.retryAfterHeader()).hasValue("10800");
        assertThat(model.status()).isEqualTo(403);
        assertThat(output.status()).isEqualTo(400);
        assertThat(none.status()).isEqualTo(400);
        assertThat(upstream.status()).isEqualTo(503);
        assertThat(upstream.retryAfterHeader()).hasValue("1");
    }

    @Test
    void errors_profileNamedByTheCallAndNotPermitted_is403WithoutSayingWhose() {
        TenantId acme = TenantId.of("acme");
        String arn = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/globex1";
        AipErrors.Answer notPermitted = AipErrors.map(ProfileResolutionException.notPermitted(acme,
                "Profile " + arn + " belongs to tenant globex", null));
        AipErrors.Answer misconfigured = AipErrors.map(new ProfileResolutionException(acme, "bad mapping", false,
                null));
        AipErrors.Answer unavailable = AipErrors.map(new ProfileResolutionException(acme, "throttled", true, null));

        assertThat(notPermitted.status()).isEqualTo(403);
        assertThat(notPermitted.type()).isEqualTo("profile_not_permitted");
        assertThat(notPermitted.message()).doesNotContain("globex").doesNotContain(arn);
        assertThat(misconfigured.status()).isEqualTo(500);
        assertThat(unavailable.status()).isEqualTo(503);
    }

    @Test
    void exceptionHandler_answersProblemDetailWithRetryAfter() {
        ResponseEntity<?> r = new AipExceptionHandler().handle(new RateLimitExceededException(TenantId.of("acme"),
                "tokens-per-minute", 1000, 10, Duration.ofSeconds(7), "Tenant acme reached its limit"));

        assertThat(r.getStatusCode().value()).isEqualTo(429);
        assertThat(r.getHeaders().getFirst("Retry-After")).isEqualTo("7");
    }

    @Test
    void webAutoConfiguration_registersFilterResolverAndHandler_andBacksOffForAUserResolver() {
        WebApplicationContextRunner web = new WebApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(AipAutoConfiguration.class, AipWebAutoConfiguration.class))
                .withPropertyValues("aip.region=us-east-1", "aip.tenant.header=X-Customer");
        web.run(context -> {
            assertThat(context).hasSingleBean(TenantResolver.class).hasSingleBean(AipExceptionHandler.class);
            assertThat(context.getBean("aipTenantFilter")).isInstanceOf(FilterRegistrationBean.class);
            MockHttpServletRequest request = new MockHttpServletRequest();
            request.addHeader("X-Customer", "acme");
            assertThat(context.getBean(TenantResolver.class).resolve(request)).map(TenantContext::id)
                    .hasValue(TenantId.of("acme"));
        });
        TenantResolver mine = request -> java.util.Optional.empty();
        web.withBean(TenantResolver.class, () -> mine)
                .run(context -> assertThat(context.getBean(TenantResolver.class)).isSameAs(mine));
    }
}
