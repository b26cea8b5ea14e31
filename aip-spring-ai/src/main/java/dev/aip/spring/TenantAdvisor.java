package dev.aip.spring;

import dev.aip.core.UnknownTenantException;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.metering.CallInfo;
import dev.aip.core.metering.Meter;
import dev.aip.core.metering.Outcome;
import dev.aip.core.profile.ProfileOwnership;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.profile.TenantProfileResolver;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.TenantScope;
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
 * shares ({@link ProfileOwnership}): the tenant's own profile or a shared one is admitted as above and sent there;
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
    private final TenantProfileResolver resolver;
    private final AdmissionGate gate;
    private final Meter meter;
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
    public TenantAdvisor(TenantDirectory tenants, TenantProfileResolver resolver, AdmissionGate gate, Meter meter,
                         String defaultModel) {
        this.tenants = Objects.requireNonNull(tenants, "tenants");
        this.resolver = Objects.requireNonNull(resolver, "resolver");
        this.gate = gate;
        this.meter = Objects.requireNonNull(meter, "meter");
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
        AdmissionGate.Cover cover = admit(tenant, request.prompt(), false);
        try {
            ChatClientRequest tagged = request.mutate()
                    .prompt(Prompts.tag(request.prompt(), tenant, cover == null ? null : cover.id)).build();
            return TenantScope.get(tenant, () -> chain.nextCall(tagged));
        } finally {
            if (cover != null) {
                cover.end();
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
            AdmissionGate.Cover cover;
            try {
                cover = admit(tenant, request.prompt(), true);
            } catch (RuntimeException refused) {
                return Flux.error(refused);
            }
            ChatClientRequest tagged = request.mutate()
                    .prompt(Prompts.tag(request.prompt(), tenant, cover == null ? null : cover.id)).build();
            Flux<ChatClientResponse> answer = TenantAwareChatModel.scoped(tenant, chain.nextStream(tagged))
                    .contextWrite(c -> c.put(TenantAwareChatModel.TENANT_KEY, tenant));
            return cover == null ? answer : answer.doFinally(signal -> cover.end());
        });
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
     * Checks the profile the call names and admits the call; returns {@code null} when there is nothing to admit (no
     * governance). A named profile ARN is checked even without governance, so that a refused call does no other
     * advisor's work.
     */
    private AdmissionGate.Cover admit(TenantContext tenant, Prompt prompt, boolean streaming) {
        String model = Prompts.model(prompt, defaultModel);
        if (model == null) {
            return null;
        }
        boolean named = ProfileOwnership.isArn(model);
        if (gate == null && !named) {
            return null;
        }
        ChatRequest asked = Prompts.asRequest(prompt, model);
        ResolvedProfile profile;
        if (named) {
            try {
                profile = ProfileOwnership.named(resolver, tenant, model);
            } catch (RuntimeException refused) {
                rejected(tenant, model, null, asked, streaming, refused);
                throw refused;
            }
        } else {
            profile = ProfileOwnership.resolve(resolver, tenant, model);
        }
        if (gate == null) {
            return null;
        }
        try {
            return gate.admitCall(tenant, asked, profile);
        } catch (RuntimeException refusal) {
            rejected(tenant, model, profile, asked, streaming, refusal);
            throw refusal;
        }
    }

    /** The one {@code REJECTED_BY_POLICY} record of a call refused here; nothing of it reaches the model. */
    private void rejected(TenantContext tenant, String model, ResolvedProfile profile, ChatRequest asked,
                          boolean streaming, RuntimeException refusal) {
        CallInfo.Builder info = CallInfo.builder().tenant(tenant).operation(streaming ? "ConverseStream" : "Converse")
                .requestedModel(model).streaming(streaming)
                .estimatedInputTokens(Meter.estimateTokens(asked.inputChars()));
        if (profile != null) {
            info.profileArn(profile.profileArn()).profileId(profile.profileId())
                    .sourceModelId(profile.sourceModelId()).region(profile.region()).pooled(profile.pooled());
        }
        meter.start(info.build()).fail(Outcome.REJECTED_BY_POLICY, refusal.getClass().getSimpleName());
    }

    private static UnknownTenantException noTenant() {
        return new UnknownTenantException("A ChatClient call has no tenant: pass advisors(a -> a.param("
                + "TenantAdvisor.TENANT, tenantId)), run it inside TenantScope, or send the request with the tenant"
                + " header or claim the TenantResolver reads");
    }
}
