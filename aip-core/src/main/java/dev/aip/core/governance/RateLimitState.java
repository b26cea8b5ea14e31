package dev.aip.core.governance;

import dev.aip.core.tenant.TenantId;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;

/**
 * Where the token buckets of the request and token rate limits live. By default each {@link Governance} keeps its
 * buckets in its own memory, so a limit holds per instance; a shared state (such as
 * {@code dev.aip.core.governance.redis.RedisGovernanceState}) hands out Bucket4j proxies of one bucket per tenant and
 * limit, so that every instance draws from it and the limit holds per tenant.
 *
 * <p>Governance asks for a bucket when it first needs one for a tenant and limit, and then keeps it; when the
 * policy's limit changes it calls {@link Bucket#replaceConfiguration} on the same bucket.
 *
 * <p><b>Failures.</b> A state that cannot reach its store throws an unchecked exception, here or from the bucket's
 * operations; governance then applies the tier's {@link FailurePolicy} for rate limits.
 *
 * <p>Implementations must be thread-safe.
 */
public interface RateLimitState {

    /**
     * Returns the bucket of one tenant's limit, creating it with a configuration if it does not exist.
     *
     * @param tenant the tenant
     * @param limit the limit's name: {@code requests-per-minute} or {@code tokens-per-minute}
     * @param configuration the configuration of a new bucket (capacity and refill of the limit)
     * @return the bucket, to be shared by every call of the tenant under that limit
     */
    Bucket bucket(TenantId tenant, String limit, BucketConfiguration configuration);
}
