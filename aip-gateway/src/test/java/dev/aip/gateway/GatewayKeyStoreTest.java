package dev.aip.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aip.keys.JdbcApiKeyStore;
import dev.aip.testkit.LocalPostgres;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.web.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two gateway replicas (two application contexts) on one PostgreSQL key store: keys created, rotated and revoked
 * through replica A's admin endpoint are honoured by replica B after B's refresh; per-key limits answer 429; the
 * admin endpoint refuses without the admin token and is off without one configured.
 */
@Timeout(180)
class GatewayKeyStoreTest {

    static final ObjectMapper JSON = new ObjectMapper();
    static final String ADMIN_TOKEN = "admin-token-for-tests";
    static final String CHAT = "{\"model\":\"claude-haiku\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";
    static final String MESSAGE = "{\"model\":\"claude-haiku\",\"max_tokens\":64,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}";

    /** A replica with the admin endpoints on. */
    static ConfigurableApplicationContext replicaA;
    /** A replica without an admin token: its admin endpoints are off. */
    static ConfigurableApplicationContext replicaB;
    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    @BeforeAll
    static void start() {
        String url = LocalPostgres.url();
        String schema = LocalPostgres.freshSchema();
        replicaA = gateway(url, schema, true);
        replicaB = gateway(url, schema, false);
    }

    @AfterAll
    static void stop() {
        for (ConfigurableApplicationContext c : new ConfigurableApplicationContext[] {replicaA, replicaB}) {
            if (c != null) {
                c.close();
            }
        }
    }

    /** A replica that reads the store only when told to (refresh interval of an hour), so the test drives it. */
    static ConfigurableApplicationContext gateway(String url, String schema, boolean admin) {
        List<String> properties = new ArrayList<>(List.of(
                "server.port=0",
                "aip.emulator.enabled=true",
                "aip.profiles.routes.claude-haiku=us.anthropic.claude-3-5-haiku-20241022-v1:0",
                "aip.tenants.acme.tier=standard",
                "aip.tenants.globex.tier=standard",
                "aip.gateway.max-attempts=1",
                // Two contexts in one JVM: each Bedrock client on event loops of its own, closed with its context.
                "aip.gateway.share-event-loops=false",
                "aip.gateway.key-store.jdbc-url=" + url,
                "aip.gateway.key-store.schema=" + schema,
                "aip.gateway.key-store.refresh-interval=1h",
                // A key from the configuration works next to the store's.
                "aip.gateway.keys[0].tenant=globex",
                "aip.gateway.keys[0].sha256=" + ApiKeys.sha256Hex(GatewayTests.key("globex")),
                "management.endpoints.web.exposure.include=health",
                "management.endpoint.health.show-details=always"));
        if (admin) {
            properties.add("aip.gateway.admin-token-sha256=" + ApiKeys.sha256Hex(ADMIN_TOKEN));
        }
        return new SpringApplicationBuilder(GatewayApplication.class).web(WebApplicationType.REACTIVE)
                .run(properties.stream().map(p -> "--" + p).toArray(String[]::new));
    }

    static int port(ConfigurableApplicationContext c) {
        return ((WebServerApplicationContext) c).getWebServer().getPort();
    }

    static HttpResponse<String> send(ConfigurableApplicationContext c, String method, String path, String body,
                                     String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port(c) + path))
                .timeout(Duration.ofSeconds(60))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> admin(ConfigurableApplicationContext c, String method, String path, String body)
            throws Exception {
        return send(c, method, path, body, "Authorization", "Bearer " + ADMIN_TOKEN);
    }

    static HttpResponse<String> chat(ConfigurableApplicationContext c, String key) throws Exception {
        return send(c, "POST", "/v1/chat/completions", CHAT, "Authorization", "Bearer " + key);
    }

    static HttpResponse<String> message(ConfigurableApplicationContext c, String key) throws Exception {
        return send(c, "POST", "/v1/messages", MESSAGE, "x-api-key", key, "anthropic-version", "2023-06-01");
    }

    static JsonNode json(HttpResponse<String> r) throws Exception {
        return JSON.readTree(r.body());
    }

    static void refresh(ConfigurableApplicationContext c) {
        c.getBean(JdbcApiKeyStore.class).refresh();
    }

    /** Creates a key through replica A's admin endpoint; returns the answer (with the key, shown once). */
    static JsonNode create(String body) throws Exception {
        HttpResponse<String> r = admin(replicaA, "POST", "/admin/keys", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertThat(r.headers().firstValue("Cache-Control")).hasValue("no-store");
        return json(r);
    }

    @Test
    void revoke_throughReplicaA_isRefusedByReplicaBAfterItsRefresh() throws Exception {
        JsonNode created = create("{\"tenant\":\"acme\",\"name\":\"backend\"}");
        String key = created.get("key").asText();
        String id = created.get("id").asText();
        refresh(replicaB);
        assertThat(chat(replicaB, key).statusCode()).isEqualTo(200);
        assertThat(message(replicaB, key).statusCode()).isEqualTo(200);

        HttpResponse<String> revoked = admin(replicaA, "DELETE", "/admin/keys/" + id, null);
        HttpResponse<String> beforeRefresh = chat(replicaB, key);
        refresh(replicaB);
        HttpResponse<String> openAi = chat(replicaB, key);
        HttpResponse<String> anthropic = message(replicaB, key);

        assertThat(revoked.statusCode()).isEqualTo(200);
        assertThat(json(revoked).get("revokedAt").isNull()).isFalse();
        assertThat(chat(replicaA, key).statusCode()).isEqualTo(401);
        // B answers from memory: no database read per request, and the revocation arrives with its refresh.
        assertThat(beforeRefresh.statusCode()).isEqualTo(200);
        assertThat(openAi.statusCode()).isEqualTo(401);
        assertThat(json(openAi).at("/error/code").asText()).isEqualTo("invalid_api_key");
        assertThat(json(openAi).at("/error/message").asText()).contains("revoked");
        assertThat(anthropic.statusCode()).isEqualTo(401);
        assertThat(json(anthropic).at("/error/type").asText()).isEqualTo("authentication_error");
        assertThat(json(anthropic).at("/error/message").asText()).contains("revoked");
    }

    @Test
    void create_keyIsUsableOnEveryReplica_andConfiguredKeysStillWork() throws Exception {
        String key = create("{\"tenant\":\"acme\",\"name\":\"batch\"}").get("key").asText();
        refresh(replicaB);

        assertThat(chat(replicaA, key).statusCode()).isEqualTo(200);
        assertThat(chat(replicaB, key).statusCode()).isEqualTo(200);
        assertThat(chat(replicaB, GatewayTests.key("globex")).statusCode()).isEqualTo(200);
        assertThat(chat(replicaB, "aip-sk-abcdefghijkl-" + "A".repeat(43)).statusCode()).isEqualTo(401);
    }

    @Test
    void rotate_withoutGrace_oldKeyRefused_newKeyAccepted() throws Exception {
        JsonNode created = create("{\"tenant\":\"acme\",\"name\":\"rotating\"}");
        String old = created.get("key").asText();

        HttpResponse<String> rotated = admin(replicaA, "POST", "/admin/keys/" + created.get("id").asText()
                + "/rotate", "{\"graceSeconds\":0}");
        String fresh = json(rotated).get("key").asText();
        refresh(replicaB);

        assertThat(rotated.statusCode()).isEqualTo(200);
        assertThat(fresh).isNotEqualTo(old).startsWith("aip-sk-" + created.get("id").asText() + "-");
        assertThat(chat(replicaB, old).statusCode()).isEqualTo(401);
        assertThat(chat(replicaB, fresh).statusCode()).isEqualTo(200);
    }

    @Test
    void keyRequestLimit_overIt_is429WithRetryAfter_inBothShapes() throws Exception {
        String key = create("{\"tenant\":\"acme\",\"name\":\"slow\",\"requestsPerMinute\":2}").get("key").asText();

        HttpResponse<String> first = chat(replicaA, key);
        HttpResponse<String> second = message(replicaA, key);
        HttpResponse<String> third = chat(replicaA, key);
        HttpResponse<String> fourth = message(replicaA, key);

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(second.statusCode()).isEqualTo(200);
        assertThat(third.statusCode()).isEqualTo(429);
        assertThat(third.headers().firstValue("Retry-After")).isPresent();
        assertThat(json(third).at("/error/code").asText()).isEqualTo("key_rate_limit_exceeded");
        assertThat(json(third).at("/error/message").asText()).contains("2 requests per minute");
        assertThat(fourth.statusCode()).isEqualTo(429);
        assertThat(fourth.headers().firstValue("retry-after")).isPresent();
        assertThat(json(fourth).at("/error/type").asText()).isEqualTo("rate_limit_error");
    }

    @Test
    void keyTokenLimit_usedUpByACall_nextCallIs429() throws Exception {
        String key = create("{\"tenant\":\"acme\",\"name\":\"thrifty\",\"tokensPerMinute\":5}").get("key").asText();

        HttpResponse<String> first = chat(replicaA, key);
        HttpResponse<String> second = chat(replicaA, key);

        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(json(first).at("/usage/total_tokens").asLong()).isGreaterThan(5);
        assertThat(second.statusCode()).isEqualTo(429);
        assertThat(json(second).at("/error/message").asText()).contains("5 tokens per minute");
        assertThat(Long.parseLong(second.headers().firstValue("Retry-After").orElseThrow())).isPositive();
    }

    @Test
    void admin_withoutOrWithWrongToken_is401_andNoKeyIsMade() throws Exception {
        HttpResponse<String> none = send(replicaA, "POST", "/admin/keys", "{\"tenant\":\"acme\"}");
        HttpResponse<String> wrong = send(replicaA, "POST", "/admin/keys", "{\"tenant\":\"acme\"}",
                "Authorization", "Bearer not-the-token");
        HttpResponse<String> list = send(replicaA, "GET", "/admin/keys", null, "Authorization", "Bearer " + ADMIN_TOKEN
                + "x");

        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(list.statusCode()).isEqualTo(401);
        assertThat(json(wrong).at("/error/code").asText()).isEqualTo("invalid_admin_token");
        assertThat(wrong.body()).doesNotContain("aip-sk-");
    }

    @Test
    void admin_noAdminTokenConfigured_is404() throws Exception {
        HttpResponse<String> r = send(replicaB, "POST", "/admin/keys", "{\"tenant\":\"acme\"}",
                "Authorization", "Bearer " + ADMIN_TOKEN);

        assertThat(r.statusCode()).isEqualTo(404);
    }

    @Test
    void admin_listShowsKeysWithoutSecrets_andBadInputIs400() throws Exception {
        JsonNode created = create("{\"tenant\":\"globex\",\"name\":\"listed\",\"expiresAt\":\"2099-01-01T00:00:00Z\"}");

        HttpResponse<String> list = admin(replicaA, "GET", "/admin/keys?tenant=globex", null);
        HttpResponse<String> badTenant = admin(replicaA, "POST", "/admin/keys", "{\"tenant\":\"Not A Tenant!\"}");
        HttpResponse<String> badExpiry = admin(replicaA, "POST", "/admin/keys",
                "{\"tenant\":\"acme\",\"expiresAt\":\"tomorrow\"}");
        HttpResponse<String> unknown = admin(replicaA, "DELETE", "/admin/keys/nosuchkey000", null);

        assertThat(list.statusCode()).isEqualTo(200);
        assertThat(json(list).get("data")).anySatisfy(k -> {
            assertThat(k.get("id").asText()).isEqualTo(created.get("id").asText());
            assertThat(k.get("expiresAt").asText()).isEqualTo("2099-01-01T00:00:00Z");
            assertThat(k.has("key")).isFalse();
        });
        assertThat(list.body()).doesNotContain(created.get("key").asText().substring(20));
        assertThat(badTenant.statusCode()).isEqualTo(400);
        assertThat(badExpiry.statusCode()).isEqualTo(400);
        assertThat(json(badExpiry).at("/error/param").asText()).isEqualTo("expiresAt");
        assertThat(unknown.statusCode()).isEqualTo(404);
    }

    @Test
    void health_showsTheKeyStore() throws Exception {
        HttpResponse<String> r = send(replicaB, "GET", "/actuator/health", null);

        assertThat(json(r).at("/components/apiKeys/status").asText()).isEqualTo("UP");
        assertThat(json(r).at("/components/apiKeys/details/stale").asBoolean()).isFalse();
    }
}
