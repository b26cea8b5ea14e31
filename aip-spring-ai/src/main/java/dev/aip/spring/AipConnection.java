package dev.aip.spring;

import java.net.URI;
import java.util.Objects;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.regions.Region;

/**
 * Where aip's Bedrock clients connect: from the {@code aip.*} properties and the SDK's default chains, or to the
 * dev-mode emulator.
 *
 * <p>Immutable.
 *
 * @param endpoint the endpoint override, or {@code null} for AWS's endpoints
 * @param region the region
 * @param credentials the credentials
 * @param accountId the account id, when known (the emulator's), else {@code null}
 */
public record AipConnection(URI endpoint, Region region, AwsCredentialsProvider credentials, String accountId) {

    /** @throws NullPointerException if the region or credentials are missing */
    public AipConnection {
        Objects.requireNonNull(region, "region");
        Objects.requireNonNull(credentials, "credentials");
    }
}
