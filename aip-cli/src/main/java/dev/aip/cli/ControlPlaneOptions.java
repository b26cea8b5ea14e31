package dev.aip.cli;

import dev.aip.core.bedrock.BedrockInferenceProfileApi;
import dev.aip.core.profile.ModelRoutes;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import picocli.CommandLine.Option;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.profiles.ProfileFile;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrock.model.GetInferenceProfileResponse;
import software.amazon.awssdk.services.bedrock.model.ResourceNotFoundException;

/**
 * Where the control plane is ({@code --endpoint}, {@code --region}) and which model each logical model's profile
 * copies ({@code --model-route}). A picocli mixin.
 *
 * <p>Without {@code --endpoint}: real AWS, with the default credential chain and the region from {@code --region},
 * {@code AWS_REGION}, {@code AWS_DEFAULT_REGION} or the AWS config profile; a missing one is a one-line error naming
 * what to set. With {@code --endpoint} (e.g. the emulator): region {@code us-east-1} unless given, and dummy
 * credentials unless AWS credentials are set in the environment.
 */
final class ControlPlaneOptions {

    /** Logical models known without a route, and the system profile (without its geography) each copies. */
    static final Map<String, String> ALIASES = Map.of(
            "claude-haiku", "anthropic.claude-3-5-haiku-20241022-v1:0",
            "claude-haiku-4-5", "anthropic.claude-haiku-4-5-20251001-v1:0",
            "claude-sonnet", "anthropic.claude-3-7-sonnet-20250219-v1:0",
            "claude-sonnet-4", "anthropic.claude-sonnet-4-20250514-v1:0",
            "nova-micro", "amazon.nova-micro-v1:0",
            "nova-lite", "amazon.nova-lite-v1:0",
            "nova-pro", "amazon.nova-pro-v1:0");

    @Option(names = "--endpoint", paramLabel = "URL",
            description = "Bedrock control-plane endpoint, e.g. the emulator's http://127.0.0.1:4566 (default: AWS).")
    URI endpoint;

    @Option(names = "--region", paramLabel = "R",
            description = "AWS region (default: AWS_REGION, AWS_DEFAULT_REGION or the AWS config profile;"
                    + " us-east-1 with --endpoint).")
    String region;

    @Option(names = "--model-route", paramLabel = "NAME=ARN",
            description = "The model a logical model's profiles copy: a foundation-model or system inference-profile"
                    + " ARN. Repeatable. Built in: " + "claude-haiku, claude-sonnet, nova-lite, ... (the region's"
                    + " system profiles).")
    Map<String, String> routes = new LinkedHashMap<>();

    /** The region to use; a missing one is a {@link CliException}. */
    String region(Function<String, String> env) {
        if (region != null && !region.isBlank()) {
            return region.strip();
        }
        for (String name : new String[] {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
            String value = env.apply(name);
            if (value != null && !value.isBlank()) {
                return value.strip();
            }
        }
        Optional<String> configured = configuredRegion(env);
        if (configured.isPresent()) {
            return configured.get();
        }
        if (endpoint != null) {
            return "us-east-1";
        }
        throw CliException.failure("no AWS region: pass --region (e.g. --region us-east-1) or set AWS_REGION");
    }

    private static Optional<String> configuredRegion(Function<String, String> env) {
        String configFile = env.apply("AWS_CONFIG_FILE");
        Path path = configFile != null ? Path.of(configFile)
                : Path.of(System.getProperty("user.home"), ".aws", "config");
        if (!Files.isRegularFile(path)) {
            return Optional.empty();
        }
        String profile = Optional.ofNullable(env.apply("AWS_PROFILE")).orElse("default");
        try {
            return ProfileFile.builder().content(path).type(ProfileFile.Type.CONFIGURATION).build()
                    .profile(profile).flatMap(p -> p.property("region"));
        } catch (RuntimeException unreadable) {
            return Optional.empty();
        }
    }

    private AwsCredentialsProvider credentials(Function<String, String> env) {
        boolean configured = env.apply("AWS_ACCESS_KEY_ID") != null || env.apply("AWS_PROFILE") != null;
        if (endpoint != null && !configured) {
            return StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDLOCAL", "local-secret"));
        }
        DefaultCredentialsProvider chain = DefaultCredentialsProvider.builder().build();
        try {
            chain.resolveCredentials();
        } catch (SdkClientException e) {
            throw CliException.failure("no AWS credentials found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY,"
                    + " or AWS_PROFILE, or run 'aws configure' (or use --endpoint for the emulator)", e);
        }
        return chain;
    }

    /** A control-plane client; the caller closes it. */
    BedrockClient client(Function<String, String> env) {
        String r = region(env);
        var builder = BedrockClient.builder().region(Region.of(r)).credentialsProvider(credentials(env));
        if (endpoint != null) {
            if (endpoint.getScheme() == null || endpoint.getHost() == null) {
                throw CliException.usage("--endpoint needs an absolute URL such as http://127.0.0.1:4566, got '"
                        + endpoint + "'");
            }
            builder.endpointOverride(endpoint);
        }
        return builder.build();
    }

    /**
     * The routes for the given logical models: {@code --model-route} first, then the built-in aliases (resolved to
     * the region's system profile, whose ARN names the account), then system profile ids as given; anything else is
     * left to {@link ModelRoutes}' own rule (a foundation model id).
     */
    ModelRoutes routes(BedrockClient client, String region, Collection<String> logicalModels) {
        ModelRoutes.Builder b = ModelRoutes.builder().region(region);
        Map<String, String> resolved = new LinkedHashMap<>();
        try {
            routes.forEach((name, arn) -> {
                b.route(name, arn);
                resolved.put(name, arn);
            });
        } catch (IllegalArgumentException e) {
            throw CliException.usage("--model-route: " + e.getMessage(), e);
        }
        for (String model : logicalModels) {
            if (resolved.containsKey(model)) {
                continue;
            }
            String systemId = null;
            if (ALIASES.containsKey(model)) {
                systemId = geo(region) + "." + ALIASES.get(model);
            } else if (model.matches("(us|eu|apac|us-gov|global)\\..+")) {
                systemId = model;
            }
            if (systemId != null) {
                String arn = systemProfileArn(client, systemId, model);
                b.route(model, arn);
                resolved.put(model, arn);
            }
        }
        return b.build();
    }

    private static String systemProfileArn(BedrockClient client, String systemId, String model) {
        try {
            GetInferenceProfileResponse r = client.getInferenceProfile(g -> g.inferenceProfileIdentifier(systemId));
            return r.inferenceProfileArn();
        } catch (ResourceNotFoundException e) {
            throw CliException.failure("model '" + model + "': system inference profile " + systemId
                    + " does not exist in this region; pass --model-route " + model + "=ARN");
        }
    }

    static String geo(String region) {
        if (region.startsWith("eu-")) {
            return "eu";
        }
        if (region.startsWith("ap-")) {
            return "apac";
        }
        if (region.startsWith("us-gov-")) {
            return "us-gov";
        }
        return "us";
    }
}
