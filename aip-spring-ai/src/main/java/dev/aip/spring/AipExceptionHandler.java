package dev.aip.spring;

import dev.aip.core.AipException;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import software.amazon.awssdk.core.exception.SdkException;

/**
 * Answers aip's exceptions, and Bedrock's, with the status {@link AipErrors} gives them, as RFC 9457 problem
 * details, with {@code Retry-After} on 429 and 503. Ordered last, so an application's own handlers win.
 *
 * <pre>{@code
 * HTTP/1.1 429 Too Many Requests
 * Retry-After: 12
 * Content-Type: application/problem+json
 *
 * {"type":"about:blank","title":"rate_limit_exceeded","status":429,"detail":"Tenant acme ...","tenant":"acme"}
 * }</pre>
 *
 * <p>Thread-safe.
 */
@RestControllerAdvice
@Order(Ordered.LOWEST_PRECEDENCE)
public class AipExceptionHandler {

    /**
     * Maps a failure.
     *
     * @param failure an aip or AWS SDK exception
     * @return the problem detail answer
     */
    @ExceptionHandler({AipException.class, SdkException.class})
    public ResponseEntity<ProblemDetail> handle(RuntimeException failure) {
        AipErrors.Answer answer = AipErrors.map(failure);
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.valueOf(answer.status()),
                answer.message());
        problem.setTitle(answer.type());
        if (answer.cause() instanceof AipException aip) {
            aip.tenant().ifPresent(t -> problem.setProperty("tenant", t.value()));
        }
        HttpHeaders headers = new HttpHeaders();
        answer.retryAfterHeader().ifPresent(v -> headers.set(HttpHeaders.RETRY_AFTER, v));
        return ResponseEntity.status(answer.status()).headers(headers).body(problem);
    }
}
