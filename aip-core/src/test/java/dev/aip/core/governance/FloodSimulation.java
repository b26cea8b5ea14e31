package dev.aip.core.governance;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.RateLimitExceededException;
import dev.aip.core.chat.Admission;
import dev.aip.core.chat.AdmissionRequest;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantContext;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;

/**
 * A deterministic simulation in simulated time: tenants send steady demand through {@link Governance} (with fair
 * share) to a fake Bedrock model whose account capacity is a fixed number of tokens per sliding minute, above which
 * it throttles. Each call is {@value #CALL_TOKENS} tokens (200 input, 800 output, estimated exactly); a served call
 * ends {@link #LATENCY} later, a throttled one at once. Nothing sleeps: the clock and the ticker move by
 * {@link #STEP} per tick, and calls of one tick are sent in a seeded random order.
 */
final class FloodSimulation {

    static final long CALL_TOKENS = 1_000;
    static final Duration STEP = Duration.ofMillis(100);
    static final Duration LATENCY = Duration.ofSeconds(2);
    private static final long MINUTE = Duration.ofMinutes(1).toNanos();

    /** A tenant and how many calls per second it sends. */
    record Sender(TenantContext tenant, double callsPerSecond) {
    }

    /** What one tenant got in the measured window. */
    static final class Stats {
        long sent;
        long shed;
        long throttled;
        long served;

        /** Served tokens per minute over the measured window. */
        long servedPerMinute(Duration measured) {
            return served * CALL_TOKENS * MINUTE / measured.toNanos();
        }

        @Override
        public String toString() {
            return "sent " + sent + ", shed " + shed + ", throttled " + throttled + ", served " + served;
        }
    }

    private record Pending(long at, long seq, Admission.Permit permit, UsageRecord record) {
    }

    private final Governance governance;
    private final Gov.ManualClock clock;
    private final Gov.ManualTicker ticker;
    private final long capacityPerMinute;
    private final List<Sender> senders;
    private final Map<TenantContext, Stats> stats = new LinkedHashMap<>();
    private final Map<TenantContext, Double> owed = new LinkedHashMap<>();
    private final PriorityQueue<Pending> pending = new PriorityQueue<>(
            (a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
    private final Deque<long[]> bedrock = new ArrayDeque<>();
    private final Random random = new Random(7);
    private final AdmissionRequest request = Gov.request(200, 800);
    private long bedrockTokens;
    private long now;
    private long seq;
    private long decreasesAtMeasureStart;
    private long throttledWhileMeasured;
    private long sentToBedrockWhileMeasured;

    FloodSimulation(FairShare fairShare, long capacityPerMinute, List<Sender> senders) {
        this.clock = new Gov.ManualClock(Gov.T0);
        this.ticker = new Gov.ManualTicker();
        this.governance = Governance.builder().policies(PolicySet.of(TenantPolicy.EMPTY)).clock(clock)
                .ticker(ticker).fairShare(fairShare).build();
        this.capacityPerMinute = capacityPerMinute;
        this.senders = List.copyOf(senders);
        for (Sender s : senders) {
            stats.put(s.tenant(), new Stats());
            owed.put(s.tenant(), 0.0);
        }
    }

    Governance governance() {
        return governance;
    }

    /** Runs {@code warmUp}, then measures for {@code measured}. */
    FloodSimulation run(Duration warmUp, Duration measured) {
        advance(warmUp);
        for (Stats s : stats.values()) {
            s.sent = s.shed = s.throttled = s.served = 0;
        }
        throttledWhileMeasured = sentToBedrockWhileMeasured = 0;
        decreasesAtMeasureStart = decreases();
        advance(measured);
        return this;
    }

    Stats stats(TenantContext tenant) {
        return stats.get(tenant);
    }

    long decreasesWhileMeasured() {
        return decreases() - decreasesAtMeasureStart;
    }

    /** Calls Bedrock throttled while measured, per call admitted and sent to it. */
    double throttleRateWhileMeasured() {
        return sentToBedrockWhileMeasured == 0 ? 0 : (double) throttledWhileMeasured / sentToBedrockWhileMeasured;
    }

    /** Served tokens per minute of all tenants over the measured window. */
    long servedPerMinute(Duration measured) {
        return stats.values().stream().mapToLong(s -> s.servedPerMinute(measured)).sum();
    }

    private long decreases() {
        return governance.fairShare().model(Gov.SOURCE, Gov.REGION)
                .map(FairShareSnapshot.ModelState::capacityDecreases).orElse(0L);
    }

    private void advance(Duration d) {
        long end = now + d.toNanos();
        while (now < end) {
            tick();
        }
    }

    private void tick() {
        now += STEP.toNanos();
        clock.advance(STEP);
        ticker.advance(STEP);
        releaseDue();
        List<TenantContext> calls = new ArrayList<>();
        for (Sender s : senders) {
            double due = owed.get(s.tenant()) + s.callsPerSecond() * STEP.toNanos() / 1e9;
            int n = (int) due;
            owed.put(s.tenant(), due - n);
            for (int i = 0; i < n; i++) {
                calls.add(s.tenant());
            }
        }
        Collections.shuffle(calls, random);
        for (TenantContext tenant : calls) {
            send(tenant);
        }
    }

    private void send(TenantContext tenant) {
        Stats s = stats.get(tenant);
        s.sent++;
        Decision d = governance.tryAdmit(tenant, request, Gov.profile(tenant));
        if (!d.admitted()) {
            assertThat(d.refusal()).isInstanceOfSatisfying(RateLimitExceededException.class,
                    e -> assertThat(e.limitName()).isEqualTo("fair-share"));
            s.shed++;
            return;
        }
        sentToBedrockWhileMeasured++;
        if (bedrockAccepts()) {
            s.served++;
            pending.add(new Pending(now + LATENCY.toNanos(), seq++, d.permit(),
                    Gov.attempt(tenant, TokenUsage.of(200, 800))));
        } else {
            s.throttled++;
            throttledWhileMeasured++;
            d.permit().release(List.of(throttled(tenant)));
        }
    }

    /** The fake model: a call is served if the tokens of the last minute leave room for it, else throttled. */
    private boolean bedrockAccepts() {
        while (!bedrock.isEmpty() && bedrock.peekFirst()[0] <= now - MINUTE) {
            bedrockTokens -= bedrock.pollFirst()[1];
        }
        if (bedrockTokens + CALL_TOKENS > capacityPerMinute) {
            return false;
        }
        bedrock.addLast(new long[] {now, CALL_TOKENS});
        bedrockTokens += CALL_TOKENS;
        return true;
    }

    private void releaseDue() {
        while (!pending.isEmpty() && pending.peek().at <= now) {
            Pending p = pending.poll();
            p.permit.release(List.of(p.record));
        }
    }

    private static UsageRecord throttled(TenantContext tenant) {
        return Gov.attempt(tenant, TokenUsage.ZERO).toBuilder().outcome(Outcome.THROTTLED)
                .errorCode("ThrottlingException").build();
    }
}
