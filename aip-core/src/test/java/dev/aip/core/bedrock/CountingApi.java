package dev.aip.core.bedrock;

import dev.aip.core.profile.ControlPlaneFailure;
import dev.aip.core.profile.InferenceProfile;
import dev.aip.core.profile.InferenceProfileApi;
import dev.aip.core.profile.NewProfile;
import dev.aip.core.profile.ProfilePage;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/** Counts the calls that reach a port, and can throttle the next N creates by answering as Bedrock would. */
final class CountingApi implements InferenceProfileApi {

    final AtomicInteger creates = new AtomicInteger();
    final AtomicInteger calls = new AtomicInteger();
    final AtomicInteger throttleCreates = new AtomicInteger();
    private final InferenceProfileApi delegate;

    CountingApi(InferenceProfileApi delegate) {
        this.delegate = delegate;
    }

    @Override
    public InferenceProfile create(NewProfile profile) {
        calls.incrementAndGet();
        creates.incrementAndGet();
        if (throttleCreates.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0) {
            throw software.amazon.awssdk.services.bedrock.model.ThrottlingException.builder()
                    .message("Too many requests, please wait before trying again.").statusCode(429).build();
        }
        return delegate.create(profile);
    }

    @Override
    public Optional<InferenceProfile> get(String arnOrId) {
        calls.incrementAndGet();
        return delegate.get(arnOrId);
    }

    @Override
    public ProfilePage listApplicationProfiles(String nextToken, int maxResults) {
        calls.incrementAndGet();
        return delegate.listApplicationProfiles(nextToken, maxResults);
    }

    @Override
    public Map<String, String> tags(String arn) {
        calls.incrementAndGet();
        return delegate.tags(arn);
    }

    @Override
    public void tag(String arn, Map<String, String> tags) {
        calls.incrementAndGet();
        delegate.tag(arn, tags);
    }

    @Override
    public void untag(String arn, Collection<String> keys) {
        calls.incrementAndGet();
        delegate.untag(arn, keys);
    }

    @Override
    public void delete(String arn) {
        calls.incrementAndGet();
        delegate.delete(arn);
    }

    @Override
    public ControlPlaneFailure classify(RuntimeException failure) {
        return delegate.classify(failure);
    }
}
