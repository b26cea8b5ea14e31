package dev.aip.core.bedrock;

import dev.aip.core.profile.ControlPlaneFailure;
import java.io.IOException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.bedrock.model.ConflictException;
import software.amazon.awssdk.services.bedrock.model.InternalServerException;
import software.amazon.awssdk.services.bedrock.model.ResourceNotFoundException;
import software.amazon.awssdk.services.bedrock.model.ServiceQuotaExceededException;
import software.amazon.awssdk.services.bedrock.model.ThrottlingException;
import software.amazon.awssdk.services.bedrock.model.TooManyTagsException;
import software.amazon.awssdk.services.bedrock.model.ValidationException;

/** Maps control-plane exceptions of the SDK to {@link ControlPlaneFailure}. Stateless. */
final class ProfileErrors {

    private ProfileErrors() {
    }

    static ControlPlaneFailure classify(RuntimeException e) {
        if (e instanceof ThrottlingException) {
            return ControlPlaneFailure.THROTTLED;
        }
        if (e instanceof ServiceQuotaExceededException) {
            return ControlPlaneFailure.QUOTA_EXCEEDED;
        }
        if (e instanceof ConflictException) {
            return ControlPlaneFailure.CONFLICT;
        }
        if (e instanceof ResourceNotFoundException) {
            return ControlPlaneFailure.NOT_FOUND;
        }
        if (e instanceof ValidationException || e instanceof TooManyTagsException) {
            return ControlPlaneFailure.VALIDATION;
        }
        if (e instanceof InternalServerException) {
            return ControlPlaneFailure.UNAVAILABLE;
        }
        if (e instanceof AwsServiceException) {
            AwsServiceException service = (AwsServiceException) e;
            if (service.isThrottlingException() || service.statusCode() == 429) {
                return ControlPlaneFailure.THROTTLED;
            }
            if (service.statusCode() >= 500) {
                return ControlPlaneFailure.UNAVAILABLE;
            }
            return ControlPlaneFailure.OTHER;
        }
        if (e instanceof SdkClientException) {
            for (Throwable c = e; c != null; c = c.getCause()) {
                if (c instanceof IOException) {
                    return ControlPlaneFailure.UNAVAILABLE;
                }
            }
            return ((SdkClientException) e).retryable() ? ControlPlaneFailure.UNAVAILABLE : ControlPlaneFailure.OTHER;
        }
        return ControlPlaneFailure.OTHER;
    }
}
