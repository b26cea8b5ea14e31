package dev.aip.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * Calls the AWS Price List query API's {@code GetProducts} (JSON 1.1 over HTTPS, target
 * {@code AWSPriceListService.GetProducts}, signed with SigV4 for service {@code pricing}) and follows
 * {@code NextToken} to the last page.
 *
 * <p>The SDK's own {@code pricing} client is not used: it is not among the SDK modules this build resolves. The
 * request is signed and sent by {@link AwsJsonClient}. The query API is served from {@code us-east-1} and
 * {@code ap-south-1} only; the signing region is the endpoint's.
 *
 * <p>Confined: one check at a time.
 */
final class PriceListClient {

    /** The query API's regions. */
    static final Set<String> API_REGIONS = Set.of("us-east-1", "ap-south-1");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_PAGES = 1000;

    private final AwsJsonClient api;

    /**
     * @param endpoint the API endpoint, e.g. {@code https://api.pricing.us-east-1.amazonaws.com}
     * @param signingRegion the region to sign for
     * @param credentials the caller's credentials
     */
    PriceListClient(URI endpoint, String signingRegion, AwsCredentialsIdentity credentials) {
        this.api = new AwsJsonClient("the Price List API", endpoint, "pricing", signingRegion, credentials);
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
            AwsPriceList.Page page = read(api.call("AWSPriceListService.GetProducts", body.toString(), serviceCode), serviceCode, pages.size() + 1);
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

    private static AwsPriceList.Page read(String answer, String serviceCode, int page) {
        try {
            return AwsPriceList.read(answer);
        } catch (AwsPriceList.MalformedAnswerException e) {
            throw CliException.failure("the Price List API's answer for " + serviceCode + " (page " + page
                    + ") is malformed: " + e.getMessage(), e);
        }
    }
}
