package dev.aip.spring;

import dev.aip.core.AipException;
import jakarta.servlet.http.HttpServletRequest;
import java.util.UUID;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
 * <p><b>Unexpected failures</b> (500: a misconfiguration or a defect; 502: Bedrock or the SDK failed) are answered
 * with a generic message, so their cause is logged, once, with a request id that the answer carries as the
 * {@code requestId} property and the {@value #REQUEST_ID_HEADER} header: 500 at ERROR, 502 at WARN. The id is the
 * request's own {@value #REQUEST_ID_HEADER} when it has a well-formed one (letters, digits, {@code . _ : -}, at
 * most 64), else a new random one. Expected refusals (4xx, 503, 504) are not logged.
 *
 * <p>Thread-safe.
 */
@RestControllerAdvice
@Order(Ordered.LOWEST_PRECEDENCE)
public class AipExceptionHandler {

    /** The header that carries a request id in and out. */
    public static final String REQUEST_ID_HEADER = "X-Request-Id";

    private static final Logger LOG = LoggerFactory.getLogger(AipExceptionHandler.class);
    private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

    /**
     * Maps a failure outside a request (no request id to reuse).
     *
     * @param failure an aip or AWS SDK exception
     * @return the problem detail answer
     */
    public ResponseEntity<ProblemDetail> handle(RuntimeException failure) {
        return handle(failure, null);
    }

    /**
     * Maps a failure of a request.
     *
     * @param failure an aip or AWS SDK exception
     * @param request the request, or {@code null}
     * @return the problem detail answer
     */
    @ExceptionHandler({AipException.class, SdkException.class})
    public ResponseEntity<ProblemDetail> handle(RuntimeException failure, HttpServletRequest request) {
        AipErrors.Answer answer = AipErrors.map(failure);
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.valueOf(answer.status()),
                answer.message());
        problem.setTitle(answer.type());
        if (answer.cause() instanceof AipException aip) {
            aip.tenant().ifPresent(t -> problem.setProperty("tenant", t.value()));
        }
        HttpHeaders headers = new HttpHeaders();
        answer.retryAfterHeader().ifPresent(v -> headers.set(HttpHeaders.RETRY_AFTER, v));
        if (answer.status() == 500 || answer.status() == 502) {
            String id = requestId(request);
            problem.setProperty("requestId", id);
            headers.set(REQUEST_ID_HEADER, id);
            String where = request == null ? "" : " for " + request.getMethod() + " " + request.getRequestURI();
            if (answer.status() == 500) {
                LOG.error("aip request {}{} failed ({} {}): {}", id, where, answer.status(), answer.type(),
                        answer.cause().toString(), answer.cause());
            } else {
                LOG.warn("aip request {}{} failed ({} {}): {}", id, where, answer.status(), answer.type(),
                        answer.cause().toString(), answer.cause());
            }
        }
        return ResponseEntity.status(answer.status()).headers(headers).body(problem);
    }

    private static String requestId(HttpServletRequest request) {
        String given = request == null ? null : request.getHeader(REQUEST_ID_HEADER);
        return given != null && REQUEST_ID.matcher(given).matches() ? given : UUID.randomUUID().toString();
    }
}
