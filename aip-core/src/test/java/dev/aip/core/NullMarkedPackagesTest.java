package dev.aip.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every package of the library modules' main code is {@code @NullMarked} in its {@code package-info.java}, so an
 * unannotated type means "never null" and {@code @Nullable} marks the exceptions.
 */
class NullMarkedPackagesTest {

    /** The modules whose packages are null-marked, relative to the project root. */
    private static final List<String> MODULES =
            List.of("aip-core", "aip-micrometer", "aip-opentelemetry", "aip-governance-redis", "aip-ledger-jdbc",
                    "aip-testkit");

    private static final Pattern NULL_MARKED = Pattern.compile(
            "(?m)^@(org\\.jspecify\\.annotations\\.)?NullMarked\\s*$[\\s\\S]*^package\\s");

    @Test
    void libraryPackages_allNullMarked() {
        Path root = projectRoot();
        for (String module : MODULES) {
            Path sources = root.resolve(module).resolve("src/main/java");
            assertThat(sources).as(module + " sources").isDirectory();
            assertThat(packagesWithJava(sources)).as(module + " packages").isNotEmpty();
            assertThat(packagesNotNullMarked(sources))
                    .as("packages of %s without a package-info.java annotated @NullMarked", module)
                    .isEmpty();
        }
    }

    @Test
    void packagesNotNullMarked_missingOrUnannotatedPackageInfo_reported(@TempDir Path sources) throws IOException {
        write(sources.resolve("dev/aip/marked/package-info.java"),
                "/** Marked. */\n@NullMarked\npackage dev.aip.marked;\n\nimport org.jspecify.annotations.NullMarked;\n");
        write(sources.resolve("dev/aip/marked/A.java"), "package dev.aip.marked;\nclass A {}\n");
        write(sources.resolve("dev/aip/unmarked/package-info.java"),
                "/** Mentions @NullMarked only in prose. */\npackage dev.aip.unmarked;\n");
        write(sources.resolve("dev/aip/unmarked/B.java"), "package dev.aip.unmarked;\nclass B {}\n");
        write(sources.resolve("dev/aip/missing/C.java"), "package dev.aip.missing;\nclass C {}\n");

        assertThat(packagesNotNullMarked(sources)).containsExactly("dev/aip/missing", "dev/aip/unmarked");
    }

    /** Directories under {@code sources} that hold Java sources but no {@code @NullMarked} package-info. */
    static List<String> packagesNotNullMarked(Path sources) {
        return packagesWithJava(sources).stream()
                .filter(dir -> !isNullMarked(dir.resolve("package-info.java")))
                .map(dir -> sources.relativize(dir).toString().replace('\\', '/'))
                .sorted()
                .collect(Collectors.toList());
    }

    private static List<Path> packagesWithJava(Path sources) {
        try (Stream<Path> files = Files.walk(sources)) {
            return files.filter(f -> f.toString().endsWith(".java"))
                    .map(Path::getParent)
                    .distinct()
                    .collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean isNullMarked(Path packageInfo) {
        if (!Files.isRegularFile(packageInfo)) {
            return false;
        }
        try {
            return NULL_MARKED.matcher(Files.readString(packageInfo, StandardCharsets.UTF_8)).find();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The directory holding the modules; tests run in the module's own directory. */
    private static Path projectRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isDirectory(dir.resolve("aip-core/src/main/java"))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("project root above " + Path.of("").toAbsolutePath()).isNotNull();
        return dir;
    }

    private static void write(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content, StandardCharsets.UTF_8);
    }
}
