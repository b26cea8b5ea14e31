package dev.aip.spring;

import dev.aip.core.UnknownTenantException;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantScope;
import java.util.Objects;
import org.reactivestreams.Publisher;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import reactor.core.publisher.Flux;

/**
 * A Spring AI {@link ChatModel} that makes every call on behalf of the current tenant, for a delegate (normally
 * Spring AI's {@code BedrockProxyChatModel}) built on aip's instrumented Bedrock clients.
 *
 * <p>The tenant is, in order: the Reactor context entry {@link #TENANT_KEY} (streams only), the
 * {@link TenantScope} of the thread that called {@code call} or {@code stream}; without one the call fails with
 * {@link UnknownTenantException}. The call then runs in that tenant's scope (a stream is also subscribed in it), and
 * the tenant id goes into the prompt's user-message metadata, which Spring AI sends as {@code requestMetadata}:
 * that keeps the tenant on the model calls a streaming tool loop makes on other threads.
 *
 * <pre>{@code
 * ChatModel chat = new TenantAwareChatModel(bedrockProxyChatModel);
 * String answer = TenantScope.get(TenantContext.of("acme"), () -> chat.call("Hello"));
 * Flux<ChatResponse> s = chat.stream(prompt).contextWrite(c -> c.put(TenantAwareChatModel.TENANT_KEY, acme));
 * }</pre>
 *
 * <p>Routing, governance and metering happen in the SDK clients, one record per Bedrock call (also inside tool
 * loops, where Spring AI's own usage figures are running totals).
 *
 * <p>Thread-safe if the delegate is.
 */
public final class TenantAwareChatModel implements ChatModel {

    /** Reactor context key holding the {@link TenantContext} of a stream. */
    public static final String TENANT_KEY = "aip.tenant";

    private final ChatModel delegate;

    /**
     * Wraps a chat model.
     *
     * @param delegate the chat model, built on aip-instrumented Bedrock clients
     */
    public TenantAwareChatModel(ChatModel delegate) {
        this.delegate = Objects.requireNonNull(delegate, "delegate");
    }

    /** @return the wrapped chat model */
    public ChatModel delegate() {
        return delegate;
    }

    @Override
    public ChatResponse call(Prompt prompt) {
        TenantContext tenant = TenantScope.require();
        return TenantScope.get(tenant, () -> delegate.call(Prompts.tag(prompt, tenant, null)));
    }

    @Override
    public Flux<ChatResponse> stream(Prompt prompt) {
        TenantContext captured = TenantScope.current().orElse(null);
        return Flux.deferContextual(ctx -> {
            TenantContext tenant = ctx.getOrDefault(TENANT_KEY, captured);
            if (tenant == null) {
                return Flux.error(new UnknownTenantException("A Spring AI stream has no tenant: subscribe it with"
                        + " contextWrite(c -> c.put(TenantAwareChatModel.TENANT_KEY, tenant)) or call stream(...)"
                        + " inside TenantScope"));
            }
            return scoped(tenant, delegate.stream(Prompts.tag(prompt, tenant, null)));
        });
    }

    @Override
    public ChatOptions getDefaultOptions() {
        return delegate.getDefaultOptions();
    }

    /** Subscribes {@code flux} inside the tenant's scope, so the SDK call made at subscription sees the tenant. */
    static <T> Flux<T> scoped(TenantContext tenant, Flux<T> flux) {
        Publisher<T> inScope = subscriber -> TenantScope.run(tenant, () -> flux.subscribe(subscriber));
        return Flux.from(inScope);
    }
}
