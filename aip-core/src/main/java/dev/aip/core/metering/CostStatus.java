package dev.aip.core.metering;

/** Whether a {@link Cost} could be computed. */
public enum CostStatus {
    /** The model had a price; the amount is exact. */
    PRICED,
    /** The model had no price in the catalog; there is no amount, and totals count the call as unpriced. */
    UNKNOWN_MODEL
}
