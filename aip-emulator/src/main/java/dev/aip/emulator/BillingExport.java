package dev.aip.emulator;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The emulator's books as AWS's billing would show them, so a reconciliation of a usage ledger with the bill can be
 * tested without an AWS account: Cost Explorer {@code GetCostAndUsage} answers grouped by a cost-allocation tag, and
 * a Cost and Usage Report (CUR 2.0) export in CSV.
 *
 * <pre>{@code
 * BillingExport bill = BillingExport.builder(emulator, (model, region) -> catalog.find(model, region)
 *         .map(p -> new BillingExport.UnitPrices(p.inputPerMillion(), p.outputPerMillion(),
 *                 p.cacheReadPerMillion(), p.cacheWritePerMillion()))
 *         .orElse(null))
 *     .build();
 * List<String> pages = bill.costAndUsage(LocalDate.parse("2026-03-01"), LocalDate.parse("2026-03-08"));
 * String cur = bill.curCsv();
 * }</pre>
 *
 * <p>What is billed: every call in the {@linkplain BedrockEmulator#invocations() invocation log} that used tokens,
 * with the tokens its {@link InvocationRecord} counts (throttled and rejected calls have none; a cut or cancelled
 * stream has what was generated). Each token kind (input, output, cache read, cache write) is priced with the
 * {@link Prices} given, exactly ({@code tokens × USD per million / 1,000,000}, no rounding), and attributed to the
 * UTC day of the call's arrival on the emulator's clock. A call through an application inference profile carries
 * that profile's tags <em>as they are when the export is made</em> (the emulator keeps no tag history; a profile
 * deleted since has none); any other call (a foundation model, a system-defined profile) has no tags. Tags count
 * from {@link Builder#tagsActiveSince(LocalDate)} on, as cost-allocation tags do once activated: earlier days are
 * untagged.
 *
 * <p>The shapes:
 * <ul>
 *   <li>Cost Explorer: the JSON of a {@code GetCostAndUsage} response for {@code Granularity DAILY}, one
 *       {@code GroupBy} of type {@code TAG} on {@link Builder#tagKey(String) the tag key} (default
 *       {@code TenantId}), metrics {@code UnblendedCost} (USD) and {@code UsageQuantity} (tokens): each day is a
 *       {@code ResultsByTime} entry with {@code TimePeriod}, an empty {@code Total}, {@code Groups} whose
 *       {@code Keys} are {@code ["TenantId$acme"]} ({@code "TenantId$"} for untagged cost) and {@code Estimated}
 *       (true from {@link Builder#estimatedFrom(LocalDate)} on). At most {@link Builder#pageSize(int)} groups go in
 *       one page; every page but the last has a {@code NextPageToken}.</li>
 *   <li>CUR 2.0: a CSV with a header row and one {@code Usage} line item per UTC day, resource and usage type,
 *       with the CUR 2.0 columns {@value #CUR_HEADER}. The usage type follows the pattern AWS documents for
 *       Bedrock's token kinds ({@code <region code>-<model>-input-tokens}, {@code -output-tokens},
 *       {@code -cache-read-input-token-count}, {@code -cache-write-input-token-count}, e.g.
 *       {@code USE1-Claude3.5Haiku-input-tokens}); the resource id is the profile ARN (the foundation-model ARN for
 *       calls without a profile); {@code resource_tags} is a JSON map whose keys are the tag keys in the CUR 2.0
 *       form {@code user_<snake_case key>} ({@code TenantId} becomes {@code user_tenant_id}).</li>
 * </ul>
 *
 * <p>Immutable and thread-safe; each method reads the invocation log anew.
 */
public final class BillingExport {

    /** The Cost Explorer {@code SERVICE} dimension value of Bedrock's usage. */
    public static final String SERVICE = "Amazon Bedrock";

    /** The CUR {@code line_item_product_code} and {@code product_servicecode} of Bedrock's usage. */
    public static final String PRODUCT_CODE = "AmazonBedrock";

    /** The columns of {@link #curCsv()}, in order. */
    public static final String CUR_HEADER = "identity_line_item_id,identity_time_interval,"
            + "bill_billing_period_start_date,line_item_line_item_type,line_item_usage_start_date,"
            + "line_item_usage_end_date,line_item_product_code,product_servicecode,product_region_code,"
            + "line_item_usage_type,line_item_resource_id,line_item_usage_amount,line_item_unblended_cost,"
            + "line_item_currency_code,resource_tags";

    private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

    /**
     * One model's on-demand prices in US dollars per one million tokens. Immutable.
     *
     * @param inputPerMillion input tokens (not read from or written to the prompt cache)
     * @param outputPerMillion output tokens
     * @param cacheReadPerMillion input tokens read from the prompt cache
     * @param cacheWritePerMillion input tokens written to the prompt cache
     */
    public record UnitPrices(BigDecimal inputPerMillion, BigDecimal outputPerMillion, BigDecimal cacheReadPerMillion,
                             BigDecimal cacheWritePerMillion) {

        /**
         * Validates the prices.
         *
         * @throws NullPointerException if a price is {@code null}
         * @throws IllegalArgumentException if a price is negative
         */
        public UnitPrices {
            for (BigDecimal p : new BigDecimal[] {inputPerMillion, outputPerMillion, cacheReadPerMillion,
                cacheWritePerMillion}) {
                Objects.requireNonNull(p, "a price per million tokens");
                if (p.signum() < 0) {
                    throw new IllegalArgumentException("a price per million tokens is negative: " + p);
                }
            }
        }
    }

    /** Where the export's prices come from, e.g. aip's bundled price catalog. */
    @FunctionalInterface
    public interface Prices {

        /**
         * Returns the prices of a model.
         *
         * @param foundationModelId the foundation model that served the calls, e.g.
         *     {@code anthropic.claude-3-5-haiku-20241022-v1:0}
         * @param region the emulator's region
         * @return its prices, or {@code null} if there are none (the export then refuses to bill its calls)
         */
        UnitPrices find(String foundationModelId, String region);
    }

    /** Bedrock's four billed token kinds, with the suffix of their CUR usage type. */
    public enum TokenKind {
        /** Input tokens: {@code -input-tokens}. */
        INPUT("input-tokens"),
        /** Output tokens: {@code -output-tokens}. */
        OUTPUT("output-tokens"),
        /** Cache read: {@code -cache-read-input-token-count}. */
        CACHE_READ("cache-read-input-token-count"),
        /** Cache write: {@code -cache-write-input-token-count}. */
        CACHE_WRITE("cache-write-input-token-count");

        private final String suffix;

        TokenKind(String suffix) {
            this.suffix = suffix;
        }

        /** @return the usage type suffix, without the leading dash */
        public String usageTypeSuffix() {
            return suffix;
        }
    }

    /**
     * One billed line: a UTC day, a resource and a token kind, summed over the calls. Immutable.
     *
     * @param day the UTC day of the calls
     * @param resourceId the application profile ARN, or the foundation-model ARN for calls without one
     * @param foundationModelId the model that served the calls
     * @param usageType the CUR usage type, e.g. {@code USE1-Claude3.5Haiku-output-tokens}
     * @param kind the token kind
     * @param tokens the tokens
     * @param costUsd their exact cost in US dollars
     * @param tags the resource's tags that count on that day (empty before activation and for untagged resources)
     */
    public record LineItem(LocalDate day, String resourceId, String foundationModelId, String usageType,
                           TokenKind kind, long tokens, BigDecimal costUsd, Map<String, String> tags) {

        /** Copies the tags. */
        public LineItem {
            tags = Map.copyOf(tags);
        }
    }

    private final BedrockEmulator emulator;
    private final Prices prices;
    private final String tagKey;
    private final LocalDate tagsActiveSince;
    private final LocalDate estimatedFrom;
    private final int pageSize;

    private BillingExport(Builder b) {
        this.emulator = b.emulator;
        this.prices = b.prices;
        this.tagKey = b.tagKey;
        this.tagsActiveSince = b.tagsActiveSince;
        this.estimatedFrom = b.estimatedFrom;
        this.pageSize = b.pageSize;
    }

    /**
     * Starts an export of an emulator's books.
     *
     * @param emulator the emulator whose invocation log is billed
     * @param prices the prices of the models it served
     * @return a builder
     */
    public static Builder builder(BedrockEmulator emulator, Prices prices) {
        return new Builder(emulator, prices);
    }

    /**
     * Returns the billed line items, by day, resource and usage type.
     *
     * @return the line items, ordered by day, resource id and usage type
     * @throws IllegalStateException if a billed call's model has no price; the message names the model
     */
    public List<LineItem> lineItems() {
        ControlPlane control = emulator.controlPlane();
        String region = emulator.region();
        String code = regionCode(region);
        record Key(LocalDate day, String resource, String usageType) {
        }
        Map<Key, LineItem> lines = new TreeMap<>(Comparator.comparing(Key::day).thenComparing(Key::resource)
                .thenComparing(Key::usageType));
        for (InvocationRecord r : emulator.invocations()) {
            long[] tokens = {r.inputTokens(), r.outputTokens(), r.cacheReadInputTokens(), r.cacheWriteInputTokens()};
            if (r.foundationModelId() == null || tokens[0] + tokens[1] + tokens[2] + tokens[3] == 0) {
                continue;
            }
            UnitPrices price = prices.find(r.foundationModelId(), region);
            if (price == null) {
                throw new IllegalStateException("no price for model " + r.foundationModelId() + " in " + region
                        + ", which the emulator served; give the export a price for every model called");
            }
            BigDecimal[] perMillion = {price.inputPerMillion(), price.outputPerMillion(), price.cacheReadPerMillion(),
                price.cacheWritePerMillion()};
            LocalDate day = r.timestamp().atZone(ZoneOffset.UTC).toLocalDate();
            boolean application = r.profileArn() != null && control.applicationProfile(r.profileArn()).isPresent();
            String resource = application ? r.profileArn()
                    : "arn:aws:bedrock:" + region + "::foundation-model/" + r.foundationModelId();
            Map<String, String> tags = application && (tagsActiveSince == null || !day.isBefore(tagsActiveSince))
                    ? control.tags(r.profileArn()) : Map.of();
            String model = control.catalog().model(r.foundationModelId())
                    .map(m -> m.modelName().replace(" ", "")).orElse(r.foundationModelId());
            for (TokenKind kind : TokenKind.values()) {
                long n = tokens[kind.ordinal()];
                if (n == 0) {
                    continue;
                }
                String usageType = code + "-" + model + "-" + kind.usageTypeSuffix();
                BigDecimal cost = BigDecimal.valueOf(n).multiply(perMillion[kind.ordinal()]).divide(MILLION);
                lines.merge(new Key(day, resource, usageType),
                        new LineItem(day, resource, r.foundationModelId(), usageType, kind, n, cost, tags),
                        (a, b) -> new LineItem(day, resource, a.foundationModelId(), usageType, kind,
                                Math.addExact(a.tokens(), b.tokens()), a.costUsd().add(b.costUsd()), a.tags()));
            }
        }
        return List.copyOf(lines.values());
    }

    /**
     * Returns Cost Explorer's answer for the days {@code [start, end)}, as the pages of JSON that
     * {@code aws ce get-cost-and-usage --granularity DAILY --metrics UnblendedCost UsageQuantity --group-by
     * Type=TAG,Key=TenantId --filter '{"Dimensions":{"Key":"SERVICE","Values":["Amazon Bedrock"]}}'} prints.
     *
     * @param start the first day, inclusive
     * @param end the day after the last, exclusive
     * @return one JSON document per page, at least one
     * @throws IllegalArgumentException if {@code end} is not after {@code start}
     * @throws IllegalStateException if a billed call's model has no price
     */
    public List<String> costAndUsage(LocalDate start, LocalDate end) {
        if (!end.isAfter(start)) {
            throw new IllegalArgumentException("the end day " + end + " must be after the start day " + start);
        }
        // day -> group key -> [cost, tokens]
        Map<LocalDate, Map<String, BigDecimal[]>> byDay = new TreeMap<>();
        for (LocalDate d = start; d.isBefore(end); d = d.plusDays(1)) {
            byDay.put(d, new TreeMap<>());
        }
        for (LineItem line : lineItems()) {
            Map<String, BigDecimal[]> groups = byDay.get(line.day());
            if (groups == null) {
                continue;
            }
            String key = tagKey + "$" + line.tags().getOrDefault(tagKey, "");
            BigDecimal[] sums = groups.computeIfAbsent(key, k -> new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO});
            sums[0] = sums[0].add(line.costUsd());
            sums[1] = sums[1].add(BigDecimal.valueOf(line.tokens()));
        }
        List<String> pages = new ArrayList<>();
        ObjectNode page = newPage();
        int inPage = 0;
        for (Map.Entry<LocalDate, Map<String, BigDecimal[]>> day : byDay.entrySet()) {
            ObjectNode result = result(page, day.getKey());
            for (Map.Entry<String, BigDecimal[]> g : day.getValue().entrySet()) {
                if (inPage == pageSize) {
                    page.put("NextPageToken", "page-" + (pages.size() + 2));
                    pages.add(page.toPrettyString());
                    page = newPage();
                    result = result(page, day.getKey());
                    inPage = 0;
                }
                ObjectNode group = ((ArrayNode) result.get("Groups")).addObject();
                group.putArray("Keys").add(g.getKey());
                ObjectNode metrics = group.putObject("Metrics");
                metrics.putObject("UnblendedCost").put("Amount", g.getValue()[0].toPlainString()).put("Unit", "USD");
                metrics.putObject("UsageQuantity").put("Amount", g.getValue()[1].toPlainString()).put("Unit", "N/A");
                inPage++;
            }
        }
        pages.add(page.toPrettyString());
        return List.copyOf(pages);
    }

    /**
     * Returns the CUR 2.0 export of every billed line item, as CSV text with a header row ({@value #CUR_HEADER}).
     *
     * @return the CSV text, lines ending in {@code \n}
     * @throws IllegalStateException if a billed call's model has no price
     */
    public String curCsv() {
        StringBuilder csv = new StringBuilder(CUR_HEADER).append('\n');
        String region = emulator.region();
        int n = 0;
        for (LineItem line : lineItems()) {
            Instant from = line.day().atStartOfDay(ZoneOffset.UTC).toInstant();
            Instant to = line.day().plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
            Map<String, String> sorted = new TreeMap<>();
            line.tags().forEach((k, v) -> sorted.put(curTagKey(k), v));
            ObjectNode tags = Json.MAPPER.createObjectNode();
            sorted.forEach(tags::put);
            String[] cells = {
                "emulator-" + (++n), from + "/" + to, line.day().withDayOfMonth(1).atStartOfDay(ZoneOffset.UTC)
                    .toInstant().toString(), "Usage", from.toString(), to.toString(), PRODUCT_CODE, PRODUCT_CODE,
                region, line.usageType(), line.resourceId(), Long.toString(line.tokens()),
                line.costUsd().toPlainString(), "USD", tags.toString()};
            for (int i = 0; i < cells.length; i++) {
                csv.append(i == 0 ? "" : ",").append(csvCell(cells[i]));
            }
            csv.append('\n');
        }
        return csv.toString();
    }

    /**
     * Returns the key a user-defined tag has in CUR 2.0's {@code resource_tags} map: {@code user_} and the key in
     * snake case, every character other than a letter or digit an underscore ({@code TenantId} gives
     * {@code user_tenant_id}, {@code cost-center} gives {@code user_cost_center}).
     *
     * @param tagKey the tag key as set on the resource
     * @return the CUR 2.0 map key
     */
    public static String curTagKey(String tagKey) {
        StringBuilder b = new StringBuilder("user_");
        for (int i = 0; i < tagKey.length(); i++) {
            char c = tagKey.charAt(i);
            if (Character.isUpperCase(c) && i > 0 && Character.isLowerCase(tagKey.charAt(i - 1))) {
                b.append('_');
            }
            b.append(Character.isLetterOrDigit(c) ? Character.toLowerCase(c) : '_');
        }
        return b.toString();
    }

    private ObjectNode newPage() {
        ObjectNode page = Json.MAPPER.createObjectNode();
        page.putArray("GroupDefinitions").addObject().put("Type", "TAG").put("Key", tagKey);
        page.putArray("ResultsByTime");
        page.putArray("DimensionValueAttributes");
        return page;
    }

    private ObjectNode result(ObjectNode page, LocalDate day) {
        ObjectNode result = ((ArrayNode) page.get("ResultsByTime")).addObject();
        result.putObject("TimePeriod").put("Start", day.toString()).put("End", day.plusDays(1).toString());
        result.putObject("Total");
        result.putArray("Groups");
        result.put("Estimated", estimatedFrom != null && !day.isBefore(estimatedFrom));
        return result;
    }

    /** {@code us-east-1} gives {@code USE1}, {@code eu-central-1} {@code EUC1}: AWS's usage-type region prefix. */
    static String regionCode(String region) {
        String[] parts = region.split("-");
        if (parts.length < 3) {
            return region.toUpperCase(Locale.ROOT);
        }
        StringBuilder b = new StringBuilder(parts[0].toUpperCase(Locale.ROOT));
        for (int i = 1; i < parts.length - 1; i++) {
            b.append(Character.toUpperCase(parts[i].charAt(0)));
        }
        return b.append(parts[parts.length - 1]).toString();
    }

    private static String csvCell(String value) {
        if (value.indexOf(',') < 0 && value.indexOf('"') < 0 && value.indexOf('\n') < 0) {
            return value;
        }
        return '"' + value.replace("\"", "\"\"") + '"';
    }

    /** Builds a {@link BillingExport}. Confined: use from one thread. */
    public static final class Builder {
        private final BedrockEmulator emulator;
        private final Prices prices;
        private String tagKey = "TenantId";
        private LocalDate tagsActiveSince;
        private LocalDate estimatedFrom;
        private int pageSize = 500;

        private Builder(BedrockEmulator emulator, Prices prices) {
            this.emulator = Objects.requireNonNull(emulator, "emulator");
            this.prices = Objects.requireNonNull(prices, "prices");
        }

        /**
         * The cost-allocation tag that Cost Explorer groups by (default {@code TenantId}, the tag aip writes).
         *
         * @param value the tag key
         * @return this builder
         */
        public Builder tagKey(String value) {
            Objects.requireNonNull(value, "tagKey");
            if (value.isBlank()) {
                throw new IllegalArgumentException("the tag key must not be blank");
            }
            this.tagKey = value;
            return this;
        }

        /**
         * The day the cost-allocation tags were activated: cost of earlier days is untagged, as AWS does not apply
         * an activation retroactively. Default: active for every day.
         *
         * @param value the first day tags count, UTC
         * @return this builder
         */
        public Builder tagsActiveSince(LocalDate value) {
            this.tagsActiveSince = Objects.requireNonNull(value, "tagsActiveSince");
            return this;
        }

        /**
         * The first day Cost Explorer marks {@code Estimated} (not yet final), and every later day. Default: none.
         *
         * @param value the first estimated day, UTC
         * @return this builder
         */
        public Builder estimatedFrom(LocalDate value) {
            this.estimatedFrom = Objects.requireNonNull(value, "estimatedFrom");
            return this;
        }

        /**
         * The most groups in one Cost Explorer page (default 500).
         *
         * @param value at least 1
         * @return this builder
         */
        public Builder pageSize(int value) {
            if (value < 1) {
                throw new IllegalArgumentException("the page size must be at least 1, got " + value);
            }
            this.pageSize = value;
            return this;
        }

        /** @return the export */
        public BillingExport build() {
            return new BillingExport(this);
        }
    }
}
