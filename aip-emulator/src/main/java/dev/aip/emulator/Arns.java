package dev.aip.emulator;

import java.util.Objects;

/** Builds and splits the Bedrock ARNs the emulator deals in. Stateless. */
final class Arns {

    static final String FOUNDATION_MODEL = "foundation-model";
    static final String INFERENCE_PROFILE = "inference-profile";
    static final String APPLICATION_INFERENCE_PROFILE = "application-inference-profile";

    private Arns() {
    }

    /** {@code arn:aws:bedrock:{region}::foundation-model/{modelId}}: foundation models have no account. */
    static String foundationModel(String region, String modelId) {
        return "arn:aws:bedrock:" + region + "::" + FOUNDATION_MODEL + "/" + modelId;
    }

    /** {@code arn:aws:bedrock:{region}:{account}:inference-profile/{id}}, a system-defined profile. */
    static String systemProfile(String region, String accountId, String profileId) {
        return "arn:aws:bedrock:" + region + ":" + accountId + ":" + INFERENCE_PROFILE + "/" + profileId;
    }

    /** {@code arn:aws:bedrock:{region}:{account}:application-inference-profile/{id}}. */
    static String applicationProfile(String region, String accountId, String profileId) {
        return applicationProfilePrefix(region, accountId) + profileId;
    }

    /** Everything of an application profile ARN up to and including the {@code /} before the id. */
    static String applicationProfilePrefix(String region, String accountId) {
        return "arn:aws:bedrock:" + region + ":" + accountId + ":" + APPLICATION_INFERENCE_PROFILE + "/";
    }

    /**
     * Splits {@code arn:partition:service:region:account:type/id}. The id may itself contain {@code :} (model
     * versions such as {@code v1:0}), so only the first five colons and the first slash separate fields.
     *
     * @return the parts, or {@code null} if {@code arn} does not have that shape
     */
    static Parsed parse(String arn) {
        if (arn == null || !arn.startsWith("arn:")) {
            return null;
        }
        String[] parts = arn.split(":", 6);
        if (parts.length != 6) {
            return null;
        }
        String resource = parts[5];
        int slash = resource.indexOf('/');
        if (slash <= 0 || slash == resource.length() - 1) {
            return null;
        }
        return new Parsed(parts[1], parts[2], parts[3], parts[4], resource.substring(0, slash),
                resource.substring(slash + 1));
    }

    /** The fields of an ARN. Immutable. */
    record Parsed(String partition, String service, String region, String account, String resourceType,
                  String resourceId) {
        Parsed {
            Objects.requireNonNull(partition, "partition");
            Objects.requireNonNull(service, "service");
            Objects.requireNonNull(region, "region");
            Objects.requireNonNull(account, "account");
            Objects.requireNonNull(resourceType, "resourceType");
            Objects.requireNonNull(resourceId, "resourceId");
        }

        /** Whether this ARN names something in the emulated partition, region and (when it has one) account. */
        boolean isLocal(String region, String accountId) {
            return partition.equals("aws") && service.equals("bedrock") && this.region.equals(region)
                    && (account.isEmpty() || account.equals(accountId));
        }
    }
}
