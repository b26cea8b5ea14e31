package dev.aip.cli;

import dev.aip.core.bedrock.TenantRoutingInterceptor;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.profile.TenantProfileResolver;
import dev.aip.core.tenant.TenantScope;
import dev.aip.emulator.BedrockEmulator;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.springframework.ai.bedrock.converse.BedrockChatOptions;
import org.springframework.ai.bedrock.converse.BedrockProxyChatModel;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.tool.function.FunctionToolCallback;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;

/**
 * The demo's Spring AI scene: a few tenants call Spring AI's own {@link BedrockProxyChatModel}, built on Bedrock
 * clients that carry aip's {@link TenantRoutingInterceptor} (both the sync and the async client, so streams are
 * routed and metered too). The chat model is configured with the logical model only; the interceptor routes each
 * call to the calling tenant's profile and meters it into the demo's ledger, one record per model call, tool-loop
 * rounds included.
 *
 * <p>Confined: one run per instance.
 */
final class DemoSpringAi {

    /** Prompts with this marker make the emulator ask for the tool, then answer once its result comes back. */
    private static final String TOOL_MARKER = "[calendar]";
    /**
     * A throttled call fails and is metered as throttled, as in the rest of the demo; SDK retries would run on the
     * SDK's timer, after the scene may have closed its clients.
     */
    private static final software.amazon.awssdk.retries.api.RetryStrategy NO_RETRIES =
            software.amazon.awssdk.awscore.retry.AwsRetryStrategy.doNotRetry();

    private final PrintWriter out;
    private final BedrockEmulator emulator;

    DemoSpringAi(PrintWriter out, BedrockEmulator emulator) {
        this.out = out;
        this.emulator = emulator;
    }

    /** Campaign dates, the tool the model asks for. */
    record Month(String month) {
    }

    /** Runs a sync call, a stream and a tool loop for each tenant; failures are metered like the rest. */
    void run(TenantProfileResolver resolver, UsageMeter meter, List<DemoTenants.Tenant> tenants) {
        if (tenants.isEmpty()) {
            return;
        }
        emulator.script().forAnyModel().whenPromptContains(TOOL_MARKER)
                .useTool("campaignCalendar", "{\"month\":\"May\"}", "Launch on the first Tuesday of May.");
        TenantRoutingInterceptor routing = TenantRoutingInterceptor.builder().resolver(resolver).meter(meter).build();
        StaticCredentialsProvider dummy = StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIDDEMO",
                "demo-secret"));
        AtomicInteger calls = new AtomicInteger();
        AtomicInteger toolRuns = new AtomicInteger();
        Function<Month, String> calendar = m -> {
            toolRuns.incrementAndGet();
            return "Free slots in " + m.month() + ": 6th, 13th, 20th";
        };
        try (BedrockRuntimeClient sync = BedrockRuntimeClient.builder().endpointOverride(emulator.endpoint())
                     .region(Region.of(emulator.region())).credentialsProvider(dummy)
                     .overrideConfiguration(o -> o.addExecutionInterceptor(routing).retryStrategy(NO_RETRIES)).build();
             BedrockRuntimeAsyncClient async = BedrockRuntimeAsyncClient.builder()
                     .endpointOverride(emulator.endpoint()).region(Region.of(emulator.region()))
                     .credentialsProvider(dummy).overrideConfiguration(o -> o.addExecutionInterceptor(routing)
                             .retryStrategy(NO_RETRIES)).build()) {
            for (DemoTenants.Tenant t : tenants) {
                ChatModel chat = BedrockProxyChatModel.builder().region(Region.of(emulator.region()))
                        .bedrockRuntimeClient(sync).bedrockRuntimeAsyncClient(async)
                        .defaultOptions(BedrockChatOptions.builder().model(t.model()).maxTokens(300).build())
                        .build();
                String brief = t.product() + " for " + t.audience();
                TenantScope.run(t.context(), () -> {
                    quietly(() -> chat.call("Write a two-line teaser for " + brief + "."), calls);
                    quietly(() -> chat.stream(new Prompt("Write a tagline for " + brief + "."))
                            .collectList().block(), calls);
                    quietly(() -> chat.call(new Prompt("When should the campaign for " + brief + " launch? "
                            + TOOL_MARKER, BedrockChatOptions.builder().toolCallbacks(FunctionToolCallback
                            .builder("campaignCalendar", calendar).description("Free campaign slots in a month")
                            .inputType(Month.class).build()).build())), calls);
                });
            }
        }
        out.printf(Locale.ROOT, "   Spring AI on the same AIPs: %s call Spring AI's BedrockProxyChatModel (logical"
                + " models, no ARNs) on clients carrying aip's interceptor: %d calls (sync, stream, a tool loop that"
                + " ran the tool %d times), each model call routed to the tenant's AIP and metered into the same"
                + " ledger%n",
                tenants.stream().map(t -> t.id().value() + " (" + t.model() + ")")
                        .collect(Collectors.joining(" and ")), calls.get(), toolRuns.get());
    }

    private static void quietly(Runnable call, AtomicInteger calls) {
        try {
            call.run();
        } catch (RuntimeException failed) {
            // Metered like every other outcome; the ledger has it.
        }
        calls.incrementAndGet();
    }
}
