package dev.aip.cli;

import dev.aip.core.RateLimitExceededException;
import dev.aip.core.bedrock.BedrockChatTransport;
import dev.aip.core.chat.ChatClient;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatPipeline;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.governance.FairShare;
import dev.aip.core.governance.FairShareSnapshot;
import dev.aip.core.governance.Governance;
import dev.aip.core.governance.PolicySet;
import dev.aip.core.governance.TenantPolicy;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.profile.TenantProfileResolver;
import dev.aip.core.tenant.Tier;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;

/**
 * Act 4 of the demo: a throttling burst on one model, handled by tier fair share.
 *
 * <p>The account has a tokens-per-minute quota on Claude 3 Haiku ({@value #CAPACITY} in the emulator, enforced over
 * a sliding minute, as Bedrock does). A basic tenant floods the model at {@value #FLOOD_PER_SECOND} calls a second
 * while a premium tenant keeps {@value #PREMIUM_PER_SECOND} and a standard one {@value #STANDARD_PER_SECOND}; together
 * they ask for about twice the quota. Governance starts without knowing the quota: Bedrock's first throttles cut its
 * capacity estimate (multiplicative decrease), after which the flooder is refused above its weighted share before
 * its calls reach Bedrock, while the steady tenants get their demand; the estimate then grows back step by step
 * (additive increase) until Bedrock throttles again.
 *
 * <p>Time is simulated: the calls of each second run in order, then a {@link DemoClock} shared by the emulator and
 * governance moves one second on. So the scene takes a few real seconds, and its counts depend only on the seed.
 *
 * <p>Confined to the demo's thread.
 */
final class DemoBurst {

    static final String MODEL = "claude-3-haiku";
    static final String SOURCE = "us.anthropic.claude-3-haiku-20240307-v1:0";
    static final String FOUNDATION_MODEL = "anthropic.claude-3-haiku-20240307-v1:0";
    static final long CAPACITY = 36_000;
    static final int FLOOD_PER_SECOND = 8;
    static final int PREMIUM_PER_SECOND = 2;
    static final int STANDARD_PER_SECOND = 1;
    static final int SECONDS = 120;
    static final String FEATURE = "flash-sale";
    private static final int MAX_OUTPUT_TOKENS = 200;

    /**
     * The clock of the emulator and the burst's governance: it shows the time the demo started and moves only when
     * the burst moves it, so the sliding minutes of the emulator's quota and of fair share are the same simulated
     * minutes in every run. Thread-safe.
     */
    static final class DemoClock extends Clock {
        private final Instant start = Instant.now();
        private final AtomicLong offsetNanos = new AtomicLong();

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException("the demo clock is UTC");
        }

        @Override
        public Instant instant() {
            return start.plusNanos(offsetNanos.get());
        }

        long nanoTime() {
            return offsetNanos.get();
        }

        void advance(Duration d) {
            offsetNanos.addAndGet(d.toNanos());
        }
    }

    /** One tenant of the scene, its pace and what happened to its calls, per minute. */
    private static final class Sender {
        final DemoTenants.Tenant tenant;
        final int perSecond;
        ResolvedProfile profile;
        final long[] ok = new long[SECONDS / 60 + 1];
        final long[] shed = new long[ok.length];
        final long[] throttled = new long[ok.length];
        final long[] otherErrors = new long[ok.length];

        Sender(DemoTenants.Tenant tenant, int perSecond) {
            this.tenant = tenant;
            this.perSecond = perSecond;
        }
    }

    private final PrintWriter out;

    DemoBurst(PrintWriter out) {
        this.out = out;
    }

    /**
     * Runs the scene, if the tenants include a premium, a standard and a basic one.
     *
     * @return the profiles the scene provisioned (to reconcile with the rest), empty if it did not run
     */
    List<ResolvedProfile> run(DemoClock clock, TenantProfileResolver resolver, UsageMeter meter,
            BedrockRuntimeClient sync, BedrockRuntimeAsyncClient async, List<DemoTenants.Tenant> tenants) {
        DemoTenants.Tenant premium = first(tenants, Tier.PREMIUM);
        DemoTenants.Tenant standard = first(tenants, Tier.STANDARD);
        DemoTenants.Tenant basic = first(tenants, Tier.BASIC);
        if (premium == null || standard == null || basic == null) {
            return List.of();
        }
        List<Sender> senders = List.of(new Sender(basic, FLOOD_PER_SECOND), new Sender(premium, PREMIUM_PER_SECOND),
                new Sender(standard, STANDARD_PER_SECOND));
        List<ResolvedProfile> profiles = new ArrayList<>();
        for (Sender s : senders) {
            s.profile = resolver.resolve(s.tenant.context(), MODEL);
            profiles.add(s.profile);
        }
        Governance governance = Governance.builder()
                .policies(PolicySet.of(TenantPolicy.builder().maxOutputTokens(MAX_OUTPUT_TOKENS).build()))
                .fairShare(FairShare.defaults())
                .clock(clock)
                .ticker(clock::nanoTime)
                .build();
        ChatClient chat = ChatPipeline.builder().resolver(resolver).meter(meter).admission(governance)
                .transport(BedrockChatTransport.builder().client(sync).asyncClient(async).build())
                .build();

        out.println("4. A throttling burst: " + basic.id() + " (basic) floods " + MODEL + " with " + FLOOD_PER_SECOND
                + " calls/s while " + premium.id() + " (premium, " + PREMIUM_PER_SECOND + "/s) and " + standard.id()
                + " (standard, " + STANDARD_PER_SECOND + "/s) keep their pace;");
        out.println("   the account's quota for the model is " + Reconciliation.n(CAPACITY) + " tokens/min, about half"
                + " the demand. Governance does not know it: Bedrock's throttles teach it (AIMD), and tier fair share"
                + " (weights premium 4, standard 2, basic 1) refuses the flooder above its share.");
        out.println("   " + SECONDS / 60 + " simulated minutes (calls run in order; the clock moves a second at a"
                + " time)");
        long t0 = System.nanoTime();
        for (int second = 0; second < SECONDS; second++) {
            int minute = second / 60;
            for (int k = 0; k < FLOOD_PER_SECOND; k++) {
                for (Sender s : senders) {
                    if (k < s.perSecond) {
                        call(chat, s, minute, second, k);
                    }
                }
            }
            clock.advance(Duration.ofSeconds(1));
        }
        printTable(senders);
        out.println("   In the first minute the estimate is unknown, so the flood reaches Bedrock and everyone is"
                + " throttled; from the first throttles on, the flooder is shed above its share and the others get"
                + " their demand.");
        governance.fairShare().model(FOUNDATION_MODEL, senders.get(0).profile.region()).ifPresent(m ->
                out.println("   Fair share of " + FOUNDATION_MODEL + ": capacity estimate "
                        + m.capacityTokensPerMinute().stream().mapToObj(Reconciliation::n).findFirst().orElse("unknown")
                        + " tokens/min after " + m.capacityDecreases() + " decrease(s); " + m.throttles()
                        + " throttled attempts seen, " + m.shed() + " calls shed"));
        out.printf(Locale.ROOT, "   (%.1f s real time)%n", (System.nanoTime() - t0) / 1e9);
        out.println();
        return profiles;
    }

    private static void call(ChatClient chat, Sender s, int minute, int second, int k) {
        ChatRequest request = ChatRequest.builder().model(MODEL).attribute("feature", FEATURE)
                .message(ChatMessage.user("Write a flash-sale push notification for " + s.tenant.product()
                        + " aimed at " + s.tenant.audience() + ". Variant " + second + "." + k + "."))
                .build();
        try {
            chat.chat(s.tenant.context(), request);
            s.ok[minute]++;
        } catch (RateLimitExceededException e) {
            s.shed[minute]++;
        } catch (RuntimeException e) {
            if (isThrottle(e)) {
                s.throttled[minute]++;
            } else {
                s.otherErrors[minute]++;
            }
        }
    }

    private static boolean isThrottle(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getClass().getSimpleName().equals("ThrottlingException")) {
                return true;
            }
        }
        return false;
    }

    private void printTable(List<Sender> senders) {
        TextTable table = new TextTable(">MINUTE", "TENANT", "TIER", ">CALLS", ">OK", ">SHED (FAIR SHARE)",
                ">THROTTLED (BEDROCK)", ">OTHER ERRORS");
        for (int minute = 0; minute < SECONDS / 60; minute++) {
            for (Sender s : senders) {
                long calls = s.ok[minute] + s.shed[minute] + s.throttled[minute] + s.otherErrors[minute];
                table.row(minute + 1, s.tenant.id(), s.tenant.tier(), calls, s.ok[minute], s.shed[minute],
                        s.throttled[minute], s.otherErrors[minute]);
            }
        }
        table.print(out, "   ");
    }

    private static DemoTenants.Tenant first(List<DemoTenants.Tenant> tenants, Tier tier) {
        return tenants.stream().filter(t -> t.tier().equals(tier)).findFirst().orElse(null);
    }
}
