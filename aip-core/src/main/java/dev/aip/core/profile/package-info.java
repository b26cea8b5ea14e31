/**
 * Tenants' application inference profiles: resolving a tenant and logical model to the profile its calls must use,
 * and managing those profiles for thousands of tenants.
 *
 * <p><b>Resolution.</b> {@link dev.aip.core.profile.TenantProfileResolver} turns a tenant and a logical model into a
 * {@link dev.aip.core.profile.ResolvedProfile} whose ARN is passed as the Bedrock {@code modelId}. Strategies:
 * {@link dev.aip.core.profile.StaticProfileResolver} (a fixed map),
 * {@link dev.aip.core.profile.TagDiscoveryProfileResolver} (every application profile and its tags, indexed in
 * memory and refreshed in the background; no control-plane call per request) and
 * {@link dev.aip.core.profile.ProvisioningProfileResolver} (creates a tenant's profile on first use, once even under
 * concurrent first calls; beyond the account's profile quota, tenants share their tier's pool profile).
 * {@link dev.aip.core.profile.ProfileModelLookup} finds the foundation model behind a profile ARN for pricing.
 * A tenant may own several profiles for one model ({@code resolveAll}); a
 * {@link dev.aip.core.profile.ProfileBalancer} spreads its calls over them (weighted random or least loaded).
 *
 * <p><b>Ownership.</b> A profile belongs to the tenant its owner tag ({@link dev.aip.core.profile.TagSchema},
 * default {@code TenantId}) names; names are cosmetic. No resolver returns a dedicated profile for a tenant its tag
 * does not name, and none accepts another tenant's profile ARN named directly ({@code resolveArn}). Every aip path
 * applies one rule to a call naming a profile ARN (the ownership rule): it is sent only to
 * the tenant's own profile or a shared one, and refused when the profile is another tenant's or unknown.
 *
 * <p><b>Lifecycle.</b> {@link dev.aip.core.profile.ProfileLifecycle} creates, reads, tags and deletes profiles, and
 * reconciles a list of {@link dev.aip.core.profile.DesiredProfile}s with the account: {@code plan} computes
 * {@link dev.aip.core.profile.PlanAction}s (create, delete, retag, replace), {@code apply} carries them out
 * concurrently with retries and progress callbacks. Only profiles tagged {@code ManagedBy=aip} are ever changed.
 * Names come from a {@link dev.aip.core.profile.ProfileNameTemplate}, model sources from
 * {@link dev.aip.core.profile.ModelRoutes}.
 *
 * <p><b>Control plane.</b> Everything here reaches Bedrock through the
 * {@link dev.aip.core.profile.InferenceProfileApi} port and never sees AWS SDK types; the SDK binding is
 * {@code dev.aip.core.bedrock.BedrockInferenceProfileApi}.
 */
@NullMarked
package dev.aip.core.profile;

import org.jspecify.annotations.NullMarked;
