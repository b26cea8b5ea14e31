package dev.aip.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aip.core.tenant.TenantId;
import dev.aip.emulator.BedrockEmulator;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.ai.bedrock.converse.BedrockChatOptions;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.model.bedrock.converse.autoconfigure.BedrockConverseProxyChatAutoConfiguration;
import org.springframework.ai.model.chat.client.autoconfigure.ChatClientAutoConfiguration;
import org.springframework.ai.model.tool.autoconfigure.ToolCallingAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.http.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.autoconfigure.jackson.JacksonAutoConfiguration;
import org.springframework.boot.autoconfigure.web.servlet.DispatcherServletAutoConfiguration;
import org.springframework.boot.autoconfigure.web.servlet.WebMvcAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableWebApplicationContext;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * A servlet application in dev mode, through MockMvc: which tenants a request may name, and how an unexpected failure
 * is answered and logged.
 */
class WebTenantsAndErrorsTest {

    static final String HAIKU = "us.anthropic.claude-3-5-haiku-20241022-v1:0";
    static final ObjectMapper JSON = new ObjectMapper();

    private final WebApplicationContextRunner runner = new WebApplicationContextRunner()
            .withConfiguration(AutoConfigurations.of(AipAutoConfiguration.class, AipSpringAiAutoConfiguration.class,
                    AipWebAutoConfiguration.class, ToolCallingAutoConfiguration.class,
                    BedrockConverseProxyChatAutoConfiguration.class, ChatClientAutoConfiguration.class,
                    WebMvcAutoConfiguration.class, DispatcherServletAutoConfiguration.class,
                    HttpMessageConvertersAutoConfiguration.class, JacksonAutoConfiguration.class))
            .withUserConfiguration(Taglines.class)
            .withPropertyValues("spring.ai.bedrock.aws.region=us-east-1", "aip.emulator.enabled=true",
                    "aip.profiles.routes.claude-haiku=" + HAIKU, "aip.tenants.acme.tier=premium",
                    "spring.ai.bedrock.converse.chat.options.model=claude-haiku");

    @Test
    void provisioning_unlistedTenant_is403BeforeAnyProfileIsCreated_andAListedOneIsServed() {
        runner.run(web(mvc -> {
            MockHttpServletResponse stranger = call(mvc, "made-up", "claude-haiku");
            MockHttpServletResponse acme = call(mvc, "acme", "claude-haiku");

            assertThat(stranger.getStatus()).isEqualTo(403);
            assertThat(stranger.getContentType()).startsWith("application/problem+json");
            JsonNode problem = JSON.readTree(stranger.getContentAsString());
            assertThat(problem.path("title").asText()).isEqualTo("unknown_tenant");
            assertThat(problem.path("status").asInt()).isEqualTo(403);
            assertThat(problem.path("tenant").asText()).isEqualTo("made-up");
            assertThat(problem.path("detail").asText()).contains("made-up", "not known");
            assertThat(acme.getStatus()).isEqualTo(200);
            assertThat(acme.getContentAsString()).isNotBlank();
        }, context -> {
            BedrockEmulator emulator = context.getBean(BedrockEmulator.class);
            assertThat(emulator.invocations()).extracting(i -> i.requestMetadata().get("tenantId"))
                    .containsExactly("acme");
        }));
    }

    @Test
    void provisioning_knownOnlyFalseSetExplicitly_provisionsAnyTenant() {
        runner.withPropertyValues("aip.tenant.known-only=false").run(web(mvc -> {
            MockHttpServletResponse stranger = call(mvc, "made-up", "claude-haiku");

            assertThat(stranger.getStatus()).isEqualTo(200);
        }, context -> assertThat(context.getBean(BedrockEmulator.class).invocations())
                .extracting(i -> i.requestMetadata().get("tenantId")).containsExactly("made-up")));
    }

    @Test
    void invalidTenantId_is400NamingTheRule() {
        runner.run(web(mvc -> {
            MockHttpServletResponse bad = call(mvc, "no spaces allowed", "claude-haiku");

            assertThat(bad.getStatus()).isEqualTo(400);
            JsonNode problem = JSON.readTree(bad.getContentAsString());
            assertThat(problem.path("title").asText()).isEqualTo("invalid_tenant_id");
            assertThat(problem.path("detail").asText()).contains("disallowed character", TenantId.PATTERN);
        }, context -> assertThat(context.getBean(BedrockEmulator.class).invocations()).isEmpty()));
    }

    @Test
    void knownOnly_defaultsByStrategy() {
        AipProperties properties = new AipProperties();
        assertThat(AipWebAutoConfiguration.knownOnly(properties)).isFalse();
        properties.getEmulator().setEnabled(true);
        assertThat(AipWebAutoConfiguration.knownOnly(properties)).isTrue();
        properties.getProfiles().setStrategy(AipProperties.Strategy.TAGS);
        assertThat(AipWebAutoConfiguration.knownOnly(properties)).isFalse();
        properties.getTenant().setKnownOnly(true);
        assertThat(AipWebAutoConfiguration.knownOnly(properties)).isTrue();
        properties.getProfiles().setStrategy(AipProperties.Strategy.PROVISIONING);
        properties.getTenant().setKnownOnly(false);
        assertThat(AipWebAutoConfiguration.knownOnly(properties)).isFalse();
    }

    @Test
    void unexpectedFailure_isLoggedAtErrorOnce_withTheRequestIdTheAnswerCarries() {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        root.addAppender(logged);
        try {
            runner.run(web(mvc -> {
                // A model nobody routed: a misconfiguration that surfaces only when a call names it.
                MockHttpServletResponse failed = call(mvc, "acme", "claude-sonnet");

                assertThat(failed.getStatus()).isEqualTo(500);
                JsonNode problem = JSON.readTree(failed.getContentAsString());
                assertThat(problem.path("detail").asText()).isEqualTo("Internal error.");
                String requestId = problem.path("requestId").asText();
                assertThat(requestId).isNotBlank();
                assertThat(failed.getHeader(AipExceptionHandler.REQUEST_ID_HEADER)).isEqualTo(requestId);
                List<ILoggingEvent> errors = logged.list.stream().filter(e -> e.getLevel() == Level.ERROR)
                        .filter(e -> e.getFormattedMessage().contains(requestId)).toList();
                assertThat(errors).singleElement().satisfies(e -> {
                    assertThat(e.getFormattedMessage()).contains("aip.profiles.routes.claude-sonnet");
                    assertThat(e.getThrowableProxy()).isNotNull();
                });
            }, context -> { }));
        } finally {
            root.detachAppender(logged);
        }
    }

    private static MockHttpServletResponse call(MockMvc mvc, String tenant, String model) throws Exception {
        return mvc.perform(get("/tagline").param("model", model).header("X-Tenant-Id", tenant)).andReturn()
                .getResponse();
    }

    interface MvcCheck {
        void check(MockMvc mvc) throws Exception;
    }

    private static org.springframework.boot.test.context.runner.ContextConsumer<AssertableWebApplicationContext> web(
            MvcCheck check, Consumer<AssertableWebApplicationContext> after) {
        return context -> {
            assertThat(context).hasNotFailed();
            FilterRegistrationBean<?> filter = context.getBean("aipTenantFilter", FilterRegistrationBean.class);
            MockMvc mvc = MockMvcBuilders.webAppContextSetup(
                            context.getSourceApplicationContext())
                    .addFilters(filter.getFilter()).build();
            check.check(mvc);
            after.accept(context);
        };
    }

    @Configuration(proxyBeanMethods = false)
    static class Taglines {
        @Bean
        TaglineController taglineController(ChatClient.Builder chat) {
            return new TaglineController(chat.build());
        }
    }

    @RestController
    static class TaglineController {
        private final ChatClient chat;

        TaglineController(ChatClient chat) {
            this.chat = chat;
        }

        @GetMapping("/tagline")
        String tagline(@RequestParam String model) {
            return chat.prompt().user("A tagline for fresh bread")
                    .options(BedrockChatOptions.builder().model(model).build()).call().content();
        }
    }
}
