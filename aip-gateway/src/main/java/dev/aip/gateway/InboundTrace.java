package dev.aip.gateway;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.util.List;
import org.springframework.http.HttpHeaders;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Continues a caller's trace: extracts the trace context of each request ({@code traceparent} and
 * {@code tracestate}, with the application's configured propagators, or W3C Trace Context when none is configured)
 * and hands it to the call as its {@link CallParent}, so the call's span (and its attempts) are children of the
 * caller's span. When the thread that begins the call already has a current span (an agent or the host's own
 * instrumentation made a server span of the request), that span stays the parent.
 *
 * <p>Thread-safe; one per application.
 */
final class InboundTrace implements WebFilter {

    private static final TextMapGetter<HttpHeaders> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(HttpHeaders carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(HttpHeaders carrier, String key) {
            if (carrier == null) {
                return null;
            }
            List<String> values = carrier.get(key);
            return values == null || values.isEmpty() ? null : values.get(0);
        }
    };

    private final TextMapPropagator propagator;

    InboundTrace(OpenTelemetry openTelemetry) {
        TextMapPropagator configured = openTelemetry.getPropagators().getTextMapPropagator();
        this.propagator = configured.fields().isEmpty() ? W3CTraceContextPropagator.getInstance() : configured;
    }

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        Context extracted = propagator.extract(Context.root(), exchange.getRequest().getHeaders(), HEADERS);
        if (!Span.fromContext(extracted).getSpanContext().isValid()) {
            return chain.filter(exchange);
        }
        CallParent parent = () -> {
            if (Span.current().getSpanContext().isValid()) {
                return CallParent.NONE;
            }
            Scope scope = extracted.makeCurrent();
            return scope::close;
        };
        return chain.filter(exchange).contextWrite(c -> c.put(CallParent.KEY, parent));
    }
}
