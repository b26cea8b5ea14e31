package dev.aip.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * Calls the AWS Price List query API's {@code GetProducts} (JSON 1.1 over HTTPS, target
 * {@code AWSPriceListService.GetProducts}, signed with SigV4 for service {@code pricing}) and follows
 * {@code NextToken} to the last page.
 *
 * <p>The SDK's own {@code pricing} client is not used: it is not among the SDK modules this build resolves. The
 * request is signed with the SDK's {@link AwsV4HttpSigner} and sent with the JDK's HTTP client. The query API is
 * served from {@code us-east-1} and {@code ap-south-1} only; the signing region is the endpoint's.
 *
 * <p>Confined: one check at a time.
 */
final class PriceListClient {

    /** The query API's regions. */
    static final Set<String> API_REGIONS = Set.of("us-east-1", "ap-south-1");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_PAGES = 1000;

    private final URI endpoint;
    private final String signingRegion;
    private final AwsCredentialsIdentity credentials;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    /**
     * @param endpoint the API endpoint, e.g. {@code https://api.pricing.us-east-1.amazonaws.com}
     * @param signingRegion the region to sign for
     * @param credentials the caller's credentials
     */
    PriceListClient(URI endpoint, String signingRegion, AwsCredentialsIdentity credentials) {
        this.endpoint = endpoint;
        this.signingRegion = signingRegion;
        this.credentials = credentials;
    }

    /** The endpoint AWS serves the query API from in a region. */
    static URI endpointFor(String region) {
        return URI.create("https://api.pricing." + region + ".amazonaws.com");
    }

    /**
     * Returns every answer page of {@code GetProducts} for a service, filtered by {@code TERM_MATCH} on attributes.
     *
     * @param serviceCode e.g. {@code AmazonBedrock}
     * @param filters attribute name to value
     * @return each page, read, in order
     * @throws CliException if AWS refuses the call (its error code and message), the network fails, or the pages do
     *     not end
     */
    List<AwsPriceList.Page> getProducts(String serviceCode, Map<String, String> filters)
            throws InterruptedException {
        List<AwsPriceList.Page> pages = new ArrayList<>();
        Set<String> tokens = new HashSet<>();
        String nextToken = null;
        do {
            ObjectNode body = JSON.createObjectNode();
            body.put("ServiceCode", serviceCode);
            body.put("FormatVersion", "aws_v1");
            body.put("MaxResults", 100);
            var array = body.putArray("Filters");
            filters.forEach((field, value) -> array.addObject().put("Type", "TERM_MATCH").put("Field", field)
                    .put("Value", value));
            if (nextToken != null) {
                body.put("NextToken", nextToken);
            }
            AwsPriceList.Page page = read(call(body.toString(), serviceCode), serviceCode, pages.size() + 1);
            pages.add(page);
            nextToken = page.nextToken();
            if (nextToken != null && !tokens.add(nextToken)) {
                throw CliException.failure("the Price List API returned the NextToken of an earlier page again for "
                        + serviceCode + " (page " + pages.size() + "); stopping instead of looping");
            }
            if (pages.size() >= MAX_PAGES && nextToken != null) {
                throw CliException.failure("the Price List API answered more than " + MAX_PAGES + " pages for "
                        + serviceCode + "; narrow the check with --region");
            }
        } while (nextToken != null);
        return pages;
    }

    private String call(String body, String serviceCode) throws InterruptedException {
        SdkHttpRequest unsigned = SdkHttpRequest.builder()
                .method(SdkHttpMethod.POST)
                .uri(endpoint.resolve("/"))
                .putHeader("Content-Type", "application/x-amz-json-1.1")
                .putHeader("X-Amz-Target", "AWSPriceListService.GetProducts")
                .build();
        SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r
                .identity(credentials)
                .request(unsigned)
                .payload(ContentStreamProvider.fromUtf8String(body))
                .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, "pricing")
                .putProperty(AwsV4HttpSigner.REGION_NAME, signingRegion));
        HttpRequest.Builder request = HttpRequest.newBuilder(signed.request().getUri())
                .timeout(Duration.ofSeconds(60))
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        signed.request().forEachHeader((name, values) -> {
            if (!name.equalsIgnoreCase("Host") && !name.equalsIgnoreCase("Content-Length")) {
                values.forEach(value -> request.header(name, value));
            }
        });
        HttpResponse<String> response;
        try {
            response = http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw CliException.failure("cannot reach the Price List API at " + endpoint + ": " + e, e);
        }
        if (response.statusCode() != 200) {
            throw CliException.failure("the Price List API refused GetProducts for " + serviceCode + " (HTTP "
                    + response.statusCode() + "): " + error(response.body())
                    + (response.statusCode() == 403 ? "; the caller needs the IAM permission pricing:GetProducts"
                            : ""));
        }
        return response.body();
    }

    private static AwsPriceList.Page read(String answer, String serviceCode, int page) {
        try {
            return AwsPriceList.read(answer);
        } catch (AwsPriceList.MalformedAnswerException e) {
            throw CliException.failure("the Price List API's answer for " + serviceCode + " (page " + page
                    + ") is malformed: " + e.getMessage(), e);
        }
    }

    /** {@code Code: message} from a JSON 1.1 error body, or the body itself. */
    private static String error(String body) {
        try {
            JsonNode error = JSON.readTree(body);
            String type = error.path("__type").asText("");
            type = type.substring(type.lastIndexOf('#') + 1);
            String message = error.path("message").asText(error.path("Message").asText(""));
            if (!type.isEmpty() || !message.isEmpty()) {
                return (type.isEmpty() ? "" : type + ": ") + message;
            }
        } catch (IOException | RuntimeException notJson) {
            // fall through to the raw body
        }
        String raw = body == null ? "" : body.strip();
        return raw.isEmpty() ? "(no error body)" : raw.length() > 200 ? raw.substring(0, 200) + "..." : raw;
    }
}
