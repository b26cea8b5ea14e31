package dev.aip.core.bedrock;

import static dev.aip.core.bedrock.EmulatorFixture.MODEL;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.chat.AdmissionRequest;
import dev.aip.core.BudgetExceededException;
import dev.aip.core.PolicyViolationException;
import dev.aip.core.RateLimitExceededException;
import dev.aip.core.chat.ChatClient;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatPipeline;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.ChatStream;
import dev.aip.core.chat.ChatStreamListener;
import dev.aip.core.chat.InferenceSettings;
import dev.aip.core.governance.Budget;
import dev.aip.core.governance.BudgetPeriod;
import dev.aip.core.governance.Governance;
import dev.aip.core.governance.PolicySet;
import dev.aip.core.governance.TenantPolicy;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.UsageProvenance;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.emulator.FaultPlan;
import java.math.BigDecimal;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;

/** Governance in the chat pipeline, against the emulator with the real SDK clients. */
class GovernanceEmulatorTest {

    static EmulatorFixture fx;
    static BedrockRuntimeClient sync;
    static BedrockRuntimeAsyncClient async;
    static final TenantContext ACME = TenantContext.of("acme");
    static final TenantContext GLOBEX = TenantContext.of("globex");
    static final TenantContext INITECH = TenantContext.of("initech");

    /** The rate buckets never refill during a test: time stands still. */
    final AtomicLong ticker = new AtomicLong();
    Governance governance;
    ChatClient chat;

    @BeforeAll
    static void start() {
        fx = new EmulatorFixture("acme", "globex", "initech");
        sync = fx.sync();
        async = fx.async();
    }

    @AfterAll
    static void stop() {
        sync.close();
        async.close();
        fx.close();
    }

    @BeforeEach
    void build() {
        fx.records.clear();
        fx.emulator.script().clear();
        PolicySet policies = PolicySet.builder()
                .tenant(ACME.id(), TenantPolicy.builder().requestsPerMinute(1L).build())
                .tenant(GLOBEX.id(), TenantPolicy.builder().maxConcurrentCalls(2).tokensPerMinute(100_000L)
                        .budget(Budget.of(new BigDecimal("0.02"), BudgetPeriod.monthly(ZoneOffset.UTC))).build())
                .tenant(INITECH.id(), TenantPolicy.builder().allowedModels("other-model").build())
                .build();
        governance = Governance.builder().policies(policies).ticker(ticker::get).build();
        chat = ChatPipeline.builder().resolver(fx.resolver()).meter(fx.meter).admission(governance)
                .transport(BedrockChatTransport.builder().client(sync).asyncClient(async).build()).build();
    }

    static ChatRequest ask(String text) {
        return ChatRequest.builder().model(MODEL).message(ChatMessage.user(text))
                .settings(InferenceSettings.DEFAULTS.withMaxTokens(4000)).build();
    }

    static long invocationsOf(String tenant) {
        return fx.emulator.invocations().stream().filter(i -> fx.arn(tenant).equals(i.profileArn())).count();
    }

    @Test
    void chat_overTheRateLimit_neverReachesBedrockAndLeavesOneRejectedRecord() {
        chat.chat(ACME, ask("Hello"));
        long before = invocationsOf("acme");
        fx.records.clear();

        assertThatThrownBy(() -> chat.chat(ACME, ask("Hello again")))
                .isInstanceOfSatisfying(RateLimitExceededException.class, e -> {
                    assertThat(e.limitName()).isEqualTo("requests-per-minute");
                    assertThat(e.tenant()).contains(ACME.id());
                    assertThat(e.retryAfter()).isPositive();
                });

        assertThat(invocationsOf("acme")).isEqualTo(before);
        assertThat(fx.records).singleElement().satisfies(r -> {
            assertThat(r.outcome()).isEqualTo(Outcome.REJECTED_BY_POLICY);
            assertThat(r.errorCode()).isEqualTo("RateLimitExceededException");
            assertThat(r.tenant()).isEqualTo(ACME.id());
            assertThat(r.usage().totalTokens()).isZero();
        });
    }

    @Test
    void stream_ofADisallowedModel_failsBeforeBedrockWithOneRejectedRecord() {
        long before = invocationsOf("initech");

        ChatStream stream = chat.stream(INITECH, ask("Hello"), new ChatStreamListener() { });

        assertThatThrownBy(() -> stream.completion().join()).isInstanceOf(CompletionException.class)
                .hasCauseInstanceOf(PolicyViolationException.class);
        assertThat(invocationsOf("initech")).isEqualTo(before);
        assertThat(fx.records).extracting(UsageRecord::outcome).containsExactly(Outcome.REJECTED_BY_POLICY);
    }

    @Test
    void stream_abandonedByTheCallerHalfway_settlesItsReservationsAndFreesItsSlot() {
        fx.emulator.script().forModel(fx.arn("globex")).whenPromptContains("long").replyTokens(3000);
        ChatStream stream = EmulatorFixture.streamCancelledAfterTexts(chat, GLOBEX, ask("a long answer please"), 2);

        assertThatThrownBy(() -> stream.completion().join()).isInstanceOf(CancellationException.class);

        UsageRecord cancelled = fx.records.stream().filter(r -> r.tenant().equals(TenantId.of("globex")))
                .reduce((a, b) -> b).orElseThrow();
        assertThat(cancelled.outcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(governance.inFlight(GLOBEX.id())).isZero();
        assertThat(governance.openPermits()).isZero();
        assertThat(governance.budgetUsage(GLOBEX).reservedUsd()).isEqualByComparingTo("0");
        assertThat(governance.budgetUsage(GLOBEX).spentUsd()).isPositive()
                .isEqualByComparingTo(cancelled.cost().amountUsd());
        // The slot is free again: the next call is admitted and served.
        assertThat(chat.chat(GLOBEX, ask("short")).text()).isNotEmpty();
        assertThat(governance.inFlight(GLOBEX.id())).isZero();
    }

    @Test
    void stream_cutRightAfterMessageStart_chargesTheBudgetItsEstimateNotNothing() {
        fx.emulator.faults().set(fx.arn("globex"), FaultPlan.builder().cutStreamAfterEvents(1).build());
        try {
            ChatStream stream = chat.stream(GLOBEX, ask("a story please"), new ChatStreamListener() { });
            assertThatThrownBy(() -> stream.completion().join()).isInstanceOf(CompletionException.class);
        } finally {
            fx.emulator.faults().clear();
        }

        UsageRecord cut = fx.records.stream().filter(r -> r.tenant().equals(TenantId.of("globex")))
                .reduce((a, b) -> b).orElseThrow();
        assertThat(cut.outcome()).isEqualTo(Outcome.STREAM_INTERRUPTED);
        assertThat(cut.provenance()).isEqualTo(UsageProvenance.ESTIMATED);
        assertThat(cut.cost().amountUsd()).isPositive();
        assertThat(governance.openPermits()).isZero();
        assertThat(governance.budgetUsage(GLOBEX).reservedUsd()).isEqualByComparingTo("0");
        assertThat(governance.budgetUsage(GLOBEX).spentUsd()).isEqualByComparingTo(cut.cost().amountUsd());
    }

    @Test
    void chat_whileAnotherCallHoldsMostOfTheBudget_isRefusedBeforeBedrockThenAdmittedOnceItSettles() {
        // Another call in flight (e.g. on another thread) has reserved its worst case, 0.0160008 USD of 0.02.
        var inFlight = governance.admit(GLOBEX, AdmissionRequest.of(ask("x")), fx.resolver().resolve(GLOBEX, MODEL));
        long before = invocationsOf("globex");

        assertThatThrownBy(() -> chat.chat(GLOBEX, ask("Hello")))
                .isInstanceOfSatisfying(BudgetExceededException.class, e -> {
                    assertThat(e.limit()).isEqualByComparingTo("0.02");
                    assertThat(e.remaining()).isLessThan(e.requested());
                    assertThat(e.retryable()).isFalse();
                });
        assertThat(invocationsOf("globex")).isEqualTo(before);
        assertThat(fx.records).extracting(UsageRecord::outcome, UsageRecord::errorCode).containsExactly(
                org.assertj.core.groups.Tuple.tuple(Outcome.REJECTED_BY_POLICY, "BudgetExceededException"));

        inFlight.release(List.of());

        assertThat(chat.chat(GLOBEX, ask("Hello")).text()).isNotEmpty();
        assertThat(invocationsOf("globex")).isEqualTo(before + 1);
        assertThat(governance.budgetUsage(GLOBEX).spentUsd())
                .isEqualByComparingTo(fx.records.get(fx.records.size() - 1).cost().amountUsd());
    }
}
