package dev.aip.cli;

import dev.aip.config.redis.RedisConfigBus;
import dev.aip.core.ConfigurationException;
import dev.aip.core.governance.PolicyStore;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code aip policies}: governance policy files across replicas. */
@Command(name = "policies", mixinStandardHelpOptions = true,
        description = {"Check policy files and tell the replicas of an application about a new version.",
            "A policy version is the SHA-256 of the file's text: /actuator/aip shows the version each replica"
                + " enforces."},
        subcommands = {PoliciesCommand.Publish.class})
final class PoliciesCommand extends GroupCommand {

    /** {@code aip policies publish}. */
    @Command(name = "publish", mixinStandardHelpOptions = true,
            description = {"Validate a policy file, print its version, and announce the version on Redis: every"
                + " replica then reads its own copy of the policy file (the file each replica's aip.policy-file"
                + " names, e.g. a mounted ConfigMap) and puts it in force if it has that version.",
                "Publish after the new file has reached the replicas. An invalid file is refused before anything"
                + " is announced."})
    static final class Publish extends Subcommand {

        @Parameters(index = "0", paramLabel = "FILE", description = "The policy file (.yaml, .yml or .json).")
        Path file;

        @Mixin
        RedisOptions redis;

        @Override
        int execute() {
            if (!Files.isRegularFile(file)) {
                throw CliException.usage(file + " is not a file; give the policy file to publish");
            }
            String version;
            try {
                version = PolicyStore.fromFile(file).version().orElseThrow();
            } catch (ConfigurationException e) {
                throw CliException.usage(e.getMessage(), e);
            }
            out().println("Policy file " + file + " is valid; version " + version + ".");
            if (redis.uri == null) {
                throw CliException.usage("--redis-uri is required to announce the version to the replicas");
            }
            try (RedisConfigBus bus = redis.bus()) {
                long received = bus.publishPolicies(version);
                out().println("Announced to " + received + " replica(s) on " + redis.channel + ".");
            } catch (RuntimeException e) {
                if (e instanceof CliException) {
                    throw e;
                }
                throw CliException.failure("could not announce the version on " + redis.uri + ": "
                        + e.getMessage(), e);
            }
            out().flush();
            return AipCommand.EXIT_OK;
        }
    }
}
