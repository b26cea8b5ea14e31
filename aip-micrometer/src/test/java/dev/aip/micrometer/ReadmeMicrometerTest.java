package dev.aip.micrometer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.bedrock.BedrockChatTransport;
import dev.aip.core.chat.ChatClient;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatPipeline;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.metering.UsageMeter;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.sink.JsonLinesLedger;
import dev.aip.core.sink.UsageSinks;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.testkit.EmulatorFixture;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Without Spring, the same meters come from aip-micrometer" code, exactly as printed there
 * (ReadmeSnippetsTest in aip-core checks it), on the emulator: if this breaks, the README lies.
 */
class ReadmeMicrometerTest {

    @Test
    void readme_sinkFannedOutWithTheLedger_getsEveryCall(@TempDir Path dir) throws Exception {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        JsonLinesLedger ledger = JsonLinesLedger.builder().path(dir.resolve("usage.jsonl")).build();
        try (EmulatorFixture fx = EmulatorFixture.start("acme", "globex")) {

            // --- as in the README ---
            MicrometerUsageSink meters = MicrometerUsageSink.builder(registry)
                    .tenantTags(Set.of(TenantId.of("acme"))).build();
            UsageMeter meter = UsageMeter.builder().sink(UsageSinks.fanOut(ledger, meters)::accept).build();
            // --- end ---

            ChatClient chat = ChatPipeline.builder().resolver(fx.resolver()).meter(meter)
                    .transport(BedrockChatTransport.builder().client(fx.runtimeClient())
                            .asyncClient(fx.asyncRuntimeClient()).build())
                    .build();
            for (String tenant : List.of("acme", "globex")) {
                chat.chat(TenantContext.of(tenant),
                        ChatRequest.builder().model(EmulatorFixture.MODEL).message(ChatMessage.user("Hello")).build());
            }
            ledger.close();

            List<UsageRecord> records;
            try (Stream<UsageRecord> lines = JsonLinesLedger.read(dir.resolve("usage.jsonl"))) {
                records = lines.toList();
            }
            assertThat(records).extracting(r -> r.tenant().value()).containsExactly("acme", "globex");
            List<String> tagValues = registry.getMeters().stream().map(Meter::getId)
                    .flatMap(id -> id.getTags().stream()).map(t -> t.getValue()).distinct().toList();
            assertThat(tagValues).contains("acme").doesNotContain("globex");
        }
    }
}
