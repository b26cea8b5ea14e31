package dev.aip.benchmarks;

/** The harnesses' command-line options: {@code --name value} pairs. */
final class Args {

    private Args() {
    }

    /** The value after {@code name}, or {@code fallback} if the option is not given. */
    static String str(String[] args, String name, String fallback) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
    }

    /** The integer after {@code name}, or {@code fallback} if the option is not given. */
    static int integer(String[] args, String name, int fallback) {
        String v = str(args, name, null);
        return v == null ? fallback : Integer.parseInt(v);
    }
}
