package dev.aip.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aip.core.pricing.ModelPrice;
import dev.aip.core.pricing.PriceCatalog;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A loopback server that answers the AWS Price List query API's {@code GetProducts} in its wire shape: JSON 1.1,
 * {@code X-Amz-Target: AWSPriceListService.GetProducts}, {@code TERM_MATCH} filters on product attributes, a
 * {@code PriceList} array of JSON strings, pages of {@link #pageSize} products chained by {@code NextToken}. Errors are
 * JSON 1.1 errors ({@code __type} and {@code message}). It records every request.
 *
 * <p>{@link #productsOf} builds products from a catalog the way AWS lists them: Anthropic models under
 * {@code AmazonBedrockFoundationModels} (named by {@code servicename}, priced per million tokens with unit
 * {@code Units}), Amazon models under {@code AmazonBedrock} (named by {@code model}, priced per 1K tokens), plus
 * products the check must leave alone (batch, provisioned throughput, a model the catalog does not know).
 */
final class PriceListFixture implements AutoCloseable {

    /** What one request carried. */
    record Request(String target, String contentType, String authorization, JsonNode body) {
    }

    /** Display names AWS uses for the bundled catalog's models. */
    static final Map<String, String> NAMES = Map.of(
            "anthropic.claude-3-7-sonnet-20250219-v1:0", "Claude 3.7 Sonnet",
            "anthropic.claude-sonnet-4-20250514-v1:0", "Claude Sonnet 4",
            "anthropic.claude-3-5-haiku-20241022-v1:0", "Claude 3.5 Haiku",
            "anthropic.claude-haiku-4-5-20251001-v1:0", "Claude Haiku 4.5",
            "anthropic.claude-3-haiku-20240307-v1:0", "Claude 3 Haiku",
            "amazon.nova-micro-v1:0", "Nova Micro",
            "amazon.nova-lite-v1:0", "Nova Lite",
            "amazon.nova-pro-v1:0", "Nova Pro",
            "amazon.titan-embed-text-v2:0", "Titan Text Embeddings V2");

    static final String FOUNDATION_MODELS = "AmazonBedrockFoundationModels";
    static final String BEDROCK = "AmazonBedrock";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final AwsJsonFixture http = AwsJsonFixture.start(this::handle);
    private final Map<String, List<String>> products = new LinkedHashMap<>();
    private volatile int pageSize = 100;

    private PriceListFixture() {
    }

    static PriceListFixture start() {
        return new PriceListFixture();
    }

    URI endpoint() {
        return http.endpoint();
    }

    /** Serves these products (JSON strings) for their service codes. */
    PriceListFixture serve(Map<String, List<String>> byServiceCode) {
        products.clear();
        products.putAll(byServiceCode);
        return this;
    }

    PriceListFixture pageSize(int size) {
        pageSize = size;
        return this;
    }

    /** Answers every request with this status and body, whatever it asks. */
    PriceListFixture answerAlways(int status, String body) {
        http.answerAlways(new AwsJsonFixture.Answer(status, body));
        return this;
    }

    List<Request> requests() {
        return http.requests().stream()
                .map(r -> new Request(r.target(), r.contentType(), r.authorization(), r.body())).toList();
    }

    @Override
    public void close() {
        http.close();
    }

    private AwsJsonFixture.Answer handle(AwsJsonFixture.Request request) {
        JsonNode body = request.body();
        if (!"POST".equals(request.method()) || !"AWSPriceListService.GetProducts".equals(request.target())) {
            return AwsJsonFixture.Answer.error(400, "UnknownOperationException", "unknown operation");
        }
        List<String> matching = new ArrayList<>();
        for (String product : products.getOrDefault(body.path("ServiceCode").asText(), List.of())) {
            JsonNode attrs = read(product).path("product").path("attributes");
            boolean match = true;
            for (JsonNode filter : body.path("Filters")) {
                match &= attrs.path(filter.path("Field").asText()).asText().equals(filter.path("Value").asText());
            }
            if (match) {
                matching.add(product);
            }
        }
        int from = 0;
        if (body.hasNonNull("NextToken")) {
            String token = body.get("NextToken").asText();
            if (!token.startsWith("page-")) {
                return new AwsJsonFixture.Answer(400, "{\"__type\":\"com.amazonaws.awspricing#InvalidNextTokenException\","
                        + "\"Message\":\"The NextToken is not valid\"}");
            }
            from = Integer.parseInt(token.substring(5));
        }
        int size = Math.min(pageSize, body.path("MaxResults").asInt(100));
        int to = Math.min(matching.size(), from + size);
        ObjectNode answer = JSON.createObjectNode();
        answer.put("FormatVersion", "aws_v1");
        ArrayNode list = answer.putArray("PriceList");
        matching.subList(from, to).forEach(list::add);
        if (to < matching.size()) {
            answer.put("NextToken", "page-" + to);
        }
        return new AwsJsonFixture.Answer(200, answer.toString());
    }

    private static JsonNode read(String json) {
        try {
            return JSON.readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException(e);
        }
    }

    /** The products AWS would list for a catalog's models in a region, by service code, with some noise. */
    static Map<String, List<String>> productsOf(PriceCatalog catalog, String region) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        out.put(FOUNDATION_MODELS, new ArrayList<>());
        out.put(BEDROCK, new ArrayList<>());
        for (ModelPrice price : catalog.prices()) {
            String name = NAMES.get(price.modelId());
            if (name == null || !(price.region().equals("*") || price.region().equals(region))) {
                continue;
            }
            if (price.modelId().startsWith("anthropic.")) {
                List<String> list = out.get(FOUNDATION_MODELS);
                list.add(marketplace(name, region, "InputTokenCount", "input", price.inputPerMillion()));
                list.add(marketplace(name, region, "OutputTokenCount", "output", price.outputPerMillion()));
                list.add(marketplace(name, region, "CacheReadInputTokenCount", "cache read input",
                        price.cacheReadPerMillion()));
                list.add(marketplace(name, region, "CacheWriteInputTokenCount", "cache write input",
                        price.cacheWritePerMillion()));
                // Batch is half price: a check that read it would report drift.
                list.add(marketplace(name, region, "Batch_InputTokenCount", "batch input",
                        price.inputPerMillion().divide(BigDecimal.valueOf(2))));
            } else {
                List<String> list = out.get(BEDROCK);
                String key = name.replace(" ", "");
                list.add(bedrock(name, region, key + "-input-tokens", "Input tokens", price.inputPerMillion()));
                if (!price.modelId().contains("embed")) {
                    list.add(bedrock(name, region, key + "-output-tokens", "Output tokens",
                            price.outputPerMillion()));
                }
                if (price.cacheReadPerMillion().compareTo(price.inputPerMillion()) != 0) {
                    list.add(bedrock(name, region, key + "-cache-read-input-tokens", "Cache read input tokens",
                            price.cacheReadPerMillion()));
                }
                list.add(bedrock(name, region, key + "-ProvisionedThroughput", "Provisioned throughput",
                        BigDecimal.valueOf(21)));
            }
        }
        out.get(BEDROCK).add(bedrock("Llama 3 8B Instruct", region, "Llama3-8B-input-tokens", "Input tokens",
                new BigDecimal("0.22")));
        return out;
    }

    static String marketplace(String name, String region, String usage, String words, BigDecimal perMillion) {
        ObjectNode attrs = JSON.createObjectNode();
        attrs.put("servicecode", FOUNDATION_MODELS);
        attrs.put("servicename", name + " (Amazon Bedrock Edition)");
        attrs.put("regionCode", region);
        attrs.put("location", "US East (N. Virginia)");
        attrs.put("usagetype", "USE1-MP:USE1_" + usage + "-Units");
        return product(FOUNDATION_MODELS, attrs, "Units",
                "USD " + perMillion.toPlainString() + " per million " + words + " tokens", perMillion.toPlainString());
    }

    static String bedrock(String name, String region, String usage, String inferenceType, BigDecimal perMillion) {
        ObjectNode attrs = JSON.createObjectNode();
        attrs.put("servicecode", BEDROCK);
        attrs.put("model", name);
        attrs.put("regionCode", region);
        attrs.put("location", "US East (N. Virginia)");
        attrs.put("usagetype", "USE1-" + usage);
        attrs.put("inferenceType", inferenceType);
        attrs.put("feature", inferenceType.startsWith("Provisioned") ? "Provisioned Throughput"
                : "On-demand Inference");
        String per1k = perMillion.divide(BigDecimal.valueOf(1000)).setScale(10, RoundingMode.UNNECESSARY)
                .toPlainString();
        return product(BEDROCK, attrs, inferenceType.startsWith("Provisioned") ? "Hrs" : "1K tokens",
                "$" + per1k + " per 1K " + inferenceType.toLowerCase(java.util.Locale.ROOT) + " for " + name,
                per1k);
    }

    private static String product(String serviceCode, ObjectNode attrs, String unit, String description,
            String usd) {
        String sku = Integer.toHexString((attrs.toString() + usd).hashCode()).toUpperCase(java.util.Locale.ROOT);
        ObjectNode item = JSON.createObjectNode();
        ObjectNode product = item.putObject("product");
        product.put("productFamily", "Amazon Bedrock");
        product.set("attributes", attrs);
        product.put("sku", sku);
        item.put("serviceCode", serviceCode);
        ObjectNode term = item.putObject("terms").putObject("OnDemand").putObject(sku + ".JRTCKXETXF");
        ObjectNode dimension = term.putObject("priceDimensions").putObject(sku + ".JRTCKXETXF.6YS6EN2CT7");
        dimension.put("unit", unit);
        dimension.put("endRange", "Inf");
        dimension.put("description", description);
        dimension.putArray("appliesTo");
        dimension.put("rateCode", sku + ".JRTCKXETXF.6YS6EN2CT7");
        dimension.put("beginRange", "0");
        dimension.putObject("pricePerUnit").put("USD", usd);
        term.put("sku", sku);
        term.put("effectiveDate", "2026-11-01T00:00:00Z");
        term.put("offerTermCode", "JRTCKXETXF");
        term.putObject("termAttributes");
        item.put("version", "20261101000000");
        item.put("publicationDate", "2026-11-01T00:00:00Z");
        return item.toString();
    }
}
