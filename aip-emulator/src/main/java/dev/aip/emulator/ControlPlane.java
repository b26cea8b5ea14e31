package dev.aip.emulator;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;

/**
 * The {@code bedrock} control plane: inference profiles, tags and the foundation-model catalog. Thread-safe.
 * Every method validates its input as AWS does and throws {@link ApiError} with the status and code AWS uses.
 */
final class ControlPlane {

    ControlPlane(EmulatorConfig config) {
    }

    /** CreateInferenceProfile; the response body of the 201. */
    ObjectNode createInferenceProfile(ObjectNode body) {
        throw new UnsupportedOperationException("CreateInferenceProfile");
    }

    /** GetInferenceProfile by ARN or id (application or system-defined). */
    ObjectNode getInferenceProfile(String identifier) {
        throw new UnsupportedOperationException("GetInferenceProfile");
    }

    /** ListInferenceProfiles with {@code maxResults}, {@code nextToken} and {@code type} query parameters. */
    ObjectNode listInferenceProfiles(Map<String, List<String>> query) {
        throw new UnsupportedOperationException("ListInferenceProfiles");
    }

    void deleteInferenceProfile(String identifier) {
        throw new UnsupportedOperationException("DeleteInferenceProfile");
    }

    void tagResource(ObjectNode body) {
        throw new UnsupportedOperationException("TagResource");
    }

    void untagResource(ObjectNode body) {
        throw new UnsupportedOperationException("UntagResource");
    }

    ObjectNode listTagsForResource(ObjectNode body) {
        throw new UnsupportedOperationException("ListTagsForResource");
    }

    ObjectNode listFoundationModels(Map<String, List<String>> query) {
        throw new UnsupportedOperationException("ListFoundationModels");
    }

    ObjectNode getFoundationModel(String identifier) {
        throw new UnsupportedOperationException("GetFoundationModel");
    }

    /**
     * Resolves a runtime {@code modelId} (foundation model id or ARN, system profile id or ARN, application profile
     * ARN or id).
     *
     * @throws ApiError 400 {@code ValidationException} "The provided model identifier is invalid." for unknown or
     *     deleted ids, as AWS answers
     */
    RuntimeTarget resolveRuntimeTarget(String modelId) {
        throw new UnsupportedOperationException("resolveRuntimeTarget");
    }
}
