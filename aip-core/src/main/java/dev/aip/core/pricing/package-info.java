/**
 * Prices: {@link dev.aip.core.pricing.PriceCatalog} holds USD prices per million tokens for the four token buckets,
 * per model and region, from a bundled dated file or your own; each {@link dev.aip.core.pricing.ModelPrice} says
 * where its figures come from and whether they were verified against AWS's own prices
 * ({@link dev.aip.core.pricing.PriceSource}). The arithmetic that turns usage into a cost,
 * {@link dev.aip.core.metering.CostCalculator}, belongs to metering (exact, and never an unknown model at zero), so
 * this package depends on nothing else of aip's.
 */
@NullMarked
package dev.aip.core.pricing;

import org.jspecify.annotations.NullMarked;
