package dev.aip.core.governance;

import dev.aip.core.metering.UsageRecord;
import java.util.List;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Step 5, fair share (when configured): counts the call's estimated tokens against the account capacity of the
 * profile's source model and region, shared by all tenants, and sheds a tenant above its share of a congested model.
 * Settlement puts the attempts' real tokens in place of the estimate. In this instance's memory, so never async.
 */
final class FairShareCheck implements AdmissionCheck {

    private static final Logger LOG = LoggerFactory.getLogger(GovernancePermit.class);

    private final FairShareController controller;

    FairShareCheck(FairShareController controller) {
        this.controller = controller;
    }

    @Override
    public @Nullable Refusal take(Ask ask, GovernancePermit grant) {
        FairShare settings = controller.settings(ask.policies());
        if (settings == null) {
            return null;
        }
        FairShareController.ShareReservation share = controller.admit(settings, ask.id(), ask.tier(), ask.profile(),
                ask.tokens());
        if (share.refusal() != null) {
            return share.refusal();
        }
        grant.share = share;
        return null;
    }

    @Override
    public void giveBack(GovernancePermit grant) {
        if (grant.share != null) {
            try {
                grant.share.cancel();
            } catch (RuntimeException e) {
                LOG.warn("Could not give back the fair-share reservation a refused call of tenant {} took",
                        grant.tenant.id(), e);
            }
        }
    }

    @Override
    public void settle(GovernancePermit grant, @Nullable List<UsageRecord> attempts) {
        if (grant.share != null) {
            grant.share.settle(attempts);
        }
    }

    @Override
    public String toString() {
        return "fair share";
    }
}
