package dev.aip.spring;

import dev.aip.core.sink.JsonLinesLedger;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code aip.*} properties: where Bedrock is, how tenants find their application inference profiles, the
 * governance policy file, the usage ledger, how web requests name their tenant, metrics and the dev-mode emulator.
 *
 * <pre>{@code
 * aip:
 *   region: us-east-1
 *   profiles:
 *     strategy: static
 *   tenants:
 *     acme: { tier: premium, profiles: { claude-haiku: "arn:aws:bedrock:...:application-inference-profile/abc" } }
 *   policy-file: config/policies.yaml
 *   ledger:
 *     path: var/usage.jsonl
 *   tenant:
 *     header: X-Tenant-Id
 * }</pre>
 *
 * <p>Mutable, as Spring binds it; treat it as read-only after start-up.
 */
@ConfigurationProperties(prefix = "aip")
public class AipProperties {

    /** Whether aip's auto-configuration is on. */
    private boolean enabled = true;

    /** AWS region of the Bedrock clients aip builds; default: the SDK's region provider chain. */
    private String region;

    /** Endpoint override for the Bedrock clients (runtime and control plane), e.g. a local emulator. */
    private URI endpoint;

    /** Known tenants by id: tier, attributes and (for the static strategy) their profiles. */
    private Map<String, Tenant> tenants = new LinkedHashMap<>();

    /** A YAML or JSON file with more tenants, in the shape of {@code aip.tenants} (a map of tenant id to tenant). */
    private Path tenantsFile;

    /** Governance policy file (YAML or JSON, see PolicyFile); without one, calls are metered but not limited. */
    private Path policyFile;

    private final Profiles profiles = new Profiles();
    private final Ledger ledger = new Ledger();
    private final TenantResolution tenant = new TenantResolution();
    private final Metrics metrics = new Metrics();
    private final Emulator emulator = new Emulator();
    private final Http http = new Http();

    /** @return whether the auto-configuration is on */
    public boolean isEnabled() {
        return enabled;
    }

    /** @param enabled whether the auto-configuration is on */
    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /** @return the AWS region, or {@code null} for the SDK's chain */
    public String getRegion() {
        return region;
    }

    /** @param region the AWS region */
    public void setRegion(String region) {
        this.region = region;
    }

    /** @return the endpoint override, or {@code null} */
    public URI getEndpoint() {
        return endpoint;
    }

    /** @param endpoint the endpoint override */
    public void setEndpoint(URI endpoint) {
        this.endpoint = endpoint;
    }

    /** @return the tenants by id */
    public Map<String, Tenant> getTenants() {
        return tenants;
    }

    /** @param tenants the tenants by id */
    public void setTenants(Map<String, Tenant> tenants) {
        this.tenants = tenants;
    }

    /** @return the tenants file, or {@code null} */
    public Path getTenantsFile() {
        return tenantsFile;
    }

    /** @param tenantsFile the tenants file */
    public void setTenantsFile(Path tenantsFile) {
        this.tenantsFile = tenantsFile;
    }

    /** @return the policy file, or {@code null} */
    public Path getPolicyFile() {
        return policyFile;
    }

    /** @param policyFile the policy file */
    public void setPolicyFile(Path policyFile) {
        this.policyFile = policyFile;
    }

    /** @return profile resolution settings */
    public Profiles getProfiles() {
        return profiles;
    }

    /** @return ledger settings */
    public Ledger getLedger() {
        return ledger;
    }

    /** @return how web requests name their tenant */
    public TenantResolution getTenant() {
        return tenant;
    }

    /** @return metrics settings */
    public Metrics getMetrics() {
        return metrics;
    }

    /** @return HTTP settings of the Bedrock runtime clients */
    public Http getHttp() {
        return http;
    }

    /** @return dev-mode emulator settings */
    public Emulator getEmulator() {
        return emulator;
    }

    /** How a tenant's profile is found. */
    public enum Strategy {
        /** A fixed map: {@code aip.tenants.<id>.profiles.<model>} and {@code aip.profiles.default-profiles}. */
        STATIC,
        /** Profiles found by their tags (ListInferenceProfiles + ListTagsForResource), refreshed in the background. */
        TAGS,
        /** A tenant's profile is created on its first call from {@code aip.profiles.routes}, found by tags after. */
        PROVISIONING
    }

    /** One tenant. */
    public static class Tenant {

        /** The tenant's tier (a lowercase name, e.g. premium, standard, basic). */
        private String tier = "standard";

        /** Attributes carried with every call (request metadata and usage records). */
        private Map<String, String> attributes = new LinkedHashMap<>();

        /**
         * Static strategy: logical model to the tenant's profile ARN; several ARNs separated by commas give the
         * tenant several profiles for the model, for a balancer to spread calls over.
         */
        private Map<String, String> profiles = new LinkedHashMap<>();

        /** @return the tier */
        public String getTier() {
            return tier;
        }

        /** @param tier the tier */
        public void setTier(String tier) {
            this.tier = tier;
        }

        /** @return the attributes */
        public Map<String, String> getAttributes() {
            return attributes;
        }

        /** @param attributes the attributes */
        public void setAttributes(Map<String, String> attributes) {
            this.attributes = attributes;
        }

        /** @return logical model to profile ARN */
        public Map<String, String> getProfiles() {
            return profiles;
        }

        /** @param profiles logical model to profile ARN */
        public void setProfiles(Map<String, String> profiles) {
            this.profiles = profiles;
        }
    }

    /** Profile resolution. */
    public static class Profiles {

        /** How a tenant's profile is found; default static (provisioning when the dev-mode emulator is on). */
        private Strategy strategy;

        /** Static strategy: a shared profile per logical model for tenants without their own. */
        private Map<String, String> defaultProfiles = new LinkedHashMap<>();

        /**
         * Logical model to the foundation model behind its profiles, for pricing without a control-plane lookup
         * (static strategy; with it the ownership tags are trusted as configured).
         */
        private Map<String, String> sourceModels = new LinkedHashMap<>();

        /** Provisioning strategy: logical model to the model or system profile a tenant's new profile copies. */
        private Map<String, String> routes = new LinkedHashMap<>();

        /** AWS account id, needed to turn system profile ids in routes into ARNs. */
        private String accountId;

        /** Tags strategy: how often the profile index is refreshed. */
        private Duration refreshInterval = Duration.ofMinutes(5);

        /**
         * How calls are spread over a tenant's several profiles for one model: least-loaded or weighted-random;
         * unset: every call goes to the first profile.
         */
        private String balancer;

        /** @return the balancer strategy, or {@code null} for none */
        public String getBalancer() {
            return balancer;
        }

        /** @param balancer the balancer strategy: least-loaded or weighted-random */
        public void setBalancer(String balancer) {
            this.balancer = balancer;
        }

        /** @return the strategy, or {@code null} for the default */
        public Strategy getStrategy() {
            return strategy;
        }

        /** @param strategy the strategy */
        public void setStrategy(Strategy strategy) {
            this.strategy = strategy;
        }

        /** @return the shared default profiles */
        public Map<String, String> getDefaultProfiles() {
            return defaultProfiles;
        }

        /** @param defaultProfiles the shared default profiles */
        public void setDefaultProfiles(Map<String, String> defaultProfiles) {
            this.defaultProfiles = defaultProfiles;
        }

        /** @return logical model to source model */
        public Map<String, String> getSourceModels() {
            return sourceModels;
        }

        /** @param sourceModels logical model to source model */
        public void setSourceModels(Map<String, String> sourceModels) {
            this.sourceModels = sourceModels;
        }

        /** @return logical model to copy-from ARN or id */
        public Map<String, String> getRoutes() {
            return routes;
        }

        /** @param routes logical model to copy-from ARN or id */
        public void setRoutes(Map<String, String> routes) {
            this.routes = routes;
        }

        /** @return the account id */
        public String getAccountId() {
            return accountId;
        }

        /** @param accountId the account id */
        public void setAccountId(String accountId) {
            this.accountId = accountId;
        }

        /** @return the refresh interval */
        public Duration getRefreshInterval() {
            return refreshInterval;
        }

        /** @param refreshInterval the refresh interval */
        public void setRefreshInterval(Duration refreshInterval) {
            this.refreshInterval = refreshInterval;
        }
    }

    /** The durable usage ledger. */
    public static class Ledger {

        /** JSON-lines ledger file; without one, records are kept only in memory (and in metrics). */
        private Path path;

        /** Records between two fsyncs. */
        private int fsyncEvery = 256;

        /** Longest time between two fsyncs. */
        private Duration fsyncInterval = Duration.ofSeconds(1);

        /**
         * When a record counts as taken: {@code async} once queued (a kill -9 loses at most the last {@code max-lag}
         * of records), {@code sync} once written and synced (nothing acknowledged is lost; slower).
         */
        private JsonLinesLedger.Durability durability = JsonLinesLedger.Durability.ASYNC;

        /**
         * Longest time a record may wait unwritten before callers are slowed (async mode); the kill -9 loss window.
         * Default: 100 ms, or the fsync interval if shorter.
         */
        private Duration maxLag;

        /** @return the durability mode */
        public JsonLinesLedger.Durability getDurability() {
            return durability;
        }

        /** @param durability the durability mode */
        public void setDurability(JsonLinesLedger.Durability durability) {
            this.durability = durability;
        }

        /** @return the longest time a record waits unwritten, or {@code null} for the default */
        public Duration getMaxLag() {
            return maxLag;
        }

        /** @param maxLag the longest time a record waits unwritten */
        public void setMaxLag(Duration maxLag) {
            this.maxLag = maxLag;
        }

        /** @return the ledger file, or {@code null} */
        public Path getPath() {
            return path;
        }

        /** @param path the ledger file */
        public void setPath(Path path) {
            this.path = path;
        }

        /** @return records between fsyncs */
        public int getFsyncEvery() {
            return fsyncEvery;
        }

        /** @param fsyncEvery records between fsyncs */
        public void setFsyncEvery(int fsyncEvery) {
            this.fsyncEvery = fsyncEvery;
        }

        /** @return the longest time between fsyncs */
        public Duration getFsyncInterval() {
            return fsyncInterval;
        }

        /** @param fsyncInterval the longest time between fsyncs */
        public void setFsyncInterval(Duration fsyncInterval) {
            this.fsyncInterval = fsyncInterval;
        }
    }

    /** How a web request names its tenant (used when no TenantResolver bean is defined). */
    public static class TenantResolution {

        /** Request header holding the tenant id. */
        private String header = "X-Tenant-Id";

        /** JWT claim holding the tenant id (Spring Security resource server); when set, it wins over the header. */
        private String jwtClaim;

        /** Refuse tenants that are not in aip.tenants (or the tenants file). */
        private boolean knownOnly = false;

        /** @return the header name */
        public String getHeader() {
            return header;
        }

        /** @param header the header name */
        public void setHeader(String header) {
            this.header = header;
        }

        /** @return the JWT claim, or {@code null} */
        public String getJwtClaim() {
            return jwtClaim;
        }

        /** @param jwtClaim the JWT claim */
        public void setJwtClaim(String jwtClaim) {
            this.jwtClaim = jwtClaim;
        }

        /** @return whether only known tenants are accepted */
        public boolean isKnownOnly() {
            return knownOnly;
        }

        /** @param knownOnly whether only known tenants are accepted */
        public void setKnownOnly(boolean knownOnly) {
            this.knownOnly = knownOnly;
        }
    }

    /** Micrometer meters. */
    public static class Metrics {

        /** Whether usage records feed Micrometer meters (when a MeterRegistry bean exists). */
        private boolean enabled = true;

        /**
         * Tenants that get their own {@code aip.tenant} tag value; every other tenant is tagged {@code other}.
         * Empty: no tenant tag at all, only the tier (bounded cardinality by default).
         */
        private List<String> tenantTag = new ArrayList<>();

        /** @return whether meters are on */
        public boolean isEnabled() {
            return enabled;
        }

        /** @param enabled whether meters are on */
        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        /** @return the tenants tagged by name */
        public List<String> getTenantTag() {
            return tenantTag;
        }

        /** @param tenantTag the tenants tagged by name */
        public void setTenantTag(List<String> tenantTag) {
            this.tenantTag = tenantTag;
        }
    }

    /** HTTP settings of the Bedrock runtime clients aip builds. */
    public static class Http {

        /** Most connections (sync client) and concurrent streams (async client) to Bedrock. */
        private int maxConnections = 256;

        /** @return the most connections */
        public int getMaxConnections() {
            return maxConnections;
        }

        /** @param maxConnections the most connections */
        public void setMaxConnections(int maxConnections) {
            this.maxConnections = maxConnections;
        }
    }

    /** The in-process Bedrock emulator for development (needs aip-emulator on the class path). */
    public static class Emulator {

        /** Start an in-process Bedrock emulator and point every client at it. Never for production. */
        private boolean enabled = false;

        /** Port of the emulator; 0 picks a free one. */
        private int port = 0;

        /** Seed of the emulator's deterministic replies. */
        private long seed = 42;

        /** @return whether the emulator runs */
        public boolean isEnabled() {
            return enabled;
        }

        /** @param enabled whether the emulator runs */
        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        /** @return the port */
        public int getPort() {
            return port;
        }

        /** @param port the port */
        public void setPort(int port) {
            this.port = port;
        }

        /** @return the seed */
        public long getSeed() {
            return seed;
        }

        /** @param seed the seed */
        public void setSeed(long seed) {
            this.seed = seed;
        }
    }
}
