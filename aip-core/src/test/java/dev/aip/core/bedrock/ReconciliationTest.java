package dev.aip.core.bedrock;

import static dev.aip.core.bedrock.EmulatorFixture.MODEL;
import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.chat.Admission;
import dev.aip.core.chat.ChatClient;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatPipeline;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.InferenceSettings;
import dev.aip.core.chat.ChatStream;
import dev.aip.core.chat.ChatStreamListener;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageProvenance;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.sink.JsonLinesLedger;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.emulator.FaultPlan;
import dev.aip.emulator.InvocationRecord;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;

/**
 * The ledger against the server's own books. 2,000 mixed calls for 20 tenants go through the pipeline (sync,
 * streaming, streams abandoned after their first text, calls refused by admission) while the emulator throttles,
 * fails with 4xx and 5xx, and withholds the usage event of some tenants' streams. Then, for every tenant:
 *
 * <pre>
 *   tokens:  Σ ledger usage (provenance REPORTED, per bucket)
 *              = Σ emulator usage of the tenant's profile over invocations with usageDelivered
 *   records: ledger records = emulator invocations of the tenant's profile + ledger REJECTED_BY_POLICY records
 * </pre>
 *
 * The second equation holds because every HTTP call the emulator sees (accepted, throttled, rejected as invalid,
 * failed, cut or cancelled) is one invocation log entry, the pipeline sends each attempt as exactly one HTTP call
 * (no SDK retries), and a call refused by admission is recorded but never sent.
 */
class ReconciliationTest {

    static final int TENANTS = 20;
    static final int CALLS = 2_000;

    @TempDir
    Path dir;

    @Test
    void ledger_afterTwoThousandMixedCalls_matchesTheServersBooksPerTenant() throws Exception {
        String[] ids = new String[TENANTS];
        for (int i = 0; i < TENANTS; i++) {
            ids[i] = String.format("tenant-%02d", i);
        }
        Path ledgerFile = dir.resolve("usage.jsonl");
        try (EmulatorFixture fx = new EmulatorFixture(b -> b.invocationLogCapacity(50_000), ids);
             JsonLinesLedger ledger = JsonLinesLedger.open(ledgerFile)) {
            for (int i = 0; i < TENANTS; i++) {
                fx.emulator.faults().set(fx.arn(ids[i]), plan(i));
            }
            fx.emulator.script().forAnyModel().whenPromptContains("abandon").replyTokens(4000);
            UsageMeter meter = UsageMeter.builder().sink(ledger::accept).region(fx.emulator.region()).build();
            BedrockRuntimeClient sync = fx.sync();
            BedrockRuntimeAsyncClient async = fx.async();
            // Deterministic refusals: every 97th request is over its (pretend) budget; call(...) marks it with a
            // stop sequence, since an admission sees the settings, not the record attributes.
            Admission admission = (tenant, request, profile) -> {
                if (request.settings().stopSequences().contains(OVER_BUDGET)) {
                    throw new dev.aip.core.UnknownTenantException(tenant.id(), "over budget (test)");
                }
                return Admission.Permit.NONE;
            };
            ChatClient chat = ChatPipeline.builder().resolver(fx.resolver()).meter(meter).admission(admission)
                    .transport(BedrockChatTransport.builder().client(sync).asyncClient(async).build()).build();

            ExecutorService pool = Executors.newFixedThreadPool(24);
            List<Future<?>> calls = new ArrayList<>();
            Random random = new Random(7);
            for (int k = 0; k < CALLS; k++) {
                TenantContext tenant = TenantContext.of(ids[k % TENANTS]);
                int kind = random.nextInt(100);
                String seq = Integer.toString(k);
                calls.add(pool.submit(() -> call(chat, tenant, kind, seq)));
            }
            for (Future<?> f : calls) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            ledger.flush();
            sync.close();
            async.close();

            List<UsageRecord> records;
            try (Stream<UsageRecord> s = JsonLinesLedger.read(ledgerFile)) {
                records = s.toList();
            }
            long sent = records.stream().filter(r -> r.outcome() != Outcome.REJECTED_BY_POLICY).count();
            List<InvocationRecord> server = awaitServerLog(fx, sent);

            assertThat(records).hasSize(CALLS);
            Map<Outcome, Long> outcomes = records.stream()
                    .collect(Collectors.groupingBy(UsageRecord::outcome, () -> new EnumMap<>(Outcome.class),
                            Collectors.counting()));
            // The mix really happened: every outcome the test means to exercise occurred.
            assertThat(outcomes).containsKeys(Outcome.SUCCESS, Outcome.THROTTLED, Outcome.CLIENT_ERROR,
                    Outcome.SERVER_ERROR, Outcome.CANCELLED, Outcome.REJECTED_BY_POLICY);
            assertThat(records).anyMatch(r -> r.provenance() == UsageProvenance.ESTIMATED
                    && r.outcome() == Outcome.SUCCESS);

            for (String id : ids) {
                String arn = fx.arn(id);
                List<UsageRecord> mine = records.stream().filter(r -> r.tenant().equals(TenantId.of(id))).toList();
                List<InvocationRecord> theirs = server.stream().filter(i -> arn.equals(i.profileArn())).toList();

                TokenUsage ledgerReported = mine.stream().filter(r -> r.provenance() == UsageProvenance.REPORTED)
                        .map(UsageRecord::usage).reduce(TokenUsage.ZERO, TokenUsage::plus);
                TokenUsage serverDelivered = theirs.stream().filter(InvocationRecord::usageDelivered)
                        .map(i -> new TokenUsage(i.inputTokens(), i.outputTokens(), i.cacheReadInputTokens(),
                                i.cacheWriteInputTokens()))
                        .reduce(TokenUsage.ZERO, TokenUsage::plus);
                long rejected = mine.stream().filter(r -> r.outcome() == Outcome.REJECTED_BY_POLICY).count();

                assertThat(ledgerReported).as("reported tokens of %s", id).isEqualTo(serverDelivered);
                assertThat(mine).as("records of %s", id).hasSize(theirs.size() + (int) rejected);
                assertThat(mine.stream().filter(r -> r.outcome() == Outcome.THROTTLED).count())
                        .as("throttled attempts of %s", id)
                        .isEqualTo(theirs.stream().filter(i -> i.outcome() == InvocationRecord.Outcome.THROTTLED)
                                .count());
                assertThat(theirs).as("requests of %s carry its tenant id", id)
                        .allSatisfy(i -> assertThat(i.requestMetadata()).containsEntry("tenantId", id));
            }
        }
    }

    /**
     * Tenant i's faults: none, throttling, 5xx, 4xx, or streams without their usage event. Stream events are paced
     * 2 ms apart, so a stream abandoned after its first text (4,000 tokens long) is still running when the server
     * sees the reset: its usage is never sent, as with a real abandoned stream, rather than racing the cancel.
     */
    static FaultPlan plan(int i) {
        FaultPlan.Builder b = FaultPlan.builder().chunkDelay(Duration.ofMillis(2));
        return switch (i % 5) {
            case 0 -> b.build();
            case 1 -> b.throttle(0.25).build();
            case 2 -> b.error("InternalServerException", 0.15).build();
            case 3 -> b.error("ValidationException", 0.15).build();
            default -> b.throttle(0.1).dropUsage().build();
        };
    }

    private static final String OVER_BUDGET = "over-budget";

    static void call(ChatClient chat, TenantContext tenant, int kind, String seq) {
        ChatRequest request = ChatRequest.builder().model(MODEL)
                .message(ChatMessage.user((kind >= 90 ? "abandon " : "") + "request " + seq + " of " + tenant.id()))
                .attribute("seq", seq)
                .settings(seq.hashCode() % 97 == 0 ? InferenceSettings.DEFAULTS.withStopSequences(List.of(OVER_BUDGET))
                        : InferenceSettings.DEFAULTS)
                .build();
        try {
            if (kind < 45) {
                chat.chat(tenant, request);
            } else if (kind < 90) {
                chat.stream(tenant, request, new ChatStreamListener() { }).completion().join();
            } else {
                AtomicReference<ChatStream> stream = new AtomicReference<>();
                AtomicBoolean textSeen = new AtomicBoolean();
                ChatStream s = chat.stream(tenant, request, new ChatStreamListener() {
                    @Override
                    public void onText(String text) {
                        textSeen.set(true);
                        ChatStream running = stream.get();
                        if (running != null) {
                            running.cancel();
                        }
                    }
                });
                stream.set(s);
                if (textSeen.get()) {
                    s.cancel();
                }
                s.completion().handle((r, e) -> null).join();
            }
        } catch (RuntimeException expected) {
            // Throttling, 4xx, 5xx and refusals reach the caller; each is in the ledger all the same.
        }
    }

    /** The emulator logs cancelled streams once it notices the reset, just after the client moved on. */
    static List<InvocationRecord> awaitServerLog(EmulatorFixture fx, long expected) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        List<InvocationRecord> log = fx.emulator.invocations();
        while (log.size() < expected && System.nanoTime() < deadline) {
            LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
            log = fx.emulator.invocations();
        }
        return log;
    }
}
