package dev.aip.core.sink;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
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
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The ledger's line format, version 1: one JSON object per record, fields in a fixed order, no nulls (an absent
 * field is null). See {@link JsonLinesLedger} for the field list.
 */
final class LedgerCodec {

    static final int VERSION = 1;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
            .disable(StreamWriteFeature.AUTO_CLOSE_TARGET)
            .build();
    private static final ObjectMapper READER = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private static final String WIRE_NAMES = Arrays.stream(Operation.values()).map(Operation::wireName)
            .collect(Collectors.joining(", "));

    private LedgerCodec() {}

    /** Writes the record as one line, newline included. */
    static void write(UsageRecord r, OutputStream out) throws IOException {
        try (JsonGenerator g = FACTORY.createGenerator(out)) {
            g.writeStartObject();
            g.writeNumberField("v", VERSION);
            g.writeStringField("recordId", r.recordId());
            g.writeStringField("callId", r.callId());
            g.writeNumberField("attempt", r.attempt());
            g.writeStringField("tenant", r.tenant().value());
            g.writeStringField("tier", r.tier().name());
            g.writeStringField("operation", r.operation().wireName());
            g.writeStringField("requestedModel", r.requestedModel());
            optional(g, "profileArn", r.profileArn());
            optional(g, "profileId", r.profileId());
            optional(g, "sourceModelId", r.sourceModelId());
            g.writeStringField("region", r.region());
            g.writeBooleanField("pooledProfile", r.pooledProfile());
            g.writeNumberField("inputTokens", r.usage().inputTokens());
            g.writeNumberField("outputTokens", r.usage().outputTokens());
            g.writeNumberField("cacheReadInputTokens", r.usage().cacheReadInputTokens());
            g.writeNumberField("cacheWriteInputTokens", r.usage().cacheWriteInputTokens());
            g.writeStringField("provenance", r.provenance().name());
            g.writeStringField("costStatus", r.cost().status().name());
            optional(g, "costUsd", r.cost().amount().map(BigDecimal::toPlainString).orElse(null));
            g.writeStringField("priceCatalogVersion", r.cost().priceCatalogVersion());
            g.writeStringField("outcome", r.outcome().name());
            optional(g, "errorCode", r.errorCode());
            g.writeStringField("startedAt", r.startedAt().toString());
            g.writeNumberField("latencyMs", Millis.of(r.latency()));
            if (r.timeToFirstToken() != null) {
                g.writeNumberField("timeToFirstTokenMs", Millis.of(r.timeToFirstToken()));
            }
            optional(g, "awsRequestId", r.awsRequestId());
            if (!r.attributes().isEmpty()) {
                g.writeObjectFieldStart("attributes");
                for (Map.Entry<String, String> e : r.attributes().entrySet()) {
                    g.writeStringField(e.getKey(), e.getValue());
                }
                g.writeEndObject();
            }
            g.writeEndObject();
        }
        out.write('\n');
    }

    /**
     * Reads one line.
     *
     * @throws IllegalArgumentException naming the problem if the line is not a valid version-1 record
     */
    static UsageRecord read(byte[] line, int length) {
        JsonNode n;
        try {
            n = READER.readTree(line, 0, length);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not valid JSON (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw new IllegalArgumentException("unreadable (" + e.getMessage() + ")");
        }
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("not a JSON object");
        }
        int version = n.path("v").asInt(-1);
        if (version != VERSION) {
            throw new IllegalArgumentException("schema version \"v\" is " + n.get("v") + "; this library reads"
                    + " version " + VERSION + " (a newer library wrote it?)");
        }
        try {
            Map<String, String> attributes = new TreeMap<>();
            JsonNode attrs = n.get("attributes");
            if (attrs != null) {
                for (Iterator<Map.Entry<String, JsonNode>> it = attrs.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    attributes.put(e.getKey(), e.getValue().asText());
                }
            }
            CostStatus status = CostStatus.valueOf(text(n, "costStatus"));
            String catalogVersion = text(n, "priceCatalogVersion");
            Cost cost = status == CostStatus.PRICED
                    ? Cost.priced(new BigDecimal(text(n, "costUsd")), catalogVersion)
                    : Cost.unknownModel(catalogVersion);
            return new UsageRecord(
                    new AttemptIdentity(
                            text(n, "recordId"),
                            text(n, "callId"),
                            number(n, "attempt").intValueExact()),
                    TenantId.of(text(n, "tenant")),
                    Tier.of(text(n, "tier")),
                    new CallTarget(
                            operation(n),
                            text(n, "requestedModel"),
                            optionalText(n, "profileArn"),
                            optionalText(n, "profileId"),
                            optionalText(n, "sourceModelId"),
                            text(n, "region"),
                            n.path("pooledProfile").asBoolean(false)),
                    new TokenUsage(
                            number(n, "inputTokens").longValueExact(),
                            number(n, "outputTokens").longValueExact(),
                            number(n, "cacheReadInputTokens").longValueExact(),
                            number(n, "cacheWriteInputTokens").longValueExact()),
                    UsageProvenance.valueOf(text(n, "provenance")),
                    cost,
                    new AttemptResult(
                            Outcome.valueOf(text(n, "outcome")),
                            optionalText(n, "errorCode"),
                            optionalText(n, "awsRequestId")),
                    new AttemptTiming(
                            Instant.parse(text(n, "startedAt")),
                            Millis.parse(number(n, "latencyMs")),
                            n.hasNonNull("timeToFirstTokenMs")
                                    ? Millis.parse(number(n, "timeToFirstTokenMs"))
                                    : null),
                    attributes);
        } catch (RuntimeException e) {
            // Any validation failure of a value (tenant id, tier, enum name, number, instant) is a bad line.
            throw new IllegalArgumentException("invalid record: " + e.getMessage(), e);
        }
    }

    private static void optional(JsonGenerator g, String name, String value) throws IOException {
        if (value != null) {
            g.writeStringField(name, value);
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode value = n.get(field);
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException("field " + field + " is missing or not a string");
        }
        return value.asText();
    }

    /** The operation, written by its wire name ({@code Converse}, ...), never by the enum constant's name. */
    private static Operation operation(JsonNode n) {
        String name = text(n, "operation");
        Operation operation = Operation.ofWireName(name);
        if (operation == null) {
            throw new IllegalArgumentException("field operation has unknown value \"" + name + "\"; expected one of "
                    + WIRE_NAMES);
        }
        return operation;
    }

    private static String optionalText(JsonNode n, String field) {
        JsonNode value = n.get(field);
        return value == null || value.isNull() ? null : text(n, field);
    }

    private static BigDecimal number(JsonNode n, String field) {
        JsonNode value = n.get(field);
        if (value == null || !value.isNumber()) {
            throw new IllegalArgumentException("field " + field + " is missing or not a number");
        }
        return value.decimalValue();
    }

}
