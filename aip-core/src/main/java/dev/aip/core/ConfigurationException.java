package dev.aip.core;

import java.util.Map;

/**
 * Thrown when the library's setup is unusable: a malformed price catalog, a ledger file that cannot be opened or
 * read back, an invalid builder setting.
 *
 * <p>Never retryable: the configuration, file or environment must be fixed first. The message names the file,
 * line or field at fault.
 *
 * <p>Immutable.
 */
public final class ConfigurationException extends AipException {

    private static final long serialVersionUID = 1L;

    /**
     * Creates the exception.
     *
     * @param message what is wrong, where, and what to do
     */
    public ConfigurationException(String message) {
        super(message, null, false, null);
    }

    /**
     * Creates the exception with a cause.
     *
     * @param message what is wrong, where, and what to do
     * @param cause the underlying failure
     */
    public ConfigurationException(String message, Throwable cause) {
        super(message, null, false, cause);
    }

    /**
     * Records a builder setting that may be set once, refusing a second set (the first value is never silently
     * replaced). Builders keep one map of the settings given so far and call this first in each single-value
     * setter; settings built up by repeated calls (a route, a profile, a tenant's policy) do not use it.
     *
     * @param given the settings given so far, by name; updated with {@code setting}
     * @param setting the qualified setting name, e.g. {@code "UsageMeter.clock"}
     * @param value the value being set, as shown in the message
     * @throws ConfigurationException if {@code setting} was already given; the message names the setting and
     *     both values
     */
    public static void requireFirstSet(Map<String, Object> given, String setting, Object value) {
        if (given.containsKey(setting)) {
            throw new ConfigurationException(setting + " was already set to " + given.get(setting)
                    + "; cannot set it to " + value + ". Set each setting once.");
        }
        given.put(setting, value);
    }
}
