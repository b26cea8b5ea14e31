package dev.aip.emulator;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The foundation models and system-defined (cross-Region) inference profiles one emulated Region offers.
 *
 * <p>System profiles exist for the geography of the emulated Region only ({@code us.} in {@code us-*},
 * {@code eu.} in {@code eu-*}, {@code apac.} in {@code ap-*}), plus {@code global.} for the models that have it,
 * because a real Region rejects another geography's profile ids as invalid model identifiers. Immutable.
 */
final class ModelCatalog {

    /** The request and response body dialect of a model's InvokeModel API. */
    enum Family { ANTHROPIC, NOVA, TITAN_EMBED }

    /** The geographies of system-defined profiles and the Regions each routes to (at most 5, as the model allows). */
    enum Geo {
        US("us", "US", List.of("us-east-1", "us-east-2", "us-west-2")),
        EU("eu", "EU", List.of("eu-central-1", "eu-west-1", "eu-west-3", "eu-north-1")),
        APAC("apac", "APAC", List.of("ap-northeast-1", "ap-northeast-2", "ap-south-1", "ap-southeast-1",
                "ap-southeast-2")),
        GLOBAL("global", "Global", List.of("us-east-1", "us-east-2", "us-west-2", "eu-west-1", "ap-northeast-1"));

        private final String prefix;
        private final String label;
        private final List<String> destinations;

        Geo(String prefix, String label, List<String> destinations) {
            this.prefix = prefix;
            this.label = label;
            this.destinations = destinations;
        }

        String prefix() {
            return prefix;
        }

        List<String> destinations() {
            return destinations;
        }

        /** The regional geography whose profiles a Region offers, or {@code null} if it has none here. */
        static Geo ofRegion(String region) {
            if (region.startsWith("us-gov-")) {
                return null;
            }
            if (region.startsWith("us-")) {
                return US;
            }
            if (region.startsWith("eu-")) {
                return EU;
            }
            if (region.startsWith("ap-")) {
                return APAC;
            }
            return null;
        }
    }

    /**
     * One foundation model. Immutable.
     *
     * @param modelId e.g. {@code anthropic.claude-3-5-haiku-20241022-v1:0}
     * @param modelName e.g. {@code Claude 3.5 Haiku}
     * @param providerName e.g. {@code Anthropic}
     * @param family the InvokeModel body dialect
     * @param inputModalities {@code TEXT}, {@code IMAGE}, ...
     * @param outputModalities {@code TEXT}, ...
     * @param streamingSupported whether the streaming operations serve it
     * @param onDemandSupported whether it may be invoked by its bare id or ARN; if not, only through a profile
     * @param geos the geographies that have a system-defined profile for it
     * @param publishedAt when it appeared; the timestamps of its system profiles
     * @param structuredOutput whether Converse accepts {@code outputConfig.textFormat} (JSON schema output) for it
     */
    record FoundationModel(String modelId, String modelName, String providerName, Family family,
                           List<String> inputModalities, List<String> outputModalities, boolean streamingSupported,
                           boolean onDemandSupported, Set<Geo> geos, Instant publishedAt, boolean structuredOutput) {
        FoundationModel {
            Objects.requireNonNull(modelId, "modelId");
            Objects.requireNonNull(modelName, "modelName");
            Objects.requireNonNull(providerName, "providerName");
            Objects.requireNonNull(family, "family");
            Objects.requireNonNull(publishedAt, "publishedAt");
            inputModalities = List.copyOf(inputModalities);
            outputModalities = List.copyOf(outputModalities);
            geos = Set.copyOf(geos);
        }
    }

    /**
     * A system-defined inference profile. Immutable.
     *
     * @param id {@code {geo}.{modelId}}
     * @param arn the profile's ARN, with the account id
     * @param name e.g. {@code US Anthropic Claude 3.7 Sonnet}
     * @param description which model it routes to and where
     * @param model the one model it routes to
     * @param modelArns one foundation-model ARN per destination Region
     */
    record SystemProfile(String id, String arn, String name, String description, FoundationModel model,
                         List<String> modelArns) {
        SystemProfile {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(arn, "arn");
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(description, "description");
            Objects.requireNonNull(model, "model");
            modelArns = List.copyOf(modelArns);
            if (modelArns.isEmpty() || modelArns.size() > 5) {
                throw new IllegalArgumentException("a profile routes to 1..5 models, had " + modelArns.size());
            }
        }
    }

    /*
     * Structured output: AWS documents it for Claude Sonnet 4.5, Haiku 4.5, Opus 4.5 and Opus 4.6 and for some
     * open-weight models (https://docs.aws.amazon.com/bedrock/latest/userguide/claude-messages-structured-outputs.html);
     * of this catalog only Claude Haiku 4.5 is on that list. Nova is not listed there, so the emulator refuses it.
     */
    private static final List<FoundationModel> MODELS = List.of(
            anthropic("anthropic.claude-3-haiku-20240307-v1:0", "Claude 3 Haiku", true,
                    Set.of(Geo.US, Geo.EU, Geo.APAC), "2024-03-07", false),
            new FoundationModel("anthropic.claude-3-5-haiku-20241022-v1:0", "Claude 3.5 Haiku", "Anthropic",
                    Family.ANTHROPIC, List.of("TEXT"), List.of("TEXT"), true, true, Set.of(Geo.US),
                    Instant.parse("2024-10-22T00:00:00Z"), false),
            anthropic("anthropic.claude-3-7-sonnet-20250219-v1:0", "Claude 3.7 Sonnet", false,
                    Set.of(Geo.US, Geo.EU, Geo.APAC), "2025-02-19", false),
            anthropic("anthropic.claude-sonnet-4-20250514-v1:0", "Claude Sonnet 4", false,
                    Set.of(Geo.US, Geo.EU, Geo.APAC, Geo.GLOBAL), "2025-05-14", false),
            anthropic("anthropic.claude-haiku-4-5-20251001-v1:0", "Claude Haiku 4.5", false,
                    Set.of(Geo.US, Geo.EU, Geo.GLOBAL), "2025-10-01", true),
            new FoundationModel("amazon.nova-micro-v1:0", "Nova Micro", "Amazon", Family.NOVA, List.of("TEXT"),
                    List.of("TEXT"), true, true, Set.of(Geo.US, Geo.EU, Geo.APAC),
                    Instant.parse("2024-12-03T00:00:00Z"), false),
            nova("amazon.nova-lite-v1:0", "Nova Lite"),
            nova("amazon.nova-pro-v1:0", "Nova Pro"),
            // An embedding model: InvokeModel only (Converse and streaming refuse it), on demand by its id or
            // ARN, no system-defined (cross-Region) profile, so an application profile copies its model ARN.
            new FoundationModel("amazon.titan-embed-text-v2:0", "Titan Text Embeddings V2", "Amazon",
                    Family.TITAN_EMBED, List.of("TEXT"), List.of("EMBEDDING"), false, true, Set.of(),
                    Instant.parse("2024-04-30T00:00:00Z"), false));

    private final String region;
    private final Map<String, FoundationModel> models;
    private final Map<String, String> modelArns;
    private final List<SystemProfile> systemProfiles;
    private final Map<String, SystemProfile> systemProfilesById;
    private final Map<String, SystemProfile> systemProfilesByArn;

    /** The catalog of {@code region}, with system profile ARNs in {@code accountId}. */
    ModelCatalog(String region, String accountId) {
        this.region = Objects.requireNonNull(region, "region");
        Objects.requireNonNull(accountId, "accountId");
        Map<String, FoundationModel> byId = new LinkedHashMap<>();
        Map<String, String> arns = new LinkedHashMap<>();
        for (FoundationModel m : MODELS) {
            byId.put(m.modelId(), m);
            arns.put(m.modelId(), Arns.foundationModel(region, m.modelId()));
        }
        Geo regional = Geo.ofRegion(region);
        Map<String, SystemProfile> profiles = new LinkedHashMap<>();
        for (Geo geo : List.of(Geo.US, Geo.EU, Geo.APAC, Geo.GLOBAL)) {
            if (geo != regional && geo != Geo.GLOBAL) {
                continue;
            }
            for (FoundationModel m : MODELS) {
                if (!m.geos().contains(geo)) {
                    continue;
                }
                String id = geo.prefix() + "." + m.modelId();
                List<String> destinations = new ArrayList<>();
                for (String r : geo.destinations()) {
                    destinations.add(Arns.foundationModel(r, m.modelId()));
                }
                profiles.put(id, new SystemProfile(id, Arns.systemProfile(region, accountId, id),
                        geo.label + " " + m.providerName() + " " + m.modelName(),
                        "Routes requests to " + m.providerName() + " " + m.modelName() + " in "
                                + String.join(", ", geo.destinations()) + ".",
                        m, destinations));
            }
        }
        Map<String, SystemProfile> byArn = new LinkedHashMap<>();
        profiles.values().forEach(p -> byArn.put(p.arn(), p));
        this.models = Collections.unmodifiableMap(byId);
        this.modelArns = Collections.unmodifiableMap(arns);
        this.systemProfiles = List.copyOf(profiles.values());
        this.systemProfilesById = Collections.unmodifiableMap(profiles);
        this.systemProfilesByArn = Collections.unmodifiableMap(byArn);
    }

    String region() {
        return region;
    }

    /** All foundation models, in catalog order. */
    Collection<FoundationModel> models() {
        return models.values();
    }

    Optional<FoundationModel> model(String modelId) {
        return Optional.ofNullable(models.get(modelId));
    }

    /** The model's ARN in this Region. */
    String modelArn(FoundationModel model) {
        return modelArns.get(model.modelId());
    }

    /** All system-defined profiles of this Region, in a fixed order: geography, then catalog order. */
    List<SystemProfile> systemProfiles() {
        return systemProfiles;
    }

    Optional<SystemProfile> systemProfile(String id) {
        return Optional.ofNullable(systemProfilesById.get(id));
    }

    Optional<SystemProfile> systemProfileByArn(String arn) {
        return Optional.ofNullable(systemProfilesByArn.get(arn));
    }

    /** Whether some system profile of this Region routes to the model. */
    boolean hasSystemProfile(FoundationModel model) {
        return systemProfiles.stream().anyMatch(p -> p.model().equals(model));
    }

    /**
     * The catalog model named by a bare model id or a foundation-model ARN (any Region), or {@code null} when
     * {@code modelId} names no catalog model (a profile, or nothing known).
     */
    static String foundationModelId(String modelId) {
        int at = modelId.indexOf(":foundation-model/");
        String id = modelId.startsWith("arn:") && at > 0 ? modelId.substring(at + ":foundation-model/".length())
                : modelId;
        return MODELS.stream().anyMatch(m -> m.modelId().equals(id)) ? id : null;
    }

    /** Whether Converse accepts structured output ({@code outputConfig.textFormat}) for this foundation model. */
    static boolean supportsStructuredOutput(String modelId) {
        return MODELS.stream().anyMatch(m -> m.modelId().equals(modelId) && m.structuredOutput());
    }

    /** Whether the foundation model is an embedding model (InvokeModel only; no output tokens). */
    static boolean isEmbedding(String modelId) {
        return MODELS.stream()
                .anyMatch(m -> m.modelId().equals(modelId) && m.outputModalities().contains("EMBEDDING"));
    }

    /** The names of the models that accept structured output, for error messages. */
    static List<String> structuredOutputModels() {
        return MODELS.stream().filter(FoundationModel::structuredOutput).map(FoundationModel::modelId).toList();
    }

    private static FoundationModel anthropic(String id, String name, boolean onDemand, Set<Geo> geos,
                                             String published, boolean structuredOutput) {
        return new FoundationModel(id, name, "Anthropic", Family.ANTHROPIC, List.of("TEXT", "IMAGE"),
                List.of("TEXT"), true, onDemand, geos, Instant.parse(published + "T00:00:00Z"), structuredOutput);
    }

    private static FoundationModel nova(String id, String name) {
        return new FoundationModel(id, name, "Amazon", Family.NOVA, List.of("TEXT", "IMAGE"), List.of("TEXT"), true,
                true, Set.of(Geo.US, Geo.EU, Geo.APAC), Instant.parse("2024-12-03T00:00:00Z"), false);
    }
}
