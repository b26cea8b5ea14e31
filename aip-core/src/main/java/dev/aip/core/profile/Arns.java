package dev.aip.core.profile;

import java.util.Set;

/**
 * Reads the parts of Bedrock ARNs and model ids. ARN layout: {@code arn:PARTITION:bedrock:REGION:ACCOUNT:TYPE/ID};
 * foundation-model ARNs have an empty account. Stateless.
 */
final class Arns {

    /**
     * Geography prefixes of system-defined (cross-Region) inference profile ids, e.g. {@code us.} in
     * {@code us.anthropic.claude-3-7-sonnet-20250219-v1:0}. No model provider uses one of these as its name.
     */
    static final Set<String> GEO_PREFIXES = Set.of("us", "eu", "apac", "global", "us-gov", "jp", "au", "ca");

    private Arns() {
    }

    static boolean isArn(String s) {
        return s.startsWith("arn:");
    }

    /** The region field, e.g. {@code us-east-1}; empty if absent. */
    static String region(String arn) {
        return field(arn, 3);
    }

    static String account(String arn) {
        return field(arn, 4);
    }

    static String partition(String arn) {
        return field(arn, 1);
    }

    /** The resource type, e.g. {@code application-inference-profile}. */
    static String resourceType(String arn) {
        String resource = resource(arn);
        int slash = resource.indexOf('/');
        return slash < 0 ? resource : resource.substring(0, slash);
    }

    /** The part after the first {@code /} of the resource: the profile or model id. */
    static String resourceId(String arn) {
        String resource = resource(arn);
        int slash = resource.indexOf('/');
        return slash < 0 ? resource : resource.substring(slash + 1);
    }

    /** The id of an ARN, or the identifier itself when it is not an ARN. */
    static String idOf(String arnOrId) {
        return isArn(arnOrId) ? resourceId(arnOrId) : arnOrId;
    }

    /** True for a system-defined profile id such as {@code us.anthropic.claude-3-5-haiku-20241022-v1:0}. */
    static boolean isSystemProfileId(String id) {
        int dot = id.indexOf('.');
        return dot > 0 && id.indexOf('.', dot + 1) > 0 && GEO_PREFIXES.contains(id.substring(0, dot));
    }

    /**
     * The foundation model id behind a model id, foundation-model ARN, system profile id or system profile ARN:
     * the resource id with any geography prefix removed.
     */
    static String foundationModelId(String modelIdOrArn) {
        String id = idOf(modelIdOrArn);
        return isSystemProfileId(id) ? id.substring(id.indexOf('.') + 1) : id;
    }

    private static String resource(String arn) {
        int colons = 0;
        for (int i = 0; i < arn.length(); i++) {
            if (arn.charAt(i) == ':' && ++colons == 5) {
                return arn.substring(i + 1);
            }
        }
        return "";
    }

    private static String field(String arn, int index) {
        String[] parts = arn.split(":", 6);
        return parts.length > index && index < 5 ? parts[index] : "";
    }
}
