package dev.aip.langchain4j;

import dev.aip.core.chat.Admission;
import dev.aip.core.metering.Meter;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.StaticProfileResolver;
import dev.aip.core.tenant.TenantId;
import dev.aip.emulator.BedrockEmulator;
import dev.aip.emulator.InvocationRecord;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrock.model.Tag;

/**
 * An emulator with one application inference profile per tenant (Claude 3.5 Haiku behind the logical model
 * {@value #MODEL}), a meter collecting records, and {@link TenantBedrockModels} on SDK clients pointed at it (SDK
 * retries off, so every LangChain4j attempt is one HTTP call).
 */
final class EmulatorFixture implements AutoCloseable {

    static final String MODEL = "claude-haiku";
    static final String SOURCE = "anthropic.claude-3-5-haiku-20241022-v1:0";
    static final StaticCredentialsProvider DUMMY =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "dummy-secret"));

    final BedrockEmulator emulator;
    final List<UsageRecord> records = new CopyOnWriteArrayList<>();
    final Meter meter;
    final StaticProfileResolver resolver;
    /** Shared by every async client: closing a client then leaves it open, so tests need not wait for Netty. */
    private final SdkAsyncHttpClient netty = NettyNioAsyncHttpClient.builder().build();
    private final Map<String, String> arns = new ConcurrentHashMap<>();

    EmulatorFixture(String... tenants) {
        emulator = BedrockEmulator.builder().replyTokens(8, 40).build().start();
        meter = Meter.builder().sink(records::add).region(emulator.region()).build();
        StaticProfileResolver.Builder rb = StaticProfileResolver.builder().trustMapping();
        try (BedrockClient control = BedrockClient.builder().endpointOverride(emulator.endpoint())
                .region(Region.of(emulator.region())).credentialsProvider(DUMMY)
                .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())).build()) {
            for (String t : tenants) {
                String arn = control.createInferenceProfile(r -> r.inferenceProfileName("aip-" + t + "-haiku")
                        .modelSource(s -> s.copyFrom("arn:aws:bedrock:" + emulator.region() + "::foundation-model/"
                                + SOURCE))
                        .tags(Tag.builder().key("TenantId").value(t).build())).inferenceProfileArn();
                arns.put(t, arn);
                rb.profile(TenantId.of(t), MODEL, arn, SOURCE);
            }
        }
        resolver = rb.build();
    }

    TenantBedrockModels models() {
        return models(null);
    }

    TenantBedrockModels models(Admission admission) {
        TenantBedrockModels.Builder b = TenantBedrockModels.builder().resolver(resolver).meter(meter)
                .client(c -> c.endpointOverride(emulator.endpoint()).region(Region.of(emulator.region()))
                        .credentialsProvider(DUMMY)
                        .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())))
                .asyncClient(c -> c.endpointOverride(emulator.endpoint()).region(Region.of(emulator.region()))
                        .credentialsProvider(DUMMY).httpClient(netty)
                        .overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry())));
        if (admission != null) {
            b.admission(admission);
        }
        return b.build();
    }

    String arn(String tenant) {
        return arns.get(tenant);
    }

    /** The tenant whose profile an invocation went to. */
    String ownerOf(InvocationRecord invocation) {
        return arns.entrySet().stream().filter(e -> e.getValue().equals(invocation.profileArn()))
                .map(Map.Entry::getKey).findFirst().orElse(null);
    }

    /** Per tenant, the token totals of aip's records. */
    Map<String, TokenUsage> recordTokens() {
        Map<String, TokenUsage> out = new TreeMap<>();
        for (UsageRecord r : records) {
            out.merge(r.tenant().value(), r.usage(), TokenUsage::plus);
        }
        return out;
    }

    /** Per tenant, the token totals the emulator counted for the tenant's profile. */
    Map<String, TokenUsage> emulatorTokens() {
        Map<String, TokenUsage> out = new TreeMap<>();
        for (InvocationRecord i : emulator.invocations()) {
            out.merge(ownerOf(i), new TokenUsage(i.inputTokens(), i.outputTokens(), i.cacheReadInputTokens(),
                    i.cacheWriteInputTokens()), TokenUsage::plus);
        }
        return out;
    }

    /** Forgets the records, the emulator's invocations and its script, for the next test. */
    void reset() {
        records.clear();
        emulator.resetMetrics();
        emulator.script().clear();
    }

    @Override
    public void close() {
        netty.close();
        emulator.close();
    }
}
