package dev.aip.examples;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A lab run's exit code and what it printed, with helpers to pick figures out of the printout. */
record Captured(int exitCode, String out, String err) {

    interface Lab {
        int run(String[] args, PrintStream out, PrintStream err, LabEnvironment.Host host);
    }

    static Captured run(Lab lab, LabEnvironment.Host host, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
             PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            code = lab.run(args, o, e, host);
        }
        return new Captured(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** The lines of standard output that match. */
    List<String> lines(String regex) {
        Pattern p = Pattern.compile(regex);
        return out.lines().filter(l -> p.matcher(l).find()).toList();
    }

    /** The one match of a pattern in standard output; fails if there is not exactly one. */
    Matcher only(String regex) {
        Matcher m = Pattern.compile(regex).matcher(out);
        if (!m.find()) {
            throw new AssertionError("no match for " + regex + " in:\n" + out + err);
        }
        int start = m.start();
        if (m.find()) {
            throw new AssertionError("more than one match for " + regex + " in:\n" + out);
        }
        m.reset();
        m.find(start);
        return m;
    }

    static long number(Matcher m, String group) {
        return Long.parseLong(m.group(group));
    }
}
