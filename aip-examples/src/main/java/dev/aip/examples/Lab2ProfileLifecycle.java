package dev.aip.examples;

import dev.aip.core.profile.InferenceProfile;
import dev.aip.core.profile.ProfileLifecycle;
import dev.aip.core.profile.TaggedProfile;
import java.io.PrintStream;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.cloudwatch.model.PutMetricAlarmRequest;

/**
 * Workshop Lab 2, application inference profiles: create, read, update (tags) and delete one profile per tenant
 * with aip's {@link ProfileLifecycle}, and set up per-tenant monitoring: CloudWatch alarms on the profile's
 * {@code AWS/Bedrock} metrics ({@code ModelId} = profile id), with thresholds from the tenant's tier. With
 * {@code --aws} the alarms are created with PutMetricAlarm; on the emulator, which has no CloudWatch, the plan is
 * printed. At the end everything the lab created is deleted (profiles that existed before are restored and kept),
 * unless {@code --keep}.
 *
 * <pre>{@code
 * java -cp ... dev.aip.examples.Lab2ProfileLifecycle [--keep] [--alarm-action SNS_TOPIC_ARN] [--aws [--region R]]
 * }</pre>
 */
@Command(name = "lab2-profile-lifecycle", mixinStandardHelpOptions = true, version = "aip examples 0.1.0-SNAPSHOT",
        description = "Lab 2: one application inference profile per tenant: create, read, update tags, delete;"
                + " per-tenant CloudWatch alarms.")
public final class Lab2ProfileLifecycle implements Callable<Integer> {

    @Mixin
    LabOptions options = new LabOptions();

    @Option(names = "--keep", description = "Keep the profiles and alarms at the end instead of deleting them.")
    boolean keep;

    @Option(names = "--alarm-action", paramLabel = "ARN",
            description = "With --aws: an action for the alarms, e.g. an SNS topic ARN (repeatable).")
    List<String> alarmActions = new ArrayList<>();

    private final PrintStream out;
    private final LabEnvironment.Host host;
    private final Clock clock;

    private Lab2ProfileLifecycle(PrintStream out, LabEnvironment.Host host, Clock clock) {
        this.out = out;
        this.host = host;
        this.clock = clock;
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out));
    }

    /** Runs the lab; returns the exit code (0 done, 1 failed, 2 cannot start as asked). */
    static int run(String[] args, PrintStream out) {
        return run(args, out, System.err, LabEnvironment.Host.system());
    }

    static int run(String[] args, PrintStream out, PrintStream err, LabEnvironment.Host host) {
        return Labs.execute(new Lab2ProfileLifecycle(out, host, Clock.systemUTC()), args, out, err);
    }

    @Override
    public Integer call() {
        try (LabEnvironment env = LabEnvironment.open(options, host)) {
            out.println("Lab 2: application inference profiles, CRUD and monitoring");
            out.println("Alex gives every tenant its own application inference profile (AIP). Calls through it are");
            out.println("counted under the profile's id in AWS/Bedrock and billed under its tags. The profiles copy");
            out.println(LabProfiles.copyFrom(env));
            out.println("on " + env.describe() + ".");
            out.println();

            ProfileLifecycle lifecycle = LabProfiles.lifecycle(env);
            Map<LabTenant, LabProfiles.Ensured> profiles = new LinkedHashMap<>();
            Map<String, Map<String, String>> tagsBefore = new LinkedHashMap<>();
            List<String> alarms = new ArrayList<>();
            try {
                create(lifecycle, profiles, tagsBefore);
                read(lifecycle, profiles);
                update(lifecycle, profiles);
                monitor(env, profiles, alarms);
            } finally {
                if (keep) {
                    out.println();
                    out.println("KEEP (--keep): the profiles and alarms stay; Lab 3 uses the profiles.");
                } else {
                    delete(env, lifecycle, profiles, tagsBefore, alarms);
                }
            }
            return 0;
        }
    }

    private void create(ProfileLifecycle lifecycle, Map<LabTenant, LabProfiles.Ensured> profiles,
                        Map<String, Map<String, String>> tagsBefore) {
        out.println("CREATE  CreateInferenceProfile, one per tenant (idempotent: a profile from an earlier run is"
                + " reused)");
        List<TaggedProfile> scan = lifecycle.list();
        for (LabTenant tenant : LabTenant.WORKSHOP) {
            LabProfiles.Ensured ensured = LabProfiles.ensure(lifecycle, scan, tenant);
            profiles.put(tenant, ensured);
            InferenceProfile p = ensured.profile();
            if (!ensured.created()) {
                tagsBefore.put(p.arn(), lifecycle.tags(p.arn()));
            }
            out.printf("  %-9s %s %s%n", tenant.id(), ensured.created() ? "created" : "exists ", p.name());
            out.printf("            arn=%s%n", p.arn());
            out.printf("            id=%s (the ModelId of its AWS/Bedrock metrics)%n", p.id());
        }
        out.println();
    }

    private void read(ProfileLifecycle lifecycle, Map<LabTenant, LabProfiles.Ensured> profiles) {
        out.println("READ    GetInferenceProfile, ListInferenceProfiles, ListTagsForResource");
        for (Map.Entry<LabTenant, LabProfiles.Ensured> e : profiles.entrySet()) {
            InferenceProfile p = lifecycle.get(e.getValue().profile().arn()).orElseThrow(() ->
                    new IllegalStateException("profile " + e.getValue().profile().arn() + " vanished"));
            String regions = p.modelArns().stream().map(a -> a.split(":")[3]).collect(Collectors.joining(", "));
            out.printf("  %-9s get:  name=%s type=%s model=%s routes to %s%n", e.getKey().id(), p.name(), p.type(),
                    p.sourceModelId(), regions);
        }
        List<TaggedProfile> scan = lifecycle.list();
        List<String> ours = new ArrayList<>();
        for (LabTenant tenant : profiles.keySet()) {
            LabProfiles.find(scan, tenant).ifPresent(t -> ours.add(t.profile().name()));
        }
        out.printf("  list: %d application profile(s) in the account; this lab's: %s%n", scan.size(),
                String.join(", ", ours));
        for (Map.Entry<LabTenant, LabProfiles.Ensured> e : profiles.entrySet()) {
            out.printf("  %-9s tags: %s%n", e.getKey().id(),
                    LabProfiles.tags(lifecycle.tags(e.getValue().profile().arn())));
        }
        out.println();
    }

    private void update(ProfileLifecycle lifecycle, Map<LabTenant, LabProfiles.Ensured> profiles) {
        out.println("UPDATE  TagResource, UntagResource (a profile's model cannot change; its tags can)");
        String today = LocalDate.now(clock).toString();
        for (Map.Entry<LabTenant, LabProfiles.Ensured> e : profiles.entrySet()) {
            String arn = e.getValue().profile().arn();
            lifecycle.tag(arn, Map.of("Environment", "development", "UpdatedAt", today));
            out.printf("  %-9s tag Environment=development UpdatedAt=%s -> %s%n", e.getKey().id(), today,
                    LabProfiles.tags(lifecycle.tags(arn)));
            lifecycle.untag(arn, List.of("UpdatedAt"));
            out.printf("  %-9s untag UpdatedAt -> %s%n", e.getKey().id(), LabProfiles.tags(lifecycle.tags(arn)));
        }
        out.println();
    }

    private void monitor(LabEnvironment env, Map<LabTenant, LabProfiles.Ensured> profiles, List<String> applied) {
        Optional<CloudWatchClient> cloudWatch = env.cloudWatch();
        out.println("MONITOR CloudWatch alarms per tenant on AWS/Bedrock, dimension ModelId = the tenant's profile id");
        for (Map.Entry<LabTenant, LabProfiles.Ensured> e : profiles.entrySet()) {
            LabTenant tenant = e.getKey();
            AlarmPlan plan = AlarmPlan.forProfile(tenant.id(), tenant.tier(), e.getValue().profile().id());
            out.printf("  %-9s tier %s: %d alarms%n", tenant.id(), tenant.tier(), plan.alarms().size());
            for (AlarmDefinition alarm : plan.alarms()) {
                out.printf("    alarm %s%n      %s%n", alarm.name(), alarm.describe());
            }
            if (cloudWatch.isPresent()) {
                for (PutMetricAlarmRequest request : plan.requests(alarmActions)) {
                    cloudWatch.get().putMetricAlarm(request);
                    applied.add(request.alarmName());
                }
                out.printf("    applied with PutMetricAlarm%s%n", alarmActions.isEmpty()
                        ? " (no actions: pass --alarm-action SNS_TOPIC_ARN to be notified)"
                        : " (actions: " + String.join(", ", alarmActions) + ")");
            }
        }
        if (cloudWatch.isEmpty()) {
            out.println("  (the emulator has no CloudWatch: this is the plan; with --aws each alarm is created with"
                    + " PutMetricAlarm)");
        }
        out.println();
    }

    private void delete(LabEnvironment env, ProfileLifecycle lifecycle, Map<LabTenant, LabProfiles.Ensured> profiles,
                        Map<String, Map<String, String>> tagsBefore, List<String> alarms) {
        out.println("DELETE  what this lab created");
        if (!alarms.isEmpty()) {
            try {
                env.cloudWatch().orElseThrow().deleteAlarms(r -> r.alarmNames(alarms));
                out.printf("  DeleteAlarms: %d alarms%n", alarms.size());
            } catch (RuntimeException e) {
                out.printf("  could not delete alarms %s: %s%n", alarms, e.getMessage());
            }
        }
        for (Map.Entry<LabTenant, LabProfiles.Ensured> e : profiles.entrySet()) {
            InferenceProfile p = e.getValue().profile();
            try {
                if (e.getValue().created()) {
                    lifecycle.delete(p.arn());
                    boolean gone = lifecycle.get(p.arn()).isEmpty();
                    out.printf("  %-9s DeleteInferenceProfile %s; GetInferenceProfile now: %s%n", e.getKey().id(),
                            p.name(), gone ? "not found" : "still there");
                } else {
                    restoreTags(lifecycle, p.arn(), tagsBefore.get(p.arn()));
                    out.printf("  %-9s kept %s: it existed before this lab; its tags are restored%n",
                            e.getKey().id(), p.name());
                }
            } catch (RuntimeException failure) {
                out.printf("  %-9s could not clean up %s: %s%n", e.getKey().id(), p.arn(), failure.getMessage());
            }
        }
    }

    private static void restoreTags(ProfileLifecycle lifecycle, String arn, Map<String, String> before) {
        Set<String> added = new HashSet<>(lifecycle.tags(arn).keySet());
        added.removeAll(before.keySet());
        if (!added.isEmpty()) {
            lifecycle.untag(arn, added);
        }
        lifecycle.tag(arn, before);
    }
}
