package dev.aip.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.boot.http.client.ClientHttpRequestFactoryBuilder;
import org.springframework.boot.http.client.JdkClientHttpRequestFactoryBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.http.HttpStatusCode;
import org.springframework.web.client.RestClient;

/**
 * Adding aip to a Spring Boot application leaves the application's own HTTP client as it was: aip brings no HTTP
 * client that Spring Boot would pick for {@code RestClient}, {@code RestTemplate} or {@code TestRestTemplate}.
 */
class HostHttpClientSpringTest {

    @Test
    void classPath_withAip_holdsNoApacheHttpClient5() {
        assertThatThrownBy(() -> Class.forName("org.apache.hc.client5.http.impl.classic.HttpClients"))
                .isInstanceOf(ClassNotFoundException.class);
        assertThat(ClientHttpRequestFactoryBuilder.detect()).isInstanceOf(JdkClientHttpRequestFactoryBuilder.class);
    }

    @Test
    void restClient_postAnswered429WithRetryAfter_returns429AfterOneRequest() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        AtomicInteger requests = new AtomicInteger();
        server.createContext("/orders", exchange -> {
            requests.incrementAndGet();
            exchange.getRequestBody().readAllBytes();
            exchange.getResponseHeaders().add("Retry-After", "1");
            exchange.sendResponseHeaders(429, -1);
            exchange.close();
        });
        server.start();
        try (ConfigurableApplicationContext context = HostApplication.start()) {
            assertThat(context.getBean(ClientHttpRequestFactoryBuilder.class))
                    .isInstanceOf(JdkClientHttpRequestFactoryBuilder.class);
            RestClient http = context.getBean(RestClient.Builder.class)
                    .baseUrl("http://localhost:" + server.getAddress().getPort()).build();

            HttpStatusCode status = http.post().uri("/orders").body("{\"item\":1}")
                    .exchange((request, response) -> response.getStatusCode());

            assertThat(status.value()).isEqualTo(429);
            assertThat(requests).hasValue(1);
        } finally {
            server.stop(0);
        }
    }
}
