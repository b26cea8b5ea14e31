/**
 * <b>Not API.</b> Implementation shared by aip's own packages and modules, public only because Java has no
 * visibility between "package" and "public" without the module system. Applications and integrations must not use
 * these types: they change without notice, and a machine-checked rule keeps aip's own adapters (Spring AI,
 * LangChain4j, the gateway, Micrometer, Redis) out of them too, so every adapter is built on the public API alone.
 *
 * <p>With the module system, the {@code dev.aip.core} automatic module exports every package; treat
 * {@code dev.aip.core.internal} as unexported.
 */
@NullMarked
package dev.aip.core.internal;

import org.jspecify.annotations.NullMarked;
