package dev.aip.core.profile;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

class ProfilePackageDependencyTest {

    private static final JavaClasses MAIN = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.aip.core.profile");

    @Test
    void profilePackage_doesNotDependOnTheAwsSdk() {
        noClasses().that().resideInAPackage("dev.aip.core.profile..")
                .should().dependOnClassesThat().resideInAPackage("software.amazon.awssdk..")
                .because("the profile package talks to Bedrock only through the InferenceProfileApi port")
                .check(MAIN);
    }

    @Test
    void profilePackage_doesNotDependOnTheBedrockBinding() {
        noClasses().that().resideInAPackage("dev.aip.core.profile..")
                .should().dependOnClassesThat().resideInAPackage("dev.aip.core.bedrock..")
                .check(MAIN);
    }
}
