package dev.aip.core.profile;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reads every application profile of the account with its tags: ListInferenceProfiles (type APPLICATION, all
 * pages) and one ListTagsForResource per profile, the latter on up to {@code parallelism} threads. A profile deleted
 * between the list and its tag read is left out. Each call is retried as the {@link Retrier} allows; any other
 * failure aborts the scan and is rethrown unchanged. Immutable and thread-safe.
 */
final class ProfileScanner {

    private static final AtomicInteger THREADS = new AtomicInteger();

    private final InferenceProfileApi api;
    private final Retrier retrier;
    private final int parallelism;

    ProfileScanner(InferenceProfileApi api, Retrier retrier, int parallelism) {
        this.api = api;
        this.retrier = retrier;
        this.parallelism = parallelism;
    }

    List<TaggedProfile> scan() {
        List<InferenceProfile> profiles = new ArrayList<>();
        String token = null;
        do {
            String page = token;
            ProfilePage result = retrier.call(() -> api.listApplicationProfiles(page, 1000));
            profiles.addAll(result.profiles());
            token = result.nextToken();
        } while (token != null);

        List<TaggedProfile> tagged = new ArrayList<>(profiles.size());
        if (parallelism <= 1 || profiles.size() <= 1) {
            for (InferenceProfile p : profiles) {
                TaggedProfile t = withTags(p);
                if (t != null) {
                    tagged.add(t);
                }
            }
            return tagged;
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.min(parallelism, profiles.size()), r -> {
            Thread t = new Thread(r, "aip-profile-scan-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<TaggedProfile>> futures = new ArrayList<>(profiles.size());
            for (InferenceProfile p : profiles) {
                futures.add(pool.submit(() -> withTags(p)));
            }
            for (Future<TaggedProfile> f : futures) {
                TaggedProfile t = get(f);
                if (t != null) {
                    tagged.add(t);
                }
            }
            return tagged;
        } finally {
            pool.shutdownNow();
        }
    }

    private TaggedProfile withTags(InferenceProfile profile) {
        try {
            Map<String, String> tags = retrier.call(() -> api.tags(profile.arn()));
            return new TaggedProfile(profile, tags);
        } catch (RuntimeException e) {
            if (Failures.classify(api, e) == ControlPlaneFailure.NOT_FOUND) {
                return null;
            }
            throw e;
        }
    }

    private static TaggedProfile get(Future<TaggedProfile> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading profile tags", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException) {
                throw (RuntimeException) cause;
            }
            if (cause instanceof Error) {
                throw (Error) cause;
            }
            throw new IllegalStateException(cause);
        }
    }
}
