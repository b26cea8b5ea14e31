package dev.aip.opentelemetry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.bedrock.BedrockChatTransport;
import dev.aip.core.bedrock.TenantRoutingInterceptor;
import dev.aip.core.chat.ChatClient;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatPipeline;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.ChatTransport;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.profile.TenantProfileResolver;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantScope;
import dev.aip.testkit.EmulatorFixture;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.Message;

/**
 * The README's "Traces" code, exactly as printed there (ReadmeSnippetsTest in aip-core checks it), on the emulator:
 * if this breaks, the README lies.
 */
class ReadmeTracingTest {

    @Test
    void readme_pipelineAndInterceptorWithTheObserver_traceEveryCall() {
        InMemorySpanExporter exporter = InMemorySpanExporter.create();
        try (EmulatorFixture fx = EmulatorFixture.start("acme");
             OpenTelemetrySdk sdk = OpenTelemetrySdk.builder().setTracerProvider(SdkTracerProvider.builder()
                     .addSpanProcessor(SimpleSpanProcessor.create(exporter)).build()).build()) {
            OpenTelemetry openTelemetry = sdk;
            TenantProfileResolver resolver = fx.resolver();
            UsageMeter meter = fx.meter();
            ChatTransport transport = BedrockChatTransport.builder().client(fx.runtimeClient()).build();

            // --- as in the README ---
            TracingCallObserver tracing = TracingCallObserver.builder(openTelemetry).build();
            ChatClient chat = ChatPipeline.builder().resolver(resolver).meter(meter).transport(transport)
                    .observer(tracing)
                    .build();
            TenantRoutingInterceptor routing = TenantRoutingInterceptor.builder().resolver(resolver).meter(meter)
                    .observer(tracing)
                    .build();
            // --- end ---

            chat.chat(TenantContext.of("acme"),
                    ChatRequest.builder().model(EmulatorFixture.MODEL).message(ChatMessage.user("Hello")).build());
            BedrockRuntimeClient sdkClient = fx.runtimeClient(routing);
            TenantScope.run(TenantContext.of("acme"), () -> sdkClient.converse(r -> r.modelId(EmulatorFixture.MODEL)
                    .messages(Message.builder().role(ConversationRole.USER).content(ContentBlock.fromText("Hi"))
                            .build())));

            assertThat(exporter.getFinishedSpanItems()).hasSize(4)
                    .extracting(SpanData::getName).containsOnly("chat " + EmulatorFixture.MODEL);
            assertThat(exporter.getFinishedSpanItems())
                    .filteredOn(s -> s.getAttributes().get(TracingCallObserver.ATTEMPT) == null).hasSize(2)
                    .allSatisfy(s -> assertThat(s.getAttributes().get(TracingCallObserver.TENANT_ID))
                            .isEqualTo("acme"));
        }
    }
}
