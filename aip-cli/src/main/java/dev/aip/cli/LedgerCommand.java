package dev.aip.cli;

import com.zaxxer.hikari.HikariDataSource;
import dev.aip.core.LedgerWriteException;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.sink.JsonLinesLedger;
import dev.aip.ledger.jdbc.LedgerTable;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code aip ledger}: the PostgreSQL usage ledger. */
@Command(name = "ledger", mixinStandardHelpOptions = true, description = "The PostgreSQL usage ledger.",
        subcommands = LedgerCommand.Import.class)
final class LedgerCommand extends GroupCommand {

    /**
     * {@code aip ledger import}: loads JSON-lines ledgers into the PostgreSQL ledger, each record id once. Files are
     * streamed line by line and stored in batches (one transaction each), so their size does not matter; a run
     * that stops half-way, or runs twice, or over files that overlap, stores each record once.
     */
    @Command(name = "import", mixinStandardHelpOptions = true,
            description = {"Load JSON-lines ledgers (as JsonLinesLedger writes them) into the PostgreSQL ledger."
                    + " Idempotent: the record id is the key, so importing a file twice, or files that overlap,"
                    + " stores each record once. Prints per file the records read, inserted and already present."})
    static final class Import extends Subcommand {

        /** Bad lines named one by one on standard error before they are only counted. */
        static final int BAD_LINES_SHOWN = 10;

        @Mixin
        JdbcOptions jdbc = new JdbcOptions();

        @Option(names = "--batch-size", paramLabel = "N", defaultValue = "2000",
                description = "Records per transaction, 1 to 20000 (default ${DEFAULT-VALUE}).")
        int batchSize;

        @Option(names = "--skip-bad-lines",
                description = "Skip lines that are not valid records and count them, instead of stopping at the"
                        + " first one.")
        boolean skipBadLines;

        @Parameters(paramLabel = "FILE", arity = "1..*", description = "JSON-lines ledger files.")
        List<Path> files;

        private long badShown;

        @Override
        int execute() {
            if (!jdbc.given()) {
                throw CliException.usage("aip ledger import needs --jdbc-url URL: the PostgreSQL database to load"
                        + " into (jdbc:postgresql://host:port/database)");
            }
            if (batchSize < 1 || batchSize > 20_000) {
                throw CliException.usage("--batch-size must be between 1 and 20000, got " + batchSize);
            }
            for (Path file : files) {
                if (!Files.isRegularFile(file)) {
                    throw CliException.usage("ledger file not found: " + file.toAbsolutePath());
                }
            }
            String source = jdbc.describe();
            Counts total = new Counts();
            try (HikariDataSource ds = jdbc.open(env())) {
                LedgerTable table = jdbc.table(ds);
                table.migrate();
                for (Path file : files) {
                    Counts counts = importFile(table, file);
                    out().println(file + ": " + counts);
                    out().flush();
                    total.add(counts);
                }
            } catch (LedgerWriteException e) {
                throw CliException.failure("cannot import into " + source + ": " + e.getMessage(), e);
            }
            if (files.size() > 1) {
                out().println("total: " + total);
            }
            out().flush();
            return AipCommand.EXIT_OK;
        }

        private Counts importFile(LedgerTable table, Path file) {
            Counts counts = new Counts();
            List<UsageRecord> batch = new ArrayList<>(Math.min(batchSize, 4096));
            try (BufferedReader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
                long lineNumber = 0;
                for (String line; (line = in.readLine()) != null; ) {
                    lineNumber++;
                    if (line.isBlank()) {
                        continue;
                    }
                    UsageRecord record;
                    try {
                        record = JsonLinesLedger.parseLine(line);
                    } catch (IllegalArgumentException invalid) {
                        String where = file + ":" + lineNumber;
                        if (skipBadLines) {
                            counts.bad++;
                            if (badShown++ < BAD_LINES_SHOWN) {
                                err().println("aip: skipped " + where + ": " + invalid.getMessage());
                            }
                            continue;
                        }
                        if (restIsBlank(in)) {
                            // What a crash mid-append leaves; the file reader skips it the same way.
                            counts.bad++;
                            err().println("aip: skipped " + where + ", a torn last line (the writer stopped while"
                                    + " appending it): " + invalid.getMessage());
                            break;
                        }
                        store(table, batch, counts);
                        err().println("aip: " + file + ": before the bad line: " + counts);
                        throw CliException.usage(where + " is not a valid usage record: " + invalid.getMessage()
                                + ". The records before it are imported (importing again stores each once); repair"
                                + " the line, or pass --skip-bad-lines to skip and count bad lines");
                    }
                    counts.read++;
                    batch.add(record);
                    if (batch.size() == batchSize) {
                        store(table, batch, counts);
                    }
                }
                store(table, batch, counts);
            } catch (IOException e) {
                throw CliException.failure("cannot read " + file.toAbsolutePath() + ": " + e.getMessage(), e);
            }
            return counts;
        }

        private static void store(LedgerTable table, List<UsageRecord> batch, Counts counts) {
            if (!batch.isEmpty()) {
                counts.inserted += table.insert(batch);
                batch.clear();
            }
        }

        private static boolean restIsBlank(BufferedReader in) throws IOException {
            for (String line; (line = in.readLine()) != null; ) {
                if (!line.isBlank()) {
                    return false;
                }
            }
            return true;
        }

        private Function<String, String> env() {
            Object root = spec.root().userObject();
            return root instanceof AipCommand aip ? aip.env : System::getenv;
        }
    }

    /** Records read, inserted, already present (read minus inserted) and bad lines skipped. Confined. */
    static final class Counts {
        long read;
        long inserted;
        long bad;

        void add(Counts other) {
            read += other.read;
            inserted += other.inserted;
            bad += other.bad;
        }

        @Override
        public String toString() {
            return "read " + read + ", inserted " + inserted + ", already present " + (read - inserted)
                    + (bad > 0 ? ", bad lines skipped " + bad : "");
        }
    }
}
