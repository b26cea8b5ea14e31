package dev.aip.emulator;

import static dev.aip.emulator.ControlPlaneFixtures.HAIKU_35_ARN;
import static dev.aip.emulator.ControlPlaneFixtures.controlPlane;
import static dev.aip.emulator.ControlPlaneFixtures.createBody;
import static dev.aip.emulator.ControlPlaneFixtures.query;
import static dev.aip.emulator.ControlPlaneFixtures.tagBody;
import static dev.aip.emulator.ControlPlaneFixtures.untagBody;
import static dev.aip.emulator.ControlPlaneFixtures.withTags;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ControlPlaneConcurrencyTest {

    private static final int THREADS = 32;

    private final ExecutorService pool = Executors.newFixedThreadPool(THREADS + 1);

    @AfterEach
    void shutdown() {
        pool.shutdownNow();
    }

    @Test
    void mixedOperations_32Threads_loseAndDuplicateNothing() throws Exception {
        ControlPlane cp = controlPlane(100_000);
        int perThread = 40;
        Map<String, Map<String, String>> expectedTags = new ConcurrentHashMap<>();
        Set<String> deleted = ConcurrentHashMap.newKeySet();
        Set<String> everyArn = ConcurrentHashMap.newKeySet();
        AtomicInteger sharedNameWins = new AtomicInteger();
        CyclicBarrier start = new CyclicBarrier(THREADS);

        runAll(THREADS, t -> {
            start.await();
            for (int i = 0; i < perThread; i++) {
                String token = "tok-" + t + "-" + i;
                ObjectNode body = withTags(createBody("p-" + t + "-" + i, HAIKU_35_ARN)
                        .put("clientRequestToken", token), Map.of("owner", "t" + t));
                String arn = cp.createInferenceProfile(body.deepCopy()).get("inferenceProfileArn").asText();
                // A retried request (same token, same parameters) must come back with the same profile.
                assertThat(cp.createInferenceProfile(body.deepCopy()).get("inferenceProfileArn").asText())
                        .isEqualTo(arn);
                assertThat(everyArn.add(arn)).as("ARN %s issued twice", arn).isTrue();
                Map<String, String> tags = new HashMap<>(Map.of("owner", "t" + t));
                for (int k = 0; k < i % 5; k++) {
                    cp.tagResource(tagBody(arn, Map.of("k" + k, "v" + i)));
                    tags.put("k" + k, "v" + i);
                }
                if (i % 4 == 1) {
                    cp.untagResource(untagBody(arn, "owner"));
                    tags.remove("owner");
                }
                if (i % 3 == 0) {
                    cp.deleteInferenceProfile(arn);
                    deleted.add(arn);
                } else {
                    expectedTags.put(arn, tags);
                }
                try {
                    cp.createInferenceProfile(createBody("shared", HAIKU_35_ARN));
                    sharedNameWins.incrementAndGet();
                } catch (ApiError e) {
                    assertThat(e.code()).isEqualTo("ConflictException");
                }
            }
            return null;
        });

        assertThat(everyArn).hasSize(THREADS * perThread);
        assertThat(sharedNameWins).hasValue(1);
        List<ApplicationProfile> live = cp.applicationProfiles();
        Map<String, Map<String, String>> actual = new HashMap<>();
        live.forEach(p -> actual.put(p.arn(), p.tags()));
        actual.keySet().removeIf(arn -> cp.applicationProfile(arn).orElseThrow().name().equals("shared"));
        assertThat(actual).isEqualTo(expectedTags);
        assertThat(cp.applicationProfileCount()).isEqualTo(expectedTags.size() + 1);
        assertThat(live).extracting(ApplicationProfile::id).doesNotHaveDuplicates();
        assertThat(live).extracting(ApplicationProfile::sequence).isSorted().doesNotHaveDuplicates();
        assertThat(deleted).allSatisfy(arn -> assertThat(cp.applicationProfile(arn)).isEmpty());
        assertThat(listAll(cp, 37)).hasSize(expectedTags.size() + 1).doesNotHaveDuplicates();
    }

    @Test
    void createAtQuota_32ThreadsAtOnce_createExactlyTheQuota() throws Exception {
        // Many short rounds, each with all threads released together at the quota boundary, where a race would show.
        for (int round = 0; round < 50; round++) {
            ControlPlane cp = controlPlane(THREADS / 2);
            AtomicInteger created = new AtomicInteger();
            CyclicBarrier start = new CyclicBarrier(THREADS);

            runAll(THREADS, t -> {
                start.await();
                try {
                    ControlPlaneFixtures.create(cp, "q-" + t);
                    created.incrementAndGet();
                } catch (ApiError e) {
                    assertThat(e.code()).isEqualTo("ServiceQuotaExceededException");
                }
                return null;
            });

            assertThat(created).hasValue(THREADS / 2);
            assertThat(cp.applicationProfileCount()).isEqualTo(THREADS / 2);
        }
    }

    @Test
    void createSameName_32ThreadsAtOnce_exactlyOneWins() throws Exception {
        for (int round = 0; round < 50; round++) {
            ControlPlane cp = controlPlane();
            AtomicInteger created = new AtomicInteger();
            CyclicBarrier start = new CyclicBarrier(THREADS);

            runAll(THREADS, t -> {
                start.await();
                try {
                    ControlPlaneFixtures.create(cp, "same");
                    created.incrementAndGet();
                } catch (ApiError e) {
                    assertThat(e.code()).isEqualTo("ConflictException");
                }
                return null;
            });

            assertThat(created).hasValue(1);
            assertThat(cp.applicationProfileCount()).isEqualTo(1);
        }
    }

    @Test
    void createSameToken_32ThreadsAtOnce_allGetTheOneProfile() throws Exception {
        for (int round = 0; round < 50; round++) {
            ControlPlane cp = controlPlane();
            Set<String> arns = ConcurrentHashMap.newKeySet();
            CyclicBarrier start = new CyclicBarrier(THREADS);

            runAll(THREADS, t -> {
                start.await();
                arns.add(cp.createInferenceProfile(createBody("retried", HAIKU_35_ARN)
                        .put("clientRequestToken", "one-token")).get("inferenceProfileArn").asText());
                return null;
            });

            assertThat(arns).hasSize(1);
            assertThat(cp.applicationProfileCount()).isEqualTo(1);
        }
    }

    @Test
    void tagOneProfile_32Threads_stopExactlyAt50Keys() throws Exception {
        ControlPlane cp = controlPlane();
        String arn = ControlPlaneFixtures.create(cp, "target");
        AtomicInteger accepted = new AtomicInteger();
        CyclicBarrier start = new CyclicBarrier(THREADS);

        runAll(THREADS, t -> {
            start.await();
            for (int i = 0; i < 3; i++) {
                try {
                    cp.tagResource(tagBody(arn, Map.of("t" + t + "-" + i, "v")));
                    accepted.incrementAndGet();
                } catch (ApiError e) {
                    assertThat(e.code()).isEqualTo("TooManyTagsException");
                }
            }
            return null;
        });

        assertThat(accepted).hasValue(50);
        assertThat(cp.tags(arn)).hasSize(50);
    }

    @Test
    void paginate_whileOtherThreadsCreateAndDelete_seesEveryStableProfileExactlyOncePerPass() throws Exception {
        ControlPlane cp = controlPlane(100_000);
        List<String> stable = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            stable.add(ControlPlaneFixtures.create(cp, "stable-" + i));
            ControlPlaneFixtures.create(cp, "doomed-" + i);
        }
        List<String> doomed = cp.applicationProfiles().stream().filter(p -> p.name().startsWith("doomed"))
                .map(ApplicationProfile::arn).toList();
        AtomicBoolean done = new AtomicBoolean();
        List<Future<?>> churn = new ArrayList<>();
        for (int t = 0; t < THREADS - 1; t++) {
            int thread = t;
            churn.add(pool.submit(() -> {
                int i = 0;
                while (!done.get()) {
                    // Every churn profile is deleted again, so the store stays small however long the walk.
                    cp.deleteInferenceProfile(ControlPlaneFixtures.create(cp, "churn-" + thread + "-" + i++));
                    if (thread < doomed.size() / 2 && i == 3) {
                        cp.deleteInferenceProfile(doomed.get(thread));
                    }
                }
                return null;
            }));
        }
        try {
            for (int pass = 0; pass < 20; pass++) {
                List<String> seen = listAll(cp, 7);
                assertThat(seen).doesNotHaveDuplicates().containsAll(stable);
            }
        } finally {
            done.set(true);
        }
        for (Future<?> f : churn) {
            f.get(2, TimeUnit.MINUTES);
        }
    }

    private static List<String> listAll(ControlPlane cp, int pageSize) {
        List<String> seen = new ArrayList<>();
        String token = null;
        do {
            ObjectNode page = token == null
                    ? cp.listInferenceProfiles(query("type", "APPLICATION", "maxResults", String.valueOf(pageSize)))
                    : cp.listInferenceProfiles(query("type", "APPLICATION", "maxResults", String.valueOf(pageSize),
                            "nextToken", token));
            seen.addAll(page.get("inferenceProfileSummaries").findValuesAsText("inferenceProfileArn"));
            token = page.has("nextToken") ? page.get("nextToken").asText() : null;
        } while (token != null);
        return seen;
    }

    private interface Worker {
        Void run(int thread) throws Exception;
    }

    private void runAll(int threads, Worker worker) throws Exception {
        List<Future<Void>> futures = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            Callable<Void> task = () -> worker.run(thread);
            futures.add(pool.submit(task));
        }
        for (Future<Void> f : futures) {
            f.get(2, TimeUnit.MINUTES);
        }
    }
}
