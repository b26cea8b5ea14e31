package dev.aip.core.chat;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

@AnalyzeClasses(packages = "dev.aip.core", importOptions = ImportOption.DoNotIncludeTests.class)
class ChatArchitectureTest {

    /** The chat API and the metering engine are usable without the AWS SDK; the binding lives in one package. */
    @ArchTest
    static final ArchRule chatAndMetering_doNotDependOnAwsSdk = noClasses()
            .that().resideInAnyPackage("dev.aip.core.chat..", "dev.aip.core.metering..")
            .should().dependOnClassesThat().resideInAPackage("software.amazon.awssdk..");

    /** The pipeline does not know its Bedrock terminal; the binding depends on the chat API, not the reverse. */
    @ArchTest
    static final ArchRule chat_doesNotDependOnTheBinding = noClasses()
            .that().resideInAPackage("dev.aip.core.chat..")
            .should().dependOnClassesThat().resideInAPackage("dev.aip.core.bedrock..");
}
