package dev.aip.spring;

import dev.aip.core.UnknownTenantException;
import dev.aip.core.chat.CallEngine;
import dev.aip.core.chat.CallObserver;
import dev.aip.core.chat.LogicalCall;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.metering.Operation;
import dev.aip.core.profile.TenantProfileResolver;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.TenantScope;
import java.util.Map;
import java.util.Objects;
import org.springframework.ai.chat.client.ChatClientRequest;
import org.springframework.ai.chat.client.ChatClientResponse;
import org.springframework.ai.chat.client.advisor.api.CallAdvisor;
import org.springframework.ai.chat.client.advisor.api.CallAdvisorChain;
import org.springframework.ai.chat.client.advisor.api.StreamAdvisor;
import org.springframework.ai.chat.client.advisor.api.StreamAdvisorChain;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.core.Ordered;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The ChatClient advisor of aip: binds each ChatClient call to its tenant and admits it once, before anything else
 * runs, with the tenant's governance.
 *
 * <pre>{@code
 * ChatClient chat = ChatClient.builder(chatModel).defaultAdvisors(tenantAdvisor).build();
 * chat.prompt().user("Hello").advisors(a -> a.param(TenantAdvisor.TENANT, "acme")).call().content();
 * }</pre>
 * (With the Spring Boot auto-configuration the advisor is already on the auto-configured {@code ChatClient.Builder},
 * and a web request's tenant comes from the {@link TenantResolver}.)
 *
 * <p><b>Tenant</b>, in order: the advisor parameter {@value #TENANT} (a {@link TenantContext}, or a tenant id looked
 * up in the {@link TenantDirectory}); for streams the Reactor context entry {@link TenantAwareChatModel#TENANT_KEY};
 * the {@link TenantScope} of the calling thread (set by aip's servlet filter for web requests). Without one the
 * call fails with {@link UnknownTenantException}.
 *
 * <p><b>Admission</b> happens once per ChatClient call, here: the tenant's profile for the requested model is
 * resolved and the governance asked. A refusal (e.g. {@link dev.aip.core.RateLimitExceededException}) is thrown by
 * {@code call()} or signalled by the stream, leaves one {@code REJECTED_BY_POLICY} usage record, and no model call
 * is made. The model calls the ChatClient call then makes (every round of a tool loop) are still routed and metered
 * one by one by the SDK interceptor, but not admitted again: they run under this call's permit, which settles to
 * their real usage when the call ends (normally, by failure, or when a stream is cancelled).
 *
 * <p><b>Profiles named by ARN.</b> A prompt whose model is a profile ARN goes by the ownership rule every aip path
 * shares (the one every path applies): the tenant's own profile or a shared one is admitted as above and sent there;
 * another tenant's profile, or one the resolver does not know, is refused here with a
 * {@link dev.aip.core.ProfileResolutionException}, with or without governance, leaving one
 * {@code REJECTED_BY_POLICY} record, and no model call is made.
 *
 * <p>Order: {@link #ORDER}, early, so that memory or RAG advisors do no work for a refused call.
 *
 * <p>Thread-safe; share one instance.
 */
public final class TenantAdvisor implements CallAdvisor, StreamAdvisor {

    /** Advisor parameter naming the tenant: a {@link TenantContext} or a tenant id. */
    public static final String TENANT = "aip.tenant";

    /** The advisor's order: just after the highest precedence. */
    public static final int ORDER = Ordered.HIGHEST_PRECEDENCE + 1000;

    private final TenantDirectory tenants;
    private final AdmissionGate gate;
    private final CallEngine engine;
    private final String defaultModel;

    /**
     * Creates the advisor (the Spring Boot auto-configuration makes one; use this without Boot).
     *
     * @param tenants the known tenants, for tenant ids given as advisor parameters
     * @param resolver resolves the profile a call is admitted for
     * @param gate the admission gate whose governance admits each ChatClient call, or {@code null} to admit none
     *     here (model calls are then admitted one by one, if the SDK interceptor has an admission)
     * @param meter records refused calls
     * @param defaultModel the chat model's default logical model, used when a prompt names none; may be {@code null}
     */
    public TenantAdvisor(TenantDirectory tenants, TenantProfileResolver resolver, AdmissionGate gate, UsageMeter meter,
                         String defaultModel) {
        this(tenants, resolver, gate, meter, defaultModel, null);
    }

    /**
     * Creates the advisor with an observer that watches each ChatClient call (e.g. a {@code TracingCallObserver}
     * of {@code aip-opentelemetry}: the call's span then parents the spans of the model calls it makes).
     *
     * @param tenants the known tenants, for tenant ids given as advisor parameters
     * @param resolver resolves the profile a call is admitted for
     * @param gate the admission gate, or {@code null} (see the other constructor)
     * @param meter records refused calls
     * @param defaultModel the chat model's default logical model; may be {@code null}
     * @param observer watches each ChatClient call, or {@code null} for none
     */
    public TenantAdvisor(TenantDirectory tenants, TenantProfileResolver resolver, AdmissionGate gate, UsageMeter meter,
                         String defaultModel, CallObserver observer) {
        this.tenants = Objects.requireNonNull(tenants, "tenants");
        this.gate = gate;
        CallEngine.Builder engine = CallEngine.builder().resolver(Objects.requireNonNull(resolver, "resolver"))
                .meter(Objects.requireNonNull(meter, "meter"));
        if (gate != null) {
            engine.admission(gate.admission());
        }
        if (observer != null) {
            engine.observer(observer);
        }
        this.engine = engine.build();
        this.defaultModel = defaultModel;
    }

    @Override
    public String getName() {
        return "aipTenantAdvisor";
    }

    @Override
    public int getOrder() {
        return ORDER;
    }

    @Override
    public ChatClientResponse adviseCall(ChatClientRequest request, CallAdvisorChain chain) {
        TenantContext tenant = tenantOf(request, null);
        if (tenant == null) {
            throw noTenant();
        }
        LogicalCall call = begin(tenant, request.prompt(), false);
        if (call != null) {
            call.admit();
        }
        String cover = call == null ? null : gate.open(call);
        try {
            ChatClientRequest tagged = request.mutate().prompt(Prompts.tag(request.prompt(), tenant, cover)).build();
            return TenantScope.get(tenant, () -> chain.nextCall(tagged));
        } finally {
            if (call != null) {
                gate.close(cover);
                call.end();
            }
        }
    }

    @Override
    public Flux<ChatClientResponse> adviseStream(ChatClientRequest request, StreamAdvisorChain chain) {
        TenantContext captured = tenantOf(request, null);
        return Flux.deferContextual(ctx -> {
            TenantContext tenant = captured != null ? captured : ctx.getOrDefault(TenantAwareChatModel.TENANT_KEY,
                    null);
            if (tenant == null) {
                return Flux.error(noTenant());
            }
            LogicalCall call;
            try {
                call = begin(tenant, request.prompt(), true);
            } catch (RuntimeException refused) {
                return Flux.error(refused);
            }
            if (call == null) {
                return answer(request, chain, tenant, null);
            }
            // Admitted without parking a thread; the call ends once, however the stream ends (a cancel while the
            // admission is pending included: a permit granted after that is released at once).
            String[] cover = new String[1];
            return Mono.fromCompletionStage(call.admitAsync())
                    .thenMany(Flux.defer(() -> {
                        cover[0] = gate.open(call);
                        return answer(request, chain, tenant, cover[0]);
                    }))
                    .doFinally(signal -> {
                        gate.close(cover[0]);
                        call.end();
                    });
        });
    }

    private static Flux<ChatClientResponse> answer(ChatClientRequest request, StreamAdvisorChain chain,
                                                   TenantContext tenant, String cover) {
        ChatClientRequest tagged = request.mutate().prompt(Prompts.tag(request.prompt(), tenant, cover)).build();
        return TenantAwareChatModel.scoped(tenant, chain.nextStream(tagged))
                .contextWrite(c -> c.put(TenantAwareChatModel.TENANT_KEY, tenant));
    }

    private TenantContext tenantOf(ChatClientRequest request, TenantContext fallback) {
        Object named = request.context().get(TENANT);
        if (named instanceof TenantContext t) {
            return t;
        }
        if (named instanceof String id) {
            return tenants.contextOf(TenantId.of(id));
        }
        if (named instanceof TenantId id) {
            return tenants.contextOf(id);
        }
        return TenantScope.current().orElse(fallback);
    }

    /**
     * Begins the ChatClient call on the engine, which checks a named profile by the ownership rule (a refusal is
     * recorded and thrown, with or without governance, so that a refused call does no other advisor's work); returns
     * {@code null} when there is nothing to admit here (no governance).
     */
    private LogicalCall begin(TenantContext tenant, Prompt prompt, boolean streaming) {
        String model = Prompts.model(prompt, defaultModel);
        if (model == null || gate == null && engine.isLogicalModel(model)) {
            return null;
        }
        LogicalCall call = engine.begin(tenant, streaming ? Operation.CONVERSE_STREAM : Operation.CONVERSE,
                Prompts.admissionOf(prompt, model), Map.of());
        if (gate == null) {
            call.end();
            return null;
        }
        return call;
    }

    private static UnknownTenantException noTenant() {
        return new UnknownTenantException("A ChatClient call has no tenant: pass advisors(a -> a.param("
                + "TenantAdvisor.TENANT, tenantId)), run it inside TenantScope, or send the request with the tenant"
                + " header or claim the TenantResolver reads");
    }
}
