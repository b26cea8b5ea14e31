package dev.aip.spring;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.chat.CallObserver;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantScope;
import dev.aip.opentelemetry.TracingCallObserver;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.model.bedrock.converse.autoconfigure.BedrockConverseProxyChatAutoConfiguration;
import org.springframework.ai.model.chat.client.autoconfigure.ChatClientAutoConfiguration;
import org.springframework.ai.model.tool.autoconfigure.ToolCallingAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.Message;

/** Traces are on with an OpenTelemetry bean and aip-opentelemetry, and off otherwise, leaving calls untouched. */
class AipTracingAutoConfigurationTest {

    private static final AttributeKey<Long> ATTEMPT = AttributeKey.longKey("aip.attempt");

    private final InMemorySpanExporter exporter = InMemorySpanExporter.create();

    private ApplicationContextRunner runner(Path dir) throws Exception {
        Path policies = dir.resolve("policies.yaml");
        Files.writeString(policies, """
                defaults:
                  allowedModels: ["*"]
                  requestsPerMinute: 1000
                """, StandardCharsets.UTF_8);
        return new ApplicationContextRunner()
                .withConfiguration(AutoConfigurations.of(AipAutoConfiguration.class,
                        AipSpringAiAutoConfiguration.class, AipTracingAutoConfiguration.class,
                        ToolCallingAutoConfiguration.class, BedrockConverseProxyChatAutoConfiguration.class,
                        ChatClientAutoConfiguration.class))
                .withPropertyValues("spring.ai.bedrock.aws.region=us-east-1",
                        "aip.emulator.enabled=true",
                        "aip.profiles.routes.claude-haiku=us.anthropic.claude-3-5-haiku-20241022-v1:0",
                        "aip.tenants.acme.tier=premium",
                        "aip.policy-file=" + policies,
                        "spring.ai.bedrock.converse.chat.options.model=claude-haiku");
    }

    private OpenTelemetry openTelemetry() {
        return OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
                .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build()).build();
    }

    private static void converse(BedrockRuntimeClient client) {
        TenantScope.run(TenantContext.of("acme"), () -> client.converse(r -> r.modelId("claude-haiku")
                .messages(Message.builder().role(ConversationRole.USER).content(ContentBlock.fromText("Hi")).build())));
    }

    @Test
    void openTelemetryBean_tracesSdkCallsAndNestsModelCallsUnderTheChatClientCall(@TempDir Path dir) throws Exception {
        runner(dir).withBean(OpenTelemetry.class, this::openTelemetry).run(context -> {
            assertThat(context).hasNotFailed().hasSingleBean(TracingCallObserver.class);

            converse(context.getBean(BedrockRuntimeClient.class));
            List<SpanData> sdk = exporter.getFinishedSpanItems();
            assertThat(sdk).hasSize(2);
            assertThat(sdk).filteredOn(s -> s.getAttributes().get(ATTEMPT) == null).singleElement()
                    .satisfies(s -> assertThat(s.getName()).isEqualTo("chat claude-haiku"));
            exporter.reset();

            context.getBean(ChatClient.Builder.class).build().prompt().user("Hi")
                    .advisors(a -> a.param(TenantAdvisor.TENANT, "acme")).call().content();
            List<SpanData> spans = exporter.getFinishedSpanItems();
            List<SpanData> calls = spans.stream().filter(s -> s.getAttributes().get(ATTEMPT) == null).toList();
            assertThat(calls).hasSize(2);   // the ChatClient call and its one model call
            SpanData chatClientCall = calls.stream()
                    .filter(s -> !s.getParentSpanContext().isValid()).findFirst().orElseThrow();
            SpanData modelCall = calls.stream().filter(s -> s != chatClientCall).findFirst().orElseThrow();
            assertThat(modelCall.getParentSpanId()).isEqualTo(chatClientCall.getSpanId());
            assertThat(spans).filteredOn(s -> s.getAttributes().get(ATTEMPT) != null).singleElement()
                    .satisfies(a -> assertThat(a.getParentSpanId()).isEqualTo(modelCall.getSpanId()));
        });
    }

    @Test
    void noOpenTelemetryBean_noObserverAndCallsRunUntraced(@TempDir Path dir) throws Exception {
        runner(dir).run(context -> {
            assertThat(context).hasNotFailed().doesNotHaveBean(CallObserver.class);
            converse(context.getBean(BedrockRuntimeClient.class));
            assertThat(exporter.getFinishedSpanItems()).isEmpty();
        });
    }

    @Test
    void tracingDisabled_noObserver(@TempDir Path dir) throws Exception {
        runner(dir).withBean(OpenTelemetry.class, this::openTelemetry).withPropertyValues("aip.tracing.enabled=false")
                .run(context -> {
                    assertThat(context).hasNotFailed().doesNotHaveBean(CallObserver.class);
                    converse(context.getBean(BedrockRuntimeClient.class));
                    assertThat(exporter.getFinishedSpanItems()).isEmpty();
                });
    }

    @Test
    void withoutAipOpenTelemetryOnTheClassPath_startsWithoutTraces(@TempDir Path dir) throws Exception {
        runner(dir).withClassLoader(new FilteredClassLoader(TracingCallObserver.class, OpenTelemetry.class))
                .run(context -> {
                    assertThat(context).hasNotFailed().doesNotHaveBean(CallObserver.class);
                    converse(context.getBean(BedrockRuntimeClient.class));
                });
    }
}
