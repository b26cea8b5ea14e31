package dev.aip.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * aip-bom is what users import, aip-parent what aip is built and tested with: the versions the BOM hands out must be
 * the tested ones, and the BOM must stay installable on its own (no parent).
 */
class BomVersionsTest {

    private static final List<String> SHARED_PROPERTIES =
            List.of("aws.sdk.version", "jackson.version", "netty.version", "langchain4j.version",
                    "opentelemetry.version");

    private static Element pom(String path) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
        Document doc = factory.newDocumentBuilder().parse(ReadmeSnippetsTest.repositoryRoot().resolve(path).toFile());
        return doc.getDocumentElement();
    }

    private static Element child(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e;
            }
        }
        return null;
    }

    private static Map<String, String> properties(Element project) {
        Map<String, String> out = new TreeMap<>();
        Element props = child(project, "properties");
        if (props != null) {
            for (Node n = props.getFirstChild(); n != null; n = n.getNextSibling()) {
                if (n instanceof Element e) {
                    out.put(e.getTagName(), e.getTextContent().strip());
                }
            }
        }
        return out;
    }

    /** {@code groupId:artifactId} of every dependencyManagement entry. */
    private static List<String> managed(Element project) {
        List<String> out = new ArrayList<>();
        NodeList deps = child(child(project, "dependencyManagement"), "dependencies").getElementsByTagName("dependency");
        for (int i = 0; i < deps.getLength(); i++) {
            Element d = (Element) deps.item(i);
            out.add(child(d, "groupId").getTextContent().strip() + ":" + child(d, "artifactId").getTextContent().strip());
        }
        return out;
    }

    @Test
    void bom_hasNoParent_soItInstallsWithoutTheBuildsSettings() throws Exception {
        assertThat(child(pom("aip-bom/pom.xml"), "parent")).isNull();
    }

    @Test
    void bom_handsOutTheVersionsAipIsBuiltAndTestedWith() throws Exception {
        Map<String, String> bom = properties(pom("aip-bom/pom.xml"));
        Map<String, String> parent = properties(pom("pom.xml"));

        for (String key : SHARED_PROPERTIES) {
            assertThat(bom.get(key)).as("aip-bom's %s (aip-parent has %s)", key, parent.get(key))
                    .isNotNull().isEqualTo(parent.get(key));
        }
    }

    @Test
    void bom_managesTheSdkJacksonNettyLangChain4jAndEveryAipLibraryTheBuildManages() throws Exception {
        List<String> bom = managed(pom("aip-bom/pom.xml"));
        List<String> aipLibraries = managed(pom("pom.xml")).stream().filter(a -> a.startsWith("dev.aip:")).toList();

        assertThat(bom).contains("software.amazon.awssdk:bom", "com.fasterxml.jackson:jackson-bom", "io.netty:netty-bom",
                "dev.langchain4j:langchain4j", "dev.langchain4j:langchain4j-core", "dev.langchain4j:langchain4j-bedrock",
                "dev.aip:aip-spring-ai", "io.opentelemetry:opentelemetry-bom");
        assertThat(bom).containsAll(aipLibraries);
    }
}
