/**
 * Tenant identity and the scoped current tenant.
 *
 * <p>{@link dev.aip.core.tenant.TenantId} is validated once, at the edge, because tenant ids end up in AWS tag
 * values, Bedrock {@code requestMetadata} and profile names. {@link dev.aip.core.tenant.TenantContext} adds the tier
 * and free attributes. The core API takes a context explicitly; {@link dev.aip.core.tenant.TenantScope} carries one
 * through framework code that cannot pass it, and is what framework adapters bridge to.
 */
@NullMarked
package dev.aip.core.tenant;

import org.jspecify.annotations.NullMarked;
