package dev.aip.emulator;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Where fault plans are installed: per model id or globally. Reach it with {@link BedrockEmulator#faults()}.
 *
 * <pre>{@code
 * emulator.faults().set(profileArn, FaultPlan.builder().throttleSequence(true, false).build());
 * emulator.faults().setGlobal(FaultPlan.builder().latency(Duration.ofMillis(20)).build());
 * }</pre>
 *
 * <p>A call uses one plan, the most specific installed: the one for the id as called, else for its profile's ARN
 * or id (its {@code ModelId} metrics dimension), else for the system-defined profile its application profile was
 * copied from (ARN or id), else for its foundation model, else the global plan; the same order as
 * {@linkplain Script script rules}. Installing a plan starts its sequences from the beginning. Faults apply to the four invocation operations, not to CountTokens.
 * Thread-safe.
 */
public final class Faults {

    /** An installed plan and the state of its decisions. */
    static final class Armed {
        final FaultPlan plan;
        private final long salt;
        private final AtomicLong throttleCalls = new AtomicLong();
        private final AtomicLong errorCalls = new AtomicLong();

        Armed(FaultPlan plan, long salt) {
            this.plan = plan;
            this.salt = salt;
        }

        boolean throttleNow() {
            return decide(plan.throttleSequence(), plan.throttleProbability(), throttleCalls, 0x5A5A);
        }

        boolean errorNow() {
            return plan.errorCode() != null
                    && decide(plan.errorSequence(), plan.errorProbability(), errorCalls, 0xA5A5);
        }

        private boolean decide(java.util.List<Boolean> sequence, double probability, AtomicLong calls, long tag) {
            if (sequence.isEmpty() && probability == 0.0) {
                return false;
            }
            long n = calls.getAndIncrement();
            if (n < sequence.size()) {
                return sequence.get((int) n);
            }
            if (probability == 0.0) {
                return false;
            }
            double draw = (mix(salt ^ (tag << 48) ^ n) >>> 11) * 0x1.0p-53;
            return draw < probability;
        }

        private static long mix(long z) {
            z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
            z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
            return z ^ (z >>> 31);
        }
    }

    private static final Armed NONE = new Armed(FaultPlan.NONE, 0);

    private final long seed;
    private final FaultPlan defaultGlobal;
    private final Map<String, FaultPlan> defaults;
    private final Map<String, Armed> byId = new ConcurrentHashMap<>();
    private volatile Armed global;

    Faults(long seed, FaultPlan defaultGlobal, Map<String, FaultPlan> defaults) {
        this.seed = seed;
        this.defaultGlobal = defaultGlobal;
        this.defaults = Map.copyOf(defaults);
        clear();
    }

    /**
     * Installs {@code plan} for one model id (as called, profile ARN or id, the system-defined profile an application
     * profile was copied from, or foundation model), replacing any.
     */
    public void set(String modelId, FaultPlan plan) {
        Objects.requireNonNull(modelId, "modelId");
        byId.put(modelId, arm(modelId, Objects.requireNonNull(plan, "plan")));
    }

    /** Installs the plan for calls that no per-id plan matches. */
    public void setGlobal(FaultPlan plan) {
        global = arm("*", Objects.requireNonNull(plan, "plan"));
    }

    /** Removes the plan of one id. */
    public void remove(String modelId) {
        byId.remove(modelId);
    }

    /** Back to the plans given to the emulator's builder (none, unless configured there). */
    public void clear() {
        byId.clear();
        defaults.forEach(this::set);
        setGlobal(defaultGlobal);
    }

    Armed planFor(RuntimeTarget target) {
        if (!byId.isEmpty()) {
            Armed a = byId.get(target.requestedId());
            if (a == null && target.profileArn() != null) {
                a = byId.get(target.profileArn());
            }
            if (a == null && target.profileId() != null) {
                a = byId.get(target.profileId());
            }
            if (a == null) {
                a = byId.get(target.metricsModelId());
            }
            if (a == null && target.sourceProfileArn() != null) {
                a = byId.get(target.sourceProfileArn());
                if (a == null) {
                    a = byId.get(target.sourceProfileId());
                }
            }
            if (a == null) {
                a = byId.get(target.foundationModelId());
            }
            if (a != null) {
                return a;
            }
        }
        Armed g = global;
        return g == null ? NONE : g;
    }

    private Armed arm(String id, FaultPlan plan) {
        return new Armed(plan, seed * 0x9E3779B97F4A7C15L ^ id.hashCode());
    }
}
