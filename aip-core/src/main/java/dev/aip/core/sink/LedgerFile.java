package dev.aip.core.sink;

import dev.aip.core.ConfigurationException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Opens a {@link JsonLinesLedger} file for writing: creates it with its directories, locks it against a second
 * writer, and repairs its last line (a torn line is cut away, a valid one missing its newline gets it). Only the last
 * line is checked, so opening is fast however large the file. Also holds the positional I/O helpers the writer and
 * the reader share.
 */
final class LedgerFile {

    private static final Logger LOG = LoggerFactory.getLogger(JsonLinesLedger.class);

    final FileChannel channel;
    final FileLock lock;
    final long truncatedBytes;
    final long size;

    private LedgerFile(FileChannel channel, FileLock lock, long truncatedBytes, long size) {
        this.channel = channel;
        this.lock = lock;
        this.truncatedBytes = truncatedBytes;
        this.size = size;
    }

    /**
     * Opens, locks and repairs the file.
     *
     * @throws ConfigurationException if the file cannot be opened or is already locked
     */
    static LedgerFile open(Path path) {
        FileChannel opened = null;
        try {
            Path parent = path.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            opened = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE);
            FileLock locked = tryLock(opened, path);
            long truncated = repairTail(opened, path);
            return new LedgerFile(opened, locked, truncated, opened.size());
        } catch (IOException e) {
            closeQuietly(opened);
            throw new ConfigurationException("Cannot open usage ledger " + path + ": " + e
                    + ". Check that the directory exists and is writable.", e);
        } catch (RuntimeException e) {
            closeQuietly(opened);
            throw e;
        }
    }

    private static FileLock tryLock(FileChannel channel, Path path) throws IOException {
        FileLock locked;
        try {
            locked = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            locked = null;
        }
        if (locked == null) {
            throw new ConfigurationException("Usage ledger " + path + " is already open for writing (by this or"
                    + " another process). Use one JsonLinesLedger per file and share it.");
        }
        return locked;
    }

    /** Checks the last line; cuts it if invalid, completes its newline if valid. Returns bytes cut. */
    private static long repairTail(FileChannel channel, Path path) throws IOException {
        long size = channel.size();
        if (size == 0) {
            return 0;
        }
        boolean newlineAtEnd = byteAt(channel, size - 1) == '\n';
        long lineEnd = newlineAtEnd ? size - 1 : size;
        long lineStart = lineEnd;
        while (lineStart > 0 && byteAt(channel, lineStart - 1) != '\n') {
            lineStart--;
        }
        byte[] line = new byte[Math.toIntExact(lineEnd - lineStart)];
        readFully(channel, ByteBuffer.wrap(line), lineStart);
        if (isBlank(line, line.length)) {
            return 0;
        }
        try {
            LedgerCodec.read(line, line.length);
            if (!newlineAtEnd) {
                writeFully(channel, ByteBuffer.wrap(new byte[] {'\n'}), size);
                channel.force(false);
            }
            return 0;
        } catch (IllegalArgumentException invalid) {
            channel.truncate(lineStart);
            channel.force(false);
            LOG.warn("Usage ledger {} ended with a torn line ({} bytes, {}); it was cut away. The record it held, if"
                    + " any, had not been synced and is lost.", path, size - lineStart, invalid.getMessage());
            return size - lineStart;
        }
    }

    private static byte byteAt(FileChannel channel, long position) throws IOException {
        ByteBuffer one = ByteBuffer.allocate(1);
        readFully(channel, one, position);
        return one.get(0);
    }

    private static void readFully(FileChannel channel, ByteBuffer target, long position) throws IOException {
        long at = position;
        while (target.hasRemaining()) {
            int n = channel.read(target, at);
            if (n < 0) {
                throw new IOException("unexpected end of file at " + at);
            }
            at += n;
        }
    }

    static void writeFully(FileChannel channel, ByteBuffer source, long position) throws IOException {
        long at = position;
        while (source.hasRemaining()) {
            at += channel.write(source, at);
        }
    }

    static boolean isBlank(byte[] bytes, int length) {
        for (int i = 0; i < length; i++) {
            if (!Character.isWhitespace(bytes[i])) {
                return false;
            }
        }
        return true;
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // Already failing; the original exception is the one to report.
            }
        }
    }
}
