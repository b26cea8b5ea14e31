package dev.aip.core.chat;

import dev.aip.core.profile.ResolvedProfile;
import java.util.Set;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Tells whether a failed attempt says that its profile is gone (deleted, or replaced and then deleted), so that the
 * call's model is worth resolving again once: Bedrock answers a call to a deleted application profile with
 * {@code ValidationException} ("The provided model identifier is invalid."), and may answer with
 * {@code ResourceNotFoundException} or, for an ARN it no longer knows, {@code AccessDeniedException} naming it.
 *
 * <p>A false positive costs one invalidation and one resolution that finds the same profile (and then no further
 * attempt), so the test leans towards yes; an {@code AccessDeniedException} counts only when it names the profile,
 * since it usually means a missing IAM permission. Stateless.
 */
final class GoneProfiles {

    private static final Set<String> CODES =
            Set.of("ResourceNotFoundException", "ValidationException", "AccessDeniedException");

    private GoneProfiles() {
    }

    static boolean gone(TransportFailure failure, Throwable error, ResolvedProfile profile) {
        String code = failure.errorCode();
        if (code == null || !CODES.contains(code)) {
            return false;
        }
        String message = message(error);
        boolean names = message.contains(profile.profileArn()) || message.contains(profile.profileId());
        return switch (code) {
            case "ResourceNotFoundException" -> true;
            case "ValidationException" -> names || message.contains("model identifier");
            default -> names;
        };
    }

    private static String message(Throwable error) {
        Throwable t = error;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return m == null ? "" : m;
    }
}
