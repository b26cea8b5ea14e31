package dev.aip.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * Calls Cost Explorer's {@code GetCostAndUsage} (JSON 1.1, target {@code AWSInsightsIndexService.GetCostAndUsage},
 * SigV4 for service {@code ce} in {@code us-east-1}) for the daily cost of some services grouped by a tag, follows
 * {@code NextPageToken} to the last page and saves each page as a file, the same JSON that
 * {@code aws ce get-cost-and-usage} prints, so that {@link dev.aip.cli.bill.CostExplorerFiles} reads it and names
 * the file and line of any problem.
 *
 * <p>The SDK's own Cost Explorer client is not used: it is not among the SDK modules this build resolves. AWS charges
 * every request, each page being one ({@value #USD_PER_REQUEST} USD at the time of writing).
 *
 * <p>Confined: one reconciliation at a time.
 */
final class CostExplorerClient {

    /** Cost Explorer's one endpoint outside China. */
    static final URI ENDPOINT = URI.create("https://ce.us-east-1.amazonaws.com");

    /** The region Cost Explorer requests are signed for. */
    static final String SIGNING_REGION = "us-east-1";

    /** The target of the call. */
    static final String TARGET = "AWSInsightsIndexService.GetCostAndUsage";

    /** What AWS charges per request (AWS Cost Explorer pricing page). */
    static final String USD_PER_REQUEST = "0.01";

    /** Cost Explorer's name for Amazon Bedrock in the {@code SERVICE} dimension. */
    static final String BEDROCK_SERVICE = "Amazon Bedrock";

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(SerializationFeature.INDENT_OUTPUT);
    private static final int MAX_PAGES = 1000;

    private final AwsJsonClient api;

    /**
     * @param endpoint the API endpoint, normally {@link #ENDPOINT}
     * @param credentials the caller's credentials
     */
    CostExplorerClient(URI endpoint, AwsCredentialsIdentity credentials) {
        this.api = new AwsJsonClient("Cost Explorer", endpoint, "ce", SIGNING_REGION, credentials);
    }

    /**
     * The request body of one page: {@code DAILY}, metrics {@code UnblendedCost} and {@code UsageQuantity}, grouped by
     * the tag, filtered to the services.
     *
     * @param start the first day, inclusive
     * @param end the day after the last, exclusive ({@code TimePeriod.End})
     * @param tagKey the tenant tag
     * @param services values of the {@code SERVICE} dimension
     * @param nextPageToken the token of the page to ask for; null for the first
     */
    static ObjectNode request(LocalDate start, LocalDate end, String tagKey, List<String> services,
                              String nextPageToken) {
        ObjectNode body = JSON.createObjectNode();
        body.putObject("TimePeriod").put("Start", start.toString()).put("End", end.toString());
        body.put("Granularity", "DAILY");
        body.putArray("Metrics").add("UnblendedCost").add("UsageQuantity");
        body.putArray("GroupBy").addObject().put("Type", "TAG").put("Key", tagKey);
        ObjectNode dimensions = body.putObject("Filter").putObject("Dimensions");
        dimensions.put("Key", "SERVICE");
        services.forEach(dimensions.putArray("Values")::add);
        if (nextPageToken != null) {
            body.put("NextPageToken", nextPageToken);
        }
        return body;
    }

    /**
     * Asks for every page of the window and writes each to {@code dir} as {@code ce-START-END-N.json}.
     *
     * @param start the first day, inclusive
     * @param end the day after the last, exclusive
     * @param tagKey the tenant tag to group by
     * @param services values of the {@code SERVICE} dimension to keep
     * @param dir an existing directory for the pages
     * @return the files, in page order
     * @throws CliException (exit 1) if Cost Explorer refuses a call (its error code and message), cannot be reached,
     *     repeats a page token, or a page cannot be written
     * @throws InterruptedException if interrupted while waiting for an answer
     */
    List<Path> getCostAndUsage(LocalDate start, LocalDate end, String tagKey, List<String> services, Path dir)
            throws InterruptedException {
        List<Path> files = new ArrayList<>();
        Set<String> tokens = new HashSet<>();
        String token = null;
        do {
            String about = start + " to " + end + (token == null ? "" : " (page " + (files.size() + 1) + ")");
            String answer = api.call(TARGET, request(start, end, tagKey, services, token).toString(), about);
            Path file = dir.resolve("ce-" + start + "-" + end + "-" + (files.size() + 1) + ".json");
            token = save(answer, file);
            files.add(file);
            if (token != null && !tokens.add(token)) {
                throw CliException.failure("Cost Explorer returned the NextPageToken of an earlier page again (page "
                        + files.size() + ", saved as " + file + "); stopping instead of looping");
            }
            if (token != null && files.size() >= MAX_PAGES) {
                throw CliException.failure("Cost Explorer answered more than " + MAX_PAGES + " pages; reconcile a"
                        + " shorter window with --from and --to");
            }
        } while (token != null);
        return files;
    }

    /**
     * Writes an answer indented, one member a line as {@code aws ce} prints it, so line numbers point somewhere; an
     * answer that is not JSON is written as it came, for the reader to refuse with its line.
     *
     * @return the answer's {@code NextPageToken}, or null
     */
    private static String save(String answer, Path file) {
        String text = answer;
        String token = null;
        try {
            JsonNode root = JSON.readTree(answer);
            text = JSON.writeValueAsString(root) + System.lineSeparator();
            JsonNode next = root.path("NextPageToken");
            token = next.isTextual() && !next.asText().isEmpty() ? next.asText() : null;
        } catch (JsonProcessingException notJson) {
            // saved as it came
        }
        try {
            Files.writeString(file, text);
        } catch (IOException e) {
            throw CliException.failure("cannot save Cost Explorer's answer as " + file + ": " + e.getMessage(), e);
        }
        return token;
    }
}
