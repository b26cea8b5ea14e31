package dev.aip.gateway;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code aip.gateway.*} properties: API keys, the models the gateway serves, request limits, capacity caps and retries.
 *
 * <p>Mutable, as Spring binds it; read-only after start-up.
 */
@ConfigurationProperties(prefix = "aip.gateway")
public class GatewayProperties {

    /**
     * API keys, each stored as the SHA-256 of the key (hex), with the tenant it belongs to. They work alone, or
     * together with the keys of {@code key-store}.
     */
    private List<ApiKey> keys = new ArrayList<>();

    /** The shared API key store in PostgreSQL; off unless {@code key-store.jdbc-url} is set. */
    private KeyStore keyStore = new KeyStore();

    /**
     * SHA-256 (hex) of the bearer token of the key administration endpoints ({@code /admin/keys}); unset, those
     * endpoints answer 404. They also need {@code key-store.jdbc-url}.
     */
    private String adminTokenSha256;

    /** Logical models the gateway serves (GET /v1/models; any other model is 404). */
    private List<String> models = new ArrayList<>();

    /**
     * Logical models that take structured output ({@code response_format} {@code json_schema}, Converse
     * {@code outputConfig}), in addition to those whose route names a foundation model AWS documents it for
     * (Claude Haiku 4.5, Sonnet 4.5, Opus 4.5, Opus 4.6). For models served through tenants' own profiles, whose
     * foundation model the gateway cannot see, or for models that gained it since.
     */
    private List<String> structuredOutputModels = new ArrayList<>();

    /** Largest request body, in bytes; larger bodies get 413. */
    private int maxBodyBytes = 1024 * 1024;

    /** Attempts per call in all (1 = no retry); throttled and 5xx attempts are retried. */
    private int maxAttempts = 2;

    /** Most calls in flight in the gateway (whole answers and streams); over it a call gets 503 at once. */
    private int maxInFlight = 10_000;

    /** Most calls in flight per tenant; over it a call gets 429 at once. */
    private int maxInFlightPerTenant = 1_000;

    /**
     * Stream events buffered for a slow client; a client that falls further behind loses its stream (the call is
     * cancelled and settled as cancelled), so a slow reader never grows the gateway's memory without bound.
     */
    private int streamBufferEvents = 1024;

    /**
     * Runs the Bedrock client's connections on the web server's event loops (one set of I/O threads for both sides
     * of every call), instead of an event loop group of the client's own.
     */
    private boolean shareEventLoops = true;

    /**
     * How long a call may run (whole answer or stream, retries included) for a tenant whose tier has no entry in
     * {@code tier-timeouts}; past it the call is cancelled at Bedrock, recorded as a timeout, and answered 504 (or,
     * mid-stream, ended with an error event). Unset: no limit.
     */
    private Duration timeout = Duration.ofMinutes(10);

    /** Call timeouts by tenant tier, e.g. {@code premium: 15m}, {@code basic: 2m}. */
    private Map<String, Duration> tierTimeouts = new LinkedHashMap<>();

    /**
     * On shutdown, how long the gateway keeps serving with its readiness probe
     * ({@code /actuator/health/readiness}) already OUT_OF_SERVICE before it stops taking connections and drains the
     * calls in flight: the time a load balancer needs to see the probe and route new calls elsewhere. 0 (the
     * default) starts draining at once; behind Kubernetes, a few seconds (or a preStop sleep) keeps requests that
     * still arrive from being refused.
     */
    private Duration shutdownDelay = Duration.ZERO;

    /** @return the API keys */
    public List<ApiKey> getKeys() {
        return keys;
    }

    /** @param keys the API keys */
    public void setKeys(List<ApiKey> keys) {
        this.keys = keys;
    }

    /** @return the shared key store's settings */
    public KeyStore getKeyStore() {
        return keyStore;
    }

    /** @param keyStore the shared key store's settings */
    public void setKeyStore(KeyStore keyStore) {
        this.keyStore = keyStore;
    }

    /** @return the SHA-256 of the admin token, hex, or {@code null} */
    public String getAdminTokenSha256() {
        return adminTokenSha256;
    }

    /** @param adminTokenSha256 the SHA-256 of the admin token, hex */
    public void setAdminTokenSha256(String adminTokenSha256) {
        this.adminTokenSha256 = adminTokenSha256;
    }

    /** @return the served models */
    public List<String> getModels() {
        return models;
    }

    /** @param models the served models */
    public void setModels(List<String> models) {
        this.models = models;
    }

    /** @return the logical models named as taking structured output */
    public List<String> getStructuredOutputModels() {
        return structuredOutputModels;
    }

    /** @param structuredOutputModels the logical models named as taking structured output */
    public void setStructuredOutputModels(List<String> structuredOutputModels) {
        this.structuredOutputModels = structuredOutputModels;
    }

    /** @return the largest body in bytes */
    public int getMaxBodyBytes() {
        return maxBodyBytes;
    }

    /** @param maxBodyBytes the largest body in bytes */
    public void setMaxBodyBytes(int maxBodyBytes) {
        this.maxBodyBytes = maxBodyBytes;
    }

    /** @return attempts per call */
    public int getMaxAttempts() {
        return maxAttempts;
    }

    /** @param maxAttempts attempts per call */
    public void setMaxAttempts(int maxAttempts) {
        this.maxAttempts = maxAttempts;
    }

    /** @return the most calls in flight in the gateway */
    public int getMaxInFlight() {
        return maxInFlight;
    }

    /** @param maxInFlight the most calls in flight in the gateway */
    public void setMaxInFlight(int maxInFlight) {
        this.maxInFlight = maxInFlight;
    }

    /** @return the most calls in flight per tenant */
    public int getMaxInFlightPerTenant() {
        return maxInFlightPerTenant;
    }

    /** @param maxInFlightPerTenant the most calls in flight per tenant */
    public void setMaxInFlightPerTenant(int maxInFlightPerTenant) {
        this.maxInFlightPerTenant = maxInFlightPerTenant;
    }

    /** @return the stream events buffered for a slow client */
    public int getStreamBufferEvents() {
        return streamBufferEvents;
    }

    /** @param streamBufferEvents the stream events buffered for a slow client */
    public void setStreamBufferEvents(int streamBufferEvents) {
        this.streamBufferEvents = streamBufferEvents;
    }

    /** @return how long the gateway serves, unready, before it drains on shutdown */
    public Duration getShutdownDelay() {
        return shutdownDelay;
    }

    /** @param shutdownDelay how long the gateway serves, unready, before it drains on shutdown */
    public void setShutdownDelay(Duration shutdownDelay) {
        this.shutdownDelay = shutdownDelay;
    }

    /** @return the call timeout of tiers without their own; {@code null} for none */
    public Duration getTimeout() {
        return timeout;
    }

    /** @param timeout the call timeout of tiers without their own; {@code null} for none */
    public void setTimeout(Duration timeout) {
        this.timeout = timeout;
    }

    /** @return the call timeouts by tier name */
    public Map<String, Duration> getTierTimeouts() {
        return tierTimeouts;
    }

    /** @param tierTimeouts the call timeouts by tier name */
    public void setTierTimeouts(Map<String, Duration> tierTimeouts) {
        this.tierTimeouts = tierTimeouts;
    }

    /** @return whether the Bedrock client runs on the web server's event loops */
    public boolean isShareEventLoops() {
        return shareEventLoops;
    }

    /** @param shareEventLoops whether the Bedrock client runs on the web server's event loops */
    public void setShareEventLoops(boolean shareEventLoops) {
        this.shareEventLoops = shareEventLoops;
    }

    /** One API key. */
    public static class ApiKey {

        /** The tenant the key belongs to. */
        private String tenant;

        /** SHA-256 of the key, 64 hex digits (e.g. {@code printf %s "$KEY" | sha256sum}). */
        private String sha256;

        /** @return the tenant id */
        public String getTenant() {
            return tenant;
        }

        /** @param tenant the tenant id */
        public void setTenant(String tenant) {
            this.tenant = tenant;
        }

        /** @return the key's SHA-256, hex */
        public String getSha256() {
            return sha256;
        }

        /** @param sha256 the key's SHA-256, hex */
        public void setSha256(String sha256) {
            this.sha256 = sha256;
        }
    }

    /** The shared API key store: PostgreSQL 15 or later. */
    public static class KeyStore {

        /** JDBC URL ({@code jdbc:postgresql://host:5432/db}); unset, there is no key store. */
        private String jdbcUrl;

        /** Database user. */
        private String username;

        /** Database password. */
        private String password;

        /** Schema of the keys' table (created if missing); unset, the connection's default schema. */
        private String schema;

        /**
         * How often each replica reads the keys changed elsewhere: the longest a revocation takes to reach it while
         * the database answers.
         */
        private Duration refreshInterval = Duration.ofSeconds(2);

        /** @return the JDBC URL, or {@code null} */
        public String getJdbcUrl() {
            return jdbcUrl;
        }

        /** @param jdbcUrl the JDBC URL */
        public void setJdbcUrl(String jdbcUrl) {
            this.jdbcUrl = jdbcUrl;
        }

        /** @return the database user */
        public String getUsername() {
            return username;
        }

        /** @param username the database user */
        public void setUsername(String username) {
            this.username = username;
        }

        /** @return the database password */
        public String getPassword() {
            return password;
        }

        /** @param password the database password */
        public void setPassword(String password) {
            this.password = password;
        }

        /** @return the schema, or {@code null} */
        public String getSchema() {
            return schema;
        }

        /** @param schema the schema */
        public void setSchema(String schema) {
            this.schema = schema;
        }

        /** @return how often changes are read */
        public Duration getRefreshInterval() {
            return refreshInterval;
        }

        /** @param refreshInterval how often changes are read */
        public void setRefreshInterval(Duration refreshInterval) {
            this.refreshInterval = refreshInterval;
        }
    }
}
