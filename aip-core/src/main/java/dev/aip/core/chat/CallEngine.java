package dev.aip.core.chat;

import dev.aip.core.ConfigurationException;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.metering.Operation;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.ProfileBalancer;
import dev.aip.core.internal.ProfileOwnership;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.profile.TenantProfileResolver;
import dev.aip.core.tenant.TenantContext;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The one lifecycle of a model call, under every path: the {@link ChatPipeline}, the SDK interceptor
 * ({@code TenantRoutingInterceptor}) and the Spring AI advisor drive it, each from its own hooks, so that routing,
 * admission, metering and release are decided once. Most code never uses it directly; it is public for
 * integrations that add a path of their own.
 *
 * <p>A logical call ({@link LogicalCall}) goes through:
 * <ol>
 *   <li><b>begin</b> ({@link #begin}): the tenant, the {@link Operation} and the {@link AdmissionRequest} (model,
 *       input estimate, settings). The call is routed by the ownership rule ({@link ProfileOwnership}): a logical
 *       model is resolved to the tenant's profile (with a balancer: all its profiles, in the balancer's order), a
 *       model the {@linkplain Builder#logicalModels logical-model rule} does not accept (a profile ARN) goes to that
 *       profile only if it is the tenant's own or a shared one. A refused profile leaves one
 *       {@code REJECTED_BY_POLICY} record and throws; a logical model that cannot be resolved throws and leaves no
 *       record (the call never had a profile, and tenant ids that name nobody must not become ledger entries).</li>
 *   <li><b>shape</b> and <b>admit</b> ({@link LogicalCall#shape}, {@link LogicalCall#admit},
 *       {@link LogicalCall#admitAsync}): the {@link Admission} may change the settings, then admits once, on the
 *       call's first profile. A refusal leaves one {@code REJECTED_BY_POLICY} record and throws. A call begun
 *       {@linkplain #begin(String, TenantContext, Operation, AdmissionRequest, Map, LogicalCall) under a cover} (a
 *       Spring AI ChatClient call admitted once for all its model calls) is not admitted again.</li>
 *   <li><b>attempts</b> ({@link LogicalCall#startAttempt}, {@link LogicalCall#attemptEnded}): one metered attempt
 *       each, on whichever profile the driver chooses (retries, fail-over).</li>
 *   <li><b>end</b> ({@link LogicalCall#end}): once the call is over and every attempt it started is settled, the
 *       admission's permit is released exactly once with the records of all attempts, the balancer lease ends, a
 *       covered call hands its records to its cover, and the {@linkplain Builder#observer observer}, if any, sees
 *       the call end.</li>
 * </ol>
 *
 * <p>No step waits: {@link LogicalCall#admitAsync} asks the admission without parking a thread, and the rest is
 * bookkeeping. Thread-safe; share one instance per configuration.
 *
 * <p><b>Decided once, for every path</b> (where the paths used to differ):
 * <ul>
 *   <li>a shaped request must keep the model and input estimate, or the call is refused with a
 *       {@code ConfigurationException} and one {@code REJECTED_BY_POLICY} record (only the pipeline checked it);</li>
 *   <li>every refusal record carries the call's id, the requested model, the input estimate and, once routed, the
 *       profile (the Spring AI advisor's had no call id);</li>
 *   <li>admission sizes a call by its {@link AdmissionRequest}, counted from whatever the path holds (the chat
 *       request, the SDK request, the prompt), never by converting messages;</li>
 *   <li>the permit is released after the last started attempt is settled, even when a cancel overtakes it (the SDK
 *       path released on the first end signal);</li>
 *   <li>a call covered by another (a ChatClient call's model calls) finds its cover in a typed attribute of the
 *       request (an SDK {@code ExecutionAttribute}), never in a thread-local.</li>
 * </ul>
 * What still differs, by nature: the pipeline counts balancer load per attempt and fails over between profiles, the
 * SDK path keeps an execution (and the SDK's own retries) on one profile for its whole life.
 */
public final class CallEngine {

    private final TenantProfileResolver resolver;
    private final UsageMeter meter;
    private final @Nullable Admission admission;
    private final @Nullable ProfileBalancer balancer;
    private final Predicate<String> logicalModels;
    private final @Nullable CallObserver observer;

    private CallEngine(Builder b) {
        this.resolver = b.resolver;
        this.meter = b.meter;
        this.admission = b.admission;
        this.balancer = b.balancer;
        this.logicalModels = b.logicalModels != null ? b.logicalModels : id -> !ProfileOwnership.isArn(id);
        this.observer = b.observer;
    }

    /**
     * Returns a builder; resolver and meter are required.
     *
     * @return the builder
     */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Begins a call with a new call id and no cover.
     *
     * @see #begin(String, TenantContext, Operation, AdmissionRequest, Map, LogicalCall)
     */
    public LogicalCall begin(TenantContext tenant, Operation operation, AdmissionRequest request,
                             Map<String, String> attributes) {
        return begin(UsageRecord.newId(), tenant, operation, request, attributes, null);
    }

    /**
     * Begins a call and routes it (see the class comment).
     *
     * @param callId the id every record of the call carries
     * @param tenant the tenant
     * @param operation the operation
     * @param request what admission sizes the call by; its model is routed
     * @param attributes the record attributes of the call (end user, feature, ...)
     * @param cover an admitted call this one runs under, or {@code null}: a cover of the same tenant that is not
     *     over yet admits this call, which then hands its records to it when it ends
     * @return the routed call
     * @throws RuntimeException the resolver's exception when the model cannot be resolved, or the ownership rule's
     *     refusal of a named profile (recorded)
     */
    public LogicalCall begin(String callId, TenantContext tenant, Operation operation, AdmissionRequest request,
                             Map<String, String> attributes, @Nullable LogicalCall cover) {
        LogicalCall call = new LogicalCall(this, callId, tenant, operation, request, attributes);
        if (observer != null) {
            call.observe(observer, cover != null && cover.tenant().id().equals(tenant.id()) ? cover : null);
        }
        String model = request.model();
        try {
            if (!isLogicalModel(model)) {
                ResolvedProfile named;
                try {
                    named = ProfileOwnership.named(resolver, tenant, model);
                } catch (RuntimeException refused) {
                    throw call.reject(refused);
                }
                call.routed(named, balancer == null ? null : List.of(named));
            } else if (balancer == null) {
                call.routed(ProfileOwnership.resolve(resolver, tenant, model), null);
            } else {
                List<ResolvedProfile> ordered = balancer.order(ProfileOwnership.resolveAll(resolver, tenant, model));
                call.routed(ordered.get(0), ordered);
            }
        } catch (RuntimeException unrouted) {
            // A refusal has ended the call already; an unresolved model ends it here, so an observer sees its end.
            call.endUnrouted(unrouted);
            throw unrouted;
        }
        if (cover != null && cover.tenant().id().equals(tenant.id())) {
            call.coveredBy(cover);
        }
        return call;
    }

    /**
     * Resolves a further profile for a call (a fallback route), by the same ownership rule as {@link #begin}.
     *
     * @param tenant the tenant
     * @param model a logical model or a profile ARN
     * @return the profile
     * @throws RuntimeException when the model cannot be resolved or the profile is not the tenant's to use
     */
    public ResolvedProfile resolve(TenantContext tenant, String model) {
        return isLogicalModel(model) ? ProfileOwnership.resolve(resolver, tenant, model)
                : ProfileOwnership.named(resolver, tenant, model);
    }

    /**
     * Resolves a logical model again after a call to its profile failed because the profile seems gone (deleted or
     * replaced since the resolver cached it): the resolver {@linkplain TenantProfileResolver#invalidate forgets}
     * the tenant's profile for the model, then resolves it by the same ownership rule as {@link #begin}.
     *
     * @param tenant the tenant
     * @param logicalModel the logical model the gone profile was resolved for
     * @param gone the profile the failed call used
     * @return the profile to use now, or {@code null} when the resolver answers with the same profile (it does not
     *     see the profile gone, so another attempt on it would fail the same way)
     * @throws RuntimeException the resolver's exception when the model can no longer be resolved (e.g. an
     *     {@code UnknownTenantException} when the tenant's only profile was deleted)
     */
    public @Nullable ResolvedProfile resolveAgain(TenantContext tenant, String logicalModel, ResolvedProfile gone) {
        resolver.invalidate(tenant.id(), logicalModel);
        ResolvedProfile now = ProfileOwnership.resolve(resolver, tenant, logicalModel);
        return now.profileArn().equals(gone.profileArn()) ? null : now;
    }

    /**
     * Lets the resolver forget a call's profile when a model call to it failed because the profile seems gone, so
     * that the tenant's next call resolves its model again. For paths that keep a call on one profile (the SDK
     * interceptor); the chat pipeline also moves the failed call itself to the new profile
     * ({@link #resolveAgain}). Only a profile resolved for a logical model is forgotten, never one named by ARN.
     *
     * @param call the call whose attempt failed
     * @param error the attempt's failure
     * @param failure how the path's transport classified it
     * @return whether the resolver was told to forget the profile
     */
    public boolean forgetIfGone(LogicalCall call, Throwable error, TransportFailure failure) {
        ResolvedProfile profile = call.profile();
        if (profile == null || !isLogicalModel(call.request().model())
                || !GoneProfiles.gone(failure, error, profile)) {
            return false;
        }
        resolver.invalidate(call.tenant().id(), profile.logicalModel());
        return true;
    }

    /**
     * Returns whether a model id is a logical model the engine resolves per tenant, rather than a profile named
     * directly (which goes by the ownership rule for named profiles).
     *
     * @param model a model id
     * @return {@code true} for a logical model
     */
    public boolean isLogicalModel(String model) {
        return logicalModels.test(model);
    }

    UsageMeter meter() {
        return meter;
    }

    @Nullable Admission admission() {
        return admission;
    }

    @Nullable ProfileBalancer balancer() {
        return balancer;
    }

    @Nullable CallObserver observer() {
        return observer;
    }

    /**
     * Builds a {@link CallEngine}. Each setting may be set once. Not thread-safe; confine to one thread.
     */
    public static final class Builder {
        private final Map<String, Object> given = new HashMap<>();
        private TenantProfileResolver resolver;
        private UsageMeter meter;
        private @Nullable Admission admission;
        private @Nullable ProfileBalancer balancer;
        private @Nullable Predicate<String> logicalModels;
        private @Nullable CallObserver observer;

        private Builder() {
        }

        /** Sets how tenants' profiles are found (required). */
        public Builder resolver(TenantProfileResolver value) {
            ConfigurationException.requireFirstSet(given, "CallEngine.resolver", value);
            resolver = Objects.requireNonNull(value, "resolver");
            return this;
        }

        /** Sets the meter every attempt is recorded by (required). */
        public Builder meter(UsageMeter value) {
            ConfigurationException.requireFirstSet(given, "CallEngine.meter", value);
            meter = Objects.requireNonNull(value, "meter");
            return this;
        }

        /** Sets the admission (e.g. {@code Governance}); default: every call is admitted without asking. */
        public Builder admission(Admission value) {
            ConfigurationException.requireFirstSet(given, "CallEngine.admission", value);
            admission = Objects.requireNonNull(value, "admission");
            return this;
        }

        /** Spreads a logical model over the tenant's several profiles for it; default: the resolver's one. */
        public Builder balancer(ProfileBalancer value) {
            ConfigurationException.requireFirstSet(given, "CallEngine.balancer", value);
            balancer = Objects.requireNonNull(value, "balancer");
            return this;
        }

        /**
         * Sets which model ids are logical names to resolve; default every id that is not an ARN. Any other id goes
         * by the ownership rule for named profiles.
         */
        public Builder logicalModels(Predicate<String> value) {
            ConfigurationException.requireFirstSet(given, "CallEngine.logicalModels", value);
            logicalModels = Objects.requireNonNull(value, "logicalModels");
            return this;
        }

        /**
         * Sets who watches every logical call and attempt (e.g. to trace them); default none, and then the engine
         * makes no observer call and allocates nothing for it. See {@link CallObserver} for when it is called.
         *
         * @param value the observer
         * @return this builder
         */
        public Builder observer(CallObserver value) {
            ConfigurationException.requireFirstSet(given, "CallEngine.observer", value);
            observer = Objects.requireNonNull(value, "observer");
            return this;
        }

        /**
         * Builds the engine.
         *
         * @return the engine
         * @throws ConfigurationException if the resolver or the meter is missing
         */
        public CallEngine build() {
            if (resolver == null || meter == null) {
                throw new ConfigurationException("CallEngine needs a resolver and a meter");
            }
            return new CallEngine(this);
        }
    }
}
