package dev.aip.core;

import org.jspecify.annotations.Nullable;

/**
 * The failure of a durable append to the usage ledger: the record could not be confirmed on disk. It was not
 * admitted (the ledger stayed behind for longer than its {@code maxBlock}, was closed, or the caller was
 * interrupted), or writing or syncing the batch it belonged to failed.
 *
 * <p>Always {@linkplain #retryable() retryable}: appending the same record again is safe, because ledger readers
 * count each {@code recordId} once. The record may be on disk all the same (a failure of one record of a batch
 * fails the whole batch's acknowledgement); it is never written twice by the ledger itself. The
 * {@linkplain #getCause() cause}, when there is one, is the I/O failure.
 *
 * <p>Immutable.
 */
public final class LedgerWriteException extends AipException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what failed, on which file, and what to do
     * @param cause the I/O failure, or {@code null}
     */
    public LedgerWriteException(String message, @Nullable Throwable cause) {
        super(message, null, true, cause);
    }
}
