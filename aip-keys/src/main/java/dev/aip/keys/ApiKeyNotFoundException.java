package dev.aip.keys;

import dev.aip.core.AipException;

/**
 * An operation named a key id that the store does not hold.
 *
 * <p>Immutable.
 */
public final class ApiKeyNotFoundException extends AipException {

    private static final long serialVersionUID = 1L;

    private final String keyId;

    /**
     * Creates the exception.
     *
     * @param keyId the id asked for
     */
    public ApiKeyNotFoundException(String keyId) {
        super("No API key has the id \"" + keyId + "\"; list the keys (aip keys list) for the ids there are", null,
                false, null);
        this.keyId = keyId;
    }

    /**
     * Returns the id asked for.
     *
     * @return the key id
     */
    public String keyId() {
        return keyId;
    }
}
