package dev.aip.core.bedrock;

import dev.aip.core.chat.ChatClient;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.ChatStream;
import dev.aip.core.chat.ChatStreamListener;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.StaticProfileResolver;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.emulator.BedrockEmulator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.reactivestreams.Subscriber;
import org.reactivestreams.Subscription;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrock.model.Tag;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamOutput;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamResponseHandler;

/**
 * An emulator with one application inference profile per tenant (Claude 3.5 Haiku), real SDK clients pointed at it
 * (retries off; the async client on its default HTTP/2), a meter collecting records, and a static resolver for the
 * logical model {@value #MODEL}.
 */
final class EmulatorFixture implements AutoCloseable {

    static final String MODEL = "claude-haiku";
    static final String SOURCE = "anthropic.claude-3-5-haiku-20241022-v1:0";
    static final StaticCredentialsProvider DUMMY =
            StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDEXAMPLE", "dummy-secret"));

    final BedrockEmulator emulator;
    final BedrockClient control;
    final List<UsageRecord> records = new CopyOnWriteArrayList<>();
    final UsageMeter meter;
    private final Map<String, String> arns = new ConcurrentHashMap<>();
    private final StaticProfileResolver resolver;

    EmulatorFixture(String... tenants) {
        this(b -> { }, tenants);
    }

    EmulatorFixture(Consumer<BedrockEmulator.Builder> config, String... tenants) {
        BedrockEmulator.Builder b = BedrockEmulator.builder();
        config.accept(b);
        emulator = b.build().start();
        control = BedrockClient.builder().endpointOverride(emulator.endpoint()).region(Region.of(emulator.region()))
                .credentialsProvider(DUMMY).overrideConfiguration(o -> o.retryStrategy(AwsRetryStrategy.doNotRetry()))
                .build();
        meter = UsageMeter.builder().sink(records::add).region(emulator.region()).build();
        StaticProfileResolver.Builder rb = StaticProfileResolver.builder().trustMapping();
        for (String t : tenants) {
            String arn = control.createInferenceProfile(r -> r.inferenceProfileName("aip-" + t + "-haiku")
                    .modelSource(s -> s.copyFrom("arn:aws:bedrock:" + emulator.region() + "::foundation-model/"
                            + SOURCE))
                    .tags(Tag.builder().key("TenantId").value(t).build())).inferenceProfileArn();
            arns.put(t, arn);
            rb.profile(TenantId.of(t), MODEL, arn, SOURCE);
        }
        resolver = rb.build();
    }

    StaticProfileResolver resolver() {
        return resolver;
    }

    String arn(String tenant) {
        return arns.get(tenant);
    }

    BedrockRuntimeClient sync(ExecutionInterceptor... interceptors) {
        return BedrockRuntimeClient.builder().endpointOverride(emulator.endpoint())
                .region(Region.of(emulator.region())).credentialsProvider(DUMMY)
                .overrideConfiguration(config(true, interceptors)).build();
    }

    /** A sync client with the SDK's default (standard) retries. */
    BedrockRuntimeClient syncWithSdkRetries(ExecutionInterceptor... interceptors) {
        return BedrockRuntimeClient.builder().endpointOverride(emulator.endpoint())
                .region(Region.of(emulator.region())).credentialsProvider(DUMMY)
                .overrideConfiguration(config(false, interceptors)).build();
    }

    BedrockRuntimeAsyncClient async(ExecutionInterceptor... interceptors) {
        return BedrockRuntimeAsyncClient.builder().endpointOverride(emulator.endpoint())
                .region(Region.of(emulator.region())).credentialsProvider(DUMMY)
                .overrideConfiguration(config(true, interceptors)).build();
    }

    /** An async client (no retries) that gives up on a call after {@code apiCallTimeout}. */
    BedrockRuntimeAsyncClient async(java.time.Duration apiCallTimeout, ExecutionInterceptor... interceptors) {
        return BedrockRuntimeAsyncClient.builder().endpointOverride(emulator.endpoint())
                .region(Region.of(emulator.region())).credentialsProvider(DUMMY)
                .overrideConfiguration(config(true, interceptors).toBuilder().apiCallTimeout(apiCallTimeout).build())
                .build();
    }

    private static ClientOverrideConfiguration config(boolean noRetries, ExecutionInterceptor... interceptors) {
        ClientOverrideConfiguration.Builder o = ClientOverrideConfiguration.builder();
        if (noRetries) {
            o.retryStrategy(AwsRetryStrategy.doNotRetry());
        }
        for (ExecutionInterceptor i : interceptors) {
            o.addExecutionInterceptor(i);
        }
        return o.build();
    }

    /**
     * A ConverseStream handler whose subscriber cancels its subscription after {@code deltas} content deltas (a
     * caller abandoning a stream halfway) and then completes {@code cancelled}.
     */
    static ConverseStreamResponseHandler cancellingAfterDeltas(int deltas, CompletableFuture<Void> cancelled) {
        return ConverseStreamResponseHandler.builder()
                .onEventStream(publisher -> publisher.subscribe(new Subscriber<ConverseStreamOutput>() {
                    private Subscription subscription;
                    private int seen;

                    @Override
                    public void onSubscribe(Subscription s) {
                        subscription = s;
                        s.request(1);
                    }

                    @Override
                    public void onNext(ConverseStreamOutput event) {
                        if (event.sdkEventType() == ConverseStreamOutput.EventType.CONTENT_BLOCK_DELTA
                                && ++seen == deltas) {
                            subscription.cancel();
                            cancelled.complete(null);
                            return;
                        }
                        subscription.request(1);
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onComplete() {
                    }
                }))
                .build();
    }

    /**
     * Starts a pipeline stream that the caller cancels once {@code texts} text deltas arrived (a caller abandoning
     * it halfway). The listener may see those texts before {@code stream} returns, so the cancel waits for the
     * stream handle if it has to.
     */
    static ChatStream streamCancelledAfterTexts(ChatClient chat, TenantContext tenant, ChatRequest request,
                                                int texts) {
        List<ChatStream> holder = new ArrayList<>(1);
        List<String> seen = new CopyOnWriteArrayList<>();
        ChatStream stream = chat.stream(tenant, request, new ChatStreamListener() {
            @Override
            public void onText(String text) {
                seen.add(text);
                synchronized (holder) {
                    if (seen.size() == texts && !holder.isEmpty()) {
                        holder.get(0).cancel();
                    }
                }
            }
        });
        synchronized (holder) {
            holder.add(stream);
        }
        if (seen.size() >= texts) {
            stream.cancel();
        }
        return stream;
    }

    @Override
    public void close() {
        control.close();
        emulator.close();
    }
}
