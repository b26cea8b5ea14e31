package dev.aip.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aip.core.ConfigurationException;
import dev.aip.core.InvalidTenantIdException;
import dev.aip.core.tenant.TenantId;
import dev.aip.keys.ApiKey;
import dev.aip.keys.ApiKeyNotFoundException;
import dev.aip.keys.ApiKeyStore;
import dev.aip.keys.ApiKeyStoreException;
import dev.aip.keys.IssuedKey;
import dev.aip.keys.KeyLimits;
import java.io.IOException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.HttpHeaders;
import org.springframework.http.server.reactive.ServerHttpRequest;
import org.springframework.http.server.reactive.ServerHttpResponse;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ServerWebExchange;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Administration of the shared API keys, for operators and their tools, behind a bearer token whose SHA-256 is
 * {@code aip.gateway.admin-token-sha256} (compared in constant time). Without that setting, or without a key store
 * ({@code aip.gateway.key-store.jdbc-url}), every {@code /admin/keys} path answers 404: the endpoints are off.
 *
 * <table>
 *   <caption>Endpoints</caption>
 *   <tr><td>{@code POST /admin/keys}</td><td>create: {@code {"tenant", "name", "expiresAt"?, "requestsPerMinute"?,
 *     "tokensPerMinute"?}}; 201 with the key in {@code key}, shown this once</td></tr>
 *   <tr><td>{@code GET /admin/keys[?tenant=]}</td><td>list, never a secret</td></tr>
 *   <tr><td>{@code POST /admin/keys/{id}/rotate}</td><td>a new secret; {@code {"graceSeconds"?}} keeps the old one
 *     valid that long (default 0)</td></tr>
 *   <tr><td>{@code DELETE /admin/keys/{id}}</td><td>revoke, on every replica within its refresh interval</td></tr>
 * </table>
 *
 * <p>Errors in OpenAI's shape: 400 bad input, 401 a missing or wrong admin token, 404 an unknown key id, 409 a
 * revoked key rotated, 503 the database unreachable. Answers carrying a key say {@code Cache-Control: no-store}.
 * Keys are never logged.
 *
 * <p>Thread-safe. The store's database work runs on Reactor's bounded elastic scheduler, never on an I/O thread.
 */
@RestController
class AdminKeysController {

    private final ApiKeyStore store;
    private final byte[] tokenSha256;
    private final ObjectMapper json = new ObjectMapper();

    AdminKeysController(ObjectProvider<ApiKeyStore> store, GatewayProperties properties) {
        this.store = store.getIfAvailable();
        String hex = properties.getAdminTokenSha256();
        if (hex == null || hex.isBlank()) {
            this.tokenSha256 = null;
        } else {
            String h = hex.trim().toLowerCase();
            if (!h.matches("[0-9a-f]{64}")) {
                throw new ConfigurationException("aip.gateway.admin-token-sha256 must be 64 hex digits:"
                        + " the SHA-256 of the admin token (printf %s \"$TOKEN\" | sha256sum), never the token");
            }
            this.tokenSha256 = HexFormat.of().parseHex(h);
        }
    }

    @PostMapping("/admin/keys")
    Mono<Void> create(ServerWebExchange exchange) {
        return admin(exchange, body -> {
            String tenant = text(body, "tenant", true);
            String name = text(body, "name", false);
            Instant expiresAt = null;
            String expiry = text(body, "expiresAt", false);
            if (expiry != null) {
                try {
                    expiresAt = Instant.parse(expiry);
                } catch (DateTimeParseException e) {
                    throw GatewayError.badRequest("expiresAt", "expiresAt must be an ISO-8601 instant such as"
                            + " 2027-01-31T00:00:00Z, got '" + expiry + "'.");
                }
            }
            KeyLimits limits = new KeyLimits(number(body, "requestsPerMinute"), number(body, "tokensPerMinute"));
            IssuedKey issued = store.create(TenantId.of(tenant), name == null ? tenant : name, expiresAt, limits);
            return new Answer(201, issued(issued));
        });
    }

    @GetMapping("/admin/keys")
    Mono<Void> list(ServerWebExchange exchange) {
        String tenant = exchange.getRequest().getQueryParams().getFirst("tenant");
        return admin(exchange, body -> {
            List<ApiKey> keys = store.list(tenant == null || tenant.isBlank() ? null : TenantId.of(tenant));
            ObjectNode out = json.createObjectNode().put("object", "list");
            ArrayNode data = out.putArray("data");
            keys.forEach(k -> data.add(describe(k)));
            return new Answer(200, out);
        });
    }

    @PostMapping("/admin/keys/{id}/rotate")
    Mono<Void> rotate(ServerWebExchange exchange, @PathVariable("id") String id) {
        return admin(exchange, body -> {
            long grace = number(body, "graceSeconds");
            return new Answer(200, issued(store.rotate(id, Duration.ofSeconds(grace))));
        });
    }

    @DeleteMapping("/admin/keys/{id}")
    Mono<Void> revoke(ServerWebExchange exchange, @PathVariable("id") String id) {
        return admin(exchange, body -> new Answer(200, describe(store.revoke(id))));
    }

    /** A status and a JSON body. */
    private record Answer(int status, ObjectNode body) {
    }

    @FunctionalInterface
    private interface Work {
        Answer apply(JsonNode body) throws Exception;
    }

    /** Checks the admin token, reads the JSON body, runs {@code work} off the I/O thread and answers. */
    private Mono<Void> admin(ServerWebExchange exchange, Work work) {
        ServerHttpRequest request = exchange.getRequest();
        ServerHttpResponse response = exchange.getResponse();
        if (store == null || tokenSha256 == null) {
            return error(response, new GatewayError(404, "invalid_request_error", "not_found", null,
                    "Key administration is off: it needs aip.gateway.key-store.jdbc-url and"
                            + " aip.gateway.admin-token-sha256."));
        }
        String auth = request.getHeaders().getFirst(HttpHeaders.AUTHORIZATION);
        String token = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim() : "";
        if (!MessageDigest.isEqual(tokenSha256, ApiKeys.sha256(token))) {
            return error(response, new GatewayError(401, "invalid_request_error", "invalid_admin_token", null,
                    "Missing or wrong admin token: send Authorization: Bearer <admin token>."));
        }
        return DataBufferUtils.join(request.getBody(), 64 * 1024)
                .map(buffer -> {
                    try {
                        byte[] bytes = new byte[buffer.readableByteCount()];
                        buffer.read(bytes);
                        return bytes;
                    } finally {
                        DataBufferUtils.release(buffer);
                    }
                })
                .defaultIfEmpty(new byte[0])
                .onErrorMap(DataBufferLimitException.class, e -> GatewayError.badRequest(null,
                        "The body is larger than 64 KiB."))
                .publishOn(Schedulers.boundedElastic())
                .map(bytes -> run(() -> work.apply(parse(bytes))))
                .flatMap(answer -> {
                    response.getHeaders().setCacheControl("no-store");
                    return GatewayError.writeJson(response, json, answer.status(), answer.body());
                })
                .onErrorResume(GatewayError.class, e -> error(response, e));
    }

    private static Answer run(Callable<Answer> work) {
        try {
            return work.call();
        } catch (GatewayError e) {
            throw e;
        } catch (ApiKeyNotFoundException e) {
            throw new GatewayError(404, "invalid_request_error", "key_not_found", "id", e.getMessage());
        } catch (ApiKeyStoreException e) {
            throw e.retryable()
                    ? new GatewayError(503, "api_error", "key_store_unavailable", null, e.getMessage(), "5")
                    : new GatewayError(409, "invalid_request_error", "key_state", null, e.getMessage());
        } catch (InvalidTenantIdException | IllegalArgumentException e) {
            throw GatewayError.badRequest(null, e.getMessage());
        } catch (Exception e) {
            throw new GatewayError(500, "api_error", "internal_error", null, "The key operation failed: "
                    + e.getClass().getSimpleName());
        }
    }

    private JsonNode parse(byte[] body) {
        if (body.length == 0) {
            return json.createObjectNode();
        }
        try {
            JsonNode node = json.readTree(body);
            if (node == null || !node.isObject()) {
                throw GatewayError.badRequest(null, "The body must be a JSON object.");
            }
            return node;
        } catch (IOException e) {
            throw GatewayError.badRequest(null, "The body is not valid JSON.");
        }
    }

    private static String text(JsonNode body, String field, boolean required) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw GatewayError.badRequest(field, field + " is required.");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw GatewayError.badRequest(field, field + " must be a string.");
        }
        return v.asText();
    }

    private static long number(JsonNode body, String field) {
        JsonNode v = body.get(field);
        if (v == null || v.isNull()) {
            return 0;
        }
        if (!v.isIntegralNumber() || v.asLong() < 0) {
            throw GatewayError.badRequest(field, field + " must be a whole number, 0 or more.");
        }
        return v.asLong();
    }

    private ObjectNode issued(IssuedKey issued) {
        ObjectNode out = describe(issued.key());
        out.put("key", issued.secret());
        return out;
    }

    private ObjectNode describe(ApiKey k) {
        ObjectNode out = json.createObjectNode();
        out.put("id", k.id());
        out.put("tenant", k.tenant().value());
        out.put("name", k.name());
        out.put("createdAt", k.createdAt().toString());
        putInstant(out, "expiresAt", k.expiresAt());
        putInstant(out, "revokedAt", k.revokedAt());
        putInstant(out, "rotatedAt", k.rotatedAt());
        putInstant(out, "previousValidUntil", k.previousValidUntil());
        out.put("requestsPerMinute", k.limits().requestsPerMinute());
        out.put("tokensPerMinute", k.limits().tokensPerMinute());
        return out;
    }

    private static void putInstant(ObjectNode out, String field, Instant value) {
        if (value == null) {
            out.putNull(field);
        } else {
            out.put(field, value.toString());
        }
    }

    private Mono<Void> error(ServerHttpResponse response, GatewayError e) {
        return GatewayError.write(response, json, e.status, e.type, e.code, e.param, e.getMessage(), e.retryAfter);
    }
}
