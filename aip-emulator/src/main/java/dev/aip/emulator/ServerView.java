package dev.aip.emulator;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The server side of every runtime call: CloudWatch-style counters per {@code ModelId} and a bounded invocation
 * log. Both are fed by {@link #record} only, so the counters always equal the sums over every record ever made
 * (retained or evicted). Thread-safe.
 */
final class ServerView {

    private static final class Counters {
        final LongAdder invocations = new LongAdder();
        final LongAdder input = new LongAdder();
        final LongAdder output = new LongAdder();
        final LongAdder cacheRead = new LongAdder();
        final LongAdder cacheWrite = new LongAdder();
        final LongAdder throttles = new LongAdder();
        final LongAdder clientErrors = new LongAdder();
        final LongAdder serverErrors = new LongAdder();
        final Stat latency = new Stat();
        final Stat ttft = new Stat();
    }

    private static final class Stat {
        final LongAdder count = new LongAdder();
        final LongAdder sum = new LongAdder();
        final AtomicLong max = new AtomicLong();

        void add(long value) {
            count.increment();
            sum.add(value);
            max.accumulateAndGet(value, Math::max);
        }

        ModelMetrics.LatencyStats snapshot() {
            return new ModelMetrics.LatencyStats(count.sum(), sum.sum(), max.get());
        }
    }

    private final int capacity;
    private final ConcurrentHashMap<String, Counters> counters = new ConcurrentHashMap<>();
    private final ArrayDeque<InvocationRecord> log = new ArrayDeque<>();
    private long evicted;

    ServerView(int capacity) {
        this.capacity = capacity;
    }

    void record(InvocationRecord r) {
        Counters c = counters.computeIfAbsent(r.metricsModelId(), k -> new Counters());
        if (r.accepted()) {
            c.invocations.increment();
            c.latency.add(r.latencyMs());
        }
        if (r.inputTokens() != 0) {
            c.input.add(r.inputTokens());
        }
        if (r.outputTokens() != 0) {
            c.output.add(r.outputTokens());
        }
        if (r.cacheReadInputTokens() != 0) {
            c.cacheRead.add(r.cacheReadInputTokens());
        }
        if (r.cacheWriteInputTokens() != 0) {
            c.cacheWrite.add(r.cacheWriteInputTokens());
        }
        switch (r.outcome()) {
            case THROTTLED -> c.throttles.increment();
            case CLIENT_ERROR -> c.clientErrors.increment();
            case SERVER_ERROR -> c.serverErrors.increment();
            default -> {
            }
        }
        if (r.timeToFirstTokenMs() != null) {
            c.ttft.add(r.timeToFirstTokenMs());
        }
        synchronized (log) {
            if (log.size() == capacity) {
                log.pollFirst();
                evicted++;
            }
            log.addLast(r);
        }
    }

    Map<String, ModelMetrics> metrics() {
        Map<String, ModelMetrics> out = new TreeMap<>();
        counters.forEach((id, c) -> out.put(id, new ModelMetrics(id, c.invocations.sum(), c.input.sum(),
                c.output.sum(), c.cacheRead.sum(), c.cacheWrite.sum(), c.throttles.sum(), c.clientErrors.sum(),
                c.serverErrors.sum(), c.latency.snapshot(), c.ttft.snapshot())));
        return java.util.Collections.unmodifiableMap(out);
    }

    ModelMetrics metrics(String modelId) {
        ModelMetrics m = metrics().get(modelId);
        return m == null ? ModelMetrics.empty(modelId) : m;
    }

    List<InvocationRecord> invocations() {
        synchronized (log) {
            return List.copyOf(log);
        }
    }

    long evicted() {
        synchronized (log) {
            return evicted;
        }
    }

    void reset() {
        synchronized (log) {
            counters.clear();
            log.clear();
            evicted = 0;
        }
    }

    ObjectNode metricsJson() {
        ObjectNode root = Json.MAPPER.createObjectNode();
        ObjectNode models = root.putObject("models");
        for (ModelMetrics m : metrics().values()) {
            ObjectNode n = models.putObject(m.modelId());
            n.put("Invocations", m.invocations());
            n.put("InputTokenCount", m.inputTokenCount());
            n.put("OutputTokenCount", m.outputTokenCount());
            n.put("CacheReadInputTokenCount", m.cacheReadInputTokenCount());
            n.put("CacheWriteInputTokenCount", m.cacheWriteInputTokenCount());
            n.put("InvocationThrottles", m.invocationThrottles());
            n.put("InvocationClientErrors", m.invocationClientErrors());
            n.put("InvocationServerErrors", m.invocationServerErrors());
            stat(n.putObject("InvocationLatency"), m.invocationLatency());
            stat(n.putObject("TimeToFirstToken"), m.timeToFirstToken());
        }
        synchronized (log) {
            root.put("invocationLogSize", log.size());
            root.put("invocationLogEvicted", evicted);
        }
        return root;
    }

    private static void stat(ObjectNode n, ModelMetrics.LatencyStats s) {
        n.put("SampleCount", s.sampleCount());
        n.put("Sum", s.sumMillis());
        n.put("Maximum", s.maxMillis());
    }

    /**
     * The log as JSON, oldest first. Query parameters: {@code modelId} (matches the id as called, the metrics
     * dimension, the profile ARN or id), {@code operation}, {@code outcome}, {@code requestMetadata.<key>=<value>}
     * (all must match), {@code limit} (the latest n of the matches).
     */
    ObjectNode invocationsJson(Map<String, List<String>> query) {
        String modelId = first(query, "modelId");
        String operation = first(query, "operation");
        String outcome = first(query, "outcome");
        int limit = Integer.MAX_VALUE;
        String limitText = first(query, "limit");
        if (limitText != null) {
            try {
                limit = Integer.parseInt(limitText);
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 0) {
                throw ApiError.validation("limit must be a non-negative integer, was " + limitText);
            }
        }
        Map<String, String> metadata = new TreeMap<>();
        query.forEach((k, v) -> {
            if (k.startsWith("requestMetadata.") && !v.isEmpty()) {
                metadata.put(k.substring("requestMetadata.".length()), v.get(0));
            }
        });
        List<InvocationRecord> all = invocations();
        List<InvocationRecord> matches = new ArrayList<>();
        for (InvocationRecord r : all) {
            if (modelId != null && !modelId.equals(r.modelId()) && !modelId.equals(r.metricsModelId())
                    && !modelId.equals(r.profileArn()) && !modelId.equals(r.profileId())) {
                continue;
            }
            if (operation != null && !operation.equals(r.operation())) {
                continue;
            }
            if (outcome != null && !outcome.equals(r.outcome().name())) {
                continue;
            }
            boolean ok = true;
            for (Map.Entry<String, String> e : metadata.entrySet()) {
                if (!e.getValue().equals(r.requestMetadata().get(e.getKey()))) {
                    ok = false;
                    break;
                }
            }
            if (ok) {
                matches.add(r);
            }
        }
        if (matches.size() > limit) {
            matches = matches.subList(matches.size() - limit, matches.size());
        }
        ObjectNode root = Json.MAPPER.createObjectNode();
        ArrayNode items = root.putArray("invocations");
        for (InvocationRecord r : matches) {
            items.add(toJson(r));
        }
        root.put("returned", matches.size());
        root.put("retained", all.size());
        root.put("evicted", evicted());
        return root;
    }

    static ObjectNode toJson(InvocationRecord r) {
        ObjectNode n = Json.MAPPER.createObjectNode();
        n.put("requestId", r.requestId());
        n.put("timestamp", r.timestamp().toString());
        n.put("operation", r.operation());
        n.put("modelId", r.modelId());
        n.put("metricsModelId", r.metricsModelId());
        n.put("profileArn", r.profileArn());
        n.put("profileId", r.profileId());
        n.put("foundationModelId", r.foundationModelId());
        n.put("inputTokens", r.inputTokens());
        n.put("outputTokens", r.outputTokens());
        n.put("cacheReadInputTokens", r.cacheReadInputTokens());
        n.put("cacheWriteInputTokens", r.cacheWriteInputTokens());
        n.put("latencyMs", r.latencyMs());
        if (r.timeToFirstTokenMs() == null) {
            n.putNull("timeToFirstTokenMs");
        } else {
            n.put("timeToFirstTokenMs", r.timeToFirstTokenMs());
        }
        n.put("outcome", r.outcome().name());
        n.put("errorCode", r.errorCode());
        n.put("accepted", r.accepted());
        n.put("usageDelivered", r.usageDelivered());
        ObjectNode md = n.putObject("requestMetadata");
        new TreeMap<>(r.requestMetadata()).forEach(md::put);
        return n;
    }

    private static String first(Map<String, List<String>> query, String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? null : v.get(0);
    }
}
