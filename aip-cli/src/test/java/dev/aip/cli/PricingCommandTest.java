package dev.aip.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import dev.aip.core.pricing.ModelPrice;
import dev.aip.core.pricing.PriceCatalog;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;

class PricingCommandTest {

    static final String HAIKU_3 = "anthropic.claude-3-haiku-20240307-v1:0";
    static final String NOVA_LITE = "amazon.nova-lite-v1:0";
    static final String TITAN = "amazon.titan-embed-text-v2:0";

    final PriceListFixture aws = PriceListFixture.start();

    @TempDir
    Path dir;

    @AfterEach
    void stop() {
        aws.close();
    }

    @Test
    void check_answerBuiltFromTheCatalog_reportsNoDriftOverSignedPagedCalls() {
        aws.serve(PriceListFixture.productsOf(PriceCatalog.bundled(), "us-east-1")).pageSize(4);

        CliRun.Result run = CliRun.run("pricing", "check", "--endpoint", aws.endpoint().toString());

        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("Price catalog 2026-11-01 against the AWS Price List API")
                .contains("No drift: ").doesNotContain("differ").doesNotContain("not list");
        // Every bucket of the five Anthropic models, and Nova's and Titan's listed buckets, were compared.
        assertThat(run.out()).contains("No drift: 28 price(s) equal to AWS's.");
        assertThat(run.out()).contains("Llama 3 8B Instruct");
        assertThat(run.err()).isEmpty();
        List<PriceListFixture.Request> requests = aws.requests();
        assertThat(requests).hasSizeGreaterThan(2).allSatisfy(r -> {
            assertThat(r.target()).isEqualTo("AWSPriceListService.GetProducts");
            assertThat(r.contentType()).isEqualTo("application/x-amz-json-1.1");
            assertThat(r.authorization()).startsWith("AWS4-HMAC-SHA256 Credential=AKIDLOCAL/")
                    .contains("/us-east-1/pricing/aws4_request");
            assertThat(r.body().path("Filters").get(0).path("Field").asText()).isEqualTo("regionCode");
            assertThat(r.body().path("Filters").get(0).path("Value").asText()).isEqualTo("us-east-1");
        });
        assertThat(requests.stream().map(r -> r.body().path("ServiceCode").asText()).distinct())
                .containsExactly("AmazonBedrock", "AmazonBedrockFoundationModels");
        assertThat(requests).anyMatch(r -> r.body().path("NextToken").asText().equals("page-4"));
    }

    @Test
    void check_injectedDrift_reportsExactlyTheChangedAndUnlistedEntriesAndExitsThree() {
        PriceCatalog drifted = PriceCatalog.of("aws", PriceCatalog.bundled().prices().stream()
                .filter(p -> !p.modelId().equals(TITAN))
                .map(p -> p.modelId().equals(HAIKU_3)
                        ? new ModelPrice(HAIKU_3, "*", new BigDecimal("0.30"), p.outputPerMillion(),
                                p.cacheReadPerMillion(), p.cacheWritePerMillion())
                        : p.modelId().equals(NOVA_LITE)
                                ? ModelPrice.of(NOVA_LITE, "*", p.inputPerMillion(), new BigDecimal("0.20"))
                                : p)
                .toList());
        aws.serve(PriceListFixture.productsOf(drifted, "us-east-1")).pageSize(3);

        CliRun.Result run = CliRun.run("pricing", "check", "--endpoint", aws.endpoint().toString());

        assertThat(run.exitCode()).as(run.out() + run.err()).isEqualTo(PricingCommand.EXIT_DRIFT);
        List<String> changes = run.out().lines().filter(l -> l.matches("  \\S+ +us-east-1 +.*%")).toList();
        assertThat(changes).hasSize(2);
        assertThat(changes.get(0)).matches("  " + NOVA_LITE.replace(".", "\\.") + " +us-east-1 +output +0\\.24"
                + " +0\\.20 +-16\\.7%");
        assertThat(changes.get(1)).matches("  " + HAIKU_3.replace(".", "\\.") + " +us-east-1 +input +0\\.25"
                + " +0\\.30 +\\+20\\.0%");
        assertThat(run.out()).contains("Catalog entries AWS does not list").contains("  " + TITAN + " (\"*\")")
                .contains("Drift: 2 price(s) differ, 0 ambiguous, 1 entry not listed.");
    }

    @Test
    void check_writeVerified_stampsConfirmedEntriesAndUnstampsContradictedOnes() throws IOException {
        // Our catalog claims Claude 3 Haiku was verified; AWS now lists its input at 0.30.
        String bundled = new String(PriceCatalog.class.getResourceAsStream(PriceCatalog.BUNDLED_RESOURCE)
                .readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        Path ours = dir.resolve("ours.json");
        Files.writeString(ours, bundled.replace("\"cacheWrite\": \"0.30\",", "\"cacheWrite\": \"0.30\","
                + " \"verified\": \"2026-01-05\", \"verifiedAgainst\": \"AWS Price List API\","));
        assertThat(PriceCatalog.fromFile(ours).find(HAIKU_3, "us-east-1").orElseThrow().source().isVerified())
                .isTrue();
        PriceCatalog aws2 = PriceCatalog.bundled().withOverride(new ModelPrice(HAIKU_3, "*", new BigDecimal("0.30"),
                new BigDecimal("1.25"), new BigDecimal("0.03"), new BigDecimal("0.30")));
        aws.serve(PriceListFixture.productsOf(aws2, "us-east-1"));
        Path out = dir.resolve("verified.json");
        java.time.Clock dec7 = java.time.Clock.fixed(java.time.Instant.parse("2026-12-07T16:00:00Z"),
                java.time.ZoneOffset.UTC);

        CliRun.Result run = CliRun.run(CliRun.EMPTY_ENV, dec7, "pricing", "check", "--catalog", ours.toString(),
                "--endpoint", aws.endpoint().toString(), "--write-verified", out.toString());

        assertThat(run.exitCode()).as(run.err()).isEqualTo(PricingCommand.EXIT_DRIFT);
        assertThat(run.out()).contains("Wrote " + out + ": 8 entries verified on 2026-12-07.");
        PriceCatalog written = PriceCatalog.fromFile(out);
        assertThat(written.version()).isEqualTo("2026-11-01");
        assertThat(written.find(HAIKU_3, "us-east-1").orElseThrow().source().isVerified()).isFalse();
        var haiku45 = written.find("anthropic.claude-haiku-4-5-20251001-v1:0", "us-east-1").orElseThrow().source();
        assertThat(haiku45.verifiedOn()).isEqualTo(java.time.LocalDate.of(2026, 12, 7));
        assertThat(haiku45.verifiedAgainst())
                .isEqualTo("AWS Price List API (us-east-1; input, output, cache read, cache write)");
        assertThat(haiku45.origin()).contains("clauder-navi.com");
        assertThat(written.find(TITAN, "us-east-1").orElseThrow().source().verifiedAgainst())
                .isEqualTo("AWS Price List API (us-east-1; input)");
        assertThat(written.prices()).hasSize(9);
        for (ModelPrice price : written.prices()) {
            ModelPrice before = PriceCatalog.bundled().find(price.modelId(), price.region()).orElseThrow();
            assertThat(price.inputPerMillion()).isEqualTo(before.inputPerMillion());
            assertThat(price.outputPerMillion()).isEqualTo(before.outputPerMillion());
            assertThat(price.cacheReadPerMillion()).isEqualTo(before.cacheReadPerMillion());
            assertThat(price.cacheWritePerMillion()).isEqualTo(before.cacheWritePerMillion());
        }
    }

    @Test
    void compare_injectedDrift_listsEachChangeOnce() {
        PriceCatalog catalog = PriceCatalog.bundled();
        List<AwsPriceList.Offer> offers = new ArrayList<>();
        for (List<String> products : PriceListFixture.productsOf(catalog, "us-east-1").values()) {
            for (String product : products) {
                String page = "{\"PriceList\":[" + com.fasterxml.jackson.databind.node.TextNode.valueOf(product)
                        + "]}";
                offers.addAll(AwsPriceList.read(page).offers());
            }
        }
        List<AwsPriceList.Offer> changed = offers.stream().map(o -> o.name().equals("Nova Pro")
                && o.bucket() == AwsPriceList.Bucket.CACHE_READ
                ? new AwsPriceList.Offer(o.serviceCode(), o.sku(), o.name(), o.region(), o.bucket(),
                        new BigDecimal("0.25"), o.usageType())
                : o).toList();

        PriceDrift drift = PriceDrift.compare(catalog, changed, List.of("us-east-1"), Map.of());

        assertThat(drift.changed()).containsExactly(new PriceDrift.Change("amazon.nova-pro-v1:0", "us-east-1",
                AwsPriceList.Bucket.CACHE_READ, new BigDecimal("0.20"), new BigDecimal("0.25")));
        assertThat(drift.changed().get(0).percent()).isEqualTo("+25.0%");
        assertThat(drift.notListed()).isEmpty();
        assertThat(drift.unmapped()).containsExactly("Llama 3 8B Instruct");
        assertThat(drift.drifted()).isTrue();
    }

    @Test
    void compare_twoPricesForOneBucketOrAModelOnlyAwsPrices_areReportedNotGuessed() {
        AwsPriceList.Offer a = offer("Nova Micro", AwsPriceList.Bucket.INPUT, "0.035");
        AwsPriceList.Offer b = offer("Nova Micro", AwsPriceList.Bucket.INPUT, "0.04");
        AwsPriceList.Offer unknown = offer("Llama 3 8B Instruct", AwsPriceList.Bucket.INPUT, "0.22");
        PriceCatalog catalog = PriceCatalog.of("v", List.of(ModelPrice.of("amazon.nova-micro-v1:0", "*",
                new BigDecimal("0.035"), new BigDecimal("0.14"))));

        PriceDrift drift = PriceDrift.compare(catalog, List.of(a, b, unknown), List.of("us-east-1"),
                Map.of("Llama 3 8B Instruct", "meta.llama3-8b-instruct-v1:0"));

        assertThat(drift.conflicting()).containsExactly("amazon.nova-micro-v1:0 in us-east-1, input: AWS lists"
                + " 0.035, 0.04");
        assertThat(drift.missing()).containsExactly("meta.llama3-8b-instruct-v1:0 in us-east-1");
        assertThat(drift.changed()).isEmpty();
        assertThat(drift.drifted()).isTrue();
    }

    @Test
    void check_malformedAnswers_failWithOneLineNamingTheProblem() {
        assertCheckFails(200, "{\"FormatVersion\":\"aws_v1\",\"PriceList\":[{\"product\":{}}]}",
                "PriceList[0] is object, not a string: the Price List API sends each product as a JSON string");
        assertCheckFails(200, "{\"FormatVersion\":\"aws_v1\"}", "has no PriceList array");
        assertCheckFails(200, "{\"PriceList\":[\"{not json\"]}", "PriceList[0] is not a JSON product");
        assertCheckFails(200, "<html>gateway</html>", "is malformed: line 1, column 1: not valid JSON");
        assertCheckFails(200, "{\"PriceList\":[],\"NextToken\":\"same\"}",
                "returned the NextToken of an earlier page again");
        assertCheckFails(200, "{\"PriceList\":[" + com.fasterxml.jackson.databind.node.TextNode.valueOf(
                PriceListFixture.bedrock("Nova Micro", "us-east-1", "NovaMicro-input-tokens", "Input tokens",
                        new BigDecimal("0.035")).replace("0.0000350000", "abc")) + "]}",
                "pricePerUnit.USD is \"abc\", not a decimal number");
        assertCheckFails(403, "{\"__type\":\"com.amazon.coral.service#AccessDeniedException\","
                + "\"message\":\"User is not authorized to perform: pricing:GetProducts\"}",
                "refused GetProducts for AmazonBedrock (HTTP 403): AccessDeniedException: User is not authorized"
                        + " to perform: pricing:GetProducts; the caller needs the IAM permission pricing:GetProducts");
    }

    @Test
    void check_unitNotUnderstood_warnsInsteadOfGuessing() {
        String product = PriceListFixture.bedrock("Nova Micro", "us-east-1", "NovaMicro-input-tokens",
                "Input tokens", new BigDecimal("0.035")).replace("\"1K tokens\"", "\"Units\"")
                .replace("per 1K", "for");
        aws.serve(Map.of(PriceListFixture.BEDROCK, List.of(product)));

        CliRun.Result run = CliRun.run("pricing", "check", "--endpoint", aws.endpoint().toString(),
                "--service-code", "AmazonBedrock", "--catalog", writeCatalog(ModelPrice.of("amazon.nova-micro-v1:0",
                        "*", new BigDecimal("0.035"), new BigDecimal("0.14"))).toString());

        assertThat(run.err()).contains("aip: warning: price of Nova Micro").contains("unit \"Units\"")
                .contains("is not per 1K or 1M tokens");
        assertThat(run.out()).contains("amazon.nova-micro-v1:0 (\"*\")");
        assertThat(run.exitCode()).isEqualTo(PricingCommand.EXIT_DRIFT);
    }

    @Test
    void check_savedAnswerFiles_areComparedWithoutCallingAws() throws IOException {
        Map<String, List<String>> products = PriceListFixture.productsOf(PriceCatalog.bundled(), "us-east-1");
        List<String> args = new ArrayList<>(List.of("pricing", "check"));
        for (var entry : products.entrySet()) {
            Path file = dir.resolve(entry.getKey() + ".json");
            Files.writeString(file, "{\n  \"FormatVersion\": \"aws_v1\",\n  \"PriceList\": [\n    "
                    + entry.getValue().stream().map(p -> com.fasterxml.jackson.databind.node.TextNode.valueOf(p)
                            .toString()).collect(Collectors.joining(",\n    ")) + "\n  ]\n}\n");
            args.add("--file");
            args.add(file.toString());
        }

        CliRun.Result run = CliRun.run(args.toArray(String[]::new));

        assertThat(run.exitCode()).as(run.out() + run.err()).isZero();
        assertThat(run.out()).contains("saved Price List answers (2 file(s))").contains("No drift: 28 price(s)");
        assertThat(aws.requests()).isEmpty();
    }

    @Test
    void check_malformedSavedFile_isAUsageErrorNamingFileAndLine() throws IOException {
        Path file = dir.resolve("products.json");
        Files.writeString(file, "{\n  \"PriceList\": [\n    \"{}\",\n  }\n");

        CliRun.Result run = CliRun.run("pricing", "check", "--file", file.toString());

        assertThat(run.exitCode()).isEqualTo(AipCommand.EXIT_USAGE);
        assertThat(run.error()).startsWith("aip: " + file + ": line 4, column 3: not valid JSON")
                .doesNotContain("\n");
    }

    @Test
    void check_withoutCredentials_saysInOneLineWhatToSet() {
        String imds = System.getProperty("aws.disableEc2Metadata");
        System.setProperty("aws.disableEc2Metadata", "true");
        try {
            assumeFalse(credentialsOnThisMachine(), "this machine has AWS credentials");

            CliRun.Result run = CliRun.run("pricing", "check");

            assertThat(run.exitCode()).isEqualTo(AipCommand.EXIT_FAILURE);
            assertThat(run.error()).isEqualTo("aip: no AWS credentials found: 'aip pricing check' calls the AWS"
                    + " Price List API; set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or compare"
                    + " with a saved answer: --file products.json");
        } finally {
            if (imds == null) {
                System.clearProperty("aws.disableEc2Metadata");
            } else {
                System.setProperty("aws.disableEc2Metadata", imds);
            }
        }
    }

    private static boolean credentialsOnThisMachine() {
        try {
            DefaultCredentialsProvider.builder().build().resolveCredentials();
            return true;
        } catch (SdkClientException e) {
            return false;
        }
    }

    @Test
    void check_apiRegionWithoutQueryApi_isAUsageError() {
        CliRun.Result run = CliRun.run("pricing", "check", "--api-region", "eu-west-1");

        assertThat(run.exitCode()).isEqualTo(AipCommand.EXIT_USAGE);
        assertThat(run.error()).contains("served from ap-south-1 and us-east-1");
    }

    @Test
    void list_showsEachPriceWithVerificationAndSource() {
        CliRun.Result bundled = CliRun.run("pricing", "list");

        assertThat(bundled.exitCode()).isZero();
        assertThat(bundled.out()).contains("Price catalog 2026-11-01 (USD per 1M tokens)")
                .containsPattern(HAIKU_3.replace(".", "\\.") + " +\\* +0\\.25 +1\\.25 +0\\.03 +0\\.30 +no")
                .contains("  amazon.nova-micro-v1:0: pristren.com")
                .contains("0 of 9 prices verified against AWS's published prices.");

        Path file = dir.resolve("ours.json");
        writeString(file, "{\"version\":\"ours-1\",\"currency\":\"USD\",\"models\":[{\"modelId\":\"m\",\"input\":1,"
                + "\"output\":2,\"source\":\"AWS Price List API\",\"verified\":\"2026-12-01\","
                + "\"verifiedAgainst\":\"AWS Price List API\"}]}");
        CliRun.Result ours = CliRun.run("pricing", "list", "--catalog", file.toString());
        assertThat(ours.out()).containsPattern("m +\\* +1 +2 +1 +1 +2026-12-01 \\(AWS Price List API\\)")
                .contains("1 of 1 prices verified");
    }

    @Test
    void list_brokenCatalogFile_isAUsageErrorNamingTheField() {
        Path file = dir.resolve("bad.json");
        writeString(file, "{\"version\":\"v\",\"currency\":\"USD\",\"models\":[{\"modelId\":\"m\",\"input\":1,"
                + "\"output\":2,\"verified\":\"2026-12-01\"}]}");

        CliRun.Result run = CliRun.run("pricing", "list", "--catalog", file.toString());

        assertThat(run.exitCode()).isEqualTo(AipCommand.EXIT_USAGE);
        assertThat(run.error()).contains("models[0].verifiedAgainst is missing");
    }

    @Test
    void perMillionFactor_readsUnitThenDescription_andRefusesToGuess() {
        assertThat(AwsPriceList.perMillionFactor("1K tokens", "")).isEqualByComparingTo("1000");
        assertThat(AwsPriceList.perMillionFactor("1M tokens", "")).isEqualByComparingTo("1");
        assertThat(AwsPriceList.perMillionFactor("Units", "USD 3 per million input tokens"))
                .isEqualByComparingTo("1");
        assertThat(AwsPriceList.perMillionFactor("Units", "$0.003 per 1,000 input tokens"))
                .isEqualByComparingTo("1000");
        assertThat(AwsPriceList.perMillionFactor("Units", "AWS Marketplace software usage|us-east-1|Million Input"
                + " Tokens")).isEqualByComparingTo("1");
        assertThat(AwsPriceList.perMillionFactor("Units", "input tokens")).isNull();
        assertThat(AwsPriceList.perMillionFactor("Units", "per 1K tokens, or per million tokens")).isNull();
        assertThat(AwsPriceList.perMillionFactor("Hrs", "per hour")).isNull();
    }

    private void assertCheckFails(int status, String body, String message) {
        aws.answerAlways(status, body);
        CliRun.Result run = CliRun.run("pricing", "check", "--endpoint", aws.endpoint().toString());
        assertThat(run.exitCode()).as(body).isEqualTo(AipCommand.EXIT_FAILURE);
        assertThat(run.error()).as(body).startsWith("aip: ").contains(message).doesNotContain("\n");
    }

    private static AwsPriceList.Offer offer(String name, AwsPriceList.Bucket bucket, String perMillion) {
        return new AwsPriceList.Offer("AmazonBedrock", "S" + perMillion, name, "us-east-1", bucket,
                new BigDecimal(perMillion), "USE1-x");
    }

    private Path writeCatalog(ModelPrice price) {
        Path file = dir.resolve("catalog.json");
        writeString(file, "{\"version\":\"t\",\"currency\":\"USD\",\"models\":[{\"modelId\":\"" + price.modelId()
                + "\",\"input\":\"" + price.inputPerMillion() + "\",\"output\":\"" + price.outputPerMillion()
                + "\"}]}");
        return file;
    }

    private static void writeString(Path file, String text) {
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
