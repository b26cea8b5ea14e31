package dev.aip.cli;

import picocli.CommandLine.Command;

/** {@code aip profiles}. */
@Command(name = "profiles", mixinStandardHelpOptions = true, description = "Manage tenants' profiles.")
final class ProfilesCommand extends GroupCommand {
}
