package dev.aip.cli;

import dev.aip.config.redis.RedisConfigBus;
import dev.aip.core.bedrock.BedrockInferenceProfileApi;
import dev.aip.core.profile.ActionResult;
import dev.aip.core.profile.ApplyListener;
import dev.aip.core.profile.ApplyResult;
import dev.aip.core.profile.DesiredProfile;
import dev.aip.core.profile.ModelRoutes;
import dev.aip.core.profile.PlanAction;
import dev.aip.core.profile.ProfileLifecycle;
import dev.aip.core.profile.ProfilePlan;
import dev.aip.core.profile.TagSchema;
import dev.aip.core.profile.TaggedProfile;
import dev.aip.core.tenant.TenantId;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.bedrock.BedrockClient;

/** {@code aip profiles}: tenants' application inference profiles, managed from a tenants file. */
@Command(name = "profiles", mixinStandardHelpOptions = true,
        description = {"Manage tenants' application inference profiles from a tenants file (CSV: tenant,tier,model,"
                + "tags with tags as k=v;k=v, or YAML: a list of {tenant, tier, model, tags}).",
            "Only profiles tagged ManagedBy=aip are ever changed. Against AWS by default (default credential chain"
                + " and region), or any endpoint such as the emulator's with --endpoint."},
        subcommands = {ProfilesCommand.Plan.class, ProfilesCommand.Apply.class, ProfilesCommand.ListProfiles.class,
            ProfilesCommand.Delete.class})
final class ProfilesCommand extends GroupCommand {

    /** The shared parts of the four subcommands. */
    abstract static class Base extends Subcommand {

        @Mixin
        ControlPlaneOptions controlPlane;

        Function<String, String> env() {
            Object root = spec.root().userObject();
            return root instanceof AipCommand aip ? aip.env : System::getenv;
        }

        ProfileLifecycle lifecycle(BedrockClient client, ModelRoutes routes) {
            return ProfileLifecycle.builder(BedrockInferenceProfileApi.create(client)).routes(routes).build();
        }

        /** Managed tenant profiles (not pools), sorted by tenant, then model. */
        static List<TaggedProfile> managed(List<TaggedProfile> all) {
            TagSchema schema = TagSchema.defaults();
            return all.stream().filter(p -> schema.isManaged(p.tags()) && schema.tenantOf(p.tags()).isPresent())
                    .sorted(Comparator.comparing((TaggedProfile p) -> schema.tenantOf(p.tags()).orElseThrow())
                            .thenComparing(p -> p.tags().getOrDefault(schema.modelKey(), "")))
                    .toList();
        }

        boolean confirmed(boolean yes, String question) {
            if (yes) {
                return true;
            }
            java.io.Console console = System.console();
            if (console == null) {
                return false;
            }
            String answer = console.readLine("%s [y/N] ", question);
            return answer != null && (answer.strip().equalsIgnoreCase("y") || answer.strip().equalsIgnoreCase("yes"));
        }

        int applyAndReport(ProfileLifecycle lifecycle, ProfilePlan plan, RedisOptions redis) {
            ApplyListener progress = new ApplyProgress(out(), System.console() != null);
            ApplyResult result;
            try (RedisConfigBus bus = redis.bus()) {
                result = lifecycle.apply(plan, bus == null ? progress : both(progress, bus.profileChanges()));
            }
            if (redis.uri != null) {
                out().println("Announced the changed profiles on " + redis.channel + ".");
                out().flush();
            }
            if (!result.allSucceeded()) {
                for (var f : result.failures()) {
                    err().println("aip: " + f.action().kind() + " " + f.action().tenant() + "/"
                            + f.action().logicalModel() + " failed: " + oneLine(f.message()));
                }
                err().flush();
                return AipCommand.EXIT_FAILURE;
            }
            return AipCommand.EXIT_OK;
        }
    }

    /** Progress first, then the announcement of each changed profile to the replicas. */
    static ApplyListener both(ApplyListener first, ApplyListener second) {
        return new ApplyListener() {
            @Override
            public void onStart(int total) {
                first.onStart(total);
                second.onStart(total);
            }

            @Override
            public void onActionDone(PlanAction action, ActionResult result) {
                first.onActionDone(action, result);
                second.onActionDone(action, result);
            }

            @Override
            public void onFinish(ApplyResult summary) {
                first.onFinish(summary);
                second.onFinish(summary);
            }
        };
    }

    /** The subcommands that read a desired tenant list. */
    abstract static class WithTenants extends Base {

        @Option(names = "--tenants", paramLabel = "FILE", required = true,
                description = "The tenants file (.csv, or .yaml/.yml).")
        Path tenantsFile;

        List<DesiredProfile> desired() {
            return TenantsFile.read(tenantsFile).stream().map(TenantsFile.Entry::profile).toList();
        }

        ProfilePlan plan(ProfileLifecycle lifecycle, List<DesiredProfile> desired) {
            try {
                return lifecycle.plan(desired);
            } catch (IllegalArgumentException e) {
                throw CliException.usage(tenantsFile + ": " + e.getMessage(), e);
            }
        }

        void printPlan(ProfilePlan plan) {
            PrintWriter out = out();
            for (PlanAction a : plan.actions()) {
                out.println("  " + sign(a.kind()) + " " + a.kind() + " " + a.tenant() + "/" + a.logicalModel()
                        + (a.profileArn() == null ? "" : " " + a.profileArn()) + ": " + a.reason());
            }
            out.println("Plan: " + plan.count(PlanAction.Kind.CREATE) + " to create, "
                    + plan.count(PlanAction.Kind.RETAG) + " to retag, " + plan.count(PlanAction.Kind.REPLACE)
                    + " to replace, " + plan.count(PlanAction.Kind.DELETE) + " to delete; " + plan.unchanged()
                    + " unchanged, " + plan.ignored() + " not managed by aip (left alone).");
            out.flush();
        }

        private static String sign(PlanAction.Kind kind) {
            return switch (kind) {
                case CREATE -> "+";
                case DELETE -> "-";
                case RETAG -> "~";
                case REPLACE -> "±";
            };
        }

        ModelRoutes routes(BedrockClient client, List<DesiredProfile> desired) {
            Set<String> models = desired.stream().map(DesiredProfile::logicalModel)
                    .collect(Collectors.toCollection(TreeSet::new));
            return controlPlane.routes(client, controlPlane.region(env()), models);
        }
    }

    /** {@code aip profiles plan}. */
    @Command(name = "plan", mixinStandardHelpOptions = true,
            description = {"Show what apply would do to make the account's managed profiles match the tenants file,"
                    + " with the reason for each action. Changes nothing.",
                "Managed profiles of tenants not in the file are planned for deletion."})
    static final class Plan extends WithTenants {
        @Override
        int execute() {
            List<DesiredProfile> desired = desired();
            try (BedrockClient client = controlPlane.client(env())) {
                ProfilePlan plan = plan(lifecycle(client, routes(client, desired)), desired);
                printPlan(plan);
                return AipCommand.EXIT_OK;
            }
        }
    }

    /** {@code aip profiles apply}. */
    @Command(name = "apply", mixinStandardHelpOptions = true,
            description = {"Plan, then carry out the plan: create, retag, replace and delete profiles, with progress.",
                "A plan that deletes or replaces profiles needs --yes (or a 'y' on a terminal).",
                "Safe to run again after an interruption: creates are idempotent."})
    static final class Apply extends WithTenants {

        @Option(names = {"--yes", "-y"}, description = "Do not ask before deleting or replacing profiles.")
        boolean yes;

        @Mixin
        RedisOptions redis;

        @Override
        int execute() {
            List<DesiredProfile> desired = desired();
            try (BedrockClient client = controlPlane.client(env())) {
                ProfileLifecycle lifecycle = lifecycle(client, routes(client, desired));
                ProfilePlan plan = plan(lifecycle, desired);
                printPlan(plan);
                if (plan.isEmpty()) {
                    out().println("Nothing to do.");
                    return AipCommand.EXIT_OK;
                }
                long destructive = plan.count(PlanAction.Kind.DELETE) + plan.count(PlanAction.Kind.REPLACE);
                if (destructive > 0 && !confirmed(yes, "Delete or replace " + destructive + " profile(s)?")) {
                    throw CliException.usage("the plan deletes or replaces " + destructive + " profile(s); rerun"
                            + " with --yes to apply it");
                }
                return applyAndReport(lifecycle, plan, redis);
            }
        }
    }

    /** {@code aip profiles list}. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "List the profiles managed by aip (tag ManagedBy=aip): tenant, tier, model, ARN.")
    static final class ListProfiles extends Base {

        @Option(names = "--tenants", paramLabel = "FILE",
                description = "Only the tenants of this tenants file.")
        Path tenantsFile;

        @Override
        int execute() {
            Set<TenantId> only = tenantsFile == null ? null : TenantsFile.read(tenantsFile).stream()
                    .map(e -> e.profile().tenant()).collect(Collectors.toSet());
            try (BedrockClient client = controlPlane.client(env())) {
                TagSchema schema = TagSchema.defaults();
                List<TaggedProfile> managed = managed(lifecycle(client, ModelRoutes.builder().build()).list())
                        .stream().filter(p -> only == null || only.contains(schema.tenantOf(p.tags()).orElseThrow()))
                        .toList();
                TextTable table = new TextTable("TENANT", "TIER", "MODEL", "NAME", "ARN");
                for (TaggedProfile p : managed) {
                    table.row(schema.tenantOf(p.tags()).orElseThrow(), p.tags().get(schema.tierKey()),
                            p.tags().get(schema.modelKey()), p.profile().name(), p.profile().arn());
                }
                table.print(out(), "");
                out().println(managed.size() + " managed profile(s).");
                out().flush();
                return AipCommand.EXIT_OK;
            }
        }
    }

    /** {@code aip profiles delete}. */
    @Command(name = "delete", mixinStandardHelpOptions = true,
            description = "Delete the managed profiles of the tenants in the tenants file. Asks first; --yes does not.")
    static final class Delete extends Base {

        @Option(names = "--tenants", paramLabel = "FILE", required = true,
                description = "The tenants whose profiles to delete (.csv, or .yaml/.yml).")
        Path tenantsFile;

        @Option(names = {"--yes", "-y"}, description = "Do not ask before deleting.")
        boolean yes;

        @Mixin
        RedisOptions redis;

        @Override
        int execute() {
            Set<TenantId> tenants = TenantsFile.read(tenantsFile).stream().map(e -> e.profile().tenant())
                    .collect(Collectors.toCollection(TreeSet::new));
            try (BedrockClient client = controlPlane.client(env())) {
                TagSchema schema = TagSchema.defaults();
                ProfileLifecycle lifecycle = lifecycle(client, ModelRoutes.builder().build());
                List<PlanAction> actions = new ArrayList<>();
                Set<TenantId> found = new TreeSet<>();
                for (TaggedProfile p : managed(lifecycle.list())) {
                    TenantId owner = schema.tenantOf(p.tags()).orElseThrow();
                    if (tenants.contains(owner)) {
                        found.add(owner);
                        actions.add(new PlanAction(PlanAction.Kind.DELETE, owner,
                                p.tags().getOrDefault(schema.modelKey(), "?"), "listed in " + tenantsFile,
                                p.profile().arn(), null, Map.of(), Set.of()));
                    }
                }
                for (TenantId t : tenants) {
                    if (!found.contains(t)) {
                        out().println("  (tenant " + t + " has no managed profile)");
                    }
                }
                ProfilePlan plan = new ProfilePlan(actions, 0, 0);
                for (PlanAction a : actions) {
                    out().println("  - DELETE " + a.tenant() + "/" + a.logicalModel() + " " + a.profileArn());
                }
                if (actions.isEmpty()) {
                    out().println("Nothing to delete.");
                    out().flush();
                    return AipCommand.EXIT_OK;
                }
                if (!confirmed(yes, "Delete " + actions.size() + " profile(s)?")) {
                    throw CliException.usage("not deleting " + actions.size() + " profile(s) without confirmation;"
                            + " rerun with --yes");
                }
                return applyAndReport(lifecycle, plan, redis);
            }
        }
    }
}
