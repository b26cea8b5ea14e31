package dev.aip.core.bedrock;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.chat.Admission;
import dev.aip.core.governance.Governance;
import dev.aip.core.governance.PolicySet;
import dev.aip.core.governance.TenantPolicy;
import dev.aip.core.metering.Operation;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.metering.UsageProvenance;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.StaticProfileResolver;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.TenantScope;
import dev.aip.emulator.BedrockEmulator;
import dev.aip.emulator.InvocationRecord;
import java.math.BigDecimal;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.bedrock.BedrockClient;
import software.amazon.awssdk.services.bedrock.model.Tag;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelResponse;

/**
 * An embedding model called through the SDK interceptor: routed to the tenant's application profile copied from the
 * embedding model, one record per call with the input tokens the emulator counted, no output tokens, priced.
 */
class EmbeddingMeteringEmulatorTest {

    static final String MODEL = "titan-embed";
    static final String SOURCE = "amazon.titan-embed-text-v2:0";
    static final TenantContext ACME = TenantContext.of("acme");

    static BedrockEmulator emulator;
    static BedrockClient control;
    static BedrockRuntimeClient runtime;
    static String acmeArn;
    static final List<UsageRecord> records = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void start() {
        emulator = BedrockEmulator.builder().build().start();
        control = BedrockClient.builder().endpointOverride(emulator.endpoint())
                .region(software.amazon.awssdk.regions.Region.of(emulator.region()))
                .credentialsProvider(EmulatorFixture.DUMMY).build();
        acmeArn = control.createInferenceProfile(r -> r.inferenceProfileName("aip-acme-titan-embed")
                .modelSource(s -> s.copyFrom("arn:aws:bedrock:" + emulator.region() + "::foundation-model/" + SOURCE))
                .tags(Tag.builder().key("TenantId").value("acme").build())).inferenceProfileArn();
        StaticProfileResolver resolver = StaticProfileResolver.builder().trustMapping()
                .profile(TenantId.of("acme"), MODEL, acmeArn, SOURCE).build();
        UsageMeter meter = UsageMeter.builder().sink(records::add).region(emulator.region()).build();
        // 500 tokens a minute: an embedding reserved at the 4096-token default output would be refused.
        Admission admission = Governance.builder().defaultOutputTokens(4096).policies(PolicySet.builder()
                .tenant(ACME.id(), TenantPolicy.builder().tokensPerMinute(500L).build()).build()).build();
        TenantRoutingInterceptor routing = TenantRoutingInterceptor.builder().resolver(resolver).meter(meter)
                .admission(admission).build();
        runtime = BedrockRuntimeClient.builder().endpointOverride(emulator.endpoint())
                .region(software.amazon.awssdk.regions.Region.of(emulator.region()))
                .credentialsProvider(EmulatorFixture.DUMMY)
                .overrideConfiguration(o -> o.addExecutionInterceptor(routing)).build();
    }

    @AfterAll
    static void stop() {
        runtime.close();
        control.close();
        emulator.close();
    }

    @BeforeEach
    void reset() {
        records.clear();
    }

    @Test
    void invokeModel_embeddingThroughTheInterceptor_isAdmittedAsItsInputAndRecordedOnceWithNoOutput() {
        InvokeModelResponse response = TenantScope.get(ACME, () -> runtime.invokeModel(r -> r.modelId(MODEL)
                .contentType("application/json")
                .body(SdkBytes.fromUtf8String("{\"inputText\":\"a tenant's document\",\"dimensions\":256}"))));

        List<InvocationRecord> server = emulator.invocations();
        assertThat(server).singleElement().satisfies(i -> {
            assertThat(i.modelId()).isEqualTo(acmeArn);
            assertThat(i.foundationModelId()).isEqualTo(SOURCE);
        });
        long input = server.get(0).inputTokens();
        assertThat(input).isPositive();
        assertThat(response.body().asUtf8String()).contains("\"inputTextTokenCount\":" + input);
        assertThat(records).singleElement().satisfies(r -> {
            assertThat(r.operation()).isEqualTo(Operation.INVOKE_MODEL);
            assertThat(r.outcome()).isEqualTo(Outcome.SUCCESS);
            assertThat(r.tenant().value()).isEqualTo("acme");
            assertThat(r.profileArn()).isEqualTo(acmeArn);
            assertThat(r.usage().inputTokens()).isEqualTo(input);
            assertThat(r.usage().outputTokens()).isZero();
            assertThat(r.provenance()).isEqualTo(UsageProvenance.REPORTED);
            assertThat(r.cost().amount()).hasValueSatisfying(c -> assertThat(c)
                    .isEqualByComparingTo(new BigDecimal("0.02").multiply(BigDecimal.valueOf(input))
                            .divide(BigDecimal.valueOf(1_000_000))));
        });
    }
}
