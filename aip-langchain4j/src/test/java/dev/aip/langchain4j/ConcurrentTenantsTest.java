package dev.aip.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantScope;
import dev.aip.emulator.InvocationRecord;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.bedrock.BedrockChatModel;
import dev.langchain4j.model.bedrock.BedrockStreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Several tenants on one shared model instance, from many threads at once: nothing leaks between tenants. */
class ConcurrentTenantsTest {

    static final List<String> TENANTS = List.of("t-1", "t-2", "t-3", "t-4", "t-5");
    static final int THREADS = 10;
    static final int CALLS_PER_THREAD = 12;

    @Test
    void sharedModels_manyThreadsAndTenants_everyCallRoutedAndMeteredForItsOwnTenant() throws Exception {
        try (EmulatorFixture fx = new EmulatorFixture(TENANTS.toArray(String[]::new));
             TenantBedrockModels models = fx.models()) {
            BedrockChatModel chat = models.chatModel(EmulatorFixture.MODEL);
            BedrockStreamingChatModel streaming = models.streamingChatModel(EmulatorFixture.MODEL);
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> work = new ArrayList<>();
            try {
                for (int t = 0; t < THREADS; t++) {
                    int thread = t;
                    work.add(pool.submit(() -> {
                        start.await();
                        for (int k = 0; k < CALLS_PER_THREAD; k++) {
                            String tenant = TENANTS.get((thread + k) % TENANTS.size());
                            call(chat, streaming, tenant, k);
                        }
                        return null;
                    }));
                }
                start.countDown();
                for (Future<?> f : work) {
                    f.get(60, TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }

            int total = THREADS * CALLS_PER_THREAD;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (fx.records.size() < total && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            List<InvocationRecord> calls = fx.emulator.invocations();
            assertThat(calls).hasSize(total);
            assertThat(fx.records).hasSize(total).allSatisfy(r -> {
                assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
                assertThat(r.profileArn()).isEqualTo(fx.arn(r.tenant().value()));
            });
            assertThat(calls).allSatisfy(i -> assertThat(i.requestMetadata()).containsEntry("tenantId",
                    fx.ownerOf(i)));
            Map<String, Long> recordsPerTenant = fx.records.stream()
                    .collect(Collectors.groupingBy(r -> r.tenant().value(), Collectors.counting()));
            Map<String, Long> callsPerTenant = calls.stream()
                    .collect(Collectors.groupingBy(fx::ownerOf, Collectors.counting()));
            assertThat(recordsPerTenant).isEqualTo(callsPerTenant).containsOnlyKeys(TENANTS);
            assertThat(fx.recordTokens()).isEqualTo(fx.emulatorTokens());
            assertThat(fx.records.stream().map(UsageRecord::recordId).distinct()).hasSize(total);
        }
    }

    /** One call for a tenant: sync in its scope, sync with the tenant as an option, or streaming. */
    private static void call(BedrockChatModel chat, BedrockStreamingChatModel streaming, String tenant, int k)
            throws Exception {
        TenantContext context = TenantContext.of(tenant);
        ChatRequest request = ChatRequest.builder().messages(UserMessage.from("A slogan for " + tenant)).build();
        switch (k % 3) {
            case 0 -> TenantScope.run(context, () -> chat.chat(request));
            case 1 -> chat.chat(request, TenantBedrockModels.optionsFor(context));
            default -> {
                CompletableFuture<ChatResponse> done = new CompletableFuture<>();
                TenantScope.run(context, () -> streaming.chat(request, new StreamingChatResponseHandler() {
                    @Override
                    public void onCompleteResponse(ChatResponse response) {
                        done.complete(response);
                    }

                    @Override
                    public void onError(Throwable error) {
                        done.completeExceptionally(error);
                    }
                }));
                done.get(30, TimeUnit.SECONDS);
            }
        }
    }
}
