package dev.aip.core.pricing;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aip.core.ConfigurationException;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * Model prices, by model id and region, under a version that every {@link dev.aip.core.metering.Cost} records.
 *
 * <p>Sources: {@link #bundled()} (a dated file shipped with the library), {@link #fromFile(Path)} or
 * {@link #fromJson(InputStream)} (the same format), or {@link #of(String, Collection)}; then
 * {@link #withOverride(ModelPrice)} for negotiated prices. The file format:
 * <pre>{@code
 * {
 *   "version": "2026-11-01",
 *   "currency": "USD",
 *   "source": "where the figures come from",
 *   "models": [
 *     { "modelId": "anthropic.claude-haiku-4-5-20251001-v1:0", "region": "*",
 *       "input": "1.00", "output": "5.00", "cacheRead": "0.10", "cacheWrite": "1.25", "note": "optional",
 *       "source": "optional: where this entry's figures come from",
 *       "verified": "2026-12-01", "verifiedAgainst": "AWS Price List API" }
 *   ]
 * }
 * }</pre>
 * Prices are USD per one million tokens, as JSON strings or numbers (both are read exactly). {@code cacheRead} and
 * {@code cacheWrite} are optional and default to {@code input} (see {@link ModelPrice}). {@code region} is optional
 * and defaults to {@code "*"}. Unknown fields in a model entry, a currency other than USD, a duplicate model and
 * region, or a negative price are errors.
 *
 * <p>Each entry's {@link ModelPrice#source()} comes from its optional {@code source} (else the file's
 * {@code source}, else {@link PriceSource#NOT_STATED}) and its optional {@code verified} (an ISO date) and
 * {@code verifiedAgainst} (the AWS publication compared with), which go together: an entry without them is
 * unverified. See {@link PriceSource} for what verified means.
 *
 * <p>Immutable and thread-safe; share one.
 */
public final class PriceCatalog {

    /** Where {@link #bundled()} reads its prices from, on the class path. */
    public static final String BUNDLED_RESOURCE = "/dev/aip/core/pricing/bedrock-prices.json";

    private static final List<String> GEO_PREFIXES = List.of("us.", "eu.", "apac.", "global.", "jp.", "au.",
            "us-gov.", "ca.");
    private static final Set<String> MODEL_FIELDS = Set.of("modelId", "region", "input", "output", "cacheRead",
            "cacheWrite", "note", "source", "verified", "verifiedAgainst");
    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private final String version;
    /** modelId -> region (or "*") -> price. */
    private final Map<String, Map<String, ModelPrice>> prices;

    private PriceCatalog(String version, Map<String, Map<String, ModelPrice>> prices) {
        this.version = version;
        this.prices = prices;
    }

    /**
     * Returns the catalog shipped with the library ({@value #BUNDLED_RESOURCE}), dated by its {@link #version()}.
     *
     * <p>Its figures are public on-demand prices for US regions and are defaults, not billing truth; override them
     * with your own for billing. Each price's {@link ModelPrice#source()} names where its figures come from and
     * whether they were verified against a price AWS publishes itself.
     *
     * @return the bundled catalog, loaded once
     */
    public static PriceCatalog bundled() {
        return Bundled.CATALOG;
    }

    /**
     * Reads a catalog file.
     *
     * @param file a JSON file in the format above
     * @return the catalog
     * @throws ConfigurationException if the file cannot be read or is malformed; the message names the file and the
     *     line or field at fault
     */
    public static PriceCatalog fromFile(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return parse(in, file.toString());
        } catch (IOException e) {
            throw new ConfigurationException("Cannot read price catalog " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a catalog from a stream, which is not closed.
     *
     * @param json a JSON document in the format above
     * @return the catalog
     * @throws ConfigurationException if the document is malformed; the message names the line or field at fault
     */
    public static PriceCatalog fromJson(InputStream json) {
        return parse(json, "price catalog stream");
    }

    /**
     * Creates a catalog from prices.
     *
     * @param version the version recorded in every cost computed from this catalog
     * @param modelPrices the prices; at most one per model id and region
     * @return the catalog
     * @throws IllegalArgumentException if the version is blank or a model id and region appear twice
     */
    public static PriceCatalog of(String version, Collection<ModelPrice> modelPrices) {
        Objects.requireNonNull(version, "version");
        if (version.isBlank()) {
            throw new IllegalArgumentException("A price catalog needs a version");
        }
        Map<String, Map<String, ModelPrice>> map = new HashMap<>();
        for (ModelPrice price : modelPrices) {
            ModelPrice previous = map.computeIfAbsent(price.modelId(), k -> new HashMap<>())
                    .putIfAbsent(price.region(), price);
            if (previous != null) {
                throw new IllegalArgumentException("Two prices for " + price.modelId() + " in region "
                        + price.region());
            }
        }
        return new PriceCatalog(version, freeze(map));
    }

    /**
     * Returns a copy with one price added or replaced (same model id and region). The copy's version is this
     * version with {@code +overrides} appended, so costs show that overridden prices were used.
     *
     * @param price the price to add or replace
     * @return the new catalog
     */
    public PriceCatalog withOverride(ModelPrice price) {
        Objects.requireNonNull(price, "price");
        Map<String, Map<String, ModelPrice>> copy = new HashMap<>();
        prices.forEach((model, byRegion) -> copy.put(model, new HashMap<>(byRegion)));
        copy.computeIfAbsent(price.modelId(), k -> new HashMap<>()).put(price.region(), price);
        String newVersion = version.endsWith("+overrides") ? version : version + "+overrides";
        return new PriceCatalog(newVersion, freeze(copy));
    }

    /**
     * Finds the price of a model in a region.
     *
     * <p>Lookup order: the model's price for exactly {@code region}, then its {@code "*"} price. The model may be
     * given as a foundation model id, a foundation-model ARN, or a system (cross-region) inference profile id or
     * ARN such as {@code us.anthropic.claude-haiku-4-5-20251001-v1:0}: a geo prefix ({@code us.}, {@code eu.},
     * {@code apac.}, {@code global.}, {@code jp.}, {@code au.}, {@code us-gov.}, {@code ca.}) is stripped when the
     * prefixed id has no price of its own, since cross-region profiles are billed at the source-region price. An
     * application inference profile ARN names no model: resolve it to its source model first.
     *
     * @param modelId the model, as above
     * @param region the region the call was sent to
     * @return the price, or empty if the catalog has none
     */
    public Optional<ModelPrice> find(String modelId, String region) {
        if (modelId == null || region == null) {
            return Optional.empty();
        }
        String id = stripArn(modelId);
        ModelPrice price = lookup(id, region);
        if (price == null) {
            for (String prefix : GEO_PREFIXES) {
                if (id.startsWith(prefix)) {
                    price = lookup(id.substring(prefix.length()), region);
                    break;
                }
            }
        }
        return Optional.ofNullable(price);
    }

    /**
     * Returns the catalog version, recorded in every cost computed from it.
     *
     * @return the version, e.g. {@code 2026-11-01}
     */
    public String version() {
        return version;
    }

    /**
     * Returns all prices.
     *
     * @return the prices, unmodifiable, in no particular order
     */
    public List<ModelPrice> prices() {
        List<ModelPrice> all = new ArrayList<>();
        prices.values().forEach(byRegion -> all.addAll(byRegion.values()));
        return Collections.unmodifiableList(all);
    }

    @Override
    public String toString() {
        return "PriceCatalog[version=" + version + ", models=" + prices.size() + "]";
    }

    private ModelPrice lookup(String modelId, String region) {
        Map<String, ModelPrice> byRegion = prices.get(modelId);
        if (byRegion == null) {
            return null;
        }
        ModelPrice exact = byRegion.get(region);
        return exact != null ? exact : byRegion.get(ModelPrice.ANY_REGION);
    }

    private static String stripArn(String modelId) {
        if (!modelId.startsWith("arn:")) {
            return modelId;
        }
        for (String type : List.of(":foundation-model/", ":inference-profile/")) {
            int at = modelId.indexOf(type);
            if (at >= 0) {
                return modelId.substring(at + type.length());
            }
        }
        return modelId;
    }

    private static Map<String, Map<String, ModelPrice>> freeze(Map<String, Map<String, ModelPrice>> map) {
        Map<String, Map<String, ModelPrice>> frozen = new HashMap<>();
        map.forEach((model, byRegion) -> frozen.put(model, Map.copyOf(byRegion)));
        return Collections.unmodifiableMap(frozen);
    }

    private static PriceCatalog parse(InputStream in, String source) {
        JsonNode root;
        try {
            root = JSON.readTree(in);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
            throw new ConfigurationException("Price catalog " + source + " is not valid JSON" + where + ": "
                    + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ConfigurationException("Cannot read price catalog " + source + ": " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw invalid(source, "(root)", "must be a JSON object");
        }
        String version = text(root, "version", source, "version", true);
        String currency = text(root, "currency", source, "currency", true);
        if (!"USD".equals(currency)) {
            throw invalid(source, "currency", "is \"" + currency + "\"; only USD is supported");
        }
        JsonNode models = root.get("models");
        if (models == null || !models.isArray()) {
            throw invalid(source, "models", "must be an array of model prices");
        }
        String fileSource = text(root, "source", source, "source", false);
        Map<String, ModelPrice> seen = new LinkedHashMap<>();
        for (int i = 0; i < models.size(); i++) {
            String path = "models[" + i + "]";
            JsonNode entry = models.get(i);
            if (!entry.isObject()) {
                throw invalid(source, path, "must be an object");
            }
            for (Iterator<String> names = entry.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!MODEL_FIELDS.contains(name)) {
                    throw invalid(source, path + "." + name, "is not a known field; expected " + MODEL_FIELDS);
                }
            }
            String modelId = text(entry, "modelId", source, path + ".modelId", true);
            String region = text(entry, "region", source, path + ".region", false);
            region = region == null ? ModelPrice.ANY_REGION : region;
            BigDecimal input = price(entry, "input", source, path, null);
            BigDecimal output = price(entry, "output", source, path, null);
            BigDecimal cacheRead = price(entry, "cacheRead", source, path, input);
            BigDecimal cacheWrite = price(entry, "cacheWrite", source, path, input);
            ModelPrice price = new ModelPrice(modelId, region, input, output, cacheRead, cacheWrite,
                    priceSource(entry, fileSource, source, path));
            if (seen.put(modelId + " " + region, price) != null) {
                throw invalid(source, path, "repeats model " + modelId + " in region " + region);
            }
        }
        return of(version, seen.values());
    }

    private static PriceSource priceSource(JsonNode entry, @Nullable String fileSource, String source, String path) {
        String origin = text(entry, "source", source, path + ".source", false);
        origin = origin != null ? origin : fileSource != null ? fileSource : PriceSource.NOT_STATED.origin();
        String verified = text(entry, "verified", source, path + ".verified", false);
        String against = text(entry, "verifiedAgainst", source, path + ".verifiedAgainst", false);
        if ((verified == null) != (against == null)) {
            throw invalid(source, path + (verified == null ? ".verified" : ".verifiedAgainst"),
                    "is missing; \"verified\" (the day, e.g. \"2026-12-01\") and \"verifiedAgainst\" (e.g."
                    + " \"AWS Price List API\") go together, or leave both out for an unverified price");
        }
        if (verified == null) {
            return PriceSource.unverified(origin);
        }
        LocalDate day;
        try {
            day = LocalDate.parse(verified.trim());
        } catch (DateTimeParseException e) {
            throw invalid(source, path + ".verified", "is \"" + verified + "\", not a date like \"2026-12-01\"");
        }
        return new PriceSource(origin, day, against);
    }

    private static String text(JsonNode node, String field, String source, String path, boolean required) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            if (required) {
                throw invalid(source, path, "is missing");
            }
            return null;
        }
        if (!value.isTextual() || value.asText().isBlank()) {
            throw invalid(source, path, "must be a non-empty string");
        }
        return value.asText();
    }

    private static BigDecimal price(JsonNode entry, String field, String source, String path, BigDecimal dflt) {
        JsonNode value = entry.get(field);
        String where = path + "." + field;
        if (value == null || value.isNull()) {
            if (dflt == null) {
                throw invalid(source, where, "is missing (USD per 1M tokens)");
            }
            return dflt;
        }
        BigDecimal amount;
        if (value.isNumber()) {
            amount = value.decimalValue();
        } else if (value.isTextual()) {
            try {
                amount = new BigDecimal(value.asText().trim());
            } catch (NumberFormatException e) {
                throw invalid(source, where, "is \"" + value.asText() + "\", not a decimal number");
            }
        } else {
            throw invalid(source, where, "must be a decimal number or a string holding one");
        }
        if (amount.signum() < 0) {
            throw invalid(source, where, "is negative: " + amount.toPlainString());
        }
        return amount;
    }

    private static ConfigurationException invalid(String source, String path, String problem) {
        return new ConfigurationException("Price catalog " + source + ": field " + path + " " + problem
                + ". Fix the file; see PriceCatalog for the format.");
    }

    /** Loads the bundled catalog on first use, once. */
    private static final class Bundled {
        static final PriceCatalog CATALOG = load();

        private static PriceCatalog load() {
            try (InputStream in = PriceCatalog.class.getResourceAsStream(BUNDLED_RESOURCE)) {
                if (in == null) {
                    throw new ConfigurationException("The bundled price catalog " + BUNDLED_RESOURCE
                            + " is missing from the class path; the aip-core jar is damaged or repackaged.");
                }
                return parse(in, BUNDLED_RESOURCE);
            } catch (IOException e) {
                throw new ConfigurationException("Cannot read " + BUNDLED_RESOURCE + ": " + e.getMessage(), e);
            }
        }
    }
}
