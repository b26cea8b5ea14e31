/**
 * API keys in a shared store: {@link dev.aip.keys.ApiKeyStore}, kept in PostgreSQL by
 * {@link dev.aip.keys.JdbcApiKeyStore}. A key is shown once when it is created or rotated and stored only as a hash;
 * it may carry an expiry and per-key limits ({@link dev.aip.keys.KeyLimits}); every replica holds the keys in memory
 * and refreshes them from the database every few seconds, so a revocation reaches all of them within seconds.
 */
@NullMarked
package dev.aip.keys;

import org.jspecify.annotations.NullMarked;
