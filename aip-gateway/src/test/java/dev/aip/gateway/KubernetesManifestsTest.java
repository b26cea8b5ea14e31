package dev.aip.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes example in {@code deploy/kubernetes} matches the gateway it deploys: probe paths and port, every
 * environment variable and ConfigMap setting a real property (by the Spring configuration metadata of the gateway,
 * aip and Spring Boot), every ConfigMap and Secret key it references defined, selectors matching the pod's labels.
 * Rendered with {@code kubectl kustomize} when kubectl is installed.
 */
class KubernetesManifestsTest {

    static final Path DIR = Path.of("deploy", "kubernetes");
    /** Environment variables that are not Spring properties. */
    static final Set<String> NOT_PROPERTIES = Set.of("JAVA_TOOL_OPTIONS");

    static final ObjectMapper YAML = new YAMLMapper();
    static Map<String, JsonNode> byKind;
    static Set<String> properties;

    @BeforeAll
    static void load() throws IOException {
        byKind = new HashMap<>();
        JsonNode kustomization = YAML.readTree(DIR.resolve("kustomization.yaml").toFile());
        List<String> files = new ArrayList<>();
        kustomization.path("resources").forEach(r -> files.add(r.asText()));
        files.add("secret.example.yaml");
        for (String file : files) {
            try (var parser = new YAMLFactory().createParser(DIR.resolve(file).toFile())) {
                Iterator<JsonNode> docs = YAML.readValues(parser, JsonNode.class);
                docs.forEachRemaining(d -> byKind.put(d.path("kind").asText(), d));
            }
        }
        properties = new HashSet<>();
        ObjectMapper json = new ObjectMapper();
        for (URL url : Collections.list(KubernetesManifestsTest.class.getClassLoader()
                .getResources("META-INF/spring-configuration-metadata.json"))) {
            try (InputStream in = url.openStream()) {
                json.readTree(in).path("properties").forEach(p -> properties.add(p.path("name").asText()));
            }
        }
    }

    @Test
    void manifests_everyKindThere() {
        assertThat(byKind).containsKeys("Deployment", "Service", "PodDisruptionBudget", "ConfigMap", "Secret");
        assertThat(byKind.get("Deployment").at("/spec/replicas").asInt()).isEqualTo(3);
    }

    @Test
    void probes_pathsOfTheGatewaysProbeGroups_onItsServerPort() throws IOException {
        JsonNode gatewayConfig = YAML.readTree(new File("src/main/resources/application.yaml"));
        assertThat(gatewayConfig.at("/management/endpoint/health/probes/enabled").asBoolean()).isTrue();
        assertThat(gatewayConfig.at("/management/endpoint/health/group/readiness/include").asText())
                .contains("readinessState");
        assertThat(gatewayConfig.at("/management/server/port").isMissingNode())
                .as("probes are served on the server port").isTrue();
        int serverPort = gatewayConfig.at("/server/port").asInt();

        JsonNode container = container();
        Map<String, Integer> ports = new HashMap<>();
        container.path("ports").forEach(p -> ports.put(p.path("name").asText(), p.path("containerPort").asInt()));
        assertThat(env(container)).doesNotContainKey("SERVER_PORT");
        assertThat(ports).containsEntry("http", serverPort);
        for (String probe : List.of("startupProbe", "livenessProbe")) {
            assertThat(container.at("/" + probe + "/httpGet/path").asText()).isEqualTo("/actuator/health/liveness");
            assertThat(container.at("/" + probe + "/httpGet/port").asText()).isEqualTo("http");
        }
        assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/actuator/health/readiness");
        assertThat(container.at("/readinessProbe/httpGet/port").asText()).isEqualTo("http");
        assertThat(byKind.get("Service").at("/spec/ports/0/targetPort").asText()).isEqualTo("http");
    }

    @Test
    void env_everyVariableBindsAProperty() {
        for (String name : env(container()).keySet()) {
            if (NOT_PROPERTIES.contains(name)) {
                continue;
            }
            assertThat(properties.stream().anyMatch(p -> envName(p).equals(name) || legacyEnvName(p).equals(name)))
                    .as("%s binds a property in the Spring configuration metadata", name).isTrue();
        }
        assertThat(env(container())).containsKeys("AIP_REDIS_URI", "AIP_LEDGER_JDBC_URL", "AIP_LEDGER_JDBC_PASSWORD",
                "AIP_LEDGER_JDBC_SPOOL", "AIP_GATEWAY_SHUTDOWNDELAY");
        assertThat(env(container()).get("AIP_LEDGER_JDBC_DURABILITY").path("value").asText()).isEqualTo("sync");
    }

    @Test
    void configMapApplicationYaml_everySettingAProperty() throws IOException {
        JsonNode config = YAML.readTree(byKind.get("ConfigMap").at("/data/application.yaml").asText());
        List<String> keys = new ArrayList<>();
        flatten("", config, keys);
        assertThat(keys).isNotEmpty();
        for (String key : keys) {
            // A map or list property (aip.tenants, aip.gateway.keys) is named by its prefix.
            assertThat(properties.stream().anyMatch(p -> key.equals(p) || key.startsWith(p + ".")))
                    .as("%s is a property in the Spring configuration metadata", key).isTrue();
        }
    }

    @Test
    void references_everyConfigMapAndSecretKeyDefined() {
        JsonNode configMap = byKind.get("ConfigMap");
        JsonNode secret = byKind.get("Secret");
        for (JsonNode var : env(container()).values()) {
            JsonNode ref = var.at("/valueFrom/secretKeyRef");
            if (!ref.isMissingNode()) {
                assertThat(ref.path("name").asText()).isEqualTo(secret.at("/metadata/name").asText());
                assertThat(secret.path("stringData").has(ref.path("key").asText()))
                        .as("Secret key %s defined in secret.example.yaml", ref.path("key").asText()).isTrue();
            }
            JsonNode cm = var.at("/valueFrom/configMapKeyRef");
            if (!cm.isMissingNode()) {
                assertThat(configMap.path("data").has(cm.path("key").asText())).isTrue();
            }
        }
        Set<String> mounted = new HashSet<>();
        for (JsonNode volume : byKind.get("Deployment").at("/spec/template/spec/volumes")) {
            if (volume.has("configMap")) {
                assertThat(volume.at("/configMap/name").asText()).isEqualTo(configMap.at("/metadata/name").asText());
                volume.at("/configMap/items").forEach(i -> {
                    assertThat(configMap.path("data").has(i.path("key").asText())).isTrue();
                    mounted.add(i.path("path").asText());
                });
            }
        }
        // The files the env points at are the ones mounted.
        Map<String, JsonNode> env = env(container());
        assertThat(env.get("SPRING_CONFIG_ADDITIONALLOCATION").path("value").asText())
                .isEqualTo("file:/etc/aip/application.yaml");
        assertThat(env.get("AIP_POLICYFILE").path("value").asText()).isEqualTo("/etc/aip/policies.yaml");
        assertThat(mounted).containsExactlyInAnyOrder("application.yaml", "policies.yaml");
        assertThat(container().path("volumeMounts").findValuesAsText("mountPath"))
                .contains("/etc/aip", "/var/lib/aip");
        assertThat(env.get("AIP_LEDGER_JDBC_SPOOL").path("value").asText()).startsWith("/var/lib/aip/");
    }

    @Test
    void selectors_matchThePodLabels() {
        JsonNode labels = byKind.get("Deployment").at("/spec/template/metadata/labels");
        List<JsonNode> selectors = List.of(byKind.get("Deployment").at("/spec/selector/matchLabels"),
                byKind.get("Service").at("/spec/selector"),
                byKind.get("PodDisruptionBudget").at("/spec/selector/matchLabels"));
        for (JsonNode selector : selectors) {
            assertThat(selector.size()).isPositive();
            selector.fields().forEachRemaining(e -> assertThat(labels.path(e.getKey()).asText())
                    .isEqualTo(e.getValue().asText()));
        }
    }

    @Test
    void kustomization_rendersWithKubectl() throws Exception {
        Assumptions.assumeTrue(onPath("kubectl"), "kubectl is not installed");
        Process p = new ProcessBuilder("kubectl", "kustomize", DIR.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        List<String> kinds = new ArrayList<>();
        try (var parser = new YAMLFactory().createParser(out)) {
            YAML.readValues(parser, JsonNode.class).forEachRemaining(d -> kinds.add(d.path("kind").asText()));
        }
        assertThat(kinds).containsExactlyInAnyOrder("ConfigMap", "Deployment", "Service", "PodDisruptionBudget");
    }

    private static JsonNode container() {
        return byKind.get("Deployment").at("/spec/template/spec/containers/0");
    }

    private static Map<String, JsonNode> env(JsonNode container) {
        Map<String, JsonNode> env = new HashMap<>();
        container.path("env").forEach(e -> env.put(e.path("name").asText(), e));
        return env;
    }

    /** The environment variable that binds a property by Spring's relaxed binding (dots to _, no dashes). */
    static String envName(String property) {
        return property.replace("-", "").replace('.', '_').toUpperCase(java.util.Locale.ROOT);
    }

    /** The other name Spring's relaxed binding accepts: dashes as underscores. */
    static String legacyEnvName(String property) {
        return property.replace('-', '_').replace('.', '_').toUpperCase(java.util.Locale.ROOT);
    }

    private static void flatten(String prefix, JsonNode node, List<String> out) {
        if (node.isObject()) {
            node.fields().forEachRemaining(e -> flatten(prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey(),
                    e.getValue(), out));
        } else if (node.isArray()) {
            node.forEach(item -> flatten(prefix, item, out));
        } else {
            out.add(prefix);
        }
    }

    private static boolean onPath(String command) {
        String path = System.getenv("PATH");
        return path != null && java.util.Arrays.stream(path.split(File.pathSeparator))
                .anyMatch(dir -> Files.isExecutable(Path.of(dir, command)));
    }
}
