package dev.aip.emulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.document.Document;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrock.model.Tag;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.StopReason;
import software.amazon.awssdk.services.bedrockruntime.model.ThrottlingException;
import software.amazon.awssdk.services.bedrockruntime.model.Tool;
import software.amazon.awssdk.services.bedrockruntime.model.ToolConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.ToolInputSchema;
import software.amazon.awssdk.services.bedrockruntime.model.ToolResultBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ToolResultContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ToolSpecification;
import software.amazon.awssdk.services.bedrockruntime.model.ToolUseBlock;

/**
 * The README's "The Bedrock emulator" code, exactly as printed there (ReadmeSnippetsTest checks that every block
 * the README says this class runs is in it verbatim): if this breaks, the README lies.
 */
class ReadmeEmulatorTest {

    // --- as in the README ("In a Java test") ---
    @RegisterExtension
    static final BedrockEmulatorExtension BEDROCK = BedrockEmulatorExtension.withDefaults();

    @Test
    void converse_onEmulator_returnsUsage() {
        BedrockEmulator emulator = BEDROCK.emulator();
        try (BedrockRuntimeClient runtime = BedrockRuntimeClient.builder()
                .endpointOverride(emulator.endpoint())
                .region(Region.of(emulator.region()))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x")))
                .build()) {
            ConverseResponse r = runtime.converse(c -> c
                    .modelId("us.anthropic.claude-3-7-sonnet-20250219-v1:0")
                    .messages(Message.builder().role(ConversationRole.USER)
                            .content(ContentBlock.fromText("Hello")).build()));
            assertThat(r.usage().outputTokens()).isPositive();
        }
    }
    // --- end ---

    private static final ToolConfiguration WEATHER_TOOL = ToolConfiguration.builder().tools(Tool.fromToolSpec(
            ToolSpecification.builder().name("get_weather")
                    .inputSchema(ToolInputSchema.fromJson(Document.mapBuilder().putString("type", "object").build()))
                    .build())).build();

    private static Message user(String text) {
        return Message.builder().role(ConversationRole.USER).content(ContentBlock.fromText(text)).build();
    }

    @Test
    void scriptForTheSystemProfile_firesOnATenantsApplicationProfile_andFaultsHitOnlyThatTenant() {
        BedrockEmulator emulator = BEDROCK.emulator();
        StaticCredentialsProvider creds = StaticCredentialsProvider.create(AwsBasicCredentials.create("x", "x"));
        try (BedrockClient bedrock = BedrockClient.builder().endpointOverride(emulator.endpoint())
                     .region(Region.of(emulator.region())).credentialsProvider(creds).build();
             BedrockRuntimeClient runtime = BedrockRuntimeClient.builder().endpointOverride(emulator.endpoint())
                     .region(Region.of(emulator.region())).credentialsProvider(creds)
                     .overrideConfiguration(o -> o.retryStrategy(r -> r.maxAttempts(1))).build()) {
            // Two tenants' AIPs as aip's ModelRoutes create them: copied from the system profile, tagged.
            String systemProfileArn = "arn:aws:bedrock:" + emulator.region() + ":" + emulator.accountId()
                    + ":inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0";
            List<String> arns = List.of("acme", "globex").stream().map(tenant -> bedrock.createInferenceProfile(r -> r
                    .inferenceProfileName("aip-" + tenant + "-claude-haiku")
                    .modelSource(s -> s.copyFrom(systemProfileArn))
                    .tags(Tag.builder().key("TenantId").value(tenant).build())).inferenceProfileArn()).toList();
            String acmeArn = arns.get(0);
            String globexArn = arns.get(1);
            String profileId = acmeArn.substring(acmeArn.lastIndexOf('/') + 1);

            // --- as in the README ---
            // An agent loop that really runs: ask for the tool, then answer once a toolResult comes back.
            // Keyed on the system profile, it fires on every tenant's AIP copied from it (as ModelRoutes
            // create them).
            emulator.script().forModel("us.anthropic.claude-3-5-haiku-20241022-v1:0")
                    .whenPromptContains("weather")
                    .useTool("get_weather", "{\"city\":\"Paris\"}", "It is sunny in Paris.");

            // Parallel tool calls: several toolUse blocks in one assistant turn, the final answer once all results are back.
            emulator.script().forAnyModel().whenPromptContains("compare")
                    .useTools(List.of(Script.toolCall("get_weather", "{\"city\":\"Paris\"}"),
                            Script.toolCall("get_weather", "{\"city\":\"Lyon\"}")), "Paris is warmer than Lyon.");

            // Faults for one tenant's AIP (its id or ARN): throttle twice, then slow the first token.
            emulator.faults().set(profileId, FaultPlan.builder()
                    .throttleSequence(true, true, false)
                    .timeToFirstToken(Duration.ofMillis(200))
                    .build());
            // --- end ---

            ConverseRequest ask = ConverseRequest.builder().modelId(acmeArn).toolConfig(WEATHER_TOOL)
                    .messages(user("What is the weather in Paris?")).build();
            assertThatThrownBy(() -> runtime.converse(ask)).isInstanceOf(ThrottlingException.class);
            assertThatThrownBy(() -> runtime.converse(ask)).isInstanceOf(ThrottlingException.class);
            ConverseResponse first = runtime.converse(ask);
            ToolUseBlock use = first.output().message().content().get(0).toolUse();
            ConverseResponse second = runtime.converse(ask.toBuilder().messages(user("What is the weather in Paris?"),
                    first.output().message(), Message.builder().role(ConversationRole.USER)
                            .content(ContentBlock.fromToolResult(ToolResultBlock.builder().toolUseId(use.toolUseId())
                                    .content(ToolResultContentBlock.fromText("sunny, 21 C")).build())).build())
                    .build());
            ConverseResponse otherTenant = runtime.converse(ask.toBuilder().modelId(globexArn).build());
            ConverseResponse compare = runtime.converse(ask.toBuilder().modelId(globexArn)
                    .messages(user("Please compare Paris and Lyon")).build());

            // --- as in the README ---
            // What the server saw, as AWS/Bedrock CloudWatch keeps it (ModelId = the AIP's id for AIPs).
            ModelMetrics m = emulator.metrics(profileId);
            List<InvocationRecord> log = emulator.invocations();   // request id, tokens, request metadata, outcome
            // --- end ---

            assertThat(first.stopReason()).isEqualTo(StopReason.TOOL_USE);
            assertThat(use.name()).isEqualTo("get_weather");
            assertThat(use.input().asMap().get("city").asString()).isEqualTo("Paris");
            assertThat(second.output().message().content().get(0).text()).isEqualTo("It is sunny in Paris.");
            assertThat(otherTenant.stopReason()).isEqualTo(StopReason.TOOL_USE);
            assertThat(compare.stopReason()).isEqualTo(StopReason.TOOL_USE);
            assertThat(compare.output().message().content()).extracting(b -> b.toolUse().input().asMap().get("city")
                    .asString()).containsExactly("Paris", "Lyon");
            assertThat(m.modelId()).isEqualTo(profileId);
            assertThat(m.invocationThrottles()).isEqualTo(2);
            assertThat(m.invocations()).isEqualTo(2);
            assertThat(log).filteredOn(r -> profileId.equals(r.profileId()))
                    .extracting(InvocationRecord::outcome).containsExactly(InvocationRecord.Outcome.THROTTLED,
                            InvocationRecord.Outcome.THROTTLED, InvocationRecord.Outcome.SUCCESS,
                            InvocationRecord.Outcome.SUCCESS);
        }
    }
}
