/**
 * Prices and exact cost arithmetic.
 *
 * <p>{@link dev.aip.core.pricing.PriceCatalog} holds USD prices per million tokens for the four token buckets,
 * per model and region, from a bundled dated file or your own; {@link dev.aip.core.pricing.CostCalculator} turns a
 * {@link dev.aip.core.metering.TokenUsage} into a {@link dev.aip.core.metering.Cost}, exactly, and never prices an
 * unknown model at zero.
 */
@NullMarked
package dev.aip.core.pricing;

import org.jspecify.annotations.NullMarked;
