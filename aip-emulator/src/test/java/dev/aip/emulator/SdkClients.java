package dev.aip.emulator;

import java.net.URI;
import java.time.Duration;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.apache5.Apache5HttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;

/**
 * Real AWS SDK v2 clients pointed at an emulator, exactly as a user builds them: endpoint override and dummy static
 * credentials, nothing else. SDK retries are off so that every test sees each answer once.
 */
final class SdkClients {

    static final StaticCredentialsProvider DUMMY =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "dummy-secret"));

    private SdkClients() {
    }

    static BedrockClient bedrock(BedrockEmulator emulator) {
        return BedrockClient.builder()
                .endpointOverride(emulator.endpoint())
                .region(Region.of(emulator.region()))
                .credentialsProvider(DUMMY)
                .httpClientBuilder(Apache5HttpClient.builder().maxConnections(128))
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }

    static BedrockRuntimeClient runtime(BedrockEmulator emulator) {
        return BedrockRuntimeClient.builder()
                .endpointOverride(emulator.endpoint())
                .region(Region.of(emulator.region()))
                .credentialsProvider(DUMMY)
                .httpClientBuilder(Apache5HttpClient.builder().maxConnections(128))
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }

    /** The async client as the SDK builds it by default: HTTP/2 (cleartext, prior knowledge) over Netty. */
    static BedrockRuntimeAsyncClient runtimeAsync(BedrockEmulator emulator) {
        return BedrockRuntimeAsyncClient.builder()
                .endpointOverride(emulator.endpoint())
                .region(Region.of(emulator.region()))
                .credentialsProvider(DUMMY)
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }

    /** The async client forced to HTTP/1.1. */
    static BedrockRuntimeAsyncClient runtimeAsyncHttp1(BedrockEmulator emulator) {
        return BedrockRuntimeAsyncClient.builder()
                .endpointOverride(emulator.endpoint())
                .region(Region.of(emulator.region()))
                .credentialsProvider(DUMMY)
                .httpClientBuilder(NettyNioAsyncHttpClient.builder()
                        .protocol(Protocol.HTTP1_1)
                        .maxConcurrency(128)
                        .connectionAcquisitionTimeout(Duration.ofSeconds(30)))
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
    }

    static URI endpoint(BedrockEmulator emulator) {
        return emulator.endpoint();
    }
}
