/**
 * What one model call used and cost: {@link dev.aip.core.metering.UsageRecord}, written exactly once per call
 * attempt on every outcome, with its {@link dev.aip.core.metering.TokenUsage},
 * {@link dev.aip.core.metering.Outcome}, {@link dev.aip.core.metering.UsageProvenance} and
 * {@link dev.aip.core.metering.Cost}.
 *
 * <p>All values are immutable records; token arithmetic is exact ({@code long} with overflow checks) and money is
 * {@link java.math.BigDecimal}.
 */
@NullMarked
package dev.aip.core.metering;

import org.jspecify.annotations.NullMarked;
