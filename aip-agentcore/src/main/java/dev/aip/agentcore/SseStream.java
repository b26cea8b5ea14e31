package dev.aip.agentcore;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * The server-sent events answer of one streaming invocation. The 200 and its headers are sent with the first event,
 * so a failure before any token can still be answered with its own status. Thread-safe: tokens may come from any
 * thread; every write holds the lock.
 */
final class SseStream implements Consumer<String> {

    private final HttpExchange exchange;
    private final ObjectMapper json;
    private boolean committed;
    private boolean finished;
    private boolean broken;

    SseStream(HttpExchange exchange, ObjectMapper json) {
        this.exchange = exchange;
        this.json = json;
    }

    /** Sends one token event. */
    @Override
    public synchronized void accept(String text) {
        if (finished) {
            throw new IllegalStateException("The invocation already answered; pass every token before stream(...)"
                    + " returns");
        }
        ObjectNode data = json.createObjectNode();
        data.put("text", text);
        send("token", data.toString());
    }

    /**
     * Refuses further tokens and says whether nothing was sent yet, in one step: then the failure can still be
     * answered with its own status; otherwise only as an error event ({@link #fail}).
     */
    synchronized boolean endUncommitted() {
        finished = true;
        return !committed;
    }

    /** Sends the final event and ends the answer. */
    synchronized void finish(String replyJson) {
        if (!broken) {
            send("final", replyJson);
        }
        finished = true;
    }

    /** Sends an error event and ends the answer; quietly does nothing when the client has gone. */
    synchronized void fail(String errorJson) {
        finished = true;
        if (!broken) {
            try {
                send("error", errorJson);
            } catch (UncheckedIOException e) {
                broken = true;
            }
        }
    }

    private void send(String event, String data) {
        if (broken) {
            throw new UncheckedIOException(new IOException("The client closed the event stream"));
        }
        try {
            if (!committed) {
                exchange.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
                exchange.getResponseHeaders().set("Cache-Control", "no-cache");
                exchange.sendResponseHeaders(200, 0);
                committed = true;
            }
            OutputStream out = exchange.getResponseBody();
            // One data line: the JSON writer escapes line breaks, so the event cannot be split.
            out.write(("event: " + event + "\ndata: " + data + "\n\n").getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            broken = true;
            throw new UncheckedIOException("The client closed the event stream", e);
        }
    }
}
