package dev.aip.langchain4j;

import dev.aip.core.chat.Admission;
import dev.aip.core.chat.CallObserver;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.StaticProfileResolver;
import dev.aip.core.tenant.TenantId;
import dev.aip.emulator.BedrockEmulator;
import dev.aip.emulator.InvocationRecord;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.http.async.SdkAsyncHttpClient;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;

/**
 * The test kit's emulator fixture (one application inference profile per tenant, Claude 3.5 Haiku behind the logical
 * model {@value #MODEL}, a meter collecting records) plus {@link TenantBedrockModels} on SDK clients pointed at it
 * (SDK retries off, so every LangChain4j attempt is one HTTP call).
 */
final class EmulatorFixture implements AutoCloseable {

    static final String MODEL = dev.aip.testkit.EmulatorFixture.MODEL;
    static final String SOURCE = dev.aip.testkit.EmulatorFixture.SOURCE_MODEL;
    static final StaticCredentialsProvider DUMMY =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "dummy-secret"));

    final BedrockEmulator emulator;
    final List<UsageRecord> records = new CopyOnWriteArrayList<>();
    final UsageMeter meter;
    final StaticProfileResolver resolver;
    /** Shared by every async client: closing a client then leaves it open, so tests need not wait for Netty. */
    final SdkAsyncHttpClient netty = NettyNioAsyncHttpClient.builder().build();
    private final dev.aip.testkit.EmulatorFixture kit;

    EmulatorFixture(String... tenants) {
        kit = dev.aip.testkit.EmulatorFixture.builder().tenants(tenants).emulator(b -> b.replyTokens(8, 40))
                .sink(records::add).build();
        emulator = kit.emulator();
        meter = kit.meter();
        resolver = kit.resolver();
    }

    TenantBedrockModels models() {
        return models(null);
    }

    TenantBedrockModels models(Admission admission, ExecutionInterceptor... interceptors) {
        return models(admission, null, interceptors);
    }

    TenantBedrockModels models(Admission admission, CallObserver observer, ExecutionInterceptor... interceptors) {
        TenantBedrockModels.Builder b = TenantBedrockModels.builder().resolver(resolver).meter(meter)
                .client(c -> kit.configure(c).overrideConfiguration(o -> {
                    o.retryStrategy(AwsRetryStrategy.doNotRetry());
                    List.of(interceptors).forEach(o::addExecutionInterceptor);
                }))
                .asyncHttpClient(netty);
        if (admission != null) {
            b.admission(admission);
        }
        if (observer != null) {
            b.observer(observer);
        }
        return b.build();
    }

    String arn(String tenant) {
        return kit.profileArn(tenant);
    }

    /** The tenant whose profile an invocation went to. */
    String ownerOf(InvocationRecord invocation) {
        TenantId owner = kit.ownerOf(invocation.profileArn());
        return owner == null ? null : owner.value();
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
        kit.reset();
    }

    @Override
    public void close() {
        netty.close();
        kit.close();
    }
}
