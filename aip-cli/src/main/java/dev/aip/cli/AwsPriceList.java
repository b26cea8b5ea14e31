package dev.aip.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aip.core.pricing.ModelPrice;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Reads answers of the AWS Price List API's {@code GetProducts} (also what {@code aws pricing get-products} saves):
 * a JSON object whose {@code PriceList} is an array of JSON <em>strings</em>, each one product with its
 * {@code product.attributes} and {@code terms.OnDemand...priceDimensions}. Keeps the on-demand, standard-tier token
 * prices and turns them into USD per 1M tokens.
 *
 * <p>Which product is which: the region is the {@code regionCode} attribute; the model name is {@code model},
 * {@code titanModel} or {@code servicename}; the token bucket comes from {@code usagetype}, {@code inferenceType} and
 * the price dimension's description (cache read, cache write, input, output); products for batch, provisioned
 * throughput, flex, priority, latency-optimized, global or cross-region, long-TTL cache, custom models or images are
 * left out. The unit is read from the dimension's {@code unit} ({@code 1K tokens}, {@code 1M tokens}) or, when that
 * says only {@code Units}, from its description ("per 1,000", "per million"); a token price whose unit cannot be read
 * is reported as unreadable, never guessed. A malformed answer (no {@code PriceList} array, an element that is not a
 * string, a string that is not a JSON product, a price that is not a decimal) is an error naming the element.
 *
 * <p>Stateless; thread-safe.
 */
final class AwsPriceList {

    /** The four token buckets of a {@link ModelPrice}, as the check prints them. */
    enum Bucket {
        INPUT("input", ModelPrice::inputPerMillion),
        OUTPUT("output", ModelPrice::outputPerMillion),
        CACHE_READ("cache read", ModelPrice::cacheReadPerMillion),
        CACHE_WRITE("cache write", ModelPrice::cacheWritePerMillion);

        final String label;
        final Function<ModelPrice, BigDecimal> price;

        Bucket(String label, Function<ModelPrice, BigDecimal> price) {
            this.label = label;
            this.price = price;
        }
    }

    /**
     * One on-demand token price AWS lists.
     *
     * @param serviceCode e.g. {@code AmazonBedrock}
     * @param sku the product's SKU
     * @param name the model name AWS uses, e.g. {@code Claude 3 Haiku}
     * @param region the region code
     * @param bucket the token bucket
     * @param perMillion USD per 1M tokens, exact
     * @param usageType the product's usage type, for messages
     */
    record Offer(String serviceCode, String sku, String name, String region, Bucket bucket, BigDecimal perMillion,
            String usageType) {
    }

    /**
     * A token price that could not be read, with why.
     *
     * @param sku the product's SKU
     * @param name the model name, or {@code ?}
     * @param reason what was not understood
     */
    record Unreadable(String sku, String name, String reason) {
    }

    /**
     * What one answer held.
     *
     * @param offers the token prices read
     * @param unreadable token prices whose unit or value could not be read
     * @param nextToken the answer's {@code NextToken}, or {@code null} on the last page
     */
    record Page(List<Offer> offers, List<Unreadable> unreadable, String nextToken) {
    }

    /** Thrown for a malformed answer; the message names the element at fault. */
    static final class MalformedAnswerException extends RuntimeException {
        MalformedAnswerException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS);
    private static final BigDecimal THOUSAND = BigDecimal.valueOf(1000);
    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);
    private static final List<String> EXCLUDED = List.of("batch", "provisioned", "flex", "priority", "latency",
            "reserved", "custom", "training", "storage", "global", "cross-region", "crossregion", "1h", "1-hour",
            "1 hour", "image", "video", "search");

    private AwsPriceList() {
    }

    /**
     * Reads one answer.
     *
     * @param answer the JSON text of a {@code GetProducts} answer
     * @return what it held
     * @throws MalformedAnswerException if it is not a well-formed answer; the message says where (JSON line and column
     *     for a syntax error, {@code PriceList[i]} for an element)
     */
    static Page read(String answer) {
        JsonNode root;
        try {
            root = JSON.readTree(answer);
        } catch (JsonProcessingException e) {
            var at = e.getLocation();
            throw malformed((at == null ? "" : "line " + at.getLineNr() + ", column " + at.getColumnNr() + ": ")
                    + "not valid JSON (" + e.getOriginalMessage() + ")", e);
        }
        if (root == null || !root.isObject()) {
            throw malformed("not a JSON object with a PriceList array", null);
        }
        JsonNode list = root.get("PriceList");
        if (list == null || !list.isArray()) {
            throw malformed("has no PriceList array (a GetProducts answer has \"PriceList\": [\"{...}\", ...])", null);
        }
        JsonNode next = root.get("NextToken");
        String nextToken = next == null || next.isNull() ? null : next.asText();
        if (next != null && !next.isNull() && (!next.isTextual() || nextToken.isEmpty())) {
            throw malformed("NextToken must be a non-empty string, got " + next, null);
        }
        List<Offer> offers = new ArrayList<>();
        List<Unreadable> unreadable = new ArrayList<>();
        for (int i = 0; i < list.size(); i++) {
            JsonNode element = list.get(i);
            String where = "PriceList[" + i + "]";
            if (!element.isTextual()) {
                throw malformed(where + " is " + element.getNodeType().name().toLowerCase(Locale.ROOT)
                        + ", not a string: the Price List API sends each product as a JSON string", null);
            }
            JsonNode item;
            try {
                item = JSON.readTree(element.asText());
            } catch (JsonProcessingException e) {
                throw malformed(where + " is not a JSON product (" + e.getOriginalMessage() + ")", e);
            }
            if (item == null || !item.isObject() || !item.path("product").path("attributes").isObject()) {
                throw malformed(where + " has no product.attributes object", null);
            }
            product(item, where, offers, unreadable);
        }
        return new Page(List.copyOf(offers), List.copyOf(unreadable), nextToken);
    }

    private static void product(JsonNode item, String where, List<Offer> offers, List<Unreadable> unreadable) {
        JsonNode attrs = item.path("product").path("attributes");
        String sku = item.path("product").path("sku").asText("?");
        String serviceCode = item.path("serviceCode").asText(attrs.path("servicecode").asText("?"));
        String region = attrs.path("regionCode").asText("");
        String name = firstText(attrs, "model", "titanModel", "servicename");
        String usageType = attrs.path("usagetype").asText("");
        JsonNode onDemand = item.path("terms").path("OnDemand");
        if (region.isEmpty() || name == null || !onDemand.isObject() || onDemand.isEmpty()) {
            return; // not a regional on-demand product of a model
        }
        List<JsonNode> dimensions = new ArrayList<>();
        // An object node iterates over its values: the terms, then each term's dimensions.
        for (JsonNode term : onDemand) {
            for (JsonNode dimension : term.path("priceDimensions")) {
                dimensions.add(dimension);
            }
        }
        String descriptions = String.join(" ", dimensions.stream()
                .map(d -> d.path("description").asText("")).toList());
        String text = (usageType + " " + attrs.path("inferenceType").asText("") + " "
                + attrs.path("feature").asText("") + " " + descriptions).toLowerCase(Locale.ROOT);
        if (EXCLUDED.stream().anyMatch(text::contains)) {
            return;
        }
        Bucket bucket = bucket(text);
        if (bucket == null || dimensions.isEmpty()) {
            return; // not a token price
        }
        BigDecimal perMillion = null;
        for (int d = 0; d < dimensions.size(); d++) {
            JsonNode dimension = dimensions.get(d);
            JsonNode usd = dimension.path("pricePerUnit").path("USD");
            if (usd.isMissingNode()) {
                throw malformed(where + " (SKU " + sku + ") has a price dimension without pricePerUnit.USD", null);
            }
            BigDecimal amount;
            try {
                amount = new BigDecimal(usd.asText().trim());
            } catch (NumberFormatException e) {
                throw malformed(where + " (SKU " + sku + "): pricePerUnit.USD is \"" + usd.asText()
                        + "\", not a decimal number", e);
            }
            if (amount.signum() < 0) {
                throw malformed(where + " (SKU " + sku + "): pricePerUnit.USD is negative: " + amount, null);
            }
            String unit = dimension.path("unit").asText("");
            BigDecimal factor = perMillionFactor(unit, dimension.path("description").asText(""));
            if (factor == null) {
                unreadable.add(new Unreadable(sku, name, "unit \"" + unit + "\" of " + usageType
                        + " is not per 1K or 1M tokens, and its description does not say"));
                return;
            }
            BigDecimal value = amount.multiply(factor).stripTrailingZeros();
            if (perMillion != null && perMillion.compareTo(value) != 0) {
                unreadable.add(new Unreadable(sku, name, usageType + " has several prices: "
                        + perMillion.toPlainString() + " and " + value.toPlainString() + " per 1M tokens"));
                return;
            }
            perMillion = value;
        }
        offers.add(new Offer(serviceCode, sku, name, region, bucket, perMillion, usageType));
    }

    private static Bucket bucket(String text) {
        if (text.contains("cache")) {
            if (text.contains("read") || text.contains("hit")) {
                return Bucket.CACHE_READ;
            }
            if (text.contains("write")) {
                return Bucket.CACHE_WRITE;
            }
            return null;
        }
        if (text.contains("input")) {
            return Bucket.INPUT;
        }
        if (text.contains("output")) {
            return Bucket.OUTPUT;
        }
        return null;
    }

    /** USD per unit times this is USD per 1M tokens; {@code null} if the unit is not understood. */
    static BigDecimal perMillionFactor(String unit, String description) {
        String u = unit.toLowerCase(Locale.ROOT).replace(",", "").replace(" ", "");
        if (u.matches("1ktokens?|1000tokens?|thousandtokens?|1k")) {
            return THOUSAND;
        }
        if (u.matches("1mtokens?|1000000tokens?|milliontokens?|1m")) {
            return BigDecimal.ONE;
        }
        if (u.matches("tokens?")) {
            return MILLION;
        }
        // Descriptions say "per million input tokens", "Million Input Tokens" or "per 1K tokens".
        String d = description.toLowerCase(Locale.ROOT).replace(",", "");
        boolean million = d.matches("(?s).*\\b(1m|1000000|million) (\\w+ ){0,3}tokens?\\b.*");
        boolean thousand = d.matches("(?s).*\\b(1k|1000|thousand) (\\w+ ){0,3}tokens?\\b.*");
        if (million == thousand) {
            return null; // neither, or both: not guessed
        }
        return million ? BigDecimal.ONE : THOUSAND;
    }

    private static String firstText(JsonNode attrs, String... fields) {
        for (String field : fields) {
            String value = attrs.path(field).asText("");
            if (!value.isBlank()) {
                return value.strip();
            }
        }
        return null;
    }

    private static MalformedAnswerException malformed(String message, Throwable cause) {
        return new MalformedAnswerException(message, cause);
    }
}
