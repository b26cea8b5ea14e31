package dev.aip.config.redis;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aip.core.tenant.TenantId;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One message on the configuration channel, as JSON: {@code {"v":1,"type":"policies","version":"<sha256>",
 * "from":"<replica>"}} or {@code {"v":1,"type":"profile","tenant":"acme","model":"claude-haiku","from":"..."}}.
 * A message of a later format version, or of a type this version does not know, is refused (and logged by the
 * bus), so replicas of different versions never act on a message they misread. Immutable.
 */
record ConfigMessage(Type type, @Nullable String version, @Nullable TenantId tenant, @Nullable String logicalModel,
                     String from) {

    enum Type { POLICIES, PROFILE }

    private static final int FORMAT = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    ConfigMessage {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(from, "from");
    }

    static ConfigMessage policies(String version, String from) {
        return new ConfigMessage(Type.POLICIES, version, null, null, from);
    }

    static ConfigMessage profile(TenantId tenant, String logicalModel, String from) {
        return new ConfigMessage(Type.PROFILE, null, tenant, logicalModel, from);
    }

    String encode() {
        ObjectNode n = JSON.createObjectNode();
        n.put("v", FORMAT);
        n.put("type", type.name().toLowerCase(java.util.Locale.ROOT));
        if (type == Type.POLICIES) {
            n.put("version", version);
        } else {
            n.put("tenant", tenant.value());
            n.put("model", logicalModel);
        }
        n.put("from", from);
        return n.toString();
    }

    /** @throws IllegalArgumentException naming what is wrong with the message */
    static ConfigMessage decode(String text) {
        JsonNode n;
        try {
            n = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
        }
        if (n == null || !n.isObject()) {
            throw new IllegalArgumentException("not a JSON object: " + text);
        }
        if (n.path("v").asInt() != FORMAT) {
            throw new IllegalArgumentException("format version " + n.path("v") + " is not " + FORMAT
                    + " (a replica of another aip version sent it?): " + text);
        }
        String from = n.path("from").asText("");
        switch (n.path("type").asText("")) {
            case "policies" -> {
                String version = text(n, "version");
                return policies(version, from);
            }
            case "profile" -> {
                TenantId tenant;
                try {
                    tenant = TenantId.of(text(n, "tenant"));
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException("invalid tenant: " + e.getMessage());
                }
                return profile(tenant, text(n, "model"), from);
            }
            default -> throw new IllegalArgumentException("unknown type " + n.path("type") + ": " + text);
        }
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        if (v == null || !v.isTextual() || v.asText().isBlank()) {
            throw new IllegalArgumentException("missing \"" + field + "\": " + n);
        }
        return v.asText();
    }
}
