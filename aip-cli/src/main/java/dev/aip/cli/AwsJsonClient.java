package dev.aip.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Function;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsSessionCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.SdkHttpMethod;
import software.amazon.awssdk.http.SdkHttpRequest;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4FamilyHttpSigner;
import software.amazon.awssdk.http.auth.aws.signer.AwsV4HttpSigner;
import software.amazon.awssdk.http.auth.spi.signer.SignedRequest;
import software.amazon.awssdk.identity.spi.AwsCredentialsIdentity;

/**
 * Calls one AWS JSON 1.1 API: {@code POST /} with {@code X-Amz-Target}, signed with the SDK's {@link AwsV4HttpSigner}
 * and sent with the JDK's HTTP client. Used where the SDK's service module for the API does not resolve in this
 * build (the Price List query API, Cost Explorer).
 *
 * <p>Thread-safe: holds no state between calls besides the JDK client, which is.
 */
final class AwsJsonClient {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final String apiName;
    private final URI endpoint;
    private final String signingName;
    private final String signingRegion;
    private final AwsCredentialsIdentity credentials;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    /**
     * @param apiName how messages name the API, e.g. {@code the Price List API}
     * @param endpoint the API endpoint, e.g. {@code https://ce.us-east-1.amazonaws.com}
     * @param signingName the SigV4 service name, e.g. {@code ce}; also the IAM prefix of its actions
     * @param signingRegion the region to sign for
     * @param credentials the caller's credentials
     */
    AwsJsonClient(String apiName, URI endpoint, String signingName, String signingRegion,
                  AwsCredentialsIdentity credentials) {
        this.apiName = apiName;
        this.endpoint = endpoint;
        this.signingName = signingName;
        this.signingRegion = signingRegion;
        this.credentials = credentials;
    }

    /**
     * Sends one request and returns the answer's body.
     *
     * @param target the {@code X-Amz-Target}, e.g. {@code AWSInsightsIndexService.GetCostAndUsage}
     * @param body the request, JSON
     * @param about what the call is for, named in errors after the operation ({@code for ...}); null for nothing
     * @return the body of the HTTP 200 answer
     * @throws CliException (exit 1) if the API cannot be reached or refuses the call: AWS's error code and message,
     *     and on HTTP 403 the IAM permission the call needs
     * @throws InterruptedException if interrupted while waiting for the answer
     */
    String call(String target, String body, String about) throws InterruptedException {
        String operation = target.substring(target.lastIndexOf('.') + 1);
        SdkHttpRequest unsigned = SdkHttpRequest.builder()
                .method(SdkHttpMethod.POST)
                .uri(endpoint.resolve("/"))
                .putHeader("Content-Type", "application/x-amz-json-1.1")
                .putHeader("X-Amz-Target", target)
                .build();
        SignedRequest signed = AwsV4HttpSigner.create().sign(r -> r
                .identity(credentials)
                .request(unsigned)
                .payload(ContentStreamProvider.fromUtf8String(body))
                .putProperty(AwsV4FamilyHttpSigner.SERVICE_SIGNING_NAME, signingName)
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
            throw CliException.failure("cannot reach " + apiName + " at " + endpoint + ": " + e, e);
        }
        if (response.statusCode() != 200) {
            String permission = signingName + ":" + operation;
            throw CliException.failure(apiName + " refused " + operation + (about == null ? "" : " for " + about)
                    + " (HTTP " + response.statusCode() + "): " + error(response.body())
                    + (response.statusCode() == 403 ? "; the caller needs the IAM permission " + permission : ""));
        }
        return response.body();
    }

    /**
     * The caller's credentials: {@code AWS_ACCESS_KEY_ID} / {@code AWS_SECRET_ACCESS_KEY} (and
     * {@code AWS_SESSION_TOKEN}) from {@code env}, else placeholder credentials for an {@code --endpoint} on this
     * machine when no {@code AWS_PROFILE} is set, else the SDK's default chain.
     *
     * @param env the environment
     * @param endpointGiven whether the user pointed the command at another endpoint
     * @param whatToDo the rest of the error when none are found: why they are needed and what to set
     * @throws CliException (exit 1) naming what to set, when the chain finds none
     */
    static AwsCredentialsIdentity credentials(Function<String, String> env, boolean endpointGiven, String whatToDo) {
        String key = env.apply("AWS_ACCESS_KEY_ID");
        String secret = env.apply("AWS_SECRET_ACCESS_KEY");
        if (key != null && secret != null) {
            String token = env.apply("AWS_SESSION_TOKEN");
            return token != null ? AwsSessionCredentials.create(key, secret, token)
                    : AwsBasicCredentials.create(key, secret);
        }
        if (endpointGiven && env.apply("AWS_PROFILE") == null) {
            return AwsBasicCredentials.create("AKIDLOCAL", "local-secret");
        }
        try {
            return DefaultCredentialsProvider.builder().build().resolveCredentials();
        } catch (SdkClientException e) {
            throw CliException.failure("no AWS credentials found: " + whatToDo, e);
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
