package dev.aip.core.sink;

import dev.aip.core.metering.UsageRecord;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLongArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Factories for composing sinks.
 *
 * <p>Thread-safe: all methods are static.
 */
public final class UsageSinks {

    private static final UsageSink NOOP = record -> {};

    private UsageSinks() {}

    /**
     * Returns a sink that sends every record to each of {@code sinks}, in order, isolating them from each other.
     *
     * @param sinks the sinks; at least one
     * @return the fan-out sink
     */
    public static FanOut fanOut(UsageSink... sinks) {
        return new FanOut(List.of(sinks));
    }

    /**
     * Returns a sink that discards every record, deliberately.
     *
     * @return the no-op sink
     */
    public static UsageSink noop() {
        return NOOP;
    }

    /**
     * Sends each record to several sinks. A sink that throws (from {@code accept}, {@code flush} or
     * {@code close}) does not stop the others and never propagates to the caller: its failure is counted
     * ({@link #failures()}, {@link #failures(int)}) and logged, the first time and every 1000th time per sink, on
     * logger {@code dev.aip.core.sink.UsageSinks}.
     *
     * <p>Thread-safe if its sinks are; share one.
     */
    public static final class FanOut implements UsageSink {

        private static final Logger LOG = LoggerFactory.getLogger(UsageSinks.class);

        private final List<UsageSink> sinks;
        private final AtomicLongArray failures;

        private FanOut(List<UsageSink> sinks) {
            if (sinks.isEmpty()) {
                throw new IllegalArgumentException("fanOut needs at least one sink");
            }
            this.sinks = sinks;
            this.failures = new AtomicLongArray(sinks.size());
        }

        @Override
        public void accept(UsageRecord record) {
            for (int i = 0; i < sinks.size(); i++) {
                try {
                    sinks.get(i).accept(record);
                } catch (Throwable t) {
                    failed(i, "accept", t);
                }
            }
        }

        @Override
        public void flush() {
            for (int i = 0; i < sinks.size(); i++) {
                try {
                    sinks.get(i).flush();
                } catch (Throwable t) {
                    failed(i, "flush", t);
                }
            }
        }

        @Override
        public void close() {
            for (int i = 0; i < sinks.size(); i++) {
                try {
                    sinks.get(i).close();
                } catch (Throwable t) {
                    failed(i, "close", t);
                }
            }
        }

        /**
         * Returns the number of failures of all sinks together.
         *
         * @return the count since creation
         */
        public long failures() {
            long sum = 0;
            for (int i = 0; i < failures.length(); i++) {
                sum += failures.get(i);
            }
            return sum;
        }

        /**
         * Returns the number of failures of one sink.
         *
         * @param sinkIndex the sink's position in the {@code fanOut} arguments
         * @return the count since creation
         */
        public long failures(int sinkIndex) {
            return failures.get(sinkIndex);
        }

        private void failed(int index, String operation, Throwable t) {
            if (t instanceof VirtualMachineError error) {
                throw error;
            }
            long n = failures.incrementAndGet(index);
            if (LogEvery.shouldLog(n)) {
                LOG.error("Usage sink #{} ({}) failed in {} ({} failures so far); the record still went to the"
                        + " other sinks. A sink must not throw: fix or wrap it.", index,
                        Objects.toString(sinks.get(index).getClass().getName()), operation, n, t);
            }
        }
    }
}
