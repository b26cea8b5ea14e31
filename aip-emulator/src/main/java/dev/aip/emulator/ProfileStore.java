package dev.aip.emulator;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * The live application inference profiles of one emulated account and Region.
 *
 * <p>Thread-safe. Every change (create, delete, tag, untag) runs under one lock, so quota, name uniqueness,
 * idempotency and the 50-tag limit are decided on a consistent state. Reads take no lock: both indexes are concurrent
 * maps holding the same immutable {@link ApplicationProfile} values, and a change replaces values whole. Listing
 * walks the creation-order index, whose iterators are weakly consistent: a profile that is live for the whole walk is
 * seen exactly once, whatever is created or deleted meanwhile.
 */
final class ProfileStore {

    static final int MAX_TAGS = 50;
    private static final long ID_SPACE = pow(36, 12);

    private final String region;
    private final String accountId;
    private final long seed;
    private final int quota;
    private final Clock clock;

    private final ConcurrentHashMap<String, ApplicationProfile> byId = new ConcurrentHashMap<>();
    private final ConcurrentSkipListMap<Long, ApplicationProfile> bySequence = new ConcurrentSkipListMap<>();

    // Guarded by lock.
    private final Object lock = new Object();
    private final Map<String, String> idByName = new HashMap<>();
    private final Map<String, Replay> byToken = new HashMap<>();
    private final Map<String, String> tokenById = new HashMap<>();
    private final Set<String> issuedIds = new HashSet<>();
    private long idCounter;
    private long sequence;

    /** What a {@code clientRequestToken} was first used for. */
    private record Replay(CreateRequest request, String profileId) {
    }

    /**
     * A validated CreateInferenceProfile. Immutable.
     *
     * @param name the profile name
     * @param description or {@code null}
     * @param clientRequestToken or {@code null} when the caller sent none
     * @param copiedFrom the source ARN as given
     * @param model the model the source routes to
     * @param modelArns the source's foundation-model ARNs
     * @param tags distinct keys, at most {@value #MAX_TAGS}
     */
    record CreateRequest(String name, String description, String clientRequestToken, String copiedFrom,
                         ModelCatalog.FoundationModel model, List<String> modelArns, Map<String, String> tags) {
        CreateRequest {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(copiedFrom, "copiedFrom");
            Objects.requireNonNull(model, "model");
            modelArns = List.copyOf(modelArns);
            tags = Collections.unmodifiableMap(new LinkedHashMap<>(tags));
        }

        /** Equal in everything a caller chose except the token itself. */
        boolean sameParameters(CreateRequest other) {
            return name.equals(other.name) && Objects.equals(description, other.description)
                    && copiedFrom.equals(other.copiedFrom) && tags.equals(other.tags);
        }
    }

    ProfileStore(String region, String accountId, long seed, int quota, Clock clock) {
        this.region = Objects.requireNonNull(region, "region");
        this.accountId = Objects.requireNonNull(accountId, "accountId");
        this.seed = seed;
        this.quota = quota;
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    /**
     * Creates a profile, or returns the one an earlier request with the same token created.
     *
     * @throws ApiError {@code ConflictException} if the token was used with other parameters or the name is taken;
     *     {@code ServiceQuotaExceededException} if the account holds its quota of profiles already
     */
    ApplicationProfile create(CreateRequest request) {
        synchronized (lock) {
            String token = request.clientRequestToken();
            if (token != null) {
                Replay replay = byToken.get(token);
                if (replay != null) {
                    if (!replay.request().sameParameters(request)) {
                        throw ApiError.conflict("The clientRequestToken " + token + " was already used for a"
                                + " CreateInferenceProfile request with different parameters. Use a new token for"
                                + " a different request.");
                    }
                    return byId.get(replay.profileId());
                }
            }
            if (idByName.containsKey(request.name())) {
                throw ApiError.conflict("An inference profile named " + request.name() + " already exists ("
                        + Arns.applicationProfile(region, accountId, idByName.get(request.name()))
                        + "). Choose another name or delete that profile first.");
            }
            if (byId.size() >= quota) {
                throw new ApiError(400, "ServiceQuotaExceededException", "The account already has " + byId.size()
                        + " application inference profiles, its quota of " + quota
                        + ". Delete unused profiles or request a quota increase.");
            }
            String id = nextId();
            Instant now = clock.instant().truncatedTo(ChronoUnit.MICROS);
            ApplicationProfile profile = new ApplicationProfile(++sequence, id,
                    Arns.applicationProfile(region, accountId, id), request.name(), request.description(),
                    request.copiedFrom(), request.model(), request.modelArns(), request.tags(), now,
                    now);
            idByName.put(profile.name(), id);
            if (token != null) {
                byToken.put(token, new Replay(request, id));
                tokenById.put(id, token);
            }
            bySequence.put(profile.sequence(), profile);
            byId.put(id, profile);
            return profile;
        }
    }

    /**
     * Deletes a profile. Its id is never issued again; its name and its creation token become free, so a later
     * create with that token makes a new profile instead of pointing at a deleted one.
     *
     * @throws ApiError {@code ResourceNotFoundException} if no live profile has the id
     */
    void delete(String id) {
        synchronized (lock) {
            ApplicationProfile profile = byId.remove(id);
            if (profile == null) {
                throw notFound(id);
            }
            bySequence.remove(profile.sequence());
            idByName.remove(profile.name());
            String token = tokenById.remove(id);
            if (token != null) {
                byToken.remove(token);
            }
        }
    }

    /**
     * Adds or replaces tags.
     *
     * @throws ApiError {@code ResourceNotFoundException}; {@code TooManyTagsException} if the profile would hold
     *     more than {@value #MAX_TAGS} distinct keys
     */
    void tag(String id, Map<String, String> tags) {
        synchronized (lock) {
            ApplicationProfile current = live(id);
            Map<String, String> merged = new LinkedHashMap<>(current.tags());
            merged.putAll(tags);
            if (merged.size() > MAX_TAGS) {
                throw tooManyTags(current.arn(), merged.size());
            }
            replace(current.withTags(merged));
        }
    }

    /** Removes tags; keys the profile does not have are ignored. @throws ApiError {@code ResourceNotFoundException} */
    void untag(String id, Collection<String> keys) {
        synchronized (lock) {
            ApplicationProfile current = live(id);
            Map<String, String> remaining = new LinkedHashMap<>(current.tags());
            remaining.keySet().removeAll(keys);
            if (remaining.size() != current.tags().size()) {
                replace(current.withTags(remaining));
            }
        }
    }

    /** The live profile with the id, or {@code null}. Lock-free. */
    ApplicationProfile get(String id) {
        return byId.get(id);
    }

    int size() {
        return byId.size();
    }

    /**
     * Up to {@code limit} live profiles created after {@code afterSequence}, in creation order, plus one more if
     * there is one, so the caller knows whether to hand out a next token.
     */
    List<ApplicationProfile> listAfter(long afterSequence, int limit) {
        List<ApplicationProfile> page = new ArrayList<>(Math.min(limit + 1, 1024));
        for (ApplicationProfile p : bySequence.tailMap(afterSequence, false).values()) {
            page.add(p);
            if (page.size() > limit) {
                break;
            }
        }
        return page;
    }

    /** Every live profile in creation order; a weakly consistent snapshot. */
    List<ApplicationProfile> all() {
        return List.copyOf(bySequence.values());
    }

    static ApiError tooManyTags(String resourceName, int count) {
        return new ApiError(400, "TooManyTagsException", "The request would give " + resourceName + " " + count
                + " tags; a resource can have at most " + MAX_TAGS + ". Remove tags before adding new ones.",
                Map.of("resourceName", resourceName));
    }

    private ApplicationProfile live(String id) {
        ApplicationProfile current = byId.get(id);
        if (current == null) {
            throw notFound(id);
        }
        return current;
    }

    private void replace(ApplicationProfile updated) {
        bySequence.put(updated.sequence(), updated);
        byId.put(updated.id(), updated);
    }

    private ApiError notFound(String id) {
        return ApiError.notFound("The inference profile " + Arns.applicationProfile(region, accountId, id)
                + " does not exist.");
    }

    /**
     * Ids are a SplitMix64 sequence keyed by the seed, so two emulators with one seed issue the same ids in the same
     * order; a collision with any id ever issued (live or deleted) is skipped.
     */
    private String nextId() {
        while (true) {
            long z = seed + (++idCounter) * 0x9E3779B97F4A7C15L;
            z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
            z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
            z ^= z >>> 31;
            String id = base36(Long.remainderUnsigned(z, ID_SPACE));
            if (issuedIds.add(id)) {
                return id;
            }
        }
    }

    private static String base36(long value) {
        char[] out = new char[12];
        for (int i = 11; i >= 0; i--) {
            out[i] = Character.forDigit((int) (value % 36), 36);
            value /= 36;
        }
        return new String(out);
    }

    private static long pow(long base, int exp) {
        long r = 1;
        for (int i = 0; i < exp; i++) {
            r = Math.multiplyExact(r, base);
        }
        return r;
    }
}
