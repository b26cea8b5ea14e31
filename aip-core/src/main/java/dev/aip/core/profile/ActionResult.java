package dev.aip.core.profile;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * How one {@link PlanAction} ended.
 *
 * <p>Immutable.
 *
 * @param action the action
 * @param succeeded whether it completed
 * @param profileArn the profile it leaves in place: the new profile for {@code CREATE} and {@code REPLACE} (also
 *     when a {@code REPLACE} created it but failed to delete the old one), the retagged profile, the deleted
 *     profile; {@code null} if a create failed
 * @param failure the classification of the failure, or {@code null} on success
 * @param message what went wrong, or {@code null} on success
 * @param attempts control-plane attempts made for the action's last step (more than 1 after retries)
 */
public record ActionResult(
        PlanAction action,
        boolean succeeded,
        @Nullable String profileArn,
        @Nullable ControlPlaneFailure failure,
        @Nullable String message,
        int attempts) {

    /** Validates. */
    public ActionResult {
        Objects.requireNonNull(action, "action");
        if (succeeded != (failure == null)) {
            throw new IllegalArgumentException("a failure classification is given exactly for failed actions");
        }
    }
}
