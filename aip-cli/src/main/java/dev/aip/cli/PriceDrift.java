package dev.aip.cli;

import dev.aip.cli.AwsPriceList.Bucket;
import dev.aip.cli.AwsPriceList.Offer;
import dev.aip.core.pricing.ModelPrice;
import dev.aip.core.pricing.PriceCatalog;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The differences between a {@link PriceCatalog} and the prices AWS lists, in the regions checked.
 *
 * <ul>
 *   <li><b>changed</b>: a bucket whose catalog price (found as the engine finds it: the region's own price, else
 *       {@code "*"}) differs from AWS's, with the change in percent;</li>
 *   <li><b>conflicting</b>: AWS lists several prices for one model, region and bucket, so the catalog cannot be
 *       confirmed;</li>
 *   <li><b>not listed</b>: catalog entries for which AWS lists no price in the regions checked ({@code "*"} entries:
 *       in none of them), often a model AWS names differently (map it with {@code --model-name});</li>
 *   <li><b>missing</b>: models AWS lists, mapped to a model id, that the catalog has no price for;</li>
 *   <li><b>unmapped</b>: model names AWS lists that map to no model id (informational).</li>
 * </ul>
 * Drift is any changed, conflicting or not-listed entry. Buckets AWS does not list (e.g. cache prices of a model
 * without caching) are not compared: the catalog defaults them to the input price.
 *
 * <p>Immutable.
 */
final class PriceDrift {

    /**
     * A bucket whose price differs.
     *
     * @param modelId the model
     * @param region the region checked
     * @param bucket the bucket
     * @param catalog the catalog's USD per 1M tokens
     * @param aws AWS's USD per 1M tokens
     */
    record Change(String modelId, String region, Bucket bucket, BigDecimal catalog, BigDecimal aws) {

        /** The change in percent of the catalog price, one decimal, half-even; {@code n/a} from zero. */
        String percent() {
            if (catalog.signum() == 0) {
                return "n/a";
            }
            BigDecimal pct = aws.subtract(catalog).multiply(BigDecimal.valueOf(100))
                    .divide(catalog, 1, RoundingMode.HALF_EVEN);
            return (pct.signum() > 0 ? "+" : "") + pct.toPlainString() + "%";
        }
    }

    /** Model names the Price List uses, normalized (see {@link #normalize}), and the model id each one is. */
    static final Map<String, String> BUILT_IN_NAMES = Map.ofEntries(
            Map.entry("claude 3 7 sonnet", "anthropic.claude-3-7-sonnet-20250219-v1:0"),
            Map.entry("claude sonnet 4", "anthropic.claude-sonnet-4-20250514-v1:0"),
            Map.entry("claude 3 5 haiku", "anthropic.claude-3-5-haiku-20241022-v1:0"),
            Map.entry("claude haiku 4 5", "anthropic.claude-haiku-4-5-20251001-v1:0"),
            Map.entry("claude 3 haiku", "anthropic.claude-3-haiku-20240307-v1:0"),
            Map.entry("nova micro", "amazon.nova-micro-v1:0"),
            Map.entry("nova lite", "amazon.nova-lite-v1:0"),
            Map.entry("nova pro", "amazon.nova-pro-v1:0"),
            Map.entry("titan text embeddings v2", "amazon.titan-embed-text-v2:0"),
            Map.entry("titan embeddings v2 text", "amazon.titan-embed-text-v2:0"));

    private final List<Change> changed;
    private final List<String> conflicting;
    private final List<String> notListed;
    private final List<String> missing;
    private final Set<String> unmapped;
    private final int compared;
    private final Map<String, Set<Bucket>> confirmed;
    private final Set<String> contradicted;

    private PriceDrift(List<Change> changed, List<String> conflicting, List<String> notListed, List<String> missing,
            Set<String> unmapped, int compared, Map<String, Set<Bucket>> confirmed, Set<String> contradicted) {
        this.changed = changed;
        this.conflicting = conflicting;
        this.notListed = notListed;
        this.missing = missing;
        this.unmapped = unmapped;
        this.compared = compared;
        this.confirmed = confirmed;
        this.contradicted = contradicted;
    }

    /**
     * Compares a catalog with AWS's prices.
     *
     * @param catalog the catalog
     * @param offers AWS's prices (other regions than {@code regions} are ignored)
     * @param regions the regions checked
     * @param names extra model names (as AWS spells them) and their model ids, on top of {@link #BUILT_IN_NAMES}
     * @return the differences
     */
    static PriceDrift compare(PriceCatalog catalog, Collection<Offer> offers, Collection<String> regions,
            Map<String, String> names) {
        Map<String, String> byName = new LinkedHashMap<>(BUILT_IN_NAMES);
        names.forEach((name, id) -> byName.put(normalize(name), id));
        // model -> region -> bucket -> the distinct prices AWS lists
        Map<String, Map<String, Map<Bucket, Set<BigDecimal>>>> aws = new TreeMap<>();
        Set<String> unmapped = new TreeSet<>();
        for (Offer offer : offers) {
            if (!regions.contains(offer.region())) {
                continue;
            }
            String modelId = byName.get(normalize(offer.name()));
            if (modelId == null) {
                unmapped.add(offer.name());
                continue;
            }
            aws.computeIfAbsent(modelId, k -> new TreeMap<>())
                    .computeIfAbsent(offer.region(), k -> new TreeMap<>())
                    .computeIfAbsent(offer.bucket(), k -> new TreeSet<>(Comparator.naturalOrder()))
                    .add(offer.perMillion().stripTrailingZeros());
        }
        List<Change> changed = new ArrayList<>();
        List<String> conflicting = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        int compared = 0;
        Map<String, Set<Bucket>> confirmed = new TreeMap<>();
        Set<String> contradicted = new TreeSet<>();
        for (var model : aws.entrySet()) {
            for (var region : model.getValue().entrySet()) {
                ModelPrice price = catalog.find(model.getKey(), region.getKey()).orElse(null);
                if (price == null) {
                    missing.add(model.getKey() + " in " + region.getKey());
                    continue;
                }
                String entry = key(price.modelId(), price.region());
                for (var bucket : region.getValue().entrySet()) {
                    Set<BigDecimal> listed = bucket.getValue();
                    if (listed.size() > 1) {
                        contradicted.add(entry);
                        conflicting.add(model.getKey() + " in " + region.getKey() + ", " + bucket.getKey().label
                                + ": AWS lists " + String.join(", ", listed.stream().map(BigDecimal::toPlainString)
                                        .toList()));
                        continue;
                    }
                    BigDecimal awsPrice = listed.iterator().next();
                    BigDecimal ours = bucket.getKey().price.apply(price);
                    compared++;
                    if (ours.compareTo(awsPrice) != 0) {
                        changed.add(new Change(model.getKey(), region.getKey(), bucket.getKey(), ours, awsPrice));
                        contradicted.add(entry);
                    } else {
                        confirmed.computeIfAbsent(entry, k -> new TreeSet<>()).add(bucket.getKey());
                    }
                }
            }
        }
        List<String> notListed = new ArrayList<>();
        for (ModelPrice price : catalog.prices().stream()
                .sorted(Comparator.comparing(ModelPrice::modelId).thenComparing(ModelPrice::region)).toList()) {
            Map<String, Map<Bucket, Set<BigDecimal>>> listed = aws.getOrDefault(price.modelId(), Map.of());
            if (ModelPrice.ANY_REGION.equals(price.region())) {
                if (listed.isEmpty()) {
                    notListed.add(price.modelId() + " (\"*\")");
                }
            } else if (regions.contains(price.region()) && !listed.containsKey(price.region())) {
                notListed.add(price.modelId() + " in " + price.region());
            }
        }
        contradicted.forEach(confirmed::remove);
        confirmed.replaceAll((entry, buckets) -> Collections.unmodifiableSet(buckets));
        return new PriceDrift(List.copyOf(changed), List.copyOf(conflicting), List.copyOf(notListed),
                List.copyOf(missing), Collections.unmodifiableSet(unmapped), compared,
                Collections.unmodifiableMap(confirmed), Collections.unmodifiableSet(contradicted));
    }

    /**
     * The buckets of a catalog entry that AWS lists at the entry's price in every region checked, or empty if AWS
     * lists none of them or contradicts one (a different price, or several).
     *
     * @param modelId the entry's model id
     * @param region the entry's region, or {@code "*"}
     * @return the confirmed buckets, in {@link Bucket} order
     */
    Set<Bucket> confirmed(String modelId, String region) {
        return confirmed.getOrDefault(key(modelId, region), Set.of());
    }

    /** Whether AWS contradicts an entry: it lists some bucket at another price, or at several. */
    boolean contradicts(String modelId, String region) {
        return contradicted.contains(key(modelId, region));
    }

    private static String key(String modelId, String region) {
        return modelId + " " + region;
    }

    /** Lower case, without "(Amazon Bedrock Edition)" and a leading vendor, words separated by one space. */
    static String normalize(String name) {
        String n = name.toLowerCase(Locale.ROOT).replace("(amazon bedrock edition)", " ")
                .replaceAll("[^a-z0-9]+", " ").strip();
        for (String vendor : List.of("amazon ", "anthropic ")) {
            if (n.startsWith(vendor)) {
                n = n.substring(vendor.length());
            }
        }
        return n;
    }

    /** Whether the catalog drifted from AWS: a price changed, AWS is ambiguous, or an entry is not listed. */
    boolean drifted() {
        return !changed.isEmpty() || !conflicting.isEmpty() || !notListed.isEmpty();
    }

    List<Change> changed() {
        return changed;
    }

    List<String> notListed() {
        return notListed;
    }

    List<String> conflicting() {
        return conflicting;
    }

    List<String> missing() {
        return missing;
    }

    Set<String> unmapped() {
        return unmapped;
    }

    /** Prints the differences, the largest group first, and a one-line result. */
    void print(PrintWriter out) {
        if (!changed.isEmpty()) {
            out.println("Prices that differ (USD per 1M tokens, catalog -> AWS):");
            TextTable table = new TextTable("MODEL", "REGION", "BUCKET", ">CATALOG", ">AWS", ">CHANGE");
            for (Change c : changed) {
                // AWS's figure at no fewer decimals than the catalog's, so 0.24 -> 0.20 reads as such.
                BigDecimal aws = c.aws().setScale(Math.max(c.aws().scale(), c.catalog().scale()));
                table.row(c.modelId(), c.region(), c.bucket().label, c.catalog().toPlainString(),
                        aws.toPlainString(), c.percent());
            }
            table.print(out, "  ");
        }
        list(out, "AWS lists several prices for one bucket (the catalog cannot be confirmed):", conflicting);
        list(out, "Catalog entries AWS does not list in the regions checked (a model AWS names differently can be"
                + " mapped with --model-name \"NAME=MODEL_ID\"):", notListed);
        list(out, "Models AWS lists that the catalog has no price for:", missing);
        list(out, "Model names AWS lists that map to no model id (not compared):", List.copyOf(unmapped));
        if (drifted()) {
            out.println("Drift: " + changed.size() + " price(s) differ, " + conflicting.size() + " ambiguous, "
                    + notListed.size() + " entr" + (notListed.size() == 1 ? "y" : "ies") + " not listed.");
        } else {
            out.println("No drift: " + compared + " price(s) equal to AWS's.");
        }
    }

    private static void list(PrintWriter out, String title, List<String> items) {
        if (items.isEmpty()) {
            return;
        }
        out.println(title);
        items.forEach(item -> out.println("  " + item));
    }
}
