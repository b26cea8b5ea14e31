/**
 * Usage meters for Micrometer, without Spring.
 *
 * <p>{@link dev.aip.micrometer.MicrometerUsageSink} is a {@link dev.aip.core.sink.UsageSink} that turns each usage
 * record into OpenTelemetry GenAI meters ({@code gen_ai.client.token.usage}, {@code gen_ai.client.operation.duration},
 * {@code gen_ai.client.operation.time_to_first_chunk}) and aip's own ({@code aip.calls}, {@code aip.usage.cost},
 * {@code aip.usage.cache.tokens}). Tag values are bounded (tenants only when named, capped models, tiers and error
 * types), every series of a meter has the same tag keys, and each series is registered once.
 *
 * <p>Spring Boot applications get the sink from {@code aip-spring-ai}'s auto-configuration ({@code aip.metrics.*});
 * everyone else builds it on their own {@code MeterRegistry}.
 */
@NullMarked
package dev.aip.micrometer;

import org.jspecify.annotations.NullMarked;
