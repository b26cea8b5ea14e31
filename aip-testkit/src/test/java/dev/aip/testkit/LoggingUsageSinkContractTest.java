package dev.aip.testkit;

import dev.aip.core.sink.LoggingUsageSink;

/** The log sink keeps the usage sink contract; it keeps nothing to read back, so the read-back checks skip. */
class LoggingUsageSinkContractTest extends UsageSinkContract<LoggingUsageSink> {

    @Override
    protected LoggingUsageSink newSink() {
        return new LoggingUsageSink();
    }
}
