package dev.aip.core.profile;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;

/** Forwards every call; tests override single operations. */
class DelegatingApi implements InferenceProfileApi {

    private final InferenceProfileApi delegate;

    DelegatingApi(InferenceProfileApi delegate) {
        this.delegate = delegate;
    }

    @Override
    public InferenceProfile create(NewProfile profile) {
        return delegate.create(profile);
    }

    @Override
    public Optional<InferenceProfile> get(String arnOrId) {
        return delegate.get(arnOrId);
    }

    @Override
    public ProfilePage listApplicationProfiles(String nextToken, int maxResults) {
        return delegate.listApplicationProfiles(nextToken, maxResults);
    }

    @Override
    public Map<String, String> tags(String arn) {
        return delegate.tags(arn);
    }

    @Override
    public void tag(String arn, Map<String, String> tags) {
        delegate.tag(arn, tags);
    }

    @Override
    public void untag(String arn, Collection<String> keys) {
        delegate.untag(arn, keys);
    }

    @Override
    public void delete(String arn) {
        delegate.delete(arn);
    }

    @Override
    public ControlPlaneFailure classify(RuntimeException failure) {
        return delegate.classify(failure);
    }
}
