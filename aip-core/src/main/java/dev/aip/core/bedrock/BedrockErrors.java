package dev.aip.core.bedrock;

import dev.aip.core.AipException;
import dev.aip.core.chat.IncompleteStreamException;
import dev.aip.core.chat.TransportFailure;
import dev.aip.core.metering.Outcome;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.AbortedException;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;

/**
 * Classifies Bedrock and SDK failures into outcomes, the same way for the transport and the interceptor:
 * <ul>
 *   <li>HTTP 429 ({@code ThrottlingException}, {@code ModelNotReadyException}) → {@code THROTTLED};</li>
 *   <li>HTTP 408 ({@code ModelTimeoutException}) and the SDK's call and attempt timeouts → {@code TIMEOUT};</li>
 *   <li>HTTP 424 ({@code ModelErrorException}, {@code ModelStreamErrorException}): the model failed, not the
 *       request → {@code SERVER_ERROR}, as Bedrock's {@code InvocationServerErrors} counts it;</li>
 *   <li>other 4xx → {@code CLIENT_ERROR}; 5xx → {@code SERVER_ERROR};</li>
 *   <li>a cancellation → {@code CANCELLED}; a stream that ended early → {@code STREAM_INTERRUPTED};</li>
 *   <li>other SDK client failures (I/O, connection closed) → {@code SERVER_ERROR}; library exceptions →
 *       {@code CLIENT_ERROR}.</li>
 * </ul>
 * Error codes are Bedrock's exception names in UpperCamel case ({@code throttlingException} from an event-stream
 * frame becomes {@code ThrottlingException}), else the exception's simple class name.
 */
final class BedrockErrors {

    private BedrockErrors() {
    }

    static TransportFailure classify(Throwable failure) {
        Throwable t = unwrap(failure);
        if (t instanceof IncompleteStreamException) {
            return new TransportFailure(Outcome.STREAM_INTERRUPTED, IncompleteStreamException.ERROR_CODE, null);
        }
        if (t instanceof CancellationException
                || t instanceof AbortedException) {
            return new TransportFailure(Outcome.CANCELLED, null, null);
        }
        if (t instanceof ApiCallTimeoutException || t instanceof ApiCallAttemptTimeoutException) {
            return new TransportFailure(Outcome.TIMEOUT, t.getClass().getSimpleName(), null);
        }
        if (t instanceof AwsServiceException e) {
            String code = e.awsErrorDetails() != null ? errorCode(e.awsErrorDetails().errorCode()) : null;
            if (code == null) {
                code = t.getClass().getSimpleName();
            }
            return new TransportFailure(outcomeOf(e.statusCode(), code), code, e.requestId());
        }
        if (t instanceof AipException) {
            return new TransportFailure(Outcome.CLIENT_ERROR, t.getClass().getSimpleName(), null);
        }
        return new TransportFailure(Outcome.SERVER_ERROR, t.getClass().getSimpleName(), null);
    }

    static Outcome outcomeOf(int status, String code) {
        if ("ModelTimeoutException".equals(code) || status == 408) {
            return Outcome.TIMEOUT;
        }
        if (status == 429) {
            return Outcome.THROTTLED;
        }
        if (status == 424) {
            return Outcome.SERVER_ERROR;
        }
        if (status >= 400 && status < 500) {
            return Outcome.CLIENT_ERROR;
        }
        return Outcome.SERVER_ERROR;
    }

    /** {@code throttlingException}, {@code ThrottlingException:http://...} → {@code ThrottlingException}. */
    static String errorCode(String raw) {
        if (raw == null || raw.isBlank()) {
            return null;
        }
        String s = raw.strip();
        int colon = s.indexOf(':');
        if (colon > 0) {
            s = s.substring(0, colon);
        }
        int hash = s.lastIndexOf('#');
        if (hash >= 0) {
            s = s.substring(hash + 1);
        }
        return s.isEmpty() ? null : Character.toUpperCase(s.charAt(0)) + s.substring(1);
    }

    static Throwable unwrap(Throwable t) {
        Throwable cur = t;
        while ((cur instanceof CompletionException || cur instanceof ExecutionException) && cur.getCause() != null) {
            cur = cur.getCause();
        }
        return cur;
    }
}
