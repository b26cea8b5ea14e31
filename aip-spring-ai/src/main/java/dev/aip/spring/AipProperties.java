package dev.aip.spring;

import dev.aip.core.sink.JsonLinesLedger;

import java.math.BigDecimal;
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
 * governance policy file, the usage ledger, how web requests name their tenant, metrics, traces and the dev-mode
 * emulator.
 *
 * <pre>{@code
 * aip:
 *   region: us-east-1
 *   profiles:
 *     strategy: static
 *   tenants:
 *     acme: { tier: premium, profiles: { claude-haiku: "arn:aws:bedrock:...:application-inference-profile/abc" } }
 *   policy-file: classpath:policies.yaml   # or file:/etc/app/policies.yaml, a path, or aip.policies inline
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

    /**
     * Known tenants by id: aip.tenants.ID.tier (premium, standard, basic or another lowercase tier name; default
     * standard), aip.tenants.ID.attributes.NAME (carried with every call as request metadata and in usage records)
     * and, for the static strategy, aip.tenants.ID.profiles.MODEL (the tenant's profile ARN for a logical model;
     * several separated by commas). A tenant id is 1 to 64 ASCII letters, digits, '.', '_' or '-', starting with a
     * letter or digit.
     */
    private Map<String, Tenant> tenants = new LinkedHashMap<>();

    /**
     * Location of a YAML or JSON file with more tenants, in the shape of aip.tenants (a map of tenant id to tier,
     * attributes and profiles); its entries win. A Spring resource location: classpath:tenants.yaml (also inside a
     * packaged jar), file:/etc/app/tenants.yaml, or a plain file path (relative to the working directory). Read once
     * at start-up.
     */
    private String tenantsFile;

    /**
     * Location of the governance policy file (YAML, or JSON when the name ends in .json): classpath:policies.yaml
     * (also inside a packaged jar), file:/etc/app/policies.yaml, or a plain file path. A policy file on the file
     * system can be reloaded at run time (PolicyStore.reload()); one inside a jar cannot. Without a policy file or
     * aip.policies, calls are metered but not limited.
     */
    private String policyFile;

    /**
     * Governance policies written inline, in the shape of a policy file: aip.policies.defaults, aip.policies.tiers.TIER
     * and aip.policies.tenants.ID. Use either this or aip.policy-file, not both.
     */
    private final Policies policies = new Policies();

    private final Profiles profiles = new Profiles();
    private final Ledger ledger = new Ledger();
    private final Redis redis = new Redis();
    private final TenantResolution tenant = new TenantResolution();
    private final Metrics metrics = new Metrics();
    private final Tracing tracing = new Tracing();
    private final Emulator emulator = new Emulator();
    private final Http http = new Http();
    private final PolicyWatch policyWatch = new PolicyWatch();

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

    /** @return the tenants file's resource location, or {@code null} */
    public String getTenantsFile() {
        return tenantsFile;
    }

    /** @param tenantsFile the tenants file's resource location ({@code classpath:}, {@code file:} or a path) */
    public void setTenantsFile(String tenantsFile) {
        this.tenantsFile = tenantsFile;
    }

    /** @return the policy file's resource location, or {@code null} */
    public String getPolicyFile() {
        return policyFile;
    }

    /** @param policyFile the policy file's resource location ({@code classpath:}, {@code file:} or a path) */
    public void setPolicyFile(String policyFile) {
        this.policyFile = policyFile;
    }

    /** @return the inline policies */
    public Policies getPolicies() {
        return policies;
    }

    /** @return profile resolution settings */
    public Profiles getProfiles() {
        return profiles;
    }

    /** @return how the policy file is watched for changes */
    public PolicyWatch getPolicyWatch() {
        return policyWatch;
    }

    /** @return ledger settings */
    public Ledger getLedger() {
        return ledger;
    }

    /** @return the shared Redis governance state's settings */
    public Redis getRedis() {
        return redis;
    }

    /** @return how web requests name their tenant */
    public TenantResolution getTenant() {
        return tenant;
    }

    /** @return metrics settings */
    public Metrics getMetrics() {
        return metrics;
    }

    /** @return trace settings */
    public Tracing getTracing() {
        return tracing;
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
        /** A fixed map: aip.tenants.ID.profiles.MODEL and aip.profiles.default-profiles. */
        STATIC,
        /** Profiles found by their tags (ListInferenceProfiles + ListTagsForResource), refreshed in the background. */
        TAGS,
        /** A tenant's profile is created on its first call from aip.profiles.routes, found by tags after. */
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

        /**
         * How a tenant's profile is found: static (a fixed map), tags (found by their tags) or provisioning (created
         * on a tenant's first call); default static, provisioning when the dev-mode emulator is on.
         */
        private Strategy strategy;

        /** Static strategy: a shared profile per logical model for tenants without their own. */
        private Map<String, String> defaultProfiles = new LinkedHashMap<>();

        /**
         * Logical model to the foundation model behind its profiles, for pricing without a control-plane lookup
         * (static strategy; with it the ownership tags are trusted as configured).
         */
        private Map<String, String> sourceModels = new LinkedHashMap<>();

        /**
         * Provisioning strategy: logical model (the name Spring AI's model option and callers use) to the foundation
         * model id, system inference profile id or ARN a tenant's new profile copies, e.g.
         * aip.profiles.routes.claude-haiku=us.anthropic.claude-3-5-haiku-20241022-v1:0.
         */
        private Map<String, String> routes = new LinkedHashMap<>();

        /** AWS account id, needed to turn system profile ids in routes into ARNs. */
        private String accountId;

        /** Tags strategy: how often the profile index is refreshed. */
        private Duration refreshInterval = Duration.ofMinutes(5);

        /**
         * Provisioning strategy: how often a cached profile is checked to still exist (and provisioned again if it
         * was deleted); unset: only when a call to it fails or another replica announces the change.
         */
        private Duration verifyInterval;

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

        /** @return the verify interval, or {@code null} for none */
        public Duration getVerifyInterval() {
            return verifyInterval;
        }

        /** @param verifyInterval the verify interval */
        public void setVerifyInterval(Duration verifyInterval) {
            this.verifyInterval = verifyInterval;
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
         * When a record counts as taken: async once queued (a kill -9 loses at most the last max-lag of records),
         * sync once written and synced (nothing acknowledged is lost; slower).
         */
        private JsonLinesLedger.Durability durability = JsonLinesLedger.Durability.ASYNC;

        /**
         * Longest time a record may wait unwritten before callers are slowed (async mode); the kill -9 loss window.
         * Default: 100 ms, or the fsync interval if shorter.
         */
        private Duration maxLag;

        private final Jdbc jdbc = new Jdbc();

        /** @return the PostgreSQL ledger's settings */
        public Jdbc getJdbc() {
            return jdbc;
        }

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

    /**
     * The usage ledger in PostgreSQL (needs {@code dev.aip:aip-ledger-jdbc}), shared by every replica: records are
     * written in batches, idempotent by record id, and spooled to a local file while the database is down.
     */
    public static class Jdbc {

        /** JDBC URL of the PostgreSQL database (15 or later), e.g. jdbc:postgresql://db:5432/aip; turns the ledger on. */
        private String url;

        /** Database user; default: the URL's. */
        private String username;

        /** Database password; default: the URL's. */
        private String password;

        /** Schema of the ledger's tables (created and migrated at start-up). */
        private String schema = "aip";

        /**
         * Local JSON-lines file that holds records while the database is down or slow, re-sent when it returns; keep
         * it on a volume that outlives the process.
         */
        private Path spool = Path.of("aip-ledger-spool.jsonl");

        /** Records per database batch. */
        private int batchSize = 500;

        /** Most records the spool holds; beyond it callers wait, then records are counted lost. */
        private long maxSpooledRecords = 1_000_000;

        /**
         * When a record counts as taken (the values of aip.ledger.durability): async once queued (a kill -9 loses the
         * records still queued), sync once committed to the database or synced to the spool (nothing acknowledged is
         * lost; the call that made the record waits one group commit). Use sync for replicas that may be killed.
         */
        private JsonLinesLedger.Durability durability = JsonLinesLedger.Durability.ASYNC;

        /** @return the JDBC URL, or {@code null} */
        public String getUrl() {
            return url;
        }

        /** @param url the JDBC URL */
        public void setUrl(String url) {
            this.url = url;
        }

        /** @return the user, or {@code null} */
        public String getUsername() {
            return username;
        }

        /** @param username the user */
        public void setUsername(String username) {
            this.username = username;
        }

        /** @return the password, or {@code null} */
        public String getPassword() {
            return password;
        }

        /** @param password the password */
        public void setPassword(String password) {
            this.password = password;
        }

        /** @return the schema */
        public String getSchema() {
            return schema;
        }

        /** @param schema the schema */
        public void setSchema(String schema) {
            this.schema = schema;
        }

        /** @return the spool file */
        public Path getSpool() {
            return spool;
        }

        /** @param spool the spool file */
        public void setSpool(Path spool) {
            this.spool = spool;
        }

        /** @return records per batch */
        public int getBatchSize() {
            return batchSize;
        }

        /** @param batchSize records per batch */
        public void setBatchSize(int batchSize) {
            this.batchSize = batchSize;
        }

        /** @return the spool's bound in records */
        public long getMaxSpooledRecords() {
            return maxSpooledRecords;
        }

        /** @param maxSpooledRecords the spool's bound in records */
        public void setMaxSpooledRecords(long maxSpooledRecords) {
            this.maxSpooledRecords = maxSpooledRecords;
        }

        /** @return the durability mode */
        public JsonLinesLedger.Durability getDurability() {
            return durability;
        }

        /** @param durability the durability mode */
        public void setDurability(JsonLinesLedger.Durability durability) {
            this.durability = durability;
        }
    }

    /**
     * Governance state in Redis (needs {@code dev.aip:aip-governance-redis}), shared by every replica pointing at the
     * same server: budgets, rate limits and concurrency caps then hold per tenant across replicas.
     */
    public static class Redis {

        /**
         * Redis URI, e.g. redis://redis:6379 or rediss://user:secret@host:6380/0; turns the shared state on (budgets,
         * rate limits, concurrency caps, fair share, policy versions and changed profiles).
         */
        private String uri;

        /** Prefix of every key aip writes. */
        private String keyPrefix = "aip";

        /** Connect and command timeout; a Redis slower than this counts as down (see the tier's failure policy). */
        private Duration timeout = Duration.ofSeconds(2);

        /**
         * The pub/sub channel on which replicas tell each other about new policy versions and profiles deleted or
         * replaced; replicas of one application share it.
         */
        private String configChannel = "aip:config";

        /** @return the configuration channel */
        public String getConfigChannel() {
            return configChannel;
        }

        /** @param configChannel the configuration channel */
        public void setConfigChannel(String configChannel) {
            this.configChannel = configChannel;
        }

        /**
         * How long a budget reservation may stay open in Redis before it is charged at its reserved amount: what a
         * replica that died mid-call holds. Keep it above the longest call. Default: the state's (1 hour).
         */
        private Duration lease;

        /**
         * How long a concurrency slot may stay held in Redis before it is reclaimed: how long a replica that died
         * mid-call keeps its tenants' slots. Keep it above the longest call. Default: the state's (20 minutes).
         */
        private Duration slotLease;

        /** @return the URI, or {@code null} */
        public String getUri() {
            return uri;
        }

        /** @param uri the URI */
        public void setUri(String uri) {
            this.uri = uri;
        }

        /** @return the key prefix */
        public String getKeyPrefix() {
            return keyPrefix;
        }

        /** @param keyPrefix the key prefix */
        public void setKeyPrefix(String keyPrefix) {
            this.keyPrefix = keyPrefix;
        }

        /** @return the timeout */
        public Duration getTimeout() {
            return timeout;
        }

        /** @param timeout the timeout */
        public void setTimeout(Duration timeout) {
            this.timeout = timeout;
        }

        /** @return the budget reservation lease, or {@code null} for the default */
        public Duration getLease() {
            return lease;
        }

        /** @param lease the budget reservation lease */
        public void setLease(Duration lease) {
            this.lease = lease;
        }

        /** @return the concurrency slot lease, or {@code null} for the default */
        public Duration getSlotLease() {
            return slotLease;
        }

        /** @param slotLease the concurrency slot lease */
        public void setSlotLease(Duration slotLease) {
            this.slotLease = slotLease;
        }
    }

    /** How a web request names its tenant (used when no TenantResolver bean is defined). */
    public static class TenantResolution {

        /** Request header holding the tenant id. */
        private String header = "X-Tenant-Id";

        /** JWT claim holding the tenant id (Spring Security resource server); when set, it wins over the header. */
        private String jwtClaim;

        /**
         * Refuse web requests naming a tenant that is not in aip.tenants (or the tenants file), with 403
         * unknown_tenant. Default: true with the provisioning strategy (so that a made-up header value cannot create
         * a profile), false otherwise; set it to false explicitly to provision a profile for any tenant a request
         * names.
         */
        private Boolean knownOnly;

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

        /** @return whether only known tenants are accepted, or {@code null} for the strategy's default */
        public Boolean getKnownOnly() {
            return knownOnly;
        }

        /** @param knownOnly whether only known tenants are accepted */
        public void setKnownOnly(Boolean knownOnly) {
            this.knownOnly = knownOnly;
        }
    }

    /** Micrometer meters. */
    public static class Metrics {

        /** Whether usage records feed Micrometer meters (when a MeterRegistry bean exists). */
        private boolean enabled = true;

        /**
         * Tenants that get their own aip.tenant tag value; every other tenant is tagged "other".
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

    /** OpenTelemetry traces. */
    public static class Tracing {

        /**
         * Whether every model call becomes a span (with a child span per attempt), when an OpenTelemetry bean exists
         * and aip-opentelemetry is on the class path.
         */
        private boolean enabled = true;

        /** @return whether traces are on */
        public boolean isEnabled() {
            return enabled;
        }

        /** @param enabled whether traces are on */
        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
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

    /**
     * Governance policies written in application.yml, in the shape of a policy file (see PolicyFile): defaults for
     * every tenant, per tier, and per tenant; a field left out is inherited (tenant from tier, tier from defaults).
     *
     * <pre>{@code
     * aip:
     *   policies:
     *     defaults: { requests-per-minute: 60, allowed-models: [claude-haiku] }
     *     tiers:
     *       premium: { requests-per-minute: 600, allowed-models: ["*"], budget: { usd: "500", period: month } }
     *     tenants:
     *       trial-co: { budget: { usd: "1.50", period: window, length: 6h } }
     * }</pre>
     * Fair share ({@code fairShare} in a policy file) is set in a policy file only.
     */
    public static class Policies {

        /** The policy of every tenant. */
        private final Policy defaults = new Policy();

        /** Policies by tier name (premium, standard, basic, or another lowercase tier name). */
        private Map<String, Policy> tiers = new LinkedHashMap<>();

        /** Policies by tenant id; a tenant's policy may also set its tier. */
        private Map<String, Policy> tenants = new LinkedHashMap<>();

        /** @return the defaults */
        public Policy getDefaults() {
            return defaults;
        }

        /** @return policies by tier */
        public Map<String, Policy> getTiers() {
            return tiers;
        }

        /** @param tiers policies by tier */
        public void setTiers(Map<String, Policy> tiers) {
            this.tiers = tiers;
        }

        /** @return policies by tenant */
        public Map<String, Policy> getTenants() {
            return tenants;
        }

        /** @param tenants policies by tenant */
        public void setTenants(Map<String, Policy> tenants) {
            this.tenants = tenants;
        }
    }

    /** One layer of governance policy; every field is optional. */
    public static class Policy {

        /** A tenant's tier, over the one its calls carry (tenant policies only). */
        private String tier;

        /** Requests per minute: a whole number or "unlimited". */
        private String requestsPerMinute;

        /** Tokens per minute (input, output and cache tokens): a whole number or "unlimited". */
        private String tokensPerMinute;

        /** Calls in flight at once: a whole number or "unlimited". */
        private String maxConcurrentCalls;

        /** Largest output a call may ask for, in tokens: a whole number or "unlimited". */
        private String maxOutputTokens;

        /** Logical models the tenant may call; "*" allows every model. */
        private List<String> allowedModels;

        /** Profile ARNs tried in order when the tenant's own profile is throttled or unavailable. */
        private List<String> fallbackChain;

        /** Spending limit in US dollars per period. */
        private Budget budget;

        /** Inference settings applied to calls that do not set them. */
        private Settings defaultSettings;

        /** @return the tier, or {@code null} */
        public String getTier() {
            return tier;
        }

        /** @param tier the tier */
        public void setTier(String tier) {
            this.tier = tier;
        }

        /** @return requests per minute, or {@code null} */
        public String getRequestsPerMinute() {
            return requestsPerMinute;
        }

        /** @param requestsPerMinute requests per minute, or "unlimited" */
        public void setRequestsPerMinute(String requestsPerMinute) {
            this.requestsPerMinute = requestsPerMinute;
        }

        /** @return tokens per minute, or {@code null} */
        public String getTokensPerMinute() {
            return tokensPerMinute;
        }

        /** @param tokensPerMinute tokens per minute, or "unlimited" */
        public void setTokensPerMinute(String tokensPerMinute) {
            this.tokensPerMinute = tokensPerMinute;
        }

        /** @return calls in flight at once, or {@code null} */
        public String getMaxConcurrentCalls() {
            return maxConcurrentCalls;
        }

        /** @param maxConcurrentCalls calls in flight at once, or "unlimited" */
        public void setMaxConcurrentCalls(String maxConcurrentCalls) {
            this.maxConcurrentCalls = maxConcurrentCalls;
        }

        /** @return the largest output, or {@code null} */
        public String getMaxOutputTokens() {
            return maxOutputTokens;
        }

        /** @param maxOutputTokens the largest output, or "unlimited" */
        public void setMaxOutputTokens(String maxOutputTokens) {
            this.maxOutputTokens = maxOutputTokens;
        }

        /** @return the allowed models, or {@code null} */
        public List<String> getAllowedModels() {
            return allowedModels;
        }

        /** @param allowedModels the allowed models */
        public void setAllowedModels(List<String> allowedModels) {
            this.allowedModels = allowedModels;
        }

        /** @return the fallback chain, or {@code null} */
        public List<String> getFallbackChain() {
            return fallbackChain;
        }

        /** @param fallbackChain the fallback chain */
        public void setFallbackChain(List<String> fallbackChain) {
            this.fallbackChain = fallbackChain;
        }

        /** @return the budget, or {@code null} */
        public Budget getBudget() {
            return budget;
        }

        /** @param budget the budget */
        public void setBudget(Budget budget) {
            this.budget = budget;
        }

        /** @return the default settings, or {@code null} */
        public Settings getDefaultSettings() {
            return defaultSettings;
        }

        /** @param defaultSettings the default settings */
        public void setDefaultSettings(Settings defaultSettings) {
            this.defaultSettings = defaultSettings;
        }
    }

    /** A budget: an amount per day, month or window. */
    public static class Budget {

        /** The amount in US dollars, exact (write it as a string, e.g. "20.00"). */
        private String usd;

        /** The period: day, month (calendar, in the zone) or window (a fixed length). */
        private String period;

        /** Time zone of day and month periods; default UTC. */
        private String zone;

        /** Length of a window period, e.g. 6h or 7d. */
        private Duration length;

        /** Lifts an inherited budget (the policy file's "budget: unlimited"); the other fields must be unset. */
        private boolean unlimited;

        /** @return the amount, or {@code null} */
        public String getUsd() {
            return usd;
        }

        /** @param usd the amount in US dollars */
        public void setUsd(String usd) {
            this.usd = usd;
        }

        /** @return the period, or {@code null} */
        public String getPeriod() {
            return period;
        }

        /** @param period day, month or window */
        public void setPeriod(String period) {
            this.period = period;
        }

        /** @return the zone, or {@code null} */
        public String getZone() {
            return zone;
        }

        /** @param zone the time zone */
        public void setZone(String zone) {
            this.zone = zone;
        }

        /** @return the window length, or {@code null} */
        public Duration getLength() {
            return length;
        }

        /** @param length the window length */
        public void setLength(Duration length) {
            this.length = length;
        }

        /** @return whether the budget is lifted */
        public boolean isUnlimited() {
            return unlimited;
        }

        /** @param unlimited whether the budget is lifted */
        public void setUnlimited(boolean unlimited) {
            this.unlimited = unlimited;
        }
    }

    /** Inference settings applied to calls that do not set them. */
    public static class Settings {

        /** Output tokens a call may produce. */
        private Integer maxTokens;

        /** Sampling temperature. */
        private BigDecimal temperature;

        /** Nucleus sampling probability. */
        private BigDecimal topP;

        /** Sequences that end the output. */
        private List<String> stopSequences;

        /** @return the max tokens, or {@code null} */
        public Integer getMaxTokens() {
            return maxTokens;
        }

        /** @param maxTokens the max tokens */
        public void setMaxTokens(Integer maxTokens) {
            this.maxTokens = maxTokens;
        }

        /** @return the temperature, or {@code null} */
        public BigDecimal getTemperature() {
            return temperature;
        }

        /** @param temperature the temperature */
        public void setTemperature(BigDecimal temperature) {
            this.temperature = temperature;
        }

        /** @return the top-p, or {@code null} */
        public BigDecimal getTopP() {
            return topP;
        }

        /** @param topP the top-p */
        public void setTopP(BigDecimal topP) {
            this.topP = topP;
        }

        /** @return the stop sequences, or {@code null} */
        public List<String> getStopSequences() {
            return stopSequences;
        }

        /** @param stopSequences the stop sequences */
        public void setStopSequences(List<String> stopSequences) {
            this.stopSequences = stopSequences;
        }
    }

    /** Reloading the policy file when its content changes, without a restart. */
    public static class PolicyWatch {

        /**
         * Whether to check aip.policy-file every interval and put a changed, valid file in force (an invalid one
         * leaves the policies in force and shows in health and /actuator/aip). Needs a policy file on the file
         * system. Off by default.
         */
        private boolean enabled;

        /** Time between two checks of the policy file. */
        private Duration interval = Duration.ofSeconds(5);

        /** @return whether the policy file is watched */
        public boolean isEnabled() {
            return enabled;
        }

        /** @param enabled whether the policy file is watched */
        public void setEnabled(boolean enabled) {
            this.enabled = enabled;
        }

        /** @return the time between two checks */
        public Duration getInterval() {
            return interval;
        }

        /** @param interval the time between two checks */
        public void setInterval(Duration interval) {
            this.interval = interval;
        }
    }
}
