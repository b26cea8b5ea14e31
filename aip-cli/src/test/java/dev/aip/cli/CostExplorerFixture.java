package dev.aip.cli;

import java.net.URI;
import java.util.List;

/**
 * Cost Explorer's {@code GetCostAndUsage} on loopback: answers the first request with the first page it serves and a
 * request carrying {@code NextPageToken} {@code page-N} with page N (the tokens {@code BillingExport} writes). A
 * request with another target is refused as AWS refuses an unknown operation; errors are JSON 1.1 errors. It records
 * every request.
 */
final class CostExplorerFixture implements AutoCloseable {

    private final AwsJsonFixture http = AwsJsonFixture.start(this::handle);
    private volatile List<String> pages = List.of();

    private CostExplorerFixture() {
    }

    static CostExplorerFixture start() {
        return new CostExplorerFixture();
    }

    URI endpoint() {
        return http.endpoint();
    }

    /** Serves these answer pages, chained by their {@code NextPageToken}s. */
    CostExplorerFixture serve(List<String> answerPages) {
        pages = List.copyOf(answerPages);
        return this;
    }

    /** Answers every request with this status and body, whatever it asks. */
    CostExplorerFixture answerAlways(int status, String body) {
        http.answerAlways(new AwsJsonFixture.Answer(status, body));
        return this;
    }

    List<AwsJsonFixture.Request> requests() {
        return http.requests();
    }

    @Override
    public void close() {
        http.close();
    }

    private AwsJsonFixture.Answer handle(AwsJsonFixture.Request request) {
        if (!"POST".equals(request.method()) || !CostExplorerClient.TARGET.equals(request.target())) {
            return AwsJsonFixture.Answer.error(400, "UnknownOperationException", "unknown operation");
        }
        int page = 1;
        if (request.body().hasNonNull("NextPageToken")) {
            String token = request.body().get("NextPageToken").asText();
            page = token.startsWith("page-") ? Integer.parseInt(token.substring(5)) : -1;
        }
        if (page < 1 || page > pages.size()) {
            return AwsJsonFixture.Answer.error(400, "InvalidNextTokenException", "The NextPageToken is not valid");
        }
        return new AwsJsonFixture.Answer(200, pages.get(page - 1));
    }
}
