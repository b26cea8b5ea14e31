package dev.aip.core.sink;

import static org.assertj.core.api.Assertions.assertThat;

import dev.aip.core.metering.Cost;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class LoggingUsageSinkTest {

    @Test
    void format_writesKeyValuePairsOnOneLine() {
        String line = LoggingUsageSink.format(Records.builder("acme").latency(Duration.ofNanos(412_500_000))
                .timeToFirstToken(Duration.ofMillis(88)).awsRequestId("req-1").build());
        assertThat(line).startsWith("usage tenant=acme tier=standard op=Converse model=haiku")
                .contains(" in=1000 out=500 cacheRead=0 cacheWrite=0 ", " costUsd=0.0035 ", " outcome=SUCCESS ",
                        " latencyMs=412.5 ", " ttftMs=88 ", " requestId=req-1 ")
                .doesNotContain("error=", "profile=");
    }

    @Test
    void format_whenUnpriced_saysUnknownNotZero() {
        String line = LoggingUsageSink.format(Records.builder("acme").cost(Cost.unknownModel("v")).build());
        assertThat(line).contains(" costUsd=unknown ");
    }

    @Test
    void format_quotesAndEscapesValuesThatCouldBreakTheLine() {
        String line = LoggingUsageSink.format(Records.builder("acme")
                .attribute("note", "say \"hi\" = bye\nnext tenant=evil").attribute("empty", "").build());
        assertThat(line).contains(" attr.note=\"say \\\"hi\\\" = bye\\nnext tenant=evil\"", " attr.empty=\"\"")
                .doesNotContain("\n");
    }
}
