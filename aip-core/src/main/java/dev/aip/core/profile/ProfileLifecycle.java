package dev.aip.core.profile;

import dev.aip.core.ConfigurationException;
import dev.aip.core.ProfileResolutionException;
import dev.aip.core.tenant.Tier;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Manages tenants' application inference profiles: create, read, list, tag, untag and delete, and reconciliation of
 * a desired tenant list with the account by {@link #plan(Collection)} and {@link #apply(ProfilePlan, ApplyListener)}.
 *
 * <pre>{@code
 * ProfileLifecycle lifecycle = ProfileLifecycle.builder(api)
 *     .routes(ModelRoutes.builder().route("claude-haiku", haikuArn).build())
 *     .schema(TagSchema.builder().environment("production").build())
 *     .build();
 * ProfilePlan plan = lifecycle.plan(desiredProfiles);      // dry run: print plan
 * ApplyResult result = lifecycle.apply(plan, progressBar);  // a failed action does not stop the others
 * }</pre>
 *
 * <p><b>Safety.</b> Plans only ever act on profiles tagged with the schema's managed-by tag ({@code ManagedBy=aip})
 * whose owner tag names a tenant; other profiles, and pool profiles, are left alone. See {@link PlanAction.Kind}
 * for what each action does.
 *
 * <p><b>Apply.</b> Actions start in plan order on up to {@link Builder#concurrency(int)} threads (default 8).
 * Throttled and transient failures are retried with exponential backoff and full jitter (base 100 ms, cap 5 s) for up
 * to {@link Builder#maxAttempts(int)} attempts within {@link Builder#retryDeadline(Duration)} per step. Creates are
 * idempotent (deterministic {@code clientRequestToken}), deletes of profiles already gone count as done, so an
 * interrupted apply can simply be planned and applied again. After a fully successful apply, planning the same
 * desired list again gives an empty plan.
 *
 * <p>Thread-safe; share one instance.
 */
public final class ProfileLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(ProfileLifecycle.class);
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final InferenceProfileApi api;
    private final ProfileSpecs specs;
    private final Clock clock;
    private final int concurrency;
    private final Retrier retrier;
    private final ProfileScanner scanner;
    private final Planner planner;

    private ProfileLifecycle(Builder b) {
        this.api = b.api;
        this.specs = new ProfileSpecs(b.routes, b.schema, b.names);
        this.clock = b.clock;
        this.concurrency = b.concurrency;
        this.retrier = new Retrier(api, clock, b.sleeper, b.backoffBase, b.backoffMax, b.retryDeadline,
                b.maxAttempts);
        this.scanner = new ProfileScanner(api, retrier, concurrency);
        this.planner = new Planner(specs);
    }

    /** A builder over the given control plane. */
    public static Builder builder(InferenceProfileApi api) {
        return new Builder(api);
    }

    /**
     * Creates a tenant's profile, as a plan's CREATE would: idempotent, so calling it twice returns the same profile.
     *
     * @throws IllegalArgumentException naming an invalid tag or name part
     * @throws ConfigurationException if the logical model has no route
     */
    public InferenceProfile create(DesiredProfile profile) {
        NewProfile request = specs.forTenant(profile.tenant(), profile.tier(), profile.logicalModel(),
                profile.extraTags());
        return retrier.call(() -> api.create(request));
    }

    /**
     * Ensures the pool profile of a tier and logical model exists ({@code pool-TIER-MODEL}, tagged
     * {@code TenantId=pool:TIER}) and returns it. Run it while the account is within its profile quota, so that
     * {@link ProvisioningProfileResolver} has a pool to fall back on when the quota is reached.
     */
    public InferenceProfile ensurePoolProfile(Tier tier, String logicalModel) {
        NewProfile request = specs.forPool(tier, logicalModel);
        for (TaggedProfile t : list()) {
            if (t.profile().name().equals(request.name())
                    && specs.schema.poolTierOf(t.tags()).filter(tier::equals).isPresent()
                    && logicalModel.equals(t.tags().get(specs.schema.modelKey()))) {
                return t.profile();
            }
        }
        return retrier.call(() -> api.create(request));
    }

    /** Reads a profile by ARN or id; empty if it does not exist. */
    public Optional<InferenceProfile> get(String arnOrId) {
        Constraints.requireIdentifier(arnOrId);
        return retrier.call(() -> api.get(arnOrId));
    }

    /** Every application profile in the account with its tags (all pages, one tag read per profile). */
    public List<TaggedProfile> list() {
        return scanner.scan();
    }

    /** The tags of a profile. */
    public Map<String, String> tags(String arn) {
        Constraints.requireProfileArn(arn);
        return retrier.call(() -> api.tags(arn));
    }

    /**
     * Adds or overwrites tags.
     *
     * @throws IllegalArgumentException naming an invalid tag
     */
    public void tag(String arn, Map<String, String> tags) {
        Constraints.requireProfileArn(arn);
        Constraints.requireTags(tags);
        retrier.call(() -> {
            api.tag(arn, tags);
            return null;
        });
    }

    /** Removes tags by key. */
    public void untag(String arn, Collection<String> keys) {
        Constraints.requireProfileArn(arn);
        keys.forEach(Constraints::requireTagKey);
        retrier.call(() -> {
            api.untag(arn, List.copyOf(keys));
            return null;
        });
    }

    /** Deletes a profile; a profile that does not exist counts as deleted. */
    public void delete(String arn) {
        Constraints.requireProfileArn(arn);
        retrier.call(() -> {
            deleteIfPresent(arn);
            return null;
        });
    }

    /**
     * Plans the changes that make the account's managed profiles match the desired ones. Reads every application
     * profile and its tags; changes nothing.
     *
     * @param desired one entry per tenant and logical model
     * @throws IllegalArgumentException if a tenant and model are desired twice, or a desired tag is invalid
     * @throws ConfigurationException if a desired logical model has no route
     */
    public ProfilePlan plan(Collection<DesiredProfile> desired) {
        return plan(desired, list());
    }

    /** Plans against a given scan, e.g. one from {@link #list()}; changes nothing and makes no call. */
    public ProfilePlan plan(Collection<DesiredProfile> desired, Collection<TaggedProfile> current) {
        return planner.plan(desired, current);
    }

    /**
     * Carries out a plan. Every action is attempted; a failed action does not stop the others.
     *
     * @param plan the plan, typically from {@link #plan(Collection)} moments before
     * @param listener progress callbacks; see {@link ApplyListener}
     * @return one result per action, in plan order
     */
    public ApplyResult apply(ProfilePlan plan, ApplyListener listener) {
        Objects.requireNonNull(plan, "plan");
        SerialListener progress = new SerialListener(Objects.requireNonNull(listener, "listener"));
        Instant start = clock.instant();
        List<PlanAction> actions = plan.actions();
        progress.onStart(actions.size());
        List<ActionResult> results = new ArrayList<>(actions.size());
        if (!actions.isEmpty()) {
            ExecutorService workers = Executors.newFixedThreadPool(Math.min(concurrency, actions.size()), r -> {
                Thread t = new Thread(r, "aip-profile-apply-" + THREADS.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
            try {
                List<Future<ActionResult>> futures = new ArrayList<>(actions.size());
                for (PlanAction action : actions) {
                    futures.add(workers.submit(() -> {
                        ActionResult result = execute(action);
                        progress.onActionDone(action, result);
                        return result;
                    }));
                }
                for (Future<ActionResult> f : futures) {
                    results.add(await(f));
                }
            } finally {
                workers.shutdownNow();
            }
        }
        ApplyResult summary = new ApplyResult(results, Duration.between(start, clock.instant()));
        progress.onFinish(summary);
        return summary;
    }

    private ActionResult execute(PlanAction action) {
        String step = "start";
        AtomicInteger tries = new AtomicInteger();
        String created = null;
        try {
            switch (action.kind()) {
                case CREATE:
                    step = "create";
                    created = retrier.call(counted(tries, () -> api.create(action.newProfile()))).arn();
                    return new ActionResult(action, true, created, null, null, tries.get());
                case DELETE:
                    step = "delete";
                    retrier.call(counted(tries, () -> deleteIfPresent(action.profileArn())));
                    return new ActionResult(action, true, action.profileArn(), null, null, tries.get());
                case RETAG:
                    if (!action.tagsToSet().isEmpty()) {
                        step = "tag";
                        retrier.call(counted(tries, () -> {
                            api.tag(action.profileArn(), action.tagsToSet());
                            return null;
                        }));
                    }
                    if (!action.tagsToRemove().isEmpty()) {
                        step = "untag";
                        tries.set(0);
                        retrier.call(counted(tries, () -> {
                            api.untag(action.profileArn(), action.tagsToRemove());
                            return null;
                        }));
                    }
                    return new ActionResult(action, true, action.profileArn(), null, null, tries.get());
                case REPLACE:
                    step = "create the new profile";
                    created = retrier.call(counted(tries, () -> api.create(action.newProfile()))).arn();
                    step = "delete the old profile after creating " + created;
                    tries.set(0);
                    retrier.call(counted(tries, () -> deleteIfPresent(action.profileArn())));
                    return new ActionResult(action, true, created, null, null, tries.get());
                default:
                    throw new IllegalStateException("unknown action kind " + action.kind());
            }
        } catch (RuntimeException e) {
            ControlPlaneFailure kind = Failures.classify(api, e);
            LOG.debug("Profile action {} failed at {}: {}", action, step, e.toString());
            return new ActionResult(action, false, created, kind, "could not " + step + ": " + kind + " ("
                    + e.getMessage() + ")", Math.max(1, tries.get()));
        }
    }

    private static <T> Supplier<T> counted(AtomicInteger tries, Supplier<T> call) {
        return () -> {
            tries.incrementAndGet();
            return call.get();
        };
    }

    private Boolean deleteIfPresent(String arn) {
        try {
            api.delete(arn);
            return Boolean.TRUE;
        } catch (RuntimeException e) {
            if (Failures.classify(api, e) == ControlPlaneFailure.NOT_FOUND) {
                return Boolean.FALSE;
            }
            throw e;
        }
    }

    private static ActionResult await(Future<ActionResult> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProfileResolutionException(null, "Interrupted while applying a profile plan; plan again"
                    + " and apply to finish", true, e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("profile action crashed", e.getCause());
        }
    }

    /** Serialises listener calls and keeps listener failures out of the apply. */
    private static final class SerialListener {
        private final ApplyListener delegate;

        SerialListener(ApplyListener delegate) {
            this.delegate = delegate;
        }

        synchronized void onStart(int total) {
            try {
                delegate.onStart(total);
            } catch (RuntimeException e) {
                LOG.warn("ApplyListener.onStart threw; ignored", e);
            }
        }

        synchronized void onActionDone(PlanAction action, ActionResult result) {
            try {
                delegate.onActionDone(action, result);
            } catch (RuntimeException e) {
                LOG.warn("ApplyListener.onActionDone threw; ignored", e);
            }
        }

        synchronized void onFinish(ApplyResult summary) {
            try {
                delegate.onFinish(summary);
            } catch (RuntimeException e) {
                LOG.warn("ApplyListener.onFinish threw; ignored", e);
            }
        }
    }

    /**
     * Builds a {@link ProfileLifecycle}. Not thread-safe; confine to one thread.
     *
     * <p>Each setting may be set once; a second set is a {@link ConfigurationException}.
     */
    public static final class Builder {
        private final Map<String, Object> given = new HashMap<>();
        private final InferenceProfileApi api;
        private ModelRoutes routes;
        private TagSchema schema = TagSchema.defaults();
        private ProfileNameTemplate names = ProfileNameTemplate.DEFAULT;
        private Clock clock = Clock.systemUTC();
        private int concurrency = 8;
        private int maxAttempts = 8;
        private Duration retryDeadline = Duration.ofMinutes(2);
        private Duration backoffBase = Duration.ofMillis(100);
        private Duration backoffMax = Duration.ofSeconds(5);
        private Retrier.Sleeper sleeper = Retrier.THREAD_SLEEP;

        private Builder(InferenceProfileApi api) {
            this.api = Objects.requireNonNull(api, "api");
        }

        /** Which model each logical model's profile copies (required). */
        public Builder routes(ModelRoutes routes) {
            ConfigurationException.requireFirstSet(given, "ProfileLifecycle.routes", routes);
            this.routes = Objects.requireNonNull(routes, "routes");
            return this;
        }

        /** The tags of managed profiles (default {@link TagSchema#defaults()}). */
        public Builder schema(TagSchema schema) {
            ConfigurationException.requireFirstSet(given, "ProfileLifecycle.schema", schema);
            this.schema = Objects.requireNonNull(schema, "schema");
            return this;
        }

        /** How new profiles are named (default {@link ProfileNameTemplate#DEFAULT}). */
        public Builder nameTemplate(ProfileNameTemplate names) {
            ConfigurationException.requireFirstSet(given, "ProfileLifecycle.nameTemplate", names);
            this.names = Objects.requireNonNull(names, "names");
            return this;
        }

        /** Clock for retry deadlines and elapsed times (default UTC system clock). */
        public Builder clock(Clock clock) {
            ConfigurationException.requireFirstSet(given, "ProfileLifecycle.clock", clock);
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        /** Actions (and tag reads during a scan) run at once (default 8). */
        public Builder concurrency(int concurrency) {
            ConfigurationException.requireFirstSet(given, "ProfileLifecycle.concurrency", concurrency);
            if (concurrency < 1) {
                throw new ConfigurationException("concurrency must be at least 1: " + concurrency);
            }
            this.concurrency = concurrency;
            return this;
        }

        /** Attempts per control-plane step, including the first (default 8). */
        public Builder maxAttempts(int maxAttempts) {
            ConfigurationException.requireFirstSet(given, "ProfileLifecycle.maxAttempts", maxAttempts);
            if (maxAttempts < 1) {
                throw new ConfigurationException("maxAttempts must be at least 1: " + maxAttempts);
            }
            this.maxAttempts = maxAttempts;
            return this;
        }

        /** Time within which a step's retries must fall (default 2 minutes). */
        public Builder retryDeadline(Duration deadline) {
            ConfigurationException.requireFirstSet(given, "ProfileLifecycle.retryDeadline", deadline);
            this.retryDeadline = Objects.requireNonNull(deadline, "deadline");
            return this;
        }

        /** Backoff base and cap (default 100 ms and 5 s). */
        public Builder backoff(Duration base, Duration max) {
            ConfigurationException.requireFirstSet(given, "ProfileLifecycle.backoff", List.of(base, max));
            if (base.isNegative() || max.compareTo(base) < 0) {
                throw new ConfigurationException("backoff needs 0 <= base <= max: " + base + ", " + max);
            }
            this.backoffBase = base;
            this.backoffMax = max;
            return this;
        }

        Builder sleeper(Retrier.Sleeper sleeper) {
            ConfigurationException.requireFirstSet(given, "ProfileLifecycle.sleeper", sleeper);
            this.sleeper = Objects.requireNonNull(sleeper, "sleeper");
            return this;
        }

        /**
         * Builds the lifecycle; makes no control-plane call.
         *
         * @throws ConfigurationException if no routes are set
         */
        public ProfileLifecycle build() {
            if (routes == null) {
                throw new ConfigurationException("ProfileLifecycle needs routes(ModelRoutes) to know which model a"
                        + " new profile copies");
            }
            return new ProfileLifecycle(this);
        }
    }
}
