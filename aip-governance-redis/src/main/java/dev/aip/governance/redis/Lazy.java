package dev.aip.governance.redis;

import io.lettuce.core.api.StatefulConnection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * A connection opened on first use. A failed open is not remembered, so the next use tries again; an open
 * connection reconnects by itself (Lettuce's auto-reconnect).
 */
final class Lazy<C extends StatefulConnection<?, ?>> {

    private final Supplier<C> open;
    private volatile C connection;

    Lazy(Supplier<C> open) {
        this.open = open;
    }

    C get() {
        C c = connection;
        if (c != null) {
            return c;
        }
        synchronized (this) {
            if (connection == null) {
                connection = open.get();
            }
            return connection;
        }
    }

    /**
     * The connection, for async commands: at once when open; else opened on another thread (the common pool), so that
     * neither the caller nor a Redis I/O thread (where an async admission may be running) waits for a connect.
     */
    CompletionStage<C> getAsync() {
        C c = connection;
        return c != null ? CompletableFuture.completedFuture(c) : CompletableFuture.supplyAsync(this::get);
    }

    synchronized void close() {
        if (connection != null) {
            connection.close();
            connection = null;
        }
    }
}
