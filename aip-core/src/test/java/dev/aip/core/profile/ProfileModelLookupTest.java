package dev.aip.core.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.ProfileResolutionException;
import dev.aip.core.profile.FakeInferenceProfileApi.Op;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ProfileModelLookupTest {

    private final FakeInferenceProfileApi api = new FakeInferenceProfileApi();
    private final ProfileModelLookup lookup = ProfileModelLookup.create(api);

    @Test
    void sourceModelId_applicationProfile_isReadOnceThenCached() {
        InferenceProfile p = api.seed("p", FakeInferenceProfileApi.SONNET, Map.of());

        assertThat(lookup.sourceModelId(p.arn())).isEqualTo(FakeInferenceProfileApi.SONNET);
        assertThat(lookup.sourceModelId(p.arn())).isEqualTo(FakeInferenceProfileApi.SONNET);
        assertThat(lookup.sourceModelId(p.id())).isEqualTo(FakeInferenceProfileApi.SONNET);

        assertThat(api.calls(Op.GET)).isEqualTo(1);
    }

    @Test
    void sourceModelId_modelIdsAndSystemProfiles_needNoCall() {
        assertThat(lookup.sourceModelId(FakeInferenceProfileApi.HAIKU)).isEqualTo(FakeInferenceProfileApi.HAIKU);
        assertThat(lookup.sourceModelId("us." + FakeInferenceProfileApi.HAIKU))
                .isEqualTo(FakeInferenceProfileApi.HAIKU);
        assertThat(lookup.sourceModelId(FakeInferenceProfileApi.HAIKU_SYSTEM_ARN))
                .isEqualTo(FakeInferenceProfileApi.HAIKU);
        assertThat(lookup.sourceModelId("arn:aws:bedrock:us-east-1::foundation-model/" + FakeInferenceProfileApi.HAIKU))
                .isEqualTo(FakeInferenceProfileApi.HAIKU);

        assertThat(api.totalCalls()).isZero();
    }

    @Test
    void sourceModelId_missingProfile_failsNotRetryableAndIsNotCached() {
        String arn = "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/nope00000000";

        assertThatThrownBy(() -> lookup.sourceModelId(arn))
                .isInstanceOfSatisfying(ProfileResolutionException.class, e -> {
                    assertThat(e.retryable()).isFalse();
                    assertThat(e.getMessage()).contains(arn);
                });
        assertThatThrownBy(() -> lookup.sourceModelId(arn)).isInstanceOf(ProfileResolutionException.class);
        assertThat(api.calls(Op.GET)).isEqualTo(2);
    }

    @Test
    void sourceModelId_throttled_isRetryable() {
        InferenceProfile p = api.seed("p", FakeInferenceProfileApi.SONNET, Map.of());
        api.throttleNext(Op.GET, 1);

        assertThatThrownBy(() -> lookup.sourceModelId(p.arn()))
                .isInstanceOfSatisfying(ProfileResolutionException.class, e -> assertThat(e.retryable()).isTrue());
        assertThat(lookup.sourceModelId(p.arn())).isEqualTo(FakeInferenceProfileApi.SONNET);
    }

    @Test
    void sourceModelId_concurrentFirstLookups_makeOneCall() throws Exception {
        InferenceProfile p = api.seed("p", FakeInferenceProfileApi.SONNET, Map.of());
        int threads = 16;
        CyclicBarrier start = new CyclicBarrier(threads);
        java.util.concurrent.CountDownLatch arrived = new java.util.concurrent.CountDownLatch(threads);
        InferenceProfileApi slow = new DelegatingApi(api) {
            @Override
            public java.util.Optional<InferenceProfile> get(String arnOrId) {
                try {
                    arrived.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return super.get(arnOrId);
            }
        };
        ProfileModelLookup shared = ProfileModelLookup.create(slow);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                results.add(pool.submit(() -> {
                    start.await();
                    arrived.countDown();
                    return shared.sourceModelId(p.arn());
                }));
            }
            for (Future<String> f : results) {
                assertThat(f.get(10, TimeUnit.SECONDS)).isEqualTo(FakeInferenceProfileApi.SONNET);
            }
        } finally {
            pool.shutdownNow();
        }

        assertThat(api.calls(Op.GET)).isEqualTo(1);
    }

    @Test
    void profile_badIdentifier_isRejectedBeforeAnyCall() {
        assertThatThrownBy(() -> lookup.profile("not an arn/x"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not an arn/x");
        assertThat(api.totalCalls()).isZero();
    }
}
