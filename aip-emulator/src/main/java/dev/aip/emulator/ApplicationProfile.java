package dev.aip.emulator;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One application inference profile as the control plane holds it. A tag change produces a new value; the old one
 * stays a consistent snapshot. Immutable.
 *
 * @param sequence creation order, unique and increasing over the emulator's life; the listing order
 * @param id 12 lowercase alphanumeric characters, never reused
 * @param arn {@code arn:aws:bedrock:{region}:{account}:application-inference-profile/{id}}
 * @param name unique among live profiles
 * @param description or {@code null}
 * @param copiedFrom the {@code modelSource.copyFrom} ARN it was created from
 * @param model the foundation model that answers its calls
 * @param modelArns the foundation-model ARNs it routes to, copied from the source
 * @param tags key to value, in the order the keys were first set
 * @param createdAt creation time
 * @param updatedAt last change of the profile's own attributes (tags are not among them)
 */
record ApplicationProfile(long sequence, String id, String arn, String name, String description, String copiedFrom,
                          ModelCatalog.FoundationModel model, List<String> modelArns, Map<String, String> tags,
                          Instant createdAt, Instant updatedAt) {

    ApplicationProfile {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(arn, "arn");
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(copiedFrom, "copiedFrom");
        Objects.requireNonNull(model, "model");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(updatedAt, "updatedAt");
        modelArns = List.copyOf(modelArns);
        tags = Collections.unmodifiableMap(new LinkedHashMap<>(tags));
    }

    ApplicationProfile withTags(Map<String, String> newTags) {
        return new ApplicationProfile(sequence, id, arn, name, description, copiedFrom, model, modelArns, newTags,
                createdAt, updatedAt);
    }
}
