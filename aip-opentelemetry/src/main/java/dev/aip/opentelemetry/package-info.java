/**
 * Trace spans for aip's model calls, on the OpenTelemetry API alone.
 *
 * <p>{@link dev.aip.opentelemetry.TracingCallObserver} is a {@link dev.aip.core.chat.CallObserver}: set it on the
 * chat pipeline, the SDK interceptor or the call engine, and every logical call becomes a span (with a child span
 * per attempt) carrying the OpenTelemetry GenAI attributes and aip's tenant, profile, outcome and cost. Tracing is
 * off until an application hands over its {@code OpenTelemetry}; Spring Boot applications get it from
 * {@code aip-spring-ai} when an {@code OpenTelemetry} bean exists ({@code aip.tracing.enabled}).
 */
@NullMarked
package dev.aip.opentelemetry;

import org.jspecify.annotations.NullMarked;
