package dev.aip.core.profile;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-memory control plane with Bedrock's semantics where the profile code depends on them: idempotent create
 * by token, a profile quota, duplicate names refused, tags per resource, paginated list, not-found errors. Counts
 * every call, and injects throttling (the next N calls, or the next N calls of one operation) and arbitrary
 * failures. Thread-safe.
 */
final class FakeInferenceProfileApi implements InferenceProfileApi {

    /** A failure of the fake, carrying its classification. */
    static final class FakeFailure extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final ControlPlaneFailure kind;

        FakeFailure(ControlPlaneFailure kind, String message) {
            super(kind + ": " + message);
            this.kind = kind;
        }
    }

    enum Op { CREATE, GET, LIST, TAGS, TAG, UNTAG, DELETE }

    static final String REGION = "us-east-1";
    static final String ACCOUNT = "123456789012";
    static final String HAIKU = "anthropic.claude-3-5-haiku-20241022-v1:0";
    static final String SONNET = "anthropic.claude-3-7-sonnet-20250219-v1:0";
    static final String HAIKU_SYSTEM_ARN = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us." + HAIKU;
    static final String SONNET_SYSTEM_ARN = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us." + SONNET;

    private final Object lock = new Object();
    private final Map<String, InferenceProfile> profiles = new HashMap<>();
    private final Map<String, Long> sequence = new HashMap<>();
    private final Map<String, Map<String, String>> tags = new HashMap<>();
    private final Map<String, String> tokens = new HashMap<>();
    private final AtomicLong seq = new AtomicLong();
    private final Map<Op, AtomicInteger> calls = new ConcurrentHashMap<>();
    private final AtomicInteger throttleNext = new AtomicInteger();
    private final Map<Op, AtomicInteger> throttleNextOf = new ConcurrentHashMap<>();
    private final Map<Op, RuntimeException> failNext = new ConcurrentHashMap<>();
    private volatile int quota = Integer.MAX_VALUE;
    private volatile Runnable beforeCreate = () -> { };

    FakeInferenceProfileApi() {
        for (Op op : Op.values()) {
            calls.put(op, new AtomicInteger());
            throttleNextOf.put(op, new AtomicInteger());
        }
    }

    static ModelRoutes routes() {
        return ModelRoutes.builder()
                .region(REGION)
                .accountId(ACCOUNT)
                .route("claude-haiku", HAIKU_SYSTEM_ARN)
                .route("claude-sonnet", SONNET_SYSTEM_ARN)
                .build();
    }

    // ---- controls ------------------------------------------------------------------------------------------------

    FakeInferenceProfileApi quota(int quota) {
        this.quota = quota;
        return this;
    }

    /** The next {@code n} calls of any operation fail with THROTTLED. */
    void throttleNext(int n) {
        throttleNext.set(n);
    }

    /** The next {@code n} calls of one operation fail with THROTTLED. */
    void throttleNext(Op op, int n) {
        throttleNextOf.get(op).set(n);
    }

    /** The next call of an operation throws this failure. */
    void failNext(Op op, RuntimeException failure) {
        failNext.put(op, failure);
    }

    /** Runs before each create is carried out (outside the lock), e.g. to park creating threads on a latch. */
    void beforeCreate(Runnable hook) {
        this.beforeCreate = hook;
    }

    int calls(Op op) {
        return calls.get(op).get();
    }

    int totalCalls() {
        return calls.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    void resetCounts() {
        calls.values().forEach(c -> c.set(0));
    }

    int size() {
        synchronized (lock) {
            return profiles.size();
        }
    }

    /** Adds a profile directly (not counted), e.g. a mis-tagged or unmanaged one. */
    InferenceProfile seed(String name, String modelId, Map<String, String> profileTags) {
        synchronized (lock) {
            return store(name, "arn:aws:bedrock:us-east-1::foundation-model/" + modelId, profileTags);
        }
    }

    Map<String, String> tagsOf(String arn) {
        synchronized (lock) {
            return Map.copyOf(tags.get(arn));
        }
    }

    /** Overwrites tags directly (not counted). */
    void setTags(String arn, Map<String, String> newTags) {
        synchronized (lock) {
            tags.put(arn, new TreeMap<>(newTags));
        }
    }

    /** Removes a profile directly (not counted). */
    void remove(String arn) {
        synchronized (lock) {
            profiles.remove(arn);
            tags.remove(arn);
        }
    }

    List<InferenceProfile> all() {
        synchronized (lock) {
            List<InferenceProfile> list = new ArrayList<>(profiles.values());
            list.sort((a, b) -> Long.compare(sequence.get(a.arn()), sequence.get(b.arn())));
            return list;
        }
    }

    // ---- the port ------------------------------------------------------------------------------------------------

    @Override
    public InferenceProfile create(NewProfile request) {
        enter(Op.CREATE);
        beforeCreate.run();
        synchronized (lock) {
            if (request.clientRequestToken() != null) {
                String arn = tokens.get(request.clientRequestToken());
                if (arn != null && profiles.containsKey(arn)) {
                    return profiles.get(arn);
                }
            }
            for (InferenceProfile p : profiles.values()) {
                if (p.name().equals(request.name())) {
                    throw new FakeFailure(ControlPlaneFailure.CONFLICT, "name " + request.name() + " is in use");
                }
            }
            if (profiles.size() >= quota) {
                throw new FakeFailure(ControlPlaneFailure.QUOTA_EXCEEDED, "profile quota " + quota + " reached");
            }
            InferenceProfile p = store(request.name(), request.copyFrom(), request.tags());
            if (request.clientRequestToken() != null) {
                tokens.put(request.clientRequestToken(), p.arn());
            }
            return p;
        }
    }

    @Override
    public Optional<InferenceProfile> get(String arnOrId) {
        enter(Op.GET);
        synchronized (lock) {
            InferenceProfile p = profiles.get(arnOrId);
            if (p == null) {
                p = profiles.values().stream().filter(x -> x.id().equals(arnOrId)).findFirst().orElse(null);
            }
            return Optional.ofNullable(p);
        }
    }

    @Override
    public ProfilePage listApplicationProfiles(String nextToken, int maxResults) {
        enter(Op.LIST);
        List<InferenceProfile> all = all();
        int from = nextToken == null ? 0 : Integer.parseInt(nextToken);
        int to = Math.min(all.size(), from + maxResults);
        return new ProfilePage(all.subList(from, to), to < all.size() ? Integer.toString(to) : null);
    }

    @Override
    public Map<String, String> tags(String arn) {
        enter(Op.TAGS);
        synchronized (lock) {
            return Map.copyOf(existing(arn));
        }
    }

    @Override
    public void tag(String arn, Map<String, String> newTags) {
        enter(Op.TAG);
        synchronized (lock) {
            Map<String, String> t = existing(arn);
            Map<String, String> merged = new TreeMap<>(t);
            merged.putAll(newTags);
            if (merged.size() > 50) {
                throw new FakeFailure(ControlPlaneFailure.VALIDATION, "too many tags");
            }
            t.putAll(newTags);
        }
    }

    @Override
    public void untag(String arn, Collection<String> keys) {
        enter(Op.UNTAG);
        synchronized (lock) {
            existing(arn).keySet().removeAll(keys);
        }
    }

    @Override
    public void delete(String arn) {
        enter(Op.DELETE);
        synchronized (lock) {
            if (profiles.remove(arn) == null) {
                throw new FakeFailure(ControlPlaneFailure.NOT_FOUND, "no profile " + arn);
            }
            tags.remove(arn);
        }
    }

    @Override
    public ControlPlaneFailure classify(RuntimeException failure) {
        return failure instanceof FakeFailure ? ((FakeFailure) failure).kind : ControlPlaneFailure.OTHER;
    }

    // ---- internals -----------------------------------------------------------------------------------------------

    private void enter(Op op) {
        calls.get(op).incrementAndGet();
        RuntimeException planned = failNext.remove(op);
        if (planned != null) {
            throw planned;
        }
        if (decrementIfPositive(throttleNextOf.get(op)) || decrementIfPositive(throttleNext)) {
            throw new FakeFailure(ControlPlaneFailure.THROTTLED, "Too many requests, please wait before trying again.");
        }
    }

    private static boolean decrementIfPositive(AtomicInteger counter) {
        return counter.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0;
    }

    private Map<String, String> existing(String arn) {
        Map<String, String> t = tags.get(arn);
        if (t == null) {
            throw new FakeFailure(ControlPlaneFailure.NOT_FOUND, "no profile " + arn);
        }
        return t;
    }

    private InferenceProfile store(String name, String copyFrom, Map<String, String> profileTags) {
        long n = seq.incrementAndGet();
        String id = String.format("p%011d", n);
        String arn = "arn:aws:bedrock:" + REGION + ":" + ACCOUNT + ":application-inference-profile/" + id;
        List<String> models = new ArrayList<>();
        String modelId = Arns.foundationModelId(copyFrom);
        if (copyFrom.contains(":inference-profile/")) {
            for (String region : List.of("us-east-1", "us-east-2", "us-west-2")) {
                models.add("arn:aws:bedrock:" + region + "::foundation-model/" + modelId);
            }
        } else {
            models.add(copyFrom);
        }
        Instant at = Instant.parse("2026-01-01T00:00:00Z").plusSeconds(n);
        InferenceProfile p = new InferenceProfile(arn, id, name, null, models, InferenceProfile.APPLICATION, at, at);
        profiles.put(arn, p);
        sequence.put(arn, n);
        tags.put(arn, new TreeMap<>(profileTags));
        return p;
    }
}
