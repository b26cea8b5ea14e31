package dev.aip.gateway;

import java.util.UUID;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.web.server.ServerWebExchange;
import org.springframework.web.server.WebFilter;
import org.springframework.web.server.WebFilterChain;
import reactor.core.publisher.Mono;

/**
 * Gives every answer an {@code x-request-id} header ({@code req_} and 32 hex digits), as OpenAI does: successes,
 * streams and errors alike, set when the response commits so that no error writer can drop it. The id is logged with
 * unexpected failures, so a user can quote it.
 *
 * <p>Thread-safe: stateless.
 */
@Order(Ordered.HIGHEST_PRECEDENCE)
final class RequestIds implements WebFilter {

    static final String HEADER = "x-request-id";

    @Override
    public Mono<Void> filter(ServerWebExchange exchange, WebFilterChain chain) {
        String id = "req_" + UUID.randomUUID().toString().replace("-", "");
        exchange.getAttributes().put(HEADER, id);
        exchange.getResponse().beforeCommit(() -> {
            exchange.getResponse().getHeaders().set(HEADER, id);
            return Mono.empty();
        });
        return chain.filter(exchange);
    }
}
