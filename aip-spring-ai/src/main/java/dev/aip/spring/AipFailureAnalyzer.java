package dev.aip.spring;

import dev.aip.core.ConfigurationException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Turns a start-up that failed on aip's configuration into Spring Boot's "APPLICATION FAILED TO START" report: the
 * description is the {@link ConfigurationException}'s message (what is wrong and which property to set), without the
 * stack of bean-creation wrappers around it.
 *
 * <p>Thread-safe: stateless.
 */
final class AipFailureAnalyzer extends AbstractFailureAnalyzer<ConfigurationException> {

    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, ConfigurationException cause) {
        return new FailureAnalysis(cause.getMessage(), "Update the application's aip configuration"
                + " (application.yml or application.properties) as described above.", cause);
    }
}
