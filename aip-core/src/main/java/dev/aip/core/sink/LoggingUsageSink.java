package dev.aip.core.sink;

import dev.aip.core.metering.UsageRecord;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one INFO line per record to the SLF4J logger {@value #LOGGER_NAME}, as {@code key=value} pairs that log
 * pipelines can parse:
 * <pre>{@code
 * usage tenant=acme tier=standard op=ConverseStream model=claude-haiku sourceModel=anthropic.claude-haiku-4-5-20251001-v1:0
 *   profile=abc123 pooled=false in=1000 out=500 cacheRead=0 cacheWrite=0 provenance=REPORTED costUsd=0.0035
 *   outcome=SUCCESS latencyMs=412.5 ttftMs=88 requestId=5f0c... callId=0190... attempt=1 recordId=0190...
 *   attr.user=u-17
 * }</pre>
 * (one line in the log). Keys with no value (no profile, no error, no time to first token) are left out. A cost of
 * an unpriced model is {@code costUsd=unknown}. Values containing spaces, quotes, {@code =} or control characters
 * are double-quoted with {@code \"}, {@code \\}, {@code \n}, {@code \r}, {@code \t} and {@code \}{@code uXXXX}
 * escapes, so one record is always one line.
 *
 * <p>Logging is synchronous on the caller's thread; use an asynchronous appender (or {@link AsyncUsageSink}) if
 * the logging backend may block.
 *
 * <p>Thread-safe; share one.
 */
public final class LoggingUsageSink implements UsageSink {

    /** The logger name. */
    public static final String LOGGER_NAME = "dev.aip.usage";

    private final Logger log;

    /** Creates a sink logging to {@value #LOGGER_NAME}. */
    public LoggingUsageSink() {
        this.log = LoggerFactory.getLogger(LOGGER_NAME);
    }

    @Override
    public void accept(UsageRecord record) {
        if (log.isInfoEnabled()) {
            log.info(format(record));
        }
    }

    static String format(UsageRecord r) {
        StringBuilder line = new StringBuilder(320).append("usage");
        field(line, "tenant", r.tenant().value());
        field(line, "tier", r.tier().name());
        field(line, "op", r.operation().wireName());
        field(line, "model", r.requestedModel());
        field(line, "sourceModel", r.sourceModelId());
        field(line, "profile", r.profileId());
        field(line, "region", r.region());
        field(line, "pooled", String.valueOf(r.pooledProfile()));
        field(line, "in", String.valueOf(r.usage().inputTokens()));
        field(line, "out", String.valueOf(r.usage().outputTokens()));
        field(line, "cacheRead", String.valueOf(r.usage().cacheReadInputTokens()));
        field(line, "cacheWrite", String.valueOf(r.usage().cacheWriteInputTokens()));
        field(line, "provenance", r.provenance().name());
        field(line, "costUsd", r.cost().amount().map(a -> a.toPlainString()).orElse("unknown"));
        field(line, "outcome", r.outcome().name());
        field(line, "error", r.errorCode());
        field(line, "latencyMs", Millis.of(r.latency()).toPlainString());
        field(line, "ttftMs", r.timeToFirstToken() == null ? null
                : Millis.of(r.timeToFirstToken()).toPlainString());
        field(line, "requestId", r.awsRequestId());
        field(line, "callId", r.callId());
        field(line, "attempt", String.valueOf(r.attempt()));
        field(line, "recordId", r.recordId());
        for (Map.Entry<String, String> e : r.attributes().entrySet()) {
            field(line, "attr." + e.getKey(), e.getValue());
        }
        return line.toString();
    }

    private static void field(StringBuilder line, String key, String value) {
        if (value == null) {
            return;
        }
        line.append(' ');
        appendEscaped(line, key);
        line.append('=');
        appendEscaped(line, value);
    }

    private static void appendEscaped(StringBuilder line, String value) {
        if (!needsQuotes(value)) {
            line.append(value);
            return;
        }
        line.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> line.append("\\\"");
                case '\\' -> line.append("\\\\");
                case '\n' -> line.append("\\n");
                case '\r' -> line.append("\\r");
                case '\t' -> line.append("\\t");
                default -> {
                    if (Character.isISOControl(c)) {
                        line.append(String.format("\\u%04x", (int) c));
                    } else {
                        line.append(c);
                    }
                }
            }
        }
        line.append('"');
    }

    private static boolean needsQuotes(String value) {
        if (value.isEmpty()) {
            return true;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == ' ' || c == '"' || c == '=' || c == '\\' || Character.isISOControl(c)
                    || Character.isWhitespace(c)) {
                return true;
            }
        }
        return false;
    }
}
