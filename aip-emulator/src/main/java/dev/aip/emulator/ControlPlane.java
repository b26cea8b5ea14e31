package dev.aip.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code bedrock} control plane: inference profiles, tags and the foundation-model catalog. Thread-safe.
 * Every method validates its input as AWS does and throws {@link ApiError} with the status and code AWS uses.
 *
 * <p>Where AWS's behaviour is not documented the emulator decides as follows:
 * <ul>
 *   <li>a {@code clientRequestToken} reused with different parameters is a {@code ConflictException}; reused with the
 *       same parameters it returns the first profile's ARN and creates nothing, until that profile is deleted;</li>
 *   <li>a name already held by a live profile is a {@code ConflictException};</li>
 *   <li>a well-formed {@code copyFrom} naming a model or profile this Region does not have is a
 *       {@code ResourceNotFoundException} (404), as is an unknown foundation model in GetFoundationModel;</li>
 *   <li>system-defined profiles cannot be tagged or untagged ({@code ValidationException}); listing their tags
 *       returns none;</li>
 *   <li>tagging does not change a profile's {@code updatedAt}: tags are not among the attributes
 *       GetInferenceProfile returns;</li>
 *   <li>ListInferenceProfiles returns {@value #DEFAULT_PAGE_SIZE} profiles per page unless {@code maxResults} says
 *       otherwise, application profiles in creation order;</li>
 *   <li>{@code inferenceTypesSupported} is {@code INFERENCE_PROFILE} alone for models that cannot be invoked on
 *       demand, and {@code ON_DEMAND} (plus {@code INFERENCE_PROFILE} when a system profile routes to it) otherwise.
 *       The SDK's {@code InferenceType} enum lacks {@code INFERENCE_PROFILE}; read it with
 *       {@code inferenceTypesSupportedAsStrings()}.</li>
 * </ul>
 */
final class ControlPlane {

    static final int DEFAULT_PAGE_SIZE = 100;
    static final String SYSTEM_DEFINED = "SYSTEM_DEFINED";
    static final String APPLICATION = "APPLICATION";
    static final String INVALID_MODEL_IDENTIFIER = "The provided model identifier is invalid.";

    private static final int MAX_TAG_LIST = 200;

    private final EmulatorConfig config;
    private final ModelCatalog catalog;
    private final ProfileStore store;
    private final String applicationArnPrefix;
    /** Runtime targets of every identifier that never changes: foundation models and system profiles, ids and ARNs. */
    private final Map<String, RuntimeTarget> staticTargets;
    /** Ids and ARNs of models that cannot be invoked on demand, to the model id the error message names. */
    private final Map<String, String> profileOnlyModels;

    ControlPlane(EmulatorConfig config) {
        this.config = config;
        this.catalog = new ModelCatalog(config.region(), config.accountId());
        this.store = new ProfileStore(config.region(), config.accountId(), config.seed(), config.profileQuota(),
                config.clock());
        this.applicationArnPrefix = Arns.applicationProfilePrefix(config.region(), config.accountId());
        Map<String, RuntimeTarget> targets = new HashMap<>();
        Map<String, String> profileOnly = new HashMap<>();
        for (ModelCatalog.FoundationModel m : catalog.models()) {
            String arn = catalog.modelArn(m);
            if (m.onDemandSupported()) {
                targets.put(m.modelId(), foundationTarget(m.modelId(), m));
                targets.put(arn, foundationTarget(arn, m));
            } else {
                profileOnly.put(m.modelId(), m.modelId());
                profileOnly.put(arn, m.modelId());
            }
        }
        for (ModelCatalog.SystemProfile p : catalog.systemProfiles()) {
            for (String requested : List.of(p.id(), p.arn())) {
                targets.put(requested, new RuntimeTarget(requested, RuntimeTarget.Kind.SYSTEM_PROFILE,
                        p.model().modelId(), p.arn(), p.id(), requested));
            }
        }
        this.staticTargets = Map.copyOf(targets);
        this.profileOnlyModels = Map.copyOf(profileOnly);
    }

    // ---------------------------------------------------------------------------------------------- profiles

    /** CreateInferenceProfile; the response body of the 201. */
    ObjectNode createInferenceProfile(ObjectNode body) {
        Validation v = new Validation();
        String name = Validation.string(body, "inferenceProfileName", "inferenceProfileName");
        String description = Validation.string(body, "description", "description");
        String token = Validation.string(body, "clientRequestToken", "clientRequestToken");
        String copyFrom = modelSource(body, v);
        if (v.required("inferenceProfileName", name)) {
            v.text("inferenceProfileName", name, 1, 64, Validation.PROFILE_NAME, false);
        }
        v.text("description", description, 1, 200, Validation.DESCRIPTION, true);
        v.text("clientRequestToken", token, 1, 256, Validation.REQUEST_TOKEN, false);
        v.text("modelSource.copyFrom", copyFrom, 1, 2048, Validation.COPY_FROM, false);
        Map<String, String> tags = tagList(body, "tags", false, v);
        v.throwIfInvalid();
        if (tags.size() > ProfileStore.MAX_TAGS) {
            throw ProfileStore.tooManyTags(name, tags.size());
        }
        ModelCatalog.FoundationModel model;
        List<String> modelArns;
        Arns.Parsed source = Arns.parse(copyFrom);
        Optional<ModelCatalog.SystemProfile> system = Optional.empty();
        Optional<ModelCatalog.FoundationModel> foundation = Optional.empty();
        if (source != null && source.isLocal(config.region(), config.accountId())) {
            if (source.resourceType().equals(Arns.INFERENCE_PROFILE)) {
                system = catalog.systemProfile(source.resourceId());
            } else {
                foundation = catalog.model(source.resourceId());
            }
        }
        if (system.isPresent()) {
            model = system.get().model();
            modelArns = system.get().modelArns();
        } else if (foundation.isPresent()) {
            model = foundation.get();
            modelArns = List.of(catalog.modelArn(model));
        } else {
            throw ApiError.notFound("The model source " + copyFrom + " does not exist in " + config.region()
                    + " for account " + config.accountId() + ". Copy from a foundation model or a system-defined"
                    + " inference profile of this Region (see ListFoundationModels and ListInferenceProfiles).");
        }
        ApplicationProfile profile = store.create(new ProfileStore.CreateRequest(name, description, token, copyFrom,
                model, modelArns, tags));
        return Json.MAPPER.createObjectNode()
                .put("inferenceProfileArn", profile.arn())
                .put("status", "ACTIVE");
    }

    /** GetInferenceProfile by ARN or id (application or system-defined). */
    ObjectNode getInferenceProfile(String identifier) {
        Object profile = profile(identifier);
        return profile instanceof ApplicationProfile a ? render(a) : render((ModelCatalog.SystemProfile) profile);
    }

    /** ListInferenceProfiles with {@code maxResults}, {@code nextToken} and {@code type} query parameters. */
    ObjectNode listInferenceProfiles(Map<String, List<String>> query) {
        Validation v = new Validation();
        String type = first(query, "type");
        String maxText = first(query, "maxResults");
        String tokenText = first(query, "nextToken");
        v.oneOf("typeEquals", type, List.of(SYSTEM_DEFINED, APPLICATION));
        int maxResults = DEFAULT_PAGE_SIZE;
        if (maxText != null) {
            try {
                long parsed = Long.parseLong(maxText.trim());
                v.range("maxResults", parsed, 1, 1000);
                maxResults = (int) Math.max(1, Math.min(parsed, 1000));
            } catch (NumberFormatException e) {
                v.violation("maxResults", maxText, "Member must be an integer");
            }
        }
        v.text("nextToken", tokenText, 1, 2048, Validation.NEXT_TOKEN, false);
        v.throwIfInvalid();
        String listType = type == null ? SYSTEM_DEFINED : type;
        long after = -1;
        if (tokenText != null) {
            PageToken token = PageToken.decode(tokenText, config.seed());
            if (token == null || !token.type().equals(listType)) {
                throw ApiError.validation("The nextToken " + tokenText + " is not valid for this listing. Pass the"
                        + " nextToken of the previous ListInferenceProfiles response, with the same type.");
            }
            after = token.position();
        }
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode summaries = out.putArray("inferenceProfileSummaries");
        if (listType.equals(APPLICATION)) {
            List<ApplicationProfile> page = store.listAfter(Math.max(after, 0), maxResults);
            for (int i = 0; i < Math.min(page.size(), maxResults); i++) {
                summaries.add(render(page.get(i)));
            }
            if (page.size() > maxResults) {
                out.put("nextToken", new PageToken(APPLICATION, page.get(maxResults - 1).sequence())
                        .encode(config.seed()));
            }
        } else {
            List<ModelCatalog.SystemProfile> all = catalog.systemProfiles();
            int start = (int) Math.min(Math.max(after, 0), all.size());
            int end = Math.min(all.size(), start + maxResults);
            for (int i = start; i < end; i++) {
                summaries.add(render(all.get(i)));
            }
            if (end < all.size()) {
                out.put("nextToken", new PageToken(SYSTEM_DEFINED, end).encode(config.seed()));
            }
        }
        return out;
    }

    void deleteInferenceProfile(String identifier) {
        Object profile = profile(identifier);
        if (profile instanceof ModelCatalog.SystemProfile s) {
            throw ApiError.validation("The inference profile " + s.id() + " is system-defined and cannot be deleted."
                    + " Only application inference profiles can be deleted.");
        }
        store.delete(((ApplicationProfile) profile).id());
    }

    // ---------------------------------------------------------------------------------------------- tags

    void tagResource(ObjectNode body) {
        Validation v = new Validation();
        String arn = resourceArn(body, v);
        Map<String, String> tags = tagList(body, "tags", true, v);
        v.throwIfInvalid();
        ApplicationProfile target = taggable(arn, "tag");
        if (tags.size() > ProfileStore.MAX_TAGS) {
            throw ProfileStore.tooManyTags(target.arn(), tags.size());
        }
        store.tag(target.id(), tags);
    }

    void untagResource(ObjectNode body) {
        Validation v = new Validation();
        String arn = resourceArn(body, v);
        List<String> keys = new ArrayList<>();
        JsonNode list = body.get("tagKeys");
        if (list == null || list.isNull()) {
            v.required("tagKeys", null);
        } else if (!list.isArray()) {
            throw ApiError.validation("1 validation error detected: Value at 'tagKeys' failed to satisfy constraint:"
                    + " Member must be a list, was " + list.getNodeType());
        } else {
            v.listSize("tagKeys", list.size(), MAX_TAG_LIST);
            for (int i = 0; i < list.size(); i++) {
                String path = "tagKeys." + (i + 1) + ".member";
                JsonNode key = list.get(i);
                if (key.isNull()) {
                    v.required(path, null);
                } else if (!key.isTextual()) {
                    v.violation(path, key.toString(), "Member must be a string");
                } else {
                    v.text(path, key.textValue(), 1, 128, Validation.TAG, false);
                    keys.add(key.textValue());
                }
            }
        }
        v.throwIfInvalid();
        store.untag(taggable(arn, "untag").id(), keys);
    }

    ObjectNode listTagsForResource(ObjectNode body) {
        Validation v = new Validation();
        String arn = resourceArn(body, v);
        v.throwIfInvalid();
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode tags = out.putArray("tags");
        Object resource = resourceByArn(arn);
        if (resource instanceof ApplicationProfile p) {
            p.tags().forEach((k, val) -> tags.addObject().put("key", k).put("value", val));
        }
        return out;
    }

    // ---------------------------------------------------------------------------------------------- catalog

    ObjectNode listFoundationModels(Map<String, List<String>> query) {
        Validation v = new Validation();
        String provider = first(query, "byProvider");
        String customization = first(query, "byCustomizationType");
        String output = first(query, "byOutputModality");
        String inference = first(query, "byInferenceType");
        v.text("byProvider", provider, 1, 63, Validation.PROVIDER, false);
        v.oneOf("byCustomizationType", customization, List.of("FINE_TUNING", "CONTINUED_PRE_TRAINING",
                "DISTILLATION"));
        v.oneOf("byOutputModality", output, List.of("TEXT", "IMAGE", "EMBEDDING"));
        v.oneOf("byInferenceType", inference, List.of("ON_DEMAND", "PROVISIONED"));
        v.throwIfInvalid();
        ObjectNode out = Json.MAPPER.createObjectNode();
        ArrayNode summaries = out.putArray("modelSummaries");
        for (ModelCatalog.FoundationModel m : catalog.models()) {
            boolean matches = (provider == null || m.providerName().equalsIgnoreCase(provider))
                    // No emulated model can be customised.
                    && customization == null
                    && (output == null || m.outputModalities().contains(output))
                    && (inference == null || inferenceTypes(m).contains(inference));
            if (matches) {
                summaries.add(render(m));
            }
        }
        return out;
    }

    ObjectNode getFoundationModel(String identifier) {
        Validation v = new Validation();
        v.text("modelIdentifier", identifier, 1, 2048, null, false);
        v.throwIfInvalid();
        Optional<ModelCatalog.FoundationModel> model = catalog.model(identifier);
        if (model.isEmpty()) {
            Arns.Parsed arn = Arns.parse(identifier);
            if (arn != null && arn.isLocal(config.region(), config.accountId())
                    && arn.resourceType().equals(Arns.FOUNDATION_MODEL)) {
                model = catalog.model(arn.resourceId());
            }
        }
        ModelCatalog.FoundationModel m = model.orElseThrow(() -> ApiError.notFound("The foundation model "
                + identifier + " does not exist in " + config.region() + ". See ListFoundationModels."));
        ObjectNode out = Json.MAPPER.createObjectNode();
        out.set("modelDetails", render(m));
        return out;
    }

    // ---------------------------------------------------------------------------------------------- runtime

    /**
     * Resolves a runtime {@code modelId} (foundation model id or ARN, system profile id or ARN, application profile
     * ARN or id). Lock-free: map lookups only.
     *
     * @throws ApiError 400 {@code ValidationException} "The provided model identifier is invalid." for unknown,
     *     malformed or deleted ids, as AWS answers; 400 {@code ValidationException} naming on-demand throughput for a
     *     model that can only be invoked through an inference profile
     */
    RuntimeTarget resolveRuntimeTarget(String modelId) {
        if (modelId == null) {
            throw ApiError.validation(INVALID_MODEL_IDENTIFIER);
        }
        RuntimeTarget fixed = staticTargets.get(modelId);
        if (fixed != null) {
            return fixed;
        }
        String profileOnly = profileOnlyModels.get(modelId);
        if (profileOnly != null) {
            throw ApiError.validation("Invocation of model ID " + profileOnly + " with on-demand throughput isn't"
                    + " supported. Retry your request with the ID or ARN of an inference profile that contains this"
                    + " model.");
        }
        String id = modelId.startsWith(applicationArnPrefix) ? modelId.substring(applicationArnPrefix.length())
                : modelId;
        ApplicationProfile p = store.get(id);
        if (p == null) {
            throw ApiError.validation(INVALID_MODEL_IDENTIFIER);
        }
        ModelCatalog.SystemProfile source = sourceProfile(p);
        return new RuntimeTarget(modelId, RuntimeTarget.Kind.APPLICATION_PROFILE, p.model().modelId(), p.arn(),
                p.id(), p.id(), source == null ? null : source.arn(), source == null ? null : source.id());
    }

    /** The system-defined profile an application profile was copied from, or {@code null} for a foundation model. */
    private ModelCatalog.SystemProfile sourceProfile(ApplicationProfile p) {
        Arns.Parsed source = Arns.parse(p.copiedFrom());
        if (source == null || !source.resourceType().equals(Arns.INFERENCE_PROFILE)) {
            return null;
        }
        return catalog.systemProfile(source.resourceId()).orElse(null);
    }

    // ---------------------------------------------------------------------------------------------- inspection

    /** The catalog of the emulated Region: models (with their InvokeModel family) and system profiles. */
    ModelCatalog catalog() {
        return catalog;
    }

    /** The live application profile with this id or ARN. */
    Optional<ApplicationProfile> applicationProfile(String idOrArn) {
        String id = idOrArn.startsWith(applicationArnPrefix) ? idOrArn.substring(applicationArnPrefix.length())
                : idOrArn;
        return Optional.ofNullable(store.get(id));
    }

    /** Every live application profile, in creation order. */
    List<ApplicationProfile> applicationProfiles() {
        return store.all();
    }

    int applicationProfileCount() {
        return store.size();
    }

    /** The tags of a live application profile (id or ARN), in the order first set; empty for anything else. */
    Map<String, String> tags(String arn) {
        return applicationProfile(arn).map(ApplicationProfile::tags).orElse(Map.of());
    }

    // ---------------------------------------------------------------------------------------------- helpers

    private static RuntimeTarget foundationTarget(String requested, ModelCatalog.FoundationModel m) {
        return new RuntimeTarget(requested, RuntimeTarget.Kind.FOUNDATION_MODEL, m.modelId(), null, null, requested);
    }

    /** The {@code modelSource.copyFrom} member; records a violation when the union is missing or malformed. */
    private static String modelSource(ObjectNode body, Validation v) {
        JsonNode source = body.get("modelSource");
        if (source == null || source.isNull()) {
            v.required("modelSource", null);
            return null;
        }
        if (!source.isObject()) {
            throw ApiError.validation("1 validation error detected: Value at 'modelSource' failed to satisfy"
                    + " constraint: Member must be a structure with exactly one member, copyFrom");
        }
        for (Iterator<String> names = source.fieldNames(); names.hasNext(); ) {
            String member = names.next();
            if (!member.equals("copyFrom")) {
                v.violation("modelSource", source.toString(), "Member must have exactly one member set, copyFrom;"
                        + " '" + member + "' is not a member of InferenceProfileModelSource");
            }
        }
        String copyFrom = Validation.string(source, "copyFrom", "modelSource.copyFrom");
        v.required("modelSource.copyFrom", copyFrom);
        return copyFrom;
    }

    /**
     * Reads a {@code [{"key","value"}]} tag list; later duplicates of a key win, as a map would have it.
     *
     * @param required whether the list itself is a required member
     */
    private static Map<String, String> tagList(ObjectNode body, String member, boolean required, Validation v) {
        Map<String, String> tags = new LinkedHashMap<>();
        JsonNode list = body.get(member);
        if (list == null || list.isNull()) {
            if (required) {
                v.required(member, null);
            }
            return tags;
        }
        if (!list.isArray()) {
            throw ApiError.validation("1 validation error detected: Value at '" + member + "' failed to satisfy"
                    + " constraint: Member must be a list, was " + list.getNodeType());
        }
        v.listSize(member, list.size(), MAX_TAG_LIST);
        for (int i = 0; i < list.size(); i++) {
            String path = member + "." + (i + 1) + ".member";
            JsonNode item = list.get(i);
            if (!item.isObject()) {
                v.violation(path, item.toString(), "Member must be a structure with key and value");
                continue;
            }
            String key = Validation.string(item, "key", path + ".key");
            String value = Validation.string(item, "value", path + ".value");
            boolean present = v.required(path + ".key", key) & v.required(path + ".value", value);
            v.text(path + ".key", key, 1, 128, Validation.TAG, false);
            v.text(path + ".value", value, 0, 256, Validation.TAG, false);
            if (present) {
                tags.put(key, value);
            }
        }
        return tags;
    }

    private static String resourceArn(ObjectNode body, Validation v) {
        String arn = Validation.string(body, "resourceARN", "resourceARN");
        if (v.required("resourceARN", arn)) {
            v.text("resourceARN", arn, 20, 1011, null, false);
            if (v.ok() && !Validation.TAGGABLE_PROFILE_ARN.matcher(arn).matches() && !isBedrockArn(arn)) {
                v.violation("resourceARN", arn, "Member must satisfy regular expression pattern: "
                        + Validation.TAGGABLE_PROFILE_ARN_PATTERN);
            }
        }
        return arn;
    }

    /**
     * Other Bedrock resource types (custom models, agents, ...) pass the model's full pattern; the emulator has no
     * such resources, so they are not found rather than malformed.
     */
    private static boolean isBedrockArn(String arn) {
        Arns.Parsed parsed = Arns.parse(arn);
        return parsed != null && parsed.service().equals("bedrock") && parsed.partition().startsWith("aws");
    }

    /** An application profile, a system profile, or a 404. */
    private Object resourceByArn(String arn) {
        Arns.Parsed parsed = Arns.parse(arn);
        if (parsed != null && parsed.isLocal(config.region(), config.accountId())) {
            if (parsed.resourceType().equals(Arns.APPLICATION_INFERENCE_PROFILE)) {
                ApplicationProfile p = store.get(parsed.resourceId());
                if (p != null) {
                    return p;
                }
            } else if (parsed.resourceType().equals(Arns.INFERENCE_PROFILE)) {
                Optional<ModelCatalog.SystemProfile> s = catalog.systemProfile(parsed.resourceId());
                if (s.isPresent()) {
                    return s.get();
                }
            }
        }
        throw ApiError.notFound("The resource " + arn + " does not exist.");
    }

    private ApplicationProfile taggable(String arn, String verb) {
        Object resource = resourceByArn(arn);
        if (resource instanceof ModelCatalog.SystemProfile s) {
            throw ApiError.validation("The inference profile " + s.id() + " is system-defined; only application"
                    + " inference profiles can be " + verb + "ged. Create one from it with CreateInferenceProfile.");
        }
        return (ApplicationProfile) resource;
    }

    /** Resolves an {@code inferenceProfileIdentifier} to an {@link ApplicationProfile} or a system profile. */
    private Object profile(String identifier) {
        Validation v = new Validation();
        v.required("inferenceProfileIdentifier", identifier);
        v.text("inferenceProfileIdentifier", identifier, 1, 2048, Validation.PROFILE_IDENTIFIER, false);
        v.throwIfInvalid();
        Object found = null;
        if (identifier.startsWith("arn:")) {
            Arns.Parsed arn = Arns.parse(identifier);
            if (arn != null && arn.isLocal(config.region(), config.accountId())) {
                found = arn.resourceType().equals(Arns.APPLICATION_INFERENCE_PROFILE)
                        ? store.get(arn.resourceId())
                        : catalog.systemProfile(arn.resourceId()).orElse(null);
            }
        } else {
            found = catalog.systemProfile(identifier).map(Object.class::cast).orElseGet(() -> store.get(identifier));
        }
        if (found == null) {
            throw ApiError.notFound("The inference profile " + identifier + " does not exist in " + config.region()
                    + ". See ListInferenceProfiles.");
        }
        return found;
    }

    private ObjectNode render(ApplicationProfile p) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("inferenceProfileName", p.name());
        if (p.description() != null) {
            node.put("description", p.description());
        }
        node.put("createdAt", iso(p.createdAt()));
        node.put("updatedAt", iso(p.updatedAt()));
        node.put("inferenceProfileArn", p.arn());
        ArrayNode models = node.putArray("models");
        p.modelArns().forEach(arn -> models.addObject().put("modelArn", arn));
        node.put("inferenceProfileId", p.id());
        node.put("status", "ACTIVE");
        node.put("type", APPLICATION);
        return node;
    }

    private static ObjectNode render(ModelCatalog.SystemProfile p) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("inferenceProfileName", p.name());
        node.put("description", p.description());
        node.put("createdAt", iso(p.model().publishedAt()));
        node.put("updatedAt", iso(p.model().publishedAt()));
        node.put("inferenceProfileArn", p.arn());
        ArrayNode models = node.putArray("models");
        p.modelArns().forEach(arn -> models.addObject().put("modelArn", arn));
        node.put("inferenceProfileId", p.id());
        node.put("status", "ACTIVE");
        node.put("type", SYSTEM_DEFINED);
        return node;
    }

    private ObjectNode render(ModelCatalog.FoundationModel m) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("modelArn", catalog.modelArn(m));
        node.put("modelId", m.modelId());
        node.put("modelName", m.modelName());
        node.put("providerName", m.providerName());
        ArrayNode in = node.putArray("inputModalities");
        m.inputModalities().forEach(in::add);
        ArrayNode out = node.putArray("outputModalities");
        m.outputModalities().forEach(out::add);
        node.put("responseStreamingSupported", m.streamingSupported());
        node.putArray("customizationsSupported");
        ArrayNode types = node.putArray("inferenceTypesSupported");
        inferenceTypes(m).forEach(types::add);
        node.putObject("modelLifecycle").put("status", "ACTIVE");
        return node;
    }

    private List<String> inferenceTypes(ModelCatalog.FoundationModel m) {
        if (!m.onDemandSupported()) {
            return List.of("INFERENCE_PROFILE");
        }
        return catalog.hasSystemProfile(m) ? List.of("ON_DEMAND", "INFERENCE_PROFILE") : List.of("ON_DEMAND");
    }

    private static String iso(Instant instant) {
        return instant.toString();
    }

    private static String first(Map<String, List<String>> query, String name) {
        List<String> values = query.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }
}
