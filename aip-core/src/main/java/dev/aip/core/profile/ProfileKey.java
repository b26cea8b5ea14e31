package dev.aip.core.profile;

import dev.aip.core.tenant.TenantId;

/** A tenant and logical model: the key of a dedicated profile. Immutable. */
record ProfileKey(TenantId tenant, String logicalModel) implements Comparable<ProfileKey> {

    @Override
    public int compareTo(ProfileKey o) {
        int c = tenant.compareTo(o.tenant);
        return c != 0 ? c : logicalModel.compareTo(o.logicalModel);
    }

    @Override
    public String toString() {
        return tenant + "/" + logicalModel;
    }
}
