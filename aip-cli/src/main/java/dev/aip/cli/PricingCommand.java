package dev.aip.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aip.core.ConfigurationException;
import dev.aip.core.pricing.ModelPrice;
import dev.aip.core.pricing.PriceCatalog;
import dev.aip.core.pricing.PriceSource;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code aip pricing}: the price catalog, where its figures come from, and how it compares with AWS's prices. */
@Command(name = "pricing", mixinStandardHelpOptions = true,
        description = "The price catalog costs are computed with: list it, or check it against the AWS Price List"
                + " API.",
        subcommands = {PricingCommand.ListPrices.class, PricingCommand.Check.class})
final class PricingCommand extends GroupCommand {

    /** Exit code of {@code aip pricing check} when the catalog drifted from AWS's prices. */
    static final int EXIT_DRIFT = 3;

    /** The catalog option both subcommands share. */
    abstract static class Base extends Subcommand {

        @Option(names = "--catalog", paramLabel = "FILE",
                description = "A price catalog file (JSON, the PriceCatalog format; default: the bundled catalog).")
        Path catalogFile;

        PriceCatalog catalog() {
            if (catalogFile == null) {
                return PriceCatalog.bundled();
            }
            if (!Files.isRegularFile(catalogFile)) {
                throw CliException.usage("price catalog file " + catalogFile + " does not exist");
            }
            try {
                return PriceCatalog.fromFile(catalogFile);
            } catch (ConfigurationException e) {
                throw CliException.usage(e.getMessage(), e);
            }
        }

        Function<String, String> env() {
            Object root = spec.root().userObject();
            return root instanceof AipCommand aip ? aip.env : System::getenv;
        }

        Clock clock() {
            Object root = spec.root().userObject();
            return root instanceof AipCommand aip ? aip.clock : Clock.systemUTC();
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true,
            description = {"Print the catalog: USD per 1M tokens per model and region, whether each price was"
                    + " verified against AWS's published prices (and when), and where its figures come from."})
    static final class ListPrices extends Base {

        @Override
        int execute() {
            PriceCatalog catalog = catalog();
            List<ModelPrice> prices = sorted(catalog);
            out().println("Price catalog " + catalog.version() + " (USD per 1M tokens)");
            TextTable table = new TextTable("MODEL", "REGION", ">INPUT", ">OUTPUT", ">CACHE READ", ">CACHE WRITE",
                    "VERIFIED");
            for (ModelPrice p : prices) {
                table.row(p.modelId(), p.region(), p.inputPerMillion().toPlainString(),
                        p.outputPerMillion().toPlainString(), p.cacheReadPerMillion().toPlainString(),
                        p.cacheWritePerMillion().toPlainString(), verified(p.source()));
            }
            table.print(out(), "  ");
            out().println("Sources:");
            for (ModelPrice p : prices) {
                out().println("  " + p.modelId() + (ModelPrice.ANY_REGION.equals(p.region()) ? "" : " in "
                        + p.region()) + ": " + p.source().origin());
            }
            long verified = prices.stream().filter(p -> p.source().isVerified()).count();
            out().println(verified + " of " + prices.size() + " prices verified against AWS's published prices."
                    + (verified < prices.size() ? " Compare the others with 'aip pricing check'." : ""));
            out().flush();
            return AipCommand.EXIT_OK;
        }

        private static String verified(PriceSource source) {
            return source.isVerified() ? source.verifiedOn() + " (" + source.verifiedAgainst() + ")" : "no";
        }
    }

    @Command(name = "check", mixinStandardHelpOptions = true,
            description = {"Compare the catalog with the AWS Price List API (GetProducts, on-demand standard-tier"
                    + " token prices) and print the drift: prices that differ (old -> new, percent), catalog entries"
                    + " AWS does not list, models AWS lists that the catalog lacks.",
                "Calls AWS (needs credentials and the IAM permission pricing:GetProducts) unless --file gives saved"
                    + " answers of 'aws pricing get-products --region us-east-1 --service-code AmazonBedrock"
                    + " --filters Type=TERM_MATCH,Field=regionCode,Value=us-east-1'.",
                "Exit codes: 0 no drift, 3 drift found, 1 failure (AWS refused, no credentials, malformed answer),"
                    + " 2 bad command line or file."})
    static final class Check extends Base {

        @Option(names = "--region", paramLabel = "R",
                description = "Region whose prices to compare; repeatable (default: us-east-1).")
        List<String> regions = new ArrayList<>();

        @Option(names = "--service-code", paramLabel = "CODE",
                description = "Price List service code; repeatable (default: AmazonBedrock and"
                        + " AmazonBedrockFoundationModels, where AWS lists third-party models such as Claude).")
        List<String> serviceCodes = new ArrayList<>();

        @Option(names = "--model-name", paramLabel = "NAME=MODEL_ID",
                description = "A model name as the Price List spells it and the model id it is; repeatable. Built"
                        + " in: the bundled catalog's models (e.g. \"Claude 3 Haiku\", \"Nova Micro\").")
        Map<String, String> modelNames = new LinkedHashMap<>();

        @Option(names = "--file", paramLabel = "FILE",
                description = "Compare with saved GetProducts answers (JSON, e.g. from 'aws pricing"
                        + " get-products') instead of calling AWS; repeatable.")
        List<Path> files = new ArrayList<>();

        @Option(names = "--endpoint", paramLabel = "URL",
                description = "Price List API endpoint (default: https://api.pricing.<api-region>.amazonaws.com).")
        URI endpoint;

        @Option(names = "--api-region", paramLabel = "R",
                description = "Where the Price List query API is called: us-east-1 (default) or ap-south-1.")
        String apiRegion = "us-east-1";

        @Option(names = "--write-verified", paramLabel = "FILE",
                description = "Also write the catalog to FILE, each entry whose prices AWS lists and confirms"
                        + " stamped \"verified\" (today, UTC) and \"verifiedAgainst\" (the API, regions and"
                        + " buckets); an entry AWS contradicts loses its stamp, the others are left as they are.")
        Path writeVerified;

        @Override
        int execute() throws InterruptedException {
            PriceCatalog catalog = catalog();
            Set<String> checked = new LinkedHashSet<>(regions.isEmpty() ? List.of("us-east-1") : regions);
            List<String> codes = serviceCodes.isEmpty()
                    ? List.of("AmazonBedrock", "AmazonBedrockFoundationModels") : serviceCodes;
            List<AwsPriceList.Page> pages = files.isEmpty() ? fromAws(codes, checked) : fromFiles();
            List<AwsPriceList.Offer> offers = new ArrayList<>();
            List<AwsPriceList.Unreadable> unreadable = new ArrayList<>();
            for (AwsPriceList.Page page : pages) {
                offers.addAll(page.offers());
                unreadable.addAll(page.unreadable());
            }
            PriceDrift drift = PriceDrift.compare(catalog, offers, checked, modelNames);
            out().println("Price catalog " + catalog.version() + " against "
                    + (files.isEmpty() ? "the AWS Price List API (" + String.join(", ", codes) + ")"
                            : "saved Price List answers (" + files.size() + " file(s))")
                    + " in " + String.join(", ", checked) + ":");
            drift.print(out());
            for (AwsPriceList.Unreadable u : unreadable) {
                err().println("aip: warning: price of " + u.name() + " (SKU " + u.sku() + ") not compared: "
                        + u.reason());
            }
            if (writeVerified != null) {
                int stamped = writeVerified(drift, checked);
                out().println("Wrote " + writeVerified + ": " + stamped + " entr" + (stamped == 1 ? "y" : "ies")
                        + " verified on " + LocalDate.now(clock()) + ".");
            }
            out().flush();
            err().flush();
            return drift.drifted() ? EXIT_DRIFT : AipCommand.EXIT_OK;
        }

        /** Writes the catalog's own JSON with verification stamps; returns how many entries were stamped. */
        private int writeVerified(PriceDrift drift, Set<String> checked) {
            ObjectMapper json = new ObjectMapper().enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                    .enable(SerializationFeature.INDENT_OUTPUT);
            JsonNode root;
            try (InputStream in = catalogFile != null ? Files.newInputStream(catalogFile)
                    : PriceCatalog.class.getResourceAsStream(PriceCatalog.BUNDLED_RESOURCE)) {
                root = json.readTree(in);
            } catch (IOException e) {
                throw CliException.failure("cannot read the catalog again to stamp it: " + e.getMessage(), e);
            }
            String day = LocalDate.now(clock()).toString();
            String against = "AWS Price List API" + (files.isEmpty() ? "" : ", saved answer") + " ("
                    + String.join(", ", checked) + "; ";
            int stamped = 0;
            for (JsonNode node : root.path("models")) {
                ObjectNode entry = (ObjectNode) node;
                String modelId = entry.path("modelId").asText();
                String region = entry.path("region").asText(ModelPrice.ANY_REGION);
                if (drift.contradicts(modelId, region)) {
                    entry.remove(List.of("verified", "verifiedAgainst"));
                    continue;
                }
                Set<AwsPriceList.Bucket> buckets = drift.confirmed(modelId, region);
                if (!buckets.isEmpty()) {
                    entry.put("verified", day);
                    entry.put("verifiedAgainst", against + String.join(", ", buckets.stream()
                            .map(b -> b.label).toList()) + ")");
                    stamped++;
                }
            }
            try {
                Files.writeString(writeVerified, json.writeValueAsString(root) + System.lineSeparator());
            } catch (IOException e) {
                throw CliException.failure("cannot write " + writeVerified + ": " + e.getMessage(), e);
            }
            return stamped;
        }

        private List<AwsPriceList.Page> fromFiles() {
            List<AwsPriceList.Page> pages = new ArrayList<>();
            for (Path file : files) {
                String text;
                try {
                    text = Files.readString(file);
                } catch (IOException e) {
                    throw CliException.usage("cannot read Price List answer " + file + ": " + e.getMessage(), e);
                }
                try {
                    pages.add(AwsPriceList.read(text));
                } catch (AwsPriceList.MalformedAnswerException e) {
                    throw CliException.usage(file + ": " + e.getMessage()
                            + "; give the JSON that 'aws pricing get-products' prints", e);
                }
            }
            return pages;
        }

        private List<AwsPriceList.Page> fromAws(List<String> codes, Set<String> checked)
                throws InterruptedException {
            if (!PriceListClient.API_REGIONS.contains(apiRegion)) {
                throw CliException.usage("--api-region is '" + apiRegion + "'; the Price List query API is served"
                        + " from " + String.join(" and ", PriceListClient.API_REGIONS.stream().sorted().toList()));
            }
            if (endpoint != null && (endpoint.getScheme() == null || endpoint.getHost() == null)) {
                throw CliException.usage("--endpoint needs an absolute URL such as http://127.0.0.1:4566, got '"
                        + endpoint + "'");
            }
            PriceListClient client = new PriceListClient(
                    endpoint != null ? endpoint : PriceListClient.endpointFor(apiRegion), apiRegion,
                    AwsJsonClient.credentials(env(), endpoint != null, "'aip pricing check' calls the AWS Price"
                            + " List API; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or compare"
                            + " with a saved answer: --file products.json"));
            List<AwsPriceList.Page> pages = new ArrayList<>();
            for (String code : codes) {
                for (String region : checked) {
                    pages.addAll(client.getProducts(code, Map.of("regionCode", region)));
                }
            }
            return pages;
        }
    }

    private static List<ModelPrice> sorted(PriceCatalog catalog) {
        return catalog.prices().stream()
                .sorted(Comparator.comparing(ModelPrice::modelId).thenComparing(ModelPrice::region)).toList();
    }
}
