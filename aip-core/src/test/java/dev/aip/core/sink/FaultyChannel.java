package dev.aip.core.sink;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A file channel in front of the ledger's real one that tests can stall and fail: writes and syncs pass through
 * {@link #writes} and {@link #syncs} gates (open unless closed by the test), can be made to fail a given number of
 * times, and run a hook before each write. Counts calls. Thread-safe.
 */
final class FaultyChannel extends FileChannel {

    /** A gate: open by default; {@link #close()} stalls callers until {@link #open()} (30 s at most). */
    static final class Gate {
        private volatile Semaphore permits;
        private final AtomicInteger entered = new AtomicInteger();
        private volatile CountDownLatch firstEntry = new CountDownLatch(1);

        void close() {
            firstEntry = new CountDownLatch(1);
            permits = new Semaphore(0);
        }

        void open() {
            Semaphore p = permits;
            permits = null;
            if (p != null) {
                p.release(Integer.MAX_VALUE / 2);
            }
        }

        /** Waits until a caller has reached the gate since it was last closed. */
        boolean awaitEntered(long seconds) throws InterruptedException {
            return firstEntry.await(seconds, TimeUnit.SECONDS);
        }

        int entered() {
            return entered.get();
        }

        void pass() {
            entered.incrementAndGet();
            firstEntry.countDown();
            Semaphore p = permits;
            if (p != null) {
                try {
                    // Bounded, so that a failing test does not leave the writer (and the ledger's close) stalled.
                    p.tryAcquire(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
    }

    final Gate writes = new Gate();
    final Gate syncs = new Gate();
    final AtomicInteger writeFailures = new AtomicInteger();
    final AtomicInteger syncFailures = new AtomicInteger();
    final AtomicInteger forced = new AtomicInteger();
    volatile Runnable beforeWrite = () -> {};
    private final FileChannel delegate;

    FaultyChannel(FileChannel delegate) {
        this.delegate = delegate;
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
        beforeWrite.run();
        writes.pass();
        if (writeFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new IOException("injected write failure");
        }
        return delegate.write(src, position);
    }

    @Override
    public void force(boolean metaData) throws IOException {
        syncs.pass();
        if (syncFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new IOException("injected sync failure");
        }
        delegate.force(metaData);
        forced.incrementAndGet();
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
        return delegate.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        return delegate.read(dsts, offset, length);
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        return delegate.write(src);
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
        return delegate.write(srcs, offset, length);
    }

    @Override
    public long position() throws IOException {
        return delegate.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
        delegate.position(newPosition);
        return this;
    }

    @Override
    public long size() throws IOException {
        return delegate.size();
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
        delegate.truncate(size);
        return this;
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
        return delegate.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
        return delegate.transferFrom(src, position, count);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
        return delegate.read(dst, position);
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) throws IOException {
        return delegate.map(mode, position, size);
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
        return delegate.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
        return delegate.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
        delegate.close();
    }
}
