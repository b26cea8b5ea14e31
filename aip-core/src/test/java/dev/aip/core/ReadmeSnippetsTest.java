package dev.aip.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Keeps the README's code honest: every {@code ```java} block of README.md is preceded by a line
 * {@code <!-- run by path/to/SomeTest.java -->} naming the test that runs it, and that test's source contains the
 * block verbatim (the same lines, in order, indented as a whole). A block in another language (a policy file) may
 * carry the same tag and is then held to the same rule. Editing a snippet without its test, or the test without the
 * README, fails here and says which line differs.
 */
class ReadmeSnippetsTest {

    private static final Pattern RUN_BY = Pattern.compile("^<!-- run by (\\S+\\.java) -->$");

    /**
     * Blocks that no test runs as printed yet, by their first line. The list only shrinks: a block listed here that
     * is tagged or gone fails the test until it is removed from the list.
     */
    private static final Set<String> NOT_YET_RUN = Set.of();

    /** One fenced block of the README: its fence's line (1-based), the test named before it or null, its lines. */
    record Block(int line, boolean java, String runBy, List<String> lines) {
    }

    static Path repositoryRoot() {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !(Files.isRegularFile(dir.resolve("README.md")) && Files.isDirectory(dir.resolve("aip-bom")))) {
            dir = dir.getParent();
        }
        if (dir == null) {
            throw new IllegalStateException("README.md not found above " + Path.of("").toAbsolutePath()
                    + "; run the tests from the repository or one of its modules");
        }
        return dir;
    }

    /** The fenced blocks that are java or tagged with the test that runs them, in order. */
    static List<Block> checkedBlocks(List<String> readme) {
        List<Block> blocks = new ArrayList<>();
        for (int i = 0; i < readme.size(); i++) {
            String line = readme.get(i);
            if (!line.startsWith("```")) {
                continue;
            }
            boolean java = line.substring(3).trim().split("\\s+")[0].equals("java");
            int start = i;
            List<String> body = new ArrayList<>();
            for (i++; i < readme.size() && !readme.get(i).startsWith("```"); i++) {
                body.add(readme.get(i));
            }
            String runBy = null;
            int previous = start - 1;
            while (previous >= 0 && readme.get(previous).isBlank()) {
                previous--;
            }
            Matcher m = previous >= 0 ? RUN_BY.matcher(readme.get(previous).strip()) : null;
            if (m != null && m.matches()) {
                runBy = m.group(1);
            }
            if (java || runBy != null) {
                blocks.add(new Block(start + 1, java, runBy, body));
            }
        }
        return blocks;
    }

    /**
     * Where {@code block} stands verbatim in {@code source}: the number of block lines matched at the best start
     * (all of them when it is there), and that start's line.
     */
    static int[] bestMatch(List<String> block, List<String> source) {
        List<String> want = block.stream().map(String::stripTrailing).toList();
        int[] best = {0, -1};
        for (int i = 0; i < source.size(); i++) {
            String first = source.get(i).stripTrailing();
            if (!first.endsWith(want.get(0)) || !first.substring(0, first.length() - want.get(0).length()).isBlank()) {
                continue;
            }
            String indent = first.substring(0, first.length() - want.get(0).length());
            int matched = 0;
            while (matched < want.size() && i + matched < source.size()) {
                String expected = want.get(matched).isEmpty() ? "" : indent + want.get(matched);
                if (!source.get(i + matched).stripTrailing().equals(expected)) {
                    break;
                }
                matched++;
            }
            if (matched > best[0]) {
                best = new int[] {matched, i + 1};
            }
        }
        return best;
    }

    @Test
    void everyJavaBlock_namesItsTest_andThatTestContainsItVerbatim() throws IOException {
        Path root = repositoryRoot();
        List<Block> blocks = checkedBlocks(Files.readAllLines(root.resolve("README.md")));
        List<String> problems = new ArrayList<>();
        List<String> untested = new ArrayList<>();
        for (Block b : blocks) {
            if (b.lines().isEmpty()) {
                problems.add("README.md:" + b.line() + ": an empty block");
                continue;
            }
            if (b.runBy() == null) {
                untested.add(b.lines().get(0));
                if (!NOT_YET_RUN.contains(b.lines().get(0))) {
                    problems.add("README.md:" + b.line() + ": this java block names no test that runs it. Put"
                            + " `<!-- run by path/to/SomeTest.java -->` on the line before its fence and the block,"
                            + " verbatim, in that test.");
                }
                continue;
            }
            Path test = root.resolve(b.runBy());
            if (!b.runBy().contains("/src/test/java/") || !Files.isRegularFile(test)) {
                problems.add("README.md:" + b.line() + ": `" + b.runBy() + "` is not a test source of this"
                        + " repository (a path from the repository root, under src/test/java)");
                continue;
            }
            int[] match = bestMatch(b.lines(), Files.readAllLines(test));
            if (match[0] < b.lines().size()) {
                problems.add("README.md:" + b.line() + ": the block is not in " + b.runBy() + " as printed; "
                        + (match[1] < 0 ? "its first line `" + b.lines().get(0).strip() + "` is nowhere there"
                        : "from its line " + match[1] + " on, README line " + (b.line() + 1 + match[0]) + " `"
                        + b.lines().get(match[0]).strip() + "` differs"));
            }
        }
        for (String listed : NOT_YET_RUN) {
            if (!untested.contains(listed)) {
                problems.add("ReadmeSnippetsTest.NOT_YET_RUN lists `" + listed + "`, which the README no longer has"
                        + " untested: remove it from the list");
            }
        }

        assertThat(blocks).as("java blocks in README.md").anyMatch(Block::java);
        assertThat(problems).as("README java blocks and the tests that run them").isEmpty();
    }

    @Test
    void bestMatch_sameLinesIndentedAsAWhole_matchAll() {
        List<String> block = List.of("a(1);", "", "    b(2);");
        List<String> source = List.of("class T {", "        a(1);", "", "            b(2);", "}");

        assertThat(bestMatch(block, source)).containsExactly(3, 2);
    }

    @Test
    void bestMatch_oneLineChanged_reportsWhereItStops() {
        List<String> block = List.of("a(1);", "b(2);", "c(3);");
        List<String> source = List.of("    a(1);", "    b(2);", "    c(4);");

        assertThat(bestMatch(block, source)).containsExactly(2, 1);
    }

    @Test
    void checkedBlocks_readTheRunByTagBeforeTheFence_andSkipUntaggedOtherLanguages() {
        List<String> readme = List.of("<!-- run by m/src/test/java/ATest.java -->", "```java", "x();", "```", "",
                "```bash", "ls", "```", "```java", "y();", "```", "<!-- run by m/src/test/java/BTest.java -->", "",
                "```yaml", "a: 1", "```");

        assertThat(checkedBlocks(readme)).containsExactly(
                new Block(2, true, "m/src/test/java/ATest.java", List.of("x();")),
                new Block(9, true, null, List.of("y();")),
                new Block(14, false, "m/src/test/java/BTest.java", List.of("a: 1")));
    }
}
