package dev.aip.core.sink;

import dev.aip.core.ConfigurationException;
import dev.aip.core.metering.UsageRecord;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.Predicate;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads a {@link JsonLinesLedger} file: every record once (the first occurrence of each {@code recordId}), in file
 * order; an invalid last line is skipped, any other invalid line is an error naming its line number.
 */
final class LedgerReader {

    private static final Logger LOG = LoggerFactory.getLogger(JsonLinesLedger.class);

    private LedgerReader() {}

    static Stream<UsageRecord> read(Path path, Predicate<UsageRecord> filter) {
        InputStream in;
        try {
            in = Files.newInputStream(path);
        } catch (IOException e) {
            throw new ConfigurationException("Cannot read usage ledger " + path + ": " + e, e);
        }
        LineReader lines = new LineReader(path, in, filter);
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(lines,
                Spliterator.ORDERED | Spliterator.NONNULL), false).onClose(lines::close);
    }

    /**
     * Reads records line by line. An invalid line is an error unless no non-blank line follows it (a torn tail).
     */
    private static final class LineReader implements Iterator<UsageRecord> {
        private final Path path;
        private final InputStream in;
        private final Predicate<UsageRecord> filter;
        private final Set<String> seen = new HashSet<>();
        private final byte[] chunk = new byte[1 << 16];
        private int chunkPos;
        private int chunkEnd;
        private byte[] line = new byte[1024];
        private int length;
        private long lineNumber;
        private UsageRecord next;
        private boolean done;

        LineReader(Path path, InputStream in, Predicate<UsageRecord> filter) {
            this.path = path;
            this.in = in;
            this.filter = filter;
        }

        @Override
        public boolean hasNext() {
            if (next == null && !done) {
                advance();
            }
            return next != null;
        }

        @Override
        public UsageRecord next() {
            if (!hasNext()) {
                throw new NoSuchElementException();
            }
            UsageRecord record = next;
            next = null;
            return record;
        }

        void close() {
            try {
                in.close();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private void advance() {
            while (readLine()) {
                lineNumber++;
                if (LedgerFile.isBlank(line, length)) {
                    continue;
                }
                UsageRecord record;
                try {
                    record = LedgerCodec.read(line, length);
                } catch (IllegalArgumentException invalid) {
                    long bad = lineNumber;
                    if (restIsBlank()) {
                        LOG.warn("Usage ledger {} ends with a torn line {} ({}); skipped.", path, bad,
                                invalid.getMessage());
                        break;
                    }
                    throw new ConfigurationException("Usage ledger " + path + " line " + bad + " is not a valid"
                            + " record: " + invalid.getMessage() + ". Repair or remove that line; only a torn last"
                            + " line is skipped automatically.");
                }
                if (seen.add(record.recordId()) && filter.test(record)) {
                    next = record;
                    return;
                }
            }
            done = true;
        }

        /** Reads the next line (without its newline) into {@code line}; false at the end of the input. */
        private boolean readLine() {
            length = 0;
            try {
                while (true) {
                    if (chunkPos == chunkEnd) {
                        chunkEnd = in.read(chunk);
                        chunkPos = 0;
                        if (chunkEnd <= 0) {
                            chunkEnd = 0;
                            return length > 0;
                        }
                    }
                    int newline = chunkPos;
                    while (newline < chunkEnd && chunk[newline] != '\n') {
                        newline++;
                    }
                    append(chunkPos, newline - chunkPos);
                    chunkPos = newline;
                    if (newline < chunkEnd) {
                        chunkPos++;
                        return true;
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("Reading usage ledger " + path + " failed", e);
            }
        }

        private void append(int from, int count) {
            if (length + count > line.length) {
                line = Arrays.copyOf(line, Math.max(line.length * 2, length + count));
            }
            System.arraycopy(chunk, from, line, length, count);
            length += count;
        }

        private boolean restIsBlank() {
            while (readLine()) {
                if (!LedgerFile.isBlank(line, length)) {
                    return false;
                }
            }
            return true;
        }
    }
}
