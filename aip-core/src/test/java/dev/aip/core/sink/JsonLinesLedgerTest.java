package dev.aip.core.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.ConfigurationException;
import dev.aip.core.metering.Cost;
import dev.aip.core.metering.Operation;
import dev.aip.core.metering.Outcome;
import dev.aip.core.metering.TokenUsage;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.Tier;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonLinesLedgerTest {

    @TempDir
    Path dir;

    @Test
    void accept_thenRead_roundTripsEveryFieldExactly() {
        UsageRecord full = Records.builder("acme")
                .tenant(TenantContext.of("acme").withTier(Tier.PREMIUM).withAttribute("user", "bob"))
                .attribute("note", "free text: \"quoted\", \u00e9, line\nbreak")
                .attempt(2).callId("call-1").operation(Operation.CONVERSE_STREAM)
                .profileArn("arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/abc")
                .profileId("abc").pooledProfile(true).usage(new TokenUsage(1, 2, 3, 4))
                .cost(Cost.priced(new BigDecimal("0.00002205"), "2026-11-01"))
                .outcome(Outcome.STREAM_INTERRUPTED).errorCode("ModelStreamErrorException")
                .startedAt(Instant.parse("2026-11-02T10:15:30.123456789Z"))
                .latency(Duration.ofNanos(1_234_567_891L)).timeToFirstToken(Duration.ofMillis(88))
                .awsRequestId("req-1").build();
        UsageRecord unpriced = Records.builder("globex").cost(Cost.unknownModel("2026-11-01")).sourceModelId(null)
                .latency(Duration.ofSeconds(3)).build();
        Path file = dir.resolve("usage.jsonl");
        try (JsonLinesLedger ledger = JsonLinesLedger.open(file)) {
            ledger.accept(full);
            ledger.accept(unpriced);
        }
        assertThat(readAll(file)).containsExactly(full, unpriced);
    }

    @Test
    void lineFormat_hasSchemaVersionExactCostStringAndMillis() throws Exception {
        Path file = dir.resolve("usage.jsonl");
        try (JsonLinesLedger ledger = JsonLinesLedger.open(file)) {
            ledger.accept(Records.builder("acme").latency(Duration.ofNanos(412_500_000)).build());
        }
        String line = Files.readString(file);
        assertThat(line).startsWith("{\"v\":1,\"recordId\":")
                .contains("\"tenant\":\"acme\"", "\"costUsd\":\"0.0035\"", "\"latencyMs\":412.5",
                        "\"startedAt\":\"2026-11-02T10:00:00Z\"", "\"inputTokens\":1000")
                .doesNotContain("null")
                .endsWith("}\n");
    }

    @Test
    void accept_from8Threads_writesEveryRecordExactlyOnce() throws Exception {
        int threads = 8;
        int perThread = 5_000;
        Path file = dir.resolve("usage.jsonl");
        List<String> ids = new ArrayList<>();
        try (JsonLinesLedger ledger = JsonLinesLedger.builder().path(file).fsyncEvery(1000).capacity(1024)
                .maxBlock(Duration.ofMinutes(1)).build()) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<List<String>>> results = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    start.await();
                    List<String> mine = new ArrayList<>();
                    for (int i = 0; i < perThread; i++) {
                        UsageRecord r = Records.record("tenant-" + thread);
                        mine.add(r.recordId());
                        ledger.accept(r);
                    }
                    return mine;
                }));
            }
            start.countDown();
            for (Future<List<String>> f : results) {
                ids.addAll(f.get());
            }
            pool.shutdown();
            ledger.flush();
            assertThat(ledger.writtenRecords()).isEqualTo((long) threads * perThread);
            assertThat(ledger.lostRecords()).isZero();
        }

        List<String> lines = Files.readAllLines(file);
        Map<String, Long> timesWritten = lines.stream()
                .map(l -> l.substring(l.indexOf("\"recordId\":\"") + 12, l.indexOf("\"recordId\":\"") + 48))
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        assertThat(lines).hasSize(threads * perThread);
        assertThat(timesWritten).hasSize(threads * perThread).allSatisfy((id, n) -> assertThat(n).isEqualTo(1));
        assertThat(timesWritten.keySet()).isEqualTo(new HashSet<>(ids));
        assertThat(readAll(file)).hasSize(threads * perThread);
    }

    @Test
    void flush_makesAcceptedRecordsReadable_beforeClose() {
        Path file = dir.resolve("usage.jsonl");
        try (JsonLinesLedger ledger = JsonLinesLedger.open(file)) {
            UsageRecord r = Records.record("acme");
            ledger.accept(r);
            ledger.flush();
            assertThat(readAll(file)).containsExactly(r);
        }
    }

    @Test
    void open_withTornLastLine_cutsItAwayAndAppendsAfterLastGoodRecord() throws Exception {
        Path file = dir.resolve("usage.jsonl");
        UsageRecord first = Records.record("acme");
        UsageRecord second = Records.record("acme");
        try (JsonLinesLedger ledger = JsonLinesLedger.open(file)) {
            ledger.accept(first);
        }
        long goodSize = Files.size(file);
        Files.write(file, "{\"v\":1,\"recordId\":\"torn".getBytes(StandardCharsets.UTF_8),
                java.nio.file.StandardOpenOption.APPEND);

        try (JsonLinesLedger ledger = JsonLinesLedger.open(file)) {
            assertThat(ledger.truncatedBytes()).isEqualTo(23);
            assertThat(Files.size(file)).isEqualTo(goodSize);
            ledger.accept(second);
        }
        assertThat(readAll(file)).containsExactly(first, second);
    }

    @Test
    void open_withValidLastLineMissingNewline_keepsItAndAddsTheNewline() throws Exception {
        Path file = dir.resolve("usage.jsonl");
        UsageRecord first = Records.record("acme");
        try (JsonLinesLedger ledger = JsonLinesLedger.open(file)) {
            ledger.accept(first);
        }
        String content = Files.readString(file);
        Files.writeString(file, content.substring(0, content.length() - 1));
        UsageRecord second = Records.record("acme");
        try (JsonLinesLedger ledger = JsonLinesLedger.open(file)) {
            assertThat(ledger.truncatedBytes()).isZero();
            ledger.accept(second);
        }
        assertThat(readAll(file)).containsExactly(first, second);
    }

    @Test
    void read_withTornLastLine_skipsIt_withoutChangingTheFile() throws Exception {
        Path file = dir.resolve("usage.jsonl");
        UsageRecord first = Records.record("acme");
        try (JsonLinesLedger ledger = JsonLinesLedger.open(file)) {
            ledger.accept(first);
        }
        Files.write(file, new byte[] {'{', '"', 'v', 0, 0, 0}, java.nio.file.StandardOpenOption.APPEND);
        long size = Files.size(file);
        assertThat(readAll(file)).containsExactly(first);
        assertThat(Files.size(file)).isEqualTo(size);
    }

    @Test
    void read_withCorruptMiddleLine_failsNamingTheLine() throws Exception {
        Path file = dir.resolve("usage.jsonl");
        try (JsonLinesLedger ledger = JsonLinesLedger.open(file)) {
            ledger.accept(Records.record("acme"));
            ledger.accept(Records.record("acme"));
            ledger.accept(Records.record("acme"));
        }
        List<String> lines = new ArrayList<>(Files.readAllLines(file));
        lines.set(1, lines.get(1).replace("\"tenant\":\"acme\"", "\"tenant\":\"ac/me\""));
        Files.write(file, lines);
        assertThatThrownBy(() -> readAll(file))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("line 2 is not a valid record")
                .hasMessageContaining("ac/me");
    }

    @Test
    void accept_thenRead_roundTripsEveryOperationByItsWireName() throws Exception {
        Path file = dir.resolve("usage.jsonl");
        List<UsageRecord> written = new ArrayList<>();
        try (JsonLinesLedger ledger = JsonLinesLedger.open(file)) {
            for (Operation operation : Operation.values()) {
                UsageRecord r = Records.builder("acme").operation(operation).build();
                written.add(r);
                ledger.accept(r);
            }
        }
        List<String> lines = Files.readAllLines(file);
        assertThat(lines).hasSize(Operation.values().length);
        for (int i = 0; i < lines.size(); i++) {
            assertThat(lines.get(i)).contains("\"operation\":\"" + Operation.values()[i].wireName() + "\"");
        }
        assertThat(readAll(file)).containsExactlyElementsOf(written)
                .extracting(UsageRecord::operation).containsExactly(Operation.values());
    }

    @Test
    void read_withUnknownOperation_failsNamingTheLineAndTheValue() throws Exception {
        Path file = dir.resolve("usage.jsonl");
        try (JsonLinesLedger ledger = JsonLinesLedger.open(file)) {
            ledger.accept(Records.record("acme"));
            ledger.accept(Records.record("acme"));
            ledger.accept(Records.record("acme")); // a bad last line could be a torn write: spoil a middle one
        }
        List<String> lines = new ArrayList<>(Files.readAllLines(file));
        // The enum constant's name is not the wire name: a ledger holds "Converse", never "CONVERSE".
        lines.set(1, lines.get(1).replace("\"operation\":\"Converse\"", "\"operation\":\"CONVERSE\""));
        Files.write(file, lines);
        assertThatThrownBy(() -> readAll(file))
                .isInstanceOf(ConfigurationException.class)
                .hasMessageContaining("line 2 is not a valid record")
                .hasMessageContaining("field operation has unknown value \"CONVERSE\"")
                .hasMessageContaining("Converse, ConverseStream, InvokeModel, InvokeModelWithResponseStream");
    }

    @Test
    void replay_withDuplicateRecordIds_deliversEachOnce() throws Exception {
        Path file = dir.resolve("usage.jsonl");
        UsageRecord a = Records.record("acme");
        UsageRecord b = Records.record("globex");
        try (JsonLinesLedger ledger = JsonLinesLedger.open(file)) {
            ledger.accept(a);
            ledger.accept(b);
        }
        Files.writeString(file, Files.readString(file).repeat(2));
        try (JsonLinesLedger ledger = JsonLinesLedger.open(file)) {
            InMemoryUsageAggregates rebuilt = new InMemoryUsageAggregates();
            ledger.replay(rebuilt::accept);
            assertThat(rebuilt.total().calls()).isEqualTo(2);
            assertThat(rebuilt.snapshot()).isEqualTo(InMemoryUsageAggregates.rebuiltFrom(List.of(a, b)).snapshot());
        }
    }

    @Test
    void read_withTimeRange_returnsRecordsStartedInHalfOpenRange() {
        Path file = dir.resolve("usage.jsonl");
        Instant t0 = Records.T0;
        List<UsageRecord> records = new ArrayList<>();
        for (int minute = 0; minute < 5; minute++) {
            records.add(Records.builder("acme").startedAt(t0.plus(Duration.ofMinutes(minute))).build());
        }
        try (JsonLinesLedger ledger = JsonLinesLedger.open(file)) {
            records.forEach(ledger::accept);
        }
        try (Stream<UsageRecord> range = JsonLinesLedger.read(file, t0.plus(Duration.ofMinutes(1)),
                t0.plus(Duration.ofMinutes(3)))) {
            assertThat(range.toList()).containsExactly(records.get(1), records.get(2));
        }
    }

    @Test
    void open_whenAlreadyOpen_refusesSecondWriter() {
        Path file = dir.resolve("usage.jsonl");
        try (JsonLinesLedger ledger = JsonLinesLedger.open(file)) {
            assertThatThrownBy(() -> JsonLinesLedger.open(file))
                    .isInstanceOf(ConfigurationException.class)
                    .hasMessageContaining("already open");
        }
        JsonLinesLedger.open(file).close();
    }

    @Test
    void accept_afterClose_countsRecordAsLost() {
        JsonLinesLedger ledger = JsonLinesLedger.open(dir.resolve("usage.jsonl"));
        ledger.close();
        ledger.accept(Records.record("acme"));
        assertThat(ledger.lostRecords()).isEqualTo(1);
        ledger.close();
    }

    @Test
    void fsync_happensEveryNRecords_afterIntervalOnTicker_andOnFlush() {
        ManualTicker ticker = new ManualTicker();
        Duration wait = Duration.ofMinutes(1);
        try (JsonLinesLedger ledger = JsonLinesLedger.builder().path(dir.resolve("usage.jsonl")).fsyncEvery(3)
                .fsyncInterval(Duration.ofHours(1)).ticker(ticker).build()) {
            ledger.accept(Records.record("acme"));
            ledger.accept(Records.record("acme"));
            assertThat(ledger.awaitWritten(wait)).isTrue();
            assertThat(ledger.syncs()).as("2 of 3 records, interval not passed").isZero();

            ledger.accept(Records.record("acme"));
            assertThat(ledger.awaitWritten(wait)).isTrue();
            assertThat(ledger.syncs()).as("3rd record").isEqualTo(1);

            ledger.accept(Records.record("acme"));
            assertThat(ledger.awaitWritten(wait)).isTrue();
            assertThat(ledger.syncs()).isEqualTo(1);
            ticker.advance(Duration.ofHours(2));
            ledger.accept(Records.record("acme"));
            assertThat(ledger.awaitWritten(wait)).isTrue();
            assertThat(ledger.syncs()).as("interval passed on the ticker").isEqualTo(2);

            ledger.flush();
            assertThat(ledger.syncs()).as("nothing unsynced to flush").isEqualTo(2);
            ledger.accept(Records.record("acme"));
            ledger.flush();
            assertThat(ledger.syncs()).as("flush syncs").isEqualTo(3);
            assertThat(ledger.syncFailures()).isZero();
        }
    }

    private static List<UsageRecord> readAll(Path file) {
        try (Stream<UsageRecord> records = JsonLinesLedger.read(file)) {
            return records.toList();
        }
    }

}
