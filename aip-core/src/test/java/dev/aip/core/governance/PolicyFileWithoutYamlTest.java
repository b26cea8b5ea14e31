package dev.aip.core.governance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.aip.core.ConfigurationException;
import dev.aip.core.tenant.TenantContext;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;

/**
 * jackson-dataformat-yaml is an optional dependency of aip-core: {@link PolicyFile} is loaded from aip-core's classes
 * and Jackson's core jars alone, in a class loader that cannot see YAML support, as in an application that did not
 * add it.
 */
class PolicyFileWithoutYamlTest {

    private static final String POLICIES_JSON = "{\"defaults\": {\"requestsPerMinute\": 60}}";
    private static final String POLICIES_YAML = "defaults:\n  requestsPerMinute: 60\n";

    @TempDir
    Path dir;

    @Test
    void load_jsonWithoutYamlSupport_reads() throws Exception {
        Path json = Files.writeString(dir.resolve("policies.json"), POLICIES_JSON);
        try (URLClassLoader app = withoutYaml()) {
            Object set = load(app).invoke(null, json);

            assertThat(set.getClass().getMethod("source").invoke(set)).isEqualTo(json.toString());
            Object defaults = set.getClass().getMethod("defaults").invoke(set);
            assertThat(defaults.getClass().getMethod("requestsPerMinute").invoke(defaults)).isEqualTo(60L);
        }
    }

    @Test
    void load_yamlWithoutYamlSupport_throwsConfigurationExceptionNamingTheArtifact() throws Exception {
        Path yaml = Files.writeString(dir.resolve("policies.yaml"), POLICIES_YAML);
        Path yml = Files.writeString(dir.resolve("policies.yml"), POLICIES_YAML);
        try (URLClassLoader app = withoutYaml()) {
            Method load = load(app);
            for (Path file : new Path[] {yaml, yml}) {
                Throwable refusal = catchThrowableOfType(InvocationTargetException.class,
                        () -> load.invoke(null, file)).getCause();

                // the isolated loader's own ConfigurationException class
                assertThat(refusal.getClass().getName()).isEqualTo(ConfigurationException.class.getName());
                assertThat(refusal).hasMessageContaining(file.toString())
                        .hasMessageContaining("com.fasterxml.jackson.dataformat:jackson-dataformat-yaml")
                        .hasMessageContaining(".json");
            }
        }
    }

    @Test
    void load_yamlWithYamlSupport_reads() throws IOException {
        // The same file, on aip-core's test class path (which has YAML support): the refusal above is only for that.
        Path yaml = Files.writeString(dir.resolve("policies.yaml"), POLICIES_YAML);

        assertThat(PolicyFile.load(yaml).policyFor(TenantContext.of("acme")).requestsPerMinute()).isEqualTo(60L);
    }

    @Test
    void withoutYaml_hidesYamlSupport() throws IOException {
        try (URLClassLoader app = withoutYaml()) {
            assertThatThrownBy(() -> Class.forName(YAMLFactory.class.getName(), false, app))
                    .isInstanceOf(ClassNotFoundException.class);
            assertThat(PolicyFile.present(YAMLFactory.class.getName(), app)).isFalse();
            assertThat(PolicyFile.present(ObjectMapper.class.getName(), app)).isTrue();
        }
    }

    private static Method load(ClassLoader app) throws ReflectiveOperationException {
        return Class.forName(PolicyFile.class.getName(), true, app).getMethod("load", Path.class);
    }

    /** aip-core's classes, Jackson's core, databind and annotations, and SLF4J; above them only the JDK. */
    private static URLClassLoader withoutYaml() {
        URL[] urls = Stream.of(PolicyFile.class, ObjectMapper.class, JsonParser.class, JsonAutoDetect.class,
                        Logger.class)
                .map(c -> c.getProtectionDomain().getCodeSource().getLocation())
                .distinct()
                .toArray(URL[]::new);
        assertThat(urls).doesNotContain(YAMLFactory.class.getProtectionDomain().getCodeSource().getLocation());
        return new URLClassLoader(urls, ClassLoader.getPlatformClassLoader());
    }
}
