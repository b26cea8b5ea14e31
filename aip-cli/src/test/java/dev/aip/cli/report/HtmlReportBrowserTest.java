package dev.aip.cli.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import dev.aip.core.metering.UsageRecord;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Renders the HTML report in a real browser (headless Chromium): no script error, no policy violation, every chart
 * laid out with visible marks, and a screenshot of the expected size.
 *
 * <p>Without Chromium on the {@code PATH} the test is skipped, unless {@code AIP_REQUIRE_BROWSER} is set (CI sets
 * it), in which case it fails. The page and screenshot are kept in {@code target/browser-report/} for a look.
 */
class HtmlReportBrowserTest {

    private static final long TIMEOUT_SECONDS = 60;
    private static final int WIDTH = 1280;
    private static final int HEIGHT = 2000;
    private static final Path KEEP = Path.of("target", "browser-report");

    @TempDir
    static Path temp;

    private static Path chromium;
    private static Path page;

    @BeforeAll
    static void renderReport() throws IOException {
        chromium = findChromium().orElse(null);
        List<UsageRecord> records = ReportFixtures.generated(7);
        UsageReport report = UsageReport.from(records, ReportFixtures.realisticOptions(records));
        Files.createDirectories(KEEP);
        page = KEEP.resolve("usage-report.html").toAbsolutePath();
        Files.writeString(page, ReportRenderer.render(report, ReportFormat.HTML), StandardCharsets.UTF_8);
    }

    @BeforeEach
    void requireChromium() {
        if (chromium != null) {
            return;
        }
        String required = System.getenv("AIP_REQUIRE_BROWSER");
        if (required != null && !required.isBlank() && !required.equals("0")) {
            fail("AIP_REQUIRE_BROWSER is set but no chromium is on the PATH; install it"
                    + " (apt-get install -y --no-install-recommends chromium)");
        }
        Assumptions.abort("Skipped: no chromium on the PATH (set AIP_REQUIRE_BROWSER=1 to make this a failure)");
    }

    @Test
    void dumpDom_realisticReport_chartsDrawnWithoutErrors() throws Exception {
        Path stderr = temp.resolve("dom.stderr");
        Path dom = temp.resolve("dom.html");
        run(dom, stderr, "--enable-logging=stderr", "--v=0", "--dump-dom", page.toUri().toString());
        String html = Files.readString(dom, StandardCharsets.UTF_8);
        String log = Files.readString(stderr, StandardCharsets.UTF_8);

        // The console carries script errors and policy violations; the page logs nothing itself.
        assertThat(log.lines().filter(l -> l.contains(":CONSOLE")).toList()).as("browser console").isEmpty();
        Matcher root = Pattern.compile("<html[^>]*>").matcher(html);
        assertThat(root.find()).as("an <html> element in the DOM").isTrue();
        assertThat(root.group()).contains("data-render=\"ok\"").contains("data-charts=\"5\"")
                .doesNotContain("data-render-error");

        assertThat(count(html, "<svg data-chart=")).isEqualTo(5);
        assertThat(numbers(html, "<rect data-mark=\"cost\"[^>]*? width=\"([0-9.]+)\""))
                .hasSize(7).allMatch(w -> w > 0).anyMatch(w -> w > 500);
        assertThat(numbers(html, "<rect data-mark=\"tokens\"[^>]*? width=\"([0-9.]+)\""))
                .hasSizeGreaterThanOrEqualTo(8 * 3).allMatch(w -> w > 0);
        assertThat(numbers(html, "<circle data-mark=\"p95\"[^>]*? r=\"([0-9.]+)\"")).hasSize(8).allMatch(r -> r > 0);
        assertThat(count(html, "<line data-mark=\"target\"")).isEqualTo(7); // lab-7's tier has no target
        Matcher series = Pattern.compile("<path data-mark=\"series\" d=\"(M[^\"]+)\"").matcher(html);
        int paths = 0;
        while (series.find()) {
            paths++;
            assertThat(series.group(1).split(" L")).hasSizeGreaterThan(20);
        }
        assertThat(paths).isEqualTo(16); // eight tenants, in each of the two time charts

        // The title carried a <script> tag: it is text, and the page's own script is the only one.
        assertThat(html).contains("&lt;script&gt;alert(1)&lt;/script&gt;");
        assertThat(count(html, "<script")).isEqualTo(1);
    }

    @Test
    void screenshot_realisticReport_pngOfWindowSize() throws Exception {
        Path png = KEEP.resolve("usage-report.png").toAbsolutePath();
        Files.deleteIfExists(png);
        run(temp.resolve("shot.stdout"), temp.resolve("shot.stderr"), "--screenshot=" + png,
                "--window-size=" + WIDTH + "," + HEIGHT, page.toUri().toString());
        assertThat(png).exists();
        byte[] bytes = Files.readAllBytes(png);
        assertThat(bytes.length).as("PNG size").isGreaterThan(20 * 1024);
        assertThat(new String(bytes, 1, 3, StandardCharsets.US_ASCII)).isEqualTo("PNG");
        assertThat(new String(bytes, 12, 4, StandardCharsets.US_ASCII)).isEqualTo("IHDR");
        ByteBuffer header = ByteBuffer.wrap(bytes, 16, 8);
        assertThat(header.getInt()).as("width").isEqualTo(WIDTH);
        assertThat(header.getInt()).as("height").isEqualTo(HEIGHT);
    }

    private static void run(Path stdout, Path stderr, String... args) throws Exception {
        Path profile = Files.createTempDirectory(temp, "profile");
        List<String> command = new ArrayList<>(List.of(chromium.toString(), "--headless", "--no-sandbox",
                "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command)
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile())
                .start();
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            fail("chromium did not finish within " + TIMEOUT_SECONDS + " s and was killed: " + command
                    + "\n" + tail(stderr));
        }
        assertThat(process.exitValue()).as("chromium exit code; stderr:\n%s", tail(stderr)).isZero();
    }

    private static String tail(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
    }

    private static Optional<Path> findChromium() {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        for (String name : List.of("chromium", "chromium-browser")) {
            for (String dir : path.split(File.pathSeparator)) {
                Path candidate = Path.of(dir, name);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
        }
        return Optional.empty();
    }

    private static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length())) {
            n++;
        }
        return n;
    }

    private static List<Double> numbers(String html, String regex) {
        List<Double> values = new ArrayList<>();
        Matcher m = Pattern.compile(regex).matcher(html);
        while (m.find()) {
            values.add(Double.parseDouble(m.group(1)));
        }
        return values;
    }
}
