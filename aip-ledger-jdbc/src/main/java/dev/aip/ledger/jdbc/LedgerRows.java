package dev.aip.ledger.jdbc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aip.core.metering.AttemptIdentity;
import dev.aip.core.metering.AttemptResult;
import dev.aip.core.metering.AttemptTiming;
import dev.aip.core.metering.CallTarget;
import dev.aip.core.metering.Cost;
import dev.aip.core.metering.CostStatus;
import dev.aip.core.metering.Operation;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageProvenance;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;
import org.postgresql.PGConnection;

/** The mapping between a {@link UsageRecord} and a row of {@code usage_records}. */
final class LedgerRows {

    static final String COLUMNS = "record_id, call_id, attempt, tenant, tier, operation, requested_model,"
            + " profile_arn, profile_id, source_model_id, region, pooled_profile, input_tokens, output_tokens,"
            + " cache_read_input_tokens, cache_write_input_tokens, provenance, cost_status, cost, currency,"
            + " price_catalog_version, outcome, error_code, started_at, started_at_nanos, latency_nanos,"
            + " time_to_first_token_nanos, aws_request_id, attributes";

    /** One row's placeholders; {@code attributes} is cast to jsonb. */
    static final String PLACEHOLDERS = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
            + " ?, ?, ?::jsonb)";

    /** The currency of every cost the library computes (see {@link Cost}). */
    static final String CURRENCY = "USD";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<TreeMap<String, String>> ATTRIBUTES = new TypeReference<>() {};

    private LedgerRows() {}

    static String insertSql(String table) {
        return "INSERT INTO " + table + " (" + COLUMNS + ") VALUES " + PLACEHOLDERS
                + " ON CONFLICT (record_id) DO NOTHING";
    }

    /** The per-session staging table {@link #copyBatch} loads before the idempotent insert. */
    static final String STAGING = "aip_ledger_staging";

    /**
     * Writes the batch with {@code COPY} into a temporary staging table of the session, then moves it into the
     * table with one {@code INSERT ... SELECT ... ON CONFLICT (record_id) DO NOTHING}, in the caller's transaction.
     * The staging table ({@code ON COMMIT DELETE ROWS}) is created once per session and emptied by every commit.
     *
     * @return the rows inserted (records already present are not counted)
     */
    static long copyBatch(Connection c, String table, List<UsageRecord> batch) throws SQLException {
        try (Statement s = c.createStatement()) {
            s.execute("CREATE TEMP TABLE IF NOT EXISTS " + STAGING + " (LIKE " + table
                    + " INCLUDING DEFAULTS) ON COMMIT DELETE ROWS");
        }
        StringBuilder text = new StringBuilder(batch.size() * 320);
        for (UsageRecord r : batch) {
            copyLine(text, r);
        }
        byte[] bytes = text.toString().getBytes(StandardCharsets.UTF_8);
        try {
            c.unwrap(PGConnection.class).getCopyAPI().copyIn("COPY " + STAGING + " (" + COLUMNS + ") FROM STDIN",
                    new ByteArrayInputStream(bytes));
        } catch (IOException e) {
            throw new SQLException("COPY into the staging table failed: " + e.getMessage(), "08006", e);
        }
        try (Statement s = c.createStatement()) {
            return s.executeLargeUpdate("INSERT INTO " + table + " (" + COLUMNS + ") SELECT " + COLUMNS + " FROM "
                    + STAGING + " ON CONFLICT (record_id) DO NOTHING");
        }
    }

    /** One row in COPY's text format: tab-separated, {@code \N} for null, backslash escapes. */
    static void copyLine(StringBuilder b, UsageRecord r) {
        text(b, r.recordId());
        text(b, r.callId());
        b.append(r.attempt()).append('\t');
        text(b, r.tenant().value());
        text(b, r.tier().name());
        text(b, r.operation().wireName());
        text(b, r.requestedModel());
        text(b, r.profileArn());
        text(b, r.profileId());
        text(b, r.sourceModelId());
        text(b, r.region());
        b.append(r.pooledProfile() ? 't' : 'f').append('\t');
        b.append(r.usage().inputTokens()).append('\t');
        b.append(r.usage().outputTokens()).append('\t');
        b.append(r.usage().cacheReadInputTokens()).append('\t');
        b.append(r.usage().cacheWriteInputTokens()).append('\t');
        text(b, r.provenance().name());
        text(b, r.cost().status().name());
        text(b, r.cost().amountUsd() == null ? null : r.cost().amountUsd().toPlainString());
        text(b, CURRENCY);
        text(b, r.cost().priceCatalogVersion());
        text(b, r.outcome().name());
        text(b, r.errorCode());
        // As bind(): truncated to microseconds; ISO-8601 with Z reads the same under any DateStyle and TimeZone.
        b.append(r.startedAt().truncatedTo(ChronoUnit.MICROS)).append('\t');
        b.append(r.startedAt().getNano()).append('\t');
        b.append(r.latency().toNanos()).append('\t');
        if (r.timeToFirstToken() == null) {
            b.append("\\N\t");
        } else {
            b.append(r.timeToFirstToken().toNanos()).append('\t');
        }
        text(b, r.awsRequestId());
        escape(b, attributesJson(r.attributes()));
        b.append('\n');
    }

    private static void text(StringBuilder b, @Nullable String value) {
        if (value == null) {
            b.append("\\N");
        } else {
            escape(b, value);
        }
        b.append('\t');
    }

    private static void escape(StringBuilder b, String value) {
        for (int i = 0; i < value.length(); i++) {
            char ch = value.charAt(i);
            switch (ch) {
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> b.append(ch);
            }
        }
    }

    static void bind(PreparedStatement s, UsageRecord r) throws SQLException {
        int i = 0;
        s.setString(++i, r.recordId());
        s.setString(++i, r.callId());
        s.setInt(++i, r.attempt());
        s.setString(++i, r.tenant().value());
        s.setString(++i, r.tier().name());
        s.setString(++i, r.operation().wireName());
        s.setString(++i, r.requestedModel());
        s.setString(++i, r.profileArn());
        s.setString(++i, r.profileId());
        s.setString(++i, r.sourceModelId());
        s.setString(++i, r.region());
        s.setBoolean(++i, r.pooledProfile());
        s.setLong(++i, r.usage().inputTokens());
        s.setLong(++i, r.usage().outputTokens());
        s.setLong(++i, r.usage().cacheReadInputTokens());
        s.setLong(++i, r.usage().cacheWriteInputTokens());
        s.setString(++i, r.provenance().name());
        s.setString(++i, r.cost().status().name());
        s.setBigDecimal(++i, r.cost().amountUsd());
        s.setString(++i, CURRENCY);
        s.setString(++i, r.cost().priceCatalogVersion());
        s.setString(++i, r.outcome().name());
        s.setString(++i, r.errorCode());
        // Truncated, never rounded, to PostgreSQL's microseconds: rounding could carry into the next second.
        s.setTimestamp(++i, Timestamp.from(r.startedAt().truncatedTo(ChronoUnit.MICROS)));
        s.setInt(++i, r.startedAt().getNano());
        s.setLong(++i, r.latency().toNanos());
        if (r.timeToFirstToken() == null) {
            s.setNull(++i, Types.BIGINT);
        } else {
            s.setLong(++i, r.timeToFirstToken().toNanos());
        }
        s.setString(++i, r.awsRequestId());
        s.setString(++i, attributesJson(r.attributes()));
    }

    static UsageRecord read(ResultSet rs) throws SQLException {
        CostStatus status = CostStatus.valueOf(rs.getString("cost_status"));
        String catalogVersion = rs.getString("price_catalog_version");
        BigDecimal amount = rs.getBigDecimal("cost");
        Cost cost = status == CostStatus.PRICED ? Cost.priced(amount, catalogVersion) : Cost.unknownModel(catalogVersion);
        Instant started = Instant.ofEpochSecond(rs.getTimestamp("started_at").toInstant().getEpochSecond(),
                rs.getInt("started_at_nanos"));
        long ttft = rs.getLong("time_to_first_token_nanos");
        Duration timeToFirstToken = rs.wasNull() ? null : Duration.ofNanos(ttft);
        String operationName = rs.getString("operation");
        Operation operation = Operation.ofWireName(operationName);
        if (operation == null) {
            throw new SQLException("usage_records row " + rs.getString("record_id") + " has unknown operation \""
                    + operationName + "\"; was it written by a newer library?");
        }
        return new UsageRecord(
                new AttemptIdentity(rs.getString("record_id"), rs.getString("call_id"), rs.getInt("attempt")),
                TenantId.of(rs.getString("tenant")),
                Tier.of(rs.getString("tier")),
                new CallTarget(operation, rs.getString("requested_model"), rs.getString("profile_arn"),
                        rs.getString("profile_id"), rs.getString("source_model_id"), rs.getString("region"),
                        rs.getBoolean("pooled_profile")),
                new TokenUsage(rs.getLong("input_tokens"), rs.getLong("output_tokens"),
                        rs.getLong("cache_read_input_tokens"), rs.getLong("cache_write_input_tokens")),
                UsageProvenance.valueOf(rs.getString("provenance")),
                cost,
                new AttemptResult(Outcome.valueOf(rs.getString("outcome")), rs.getString("error_code"),
                        rs.getString("aws_request_id")),
                new AttemptTiming(started, Duration.ofNanos(rs.getLong("latency_nanos")), timeToFirstToken),
                attributes(rs.getString("attributes")));
    }

    /** The attributes as the JSON-lines ledger writes them: one flat object of strings. */
    static String attributesJson(Map<String, String> attributes) {
        if (attributes.isEmpty()) {
            return "{}";
        }
        try {
            return JSON.writeValueAsString(new TreeMap<>(attributes));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("Cannot write attributes as JSON: " + e.getOriginalMessage(), e);
        }
    }

    private static Map<String, String> attributes(String json) throws SQLException {
        if (json == null || json.equals("{}")) {
            return Map.of();
        }
        try {
            return JSON.readValue(json, ATTRIBUTES);
        } catch (JsonProcessingException e) {
            throw new SQLException("usage_records.attributes is not a JSON object of strings: "
                    + e.getOriginalMessage(), e);
        }
    }
}
