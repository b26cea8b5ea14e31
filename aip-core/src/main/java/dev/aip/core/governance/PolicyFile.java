package dev.aip.core.governance;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aip.core.ConfigurationException;
import dev.aip.core.InvalidTenantIdException;
import dev.aip.core.chat.InferenceSettings;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads a {@link PolicySet} from a YAML or JSON file (JSON when the name ends in {@code .json}). JSON needs nothing
 * beyond {@code aip-core}; YAML needs {@code com.fasterxml.jackson.dataformat:jackson-dataformat-yaml} on the class
 * path, an optional dependency that the application adds (reading YAML without it is a {@link ConfigurationException}
 * that says so).
 *
 * <pre>{@code
 * defaults:                      # every tenant
 *   requestsPerMinute: 60
 *   tokensPerMinute: 200000      # input + output + cache tokens
 *   maxConcurrentCalls: 4
 *   maxOutputTokens: 4096
 *   allowedModels: [claude-haiku]
 *   budget: { usd: "20.00", period: day, zone: Europe/Berlin }
 * tiers:
 *   premium:
 *     requestsPerMinute: 600
 *     allowedModels: ["*"]
 *     budget: { usd: "500", period: month, zone: UTC }
 * tenants:
 *   acme:
 *     tier: premium              # overrides the tier the caller sends
 *     maxConcurrentCalls: unlimited
 *     defaultSettings: { maxTokens: 1024, temperature: 0.2 }
 *     fallbackChain: ["arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc"]
 *   trial-co:
 *     budget: { usd: "1.50", period: window, length: PT6H }
 * fairShare:                     # optional: share each model's account capacity by tier when Bedrock throttles
 *   weights: { premium: 4, standard: 2, basic: 1 }
 *   defaultWeight: 1             # tiers not listed
 *   reservedShares: { premium: "0.30" }
 *   defaultCapacity: 400000      # tokens per minute of any model without its own
 *   capacity:
 *     anthropic.claude-3-5-haiku-20241022-v1:0: 400000
 *     anthropic.claude-3-5-haiku-20241022-v1:0@us-west-2: 200000
 *   decrease: "0.7"              # the estimate's factor when Bedrock throttles
 *   headroom: "0.1"              # what tenants above their share leave free for the others
 *   additiveIncrease: 20000      # tokens per minute added per interval without throttles
 *   increaseInterval: PT5S
 *   cooldown: PT5S
 *   minimumCapacity: 1000
 * }</pre>
 *
 * <p>Every field is optional; a field left out is inherited (tenant from tier, tier from defaults). Numeric limits
 * accept {@code unlimited}, and {@code budget: unlimited} lifts an inherited budget. Budget periods: {@code day} and
 * {@code month} (calendar, in {@code zone}, default UTC) or {@code window} (fixed {@code length}, an ISO-8601
 * duration). Amounts are read exactly; write them as strings to keep YAML from reading them as floating point.
 *
 * <p>The {@code fairShare} section turns on {@link FairShare} for the {@link Governance} these policies are given to,
 * over any settings from {@link Governance.Builder#fairShare}; every field in it is optional and starts from
 * {@link FairShare#defaults()} (listed weights and reserved shares replace those of their tiers only; a reserved
 * share of {@code 0} removes one). Capacity keys are a source model id, or {@code model@region} for one region.
 *
 * <p>Errors are {@link ConfigurationException}s naming the file, the path in it (e.g.
 * {@code tenants.acme.budget.usd}) and the problem. Unknown fields are errors, so a misspelt limit is never silently
 * ignored.
 *
 * <p>Stateless; the methods are thread-safe.
 */
public final class PolicyFile {

    private static final Set<String> TOP = Set.of("defaults", "tiers", "tenants", "fairShare");
    private static final Set<String> POLICY = Set.of("tier", "requestsPerMinute", "tokensPerMinute",
            "maxConcurrentCalls", "budget", "allowedModels", "maxOutputTokens", "defaultSettings", "fallbackChain");
    private static final Set<String> BUDGET = Set.of("usd", "period", "zone", "length");
    private static final Set<String> SETTINGS = Set.of("maxTokens", "temperature", "topP", "stopSequences");
    private static final Set<String> FAIR_SHARE = Set.of("weights", "defaultWeight", "reservedShares", "capacity",
            "defaultCapacity", "decrease", "headroom", "additiveIncrease", "increaseInterval", "cooldown",
            "minimumCapacity");
    private static final String UNLIMITED = "unlimited";

    /** The artifact that reads YAML, an optional dependency: JSON policy files work without it. */
    static final String YAML_ARTIFACT = "com.fasterxml.jackson.dataformat:jackson-dataformat-yaml";
    private static final String YAML_FACTORY = "com.fasterxml.jackson.dataformat.yaml.YAMLFactory";

    private static final ObjectMapper JSON = configure(new ObjectMapper());

    private PolicyFile() {
    }

    /**
     * Reads and validates a policy file.
     *
     * @param file a YAML file, or JSON if its name ends in {@code .json}
     * @return the policies, with the file as their {@link PolicySet#source()}
     * @throws ConfigurationException if the file cannot be read or is invalid, or is YAML and YAML support is not on
     *     the class path; the message names the file, the path in it and the problem
     */
    public static PolicySet load(Path file) {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ConfigurationException("Cannot read policy file " + file + ": " + e + ". Check the path and"
                    + " its permissions.", e);
        }
        boolean json = file.getFileName() != null && file.getFileName().toString().endsWith(".json");
        return parse(text, file.toString(), json);
    }

    /**
     * Parses and validates policies from text.
     *
     * @param text the document
     * @param source its name, used in messages and as {@link PolicySet#source()}
     * @param json {@code true} for JSON, {@code false} for YAML
     * @return the policies
     * @throws ConfigurationException if the document is invalid, or is YAML and YAML support is not on the class
     *     path; the message names the source, the path and the problem
     */
    public static PolicySet parse(String text, String source, boolean json) {
        JsonNode root;
        try {
            root = (json ? JSON : yaml(source)).readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new ConfigurationException("Policy file " + source + " is not valid " + (json ? "JSON" : "YAML")
                    + where + ": " + e.getOriginalMessage(), e);
        }
        Reader r = new Reader(source);
        PolicySet.Builder set = PolicySet.builder().source(source);
        if (root == null || root.isNull() || root.isMissingNode()) {
            return set.build();
        }
        r.object(root, "(root)", TOP);
        if (root.has("defaults")) {
            set.defaults(r.policy(root.get("defaults"), "defaults", false));
        }
        if (root.has("tiers")) {
            JsonNode tiers = r.object(root.get("tiers"), "tiers", null);
            for (Iterator<Map.Entry<String, JsonNode>> it = tiers.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String path = "tiers." + e.getKey();
                set.tier(r.tier(e.getKey(), path), r.policy(e.getValue(), path, false));
            }
        }
        if (root.has("tenants")) {
            JsonNode tenants = r.object(root.get("tenants"), "tenants", null);
            for (Iterator<Map.Entry<String, JsonNode>> it = tenants.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                String path = "tenants." + e.getKey();
                TenantId id;
                try {
                    id = TenantId.of(e.getKey());
                } catch (InvalidTenantIdException ex) {
                    throw r.invalid(path, "is not a valid tenant id: " + ex.getMessage());
                }
                set.tenant(id, r.policy(e.getValue(), path, true));
            }
        }
        if (root.has("fairShare")) {
            set.fairShare(r.fairShare(root.get("fairShare"), "fairShare"));
        }
        return set.build();
    }

    /** The YAML mapper, or a refusal naming the artifact to add when YAML support is not on the class path. */
    private static ObjectMapper yaml(String source) {
        if (!Yaml.PRESENT) {
            throw missingYaml(source);
        }
        return Yaml.MAPPER;
    }

    static ConfigurationException missingYaml(String source) {
        return new ConfigurationException("Policy file " + source + " is YAML, but YAML support is not on the class"
                + " path. Add the dependency " + YAML_ARTIFACT + " (the Jackson version aip uses), or write the"
                + " policies as JSON in a file whose name ends in .json.");
    }

    /** Whether a class can be loaded, without initializing it. */
    static boolean present(String className, ClassLoader loader) {
        try {
            Class.forName(className, false, loader);
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * Holds the YAML mapper. Only this class names {@code YAMLFactory}, and it is initialized only when YAML support
     * is present, so {@link PolicyFile} loads and reads JSON without it.
     */
    private static final class Yaml {
        static final boolean PRESENT = present(YAML_FACTORY, PolicyFile.class.getClassLoader());
        static final ObjectMapper MAPPER = PRESENT ? YamlMapper.create() : null;
    }

    /** Links to YAMLFactory; loaded only after its presence is checked. */
    private static final class YamlMapper {
        static ObjectMapper create() {
            return configure(new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()));
        }
    }

    private static ObjectMapper configure(ObjectMapper mapper) {
        return mapper.enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
    }

    /** Validating reads of one document; every failure names the source and path. */
    private record Reader(String source) {

        TenantPolicy policy(JsonNode node, String path, boolean tenantLayer) {
            object(node, path, POLICY);
            TenantPolicy.Builder b = TenantPolicy.builder();
            if (node.has("tier")) {
                if (!tenantLayer) {
                    throw invalid(path + ".tier", "is only allowed in a tenant's policy");
                }
                b.tier(tier(text(node.get("tier"), path + ".tier"), path + ".tier"));
            }
            if (node.has("requestsPerMinute")) {
                b.requestsPerMinute(count(node.get("requestsPerMinute"), path + ".requestsPerMinute",
                        TenantPolicy.UNLIMITED));
            }
            if (node.has("tokensPerMinute")) {
                b.tokensPerMinute(count(node.get("tokensPerMinute"), path + ".tokensPerMinute",
                        TenantPolicy.UNLIMITED));
            }
            if (node.has("maxConcurrentCalls")) {
                b.maxConcurrentCalls((int) count(node.get("maxConcurrentCalls"), path + ".maxConcurrentCalls",
                        Integer.MAX_VALUE));
            }
            if (node.has("maxOutputTokens")) {
                b.maxOutputTokens((int) count(node.get("maxOutputTokens"), path + ".maxOutputTokens",
                        Integer.MAX_VALUE));
            }
            if (node.has("budget")) {
                b.budget(budget(node.get("budget"), path + ".budget"));
            }
            if (node.has("allowedModels")) {
                b.allowedModels(new LinkedHashSet<>(strings(node.get("allowedModels"), path + ".allowedModels")));
            }
            if (node.has("fallbackChain")) {
                b.fallbackChain(strings(node.get("fallbackChain"), path + ".fallbackChain"));
            }
            if (node.has("defaultSettings")) {
                b.defaultSettings(settings(node.get("defaultSettings"), path + ".defaultSettings"));
            }
            return b.build();
        }

        FairShare fairShare(JsonNode node, String path) {
            if (node == null || node.isNull()) {
                return FairShare.defaults();
            }
            object(node, path, FAIR_SHARE);
            FairShare.Builder b = FairShare.builder();
            if (node.has("weights")) {
                JsonNode weights = object(node.get("weights"), path + ".weights", null);
                for (Iterator<Map.Entry<String, JsonNode>> it = weights.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    String p = path + ".weights." + e.getKey();
                    Tier tier = tier(e.getKey(), p);
                    int weight = (int) whole(e.getValue(), p, 1, 1_000);
                    apply(p, () -> b.weight(tier, weight));
                }
            }
            if (node.has("defaultWeight")) {
                int weight = (int) whole(node.get("defaultWeight"), path + ".defaultWeight", 1, 1_000);
                apply(path + ".defaultWeight", () -> b.defaultWeight(weight));
            }
            if (node.has("reservedShares")) {
                JsonNode reserved = object(node.get("reservedShares"), path + ".reservedShares", null);
                for (Iterator<Map.Entry<String, JsonNode>> it = reserved.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    String p = path + ".reservedShares." + e.getKey();
                    Tier tier = tier(e.getKey(), p);
                    BigDecimal fraction = decimal(e.getValue(), p);
                    if (fraction.signum() < 0 || fraction.compareTo(BigDecimal.ONE) > 0) {
                        throw invalid(p, "must be between 0 and 1, was " + fraction.toPlainString());
                    }
                    apply(p, () -> b.reservedShare(tier, fraction));
                }
            }
            if (node.has("minimumCapacity")) {
                long min = whole(node.get("minimumCapacity"), path + ".minimumCapacity", 1,
                        FairShareController.MAX_CAPACITY);
                apply(path + ".minimumCapacity", () -> b.minimumCapacity(min));
            }
            if (node.has("defaultCapacity")) {
                long tpm = whole(node.get("defaultCapacity"), path + ".defaultCapacity", 1,
                        FairShareController.MAX_CAPACITY);
                apply(path + ".defaultCapacity", () -> b.defaultCapacity(tpm));
            }
            if (node.has("capacity")) {
                JsonNode capacity = object(node.get("capacity"), path + ".capacity", null);
                for (Iterator<Map.Entry<String, JsonNode>> it = capacity.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    String p = path + ".capacity." + e.getKey();
                    long tpm = whole(e.getValue(), p, 1, FairShareController.MAX_CAPACITY);
                    String key = e.getKey();
                    int at = key.indexOf('@');
                    if (at < 0) {
                        apply(p, () -> b.capacity(key, tpm));
                    } else {
                        apply(p, () -> b.capacity(key.substring(0, at), key.substring(at + 1), tpm));
                    }
                }
            }
            if (node.has("decrease")) {
                BigDecimal factor = decimal(node.get("decrease"), path + ".decrease");
                apply(path + ".decrease", () -> b.decrease(factor));
            }
            if (node.has("headroom")) {
                BigDecimal fraction = decimal(node.get("headroom"), path + ".headroom");
                apply(path + ".headroom", () -> b.headroom(fraction));
            }
            if (node.has("additiveIncrease")) {
                long tpm = whole(node.get("additiveIncrease"), path + ".additiveIncrease", 1,
                        FairShareController.MAX_CAPACITY);
                apply(path + ".additiveIncrease", () -> b.additiveIncrease(tpm));
            }
            if (node.has("increaseInterval")) {
                Duration d = duration(node.get("increaseInterval"), path + ".increaseInterval");
                apply(path + ".increaseInterval", () -> b.increaseInterval(d));
            }
            if (node.has("cooldown")) {
                Duration d = duration(node.get("cooldown"), path + ".cooldown");
                apply(path + ".cooldown", () -> b.cooldown(d));
            }
            FairShare[] built = new FairShare[1];
            apply(path, () -> built[0] = b.build());
            return built[0];
        }

        /** Runs a builder step, reporting its {@link ConfigurationException} at {@code path} of this file. */
        void apply(String path, Runnable step) {
            try {
                step.run();
            } catch (ConfigurationException e) {
                throw invalid(path, "is invalid: " + e.getMessage());
            }
        }

        long whole(JsonNode node, String path, long min, long max) {
            if (!node.isIntegralNumber() || !node.canConvertToLong()) {
                throw invalid(path, "must be a whole number, was " + node);
            }
            long v = node.asLong();
            if (v < min || v > max) {
                throw invalid(path, "must be between " + min + " and " + max + ", was " + v);
            }
            return v;
        }

        Budget budget(JsonNode node, String path) {
            if (node.isTextual() && UNLIMITED.equals(node.asText())) {
                return Budget.UNLIMITED;
            }
            object(node, path, BUDGET);
            if (!node.has("usd")) {
                throw invalid(path + ".usd", "is missing: give the amount in US dollars, e.g. usd: \"50.00\"");
            }
            BigDecimal usd = decimal(node.get("usd"), path + ".usd");
            if (usd.signum() <= 0) {
                throw invalid(path + ".usd", "must be positive, was " + usd.toPlainString());
            }
            String period = node.has("period") ? text(node.get("period"), path + ".period") : "month";
            ZoneId zone = node.has("zone") ? zone(node.get("zone"), path + ".zone") : ZoneOffset.UTC;
            BudgetPeriod p;
            switch (period) {
                case "day" -> p = BudgetPeriod.daily(zone);
                case "month" -> p = BudgetPeriod.monthly(zone);
                case "window" -> {
                    if (!node.has("length")) {
                        throw invalid(path + ".length", "is missing: a window budget needs an ISO-8601 length,"
                                + " e.g. PT6H or P7D");
                    }
                    Duration length = duration(node.get("length"), path + ".length");
                    if (length.compareTo(Duration.ofSeconds(1)) < 0) {
                        throw invalid(path + ".length", "must be at least one second, was " + length);
                    }
                    p = BudgetPeriod.every(length);
                }
                default -> throw invalid(path + ".period", "is \"" + period + "\"; expected day, month or window");
            }
            if (!"window".equals(period) && node.has("length")) {
                throw invalid(path + ".length", "only applies to period: window");
            }
            if ("window".equals(period) && node.has("zone")) {
                throw invalid(path + ".zone", "does not apply to period: window (windows are aligned to UTC)");
            }
            return Budget.of(usd, p);
        }

        InferenceSettings settings(JsonNode node, String path) {
            object(node, path, SETTINGS);
            Integer maxTokens = node.has("maxTokens")
                    ? (int) count(node.get("maxTokens"), path + ".maxTokens", -1) : null;
            Float temperature = node.has("temperature") ? unit(node.get("temperature"), path + ".temperature") : null;
            Float topP = node.has("topP") ? unit(node.get("topP"), path + ".topP") : null;
            List<String> stops = node.has("stopSequences")
                    ? strings(node.get("stopSequences"), path + ".stopSequences") : List.of();
            try {
                return new InferenceSettings(maxTokens, temperature, topP, stops);
            } catch (IllegalArgumentException e) {
                throw invalid(path, "is invalid: " + e.getMessage());
            }
        }

        JsonNode object(JsonNode node, String path, Set<String> fields) {
            if (node == null || !node.isObject()) {
                throw invalid(path, "must be a mapping" + (fields == null ? "" : " with fields among "
                        + new java.util.TreeSet<>(fields)));
            }
            if (fields != null) {
                for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                    String name = it.next();
                    if (!fields.contains(name)) {
                        throw invalid(join(path, name), "is not a known field; expected one of "
                                + new java.util.TreeSet<>(fields));
                    }
                }
            }
            return node;
        }

        long count(JsonNode node, String path, long unlimited) {
            if (node.isTextual() && UNLIMITED.equals(node.asText()) && unlimited > 0) {
                return unlimited;
            }
            if (!node.isIntegralNumber() || !node.canConvertToLong()) {
                throw invalid(path, "must be a whole number" + (unlimited > 0 ? " or \"unlimited\"" : "")
                        + ", was " + node);
            }
            long v = node.asLong();
            long max = unlimited == TenantPolicy.UNLIMITED ? Long.MAX_VALUE : Integer.MAX_VALUE;
            if (v < 1 || v > max) {
                throw invalid(path, "must be between 1 and " + max + ", was " + v);
            }
            return v;
        }

        BigDecimal decimal(JsonNode node, String path) {
            if (node.isNumber()) {
                return node.decimalValue();
            }
            if (node.isTextual()) {
                try {
                    return new BigDecimal(node.asText().trim());
                } catch (NumberFormatException e) {
                    throw invalid(path, "is \"" + node.asText() + "\", not a decimal number");
                }
            }
            throw invalid(path, "must be a decimal number, was " + node);
        }

        Float unit(JsonNode node, String path) {
            BigDecimal v = decimal(node, path);
            if (v.signum() < 0 || v.compareTo(BigDecimal.ONE) > 0) {
                throw invalid(path, "must be between 0 and 1, was " + v.toPlainString());
            }
            return v.floatValue();
        }

        String text(JsonNode node, String path) {
            if (node == null || !node.isTextual() || node.asText().isBlank()) {
                throw invalid(path, "must be a non-empty string, was " + node);
            }
            return node.asText();
        }

        List<String> strings(JsonNode node, String path) {
            if (!node.isArray()) {
                throw invalid(path, "must be a list of strings, was " + node);
            }
            List<String> out = new ArrayList<>();
            for (int i = 0; i < node.size(); i++) {
                out.add(text(node.get(i), path + "[" + i + "]"));
            }
            return out;
        }

        Tier tier(String name, String path) {
            try {
                return Tier.of(name);
            } catch (IllegalArgumentException e) {
                throw invalid(path, "is not a valid tier: " + e.getMessage());
            }
        }

        ZoneId zone(JsonNode node, String path) {
            String id = text(node, path);
            try {
                return ZoneId.of(id);
            } catch (RuntimeException e) {
                throw invalid(path, "is \"" + id + "\", not a time zone; use a region id such as Europe/Berlin"
                        + " or UTC");
            }
        }

        Duration duration(JsonNode node, String path) {
            String text = text(node, path);
            try {
                return Duration.parse(text);
            } catch (DateTimeParseException e) {
                throw invalid(path, "is \"" + text + "\", not an ISO-8601 duration such as PT6H or P7D");
            }
        }

        ConfigurationException invalid(String path, String problem) {
            return new ConfigurationException("Policy file " + source + ": " + path + " " + problem
                    + ". Fix the file; see PolicyFile for the format.");
        }

        private static String join(String path, String field) {
            return "(root)".equals(path) ? field : path + "." + field;
        }
    }
}
