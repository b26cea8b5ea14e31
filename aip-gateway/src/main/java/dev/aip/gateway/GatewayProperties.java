package dev.aip.gateway;

import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code aip.gateway.*} properties: API keys, the models the gateway serves, request limits and retries.
 *
 * <p>Mutable, as Spring binds it; read-only after start-up.
 */
@ConfigurationProperties(prefix = "aip.gateway")
public class GatewayProperties {

    /** API keys, each stored as the SHA-256 of the key (hex), with the tenant it belongs to. */
    private List<ApiKey> keys = new ArrayList<>();

    /** Logical models the gateway serves (GET /v1/models; any other model is 404). */
    private List<String> models = new ArrayList<>();

    /** Largest request body, in bytes; larger bodies get 413. */
    private int maxBodyBytes = 1024 * 1024;

    /** Attempts per call in all (1 = no retry); throttled and 5xx attempts are retried. */
    private int maxAttempts = 2;

    /** @return the API keys */
    public List<ApiKey> getKeys() {
        return keys;
    }

    /** @param keys the API keys */
    public void setKeys(List<ApiKey> keys) {
        this.keys = keys;
    }

    /** @return the served models */
    public List<String> getModels() {
        return models;
    }

    /** @param models the served models */
    public void setModels(List<String> models) {
        this.models = models;
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
}
