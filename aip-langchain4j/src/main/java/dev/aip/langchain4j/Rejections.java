package dev.aip.langchain4j;

import dev.aip.core.AipException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import software.amazon.awssdk.core.exception.SdkClientException;

/** Finds aip's refusals among the exceptions an SDK call ends with, and turns them into LangChain4j's. Stateless. */
final class Rejections {

    private Rejections() {
    }

    /**
     * The aip refusal that {@code failure} is, or wraps as the SDK and futures deliver it ({@link CompletionException},
     * {@link ExecutionException}, {@link SdkClientException}); {@code null} for any other failure, which passes
     * unchanged (Bedrock's own exceptions must reach LangChain4j's mapping as they are).
     */
    static AipException refusal(Throwable failure) {
        Throwable t = failure;
        for (int depth = 0; t != null && depth < 4; depth++) {
            if (t instanceof AipException aip) {
                return aip;
            }
            if (!(t instanceof CompletionException || t instanceof ExecutionException
                    || t instanceof SdkClientException)) {
                return null;
            }
            t = t.getCause();
        }
        return null;
    }

    /** {@code failure} as LangChain4j should see it: a refusal becomes a {@link CallRejectedException}. */
    static Throwable translate(Throwable failure) {
        AipException refusal = refusal(failure);
        return refusal == null ? failure : new CallRejectedException(refusal);
    }
}
