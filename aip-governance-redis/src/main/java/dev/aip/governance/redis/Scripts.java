package dev.aip.governance.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.async.RedisAsyncCommands;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/** SHA-1 digests of Lua scripts, the names Redis caches them under ({@code EVALSHA}). */
final class Scripts {

    private static final Map<String, String> DIGESTS = new ConcurrentHashMap<>();

    private Scripts() {
    }

    static String sha1(String script) {
        return DIGESTS.computeIfAbsent(script, s -> {
            try {
                return HexFormat.of().formatHex(
                        MessageDigest.getInstance("SHA-1").digest(s.getBytes(StandardCharsets.UTF_8)));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException("SHA-1 is required of every JDK", e);
            }
        });
    }

    /**
     * Runs a script by its digest ({@code EVALSHA}) without waiting, and by its text ({@code EVAL}) when Redis does
     * not have it cached yet, as the sync callers do.
     */
    static <T> CompletionStage<T> evalAsync(RedisAsyncCommands<String, String> redis, String script,
                                            ScriptOutputType type, String[] keys, String... args) {
        CompletionStage<T> bySha = redis.evalsha(sha1(script), type, keys, args);
        return bySha.exceptionallyCompose(failure -> {
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            return cause instanceof RedisNoScriptException ? redis.<T>eval(script, type, keys, args)
                    : CompletableFuture.failedStage(cause);
        });
    }
}
