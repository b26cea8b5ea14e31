/**
 * The Amazon Bedrock binding, the only package of {@code aip-core} that uses the AWS SDK.
 *
 * <p>{@link dev.aip.core.bedrock.BedrockChatTransport} is the Converse / ConverseStream terminal of the chat
 * pipeline; {@link dev.aip.core.bedrock.TenantRoutingInterceptor} gives plain SDK clients (and the frameworks
 * that use them) the same routing and metering. Both meter through one {@link dev.aip.core.metering.UsageMeter}, so
 * they
 * produce the same usage records. {@link dev.aip.core.bedrock.BedrockInferenceProfileApi} is the control-plane
 * binding used by profile resolution and lifecycle. {@link dev.aip.core.bedrock.CountTokensRequests} builds
 * Bedrock {@code CountTokens} requests from chat requests with the transport's own Converse mapping.
 */
@NullMarked
package dev.aip.core.bedrock;

import org.jspecify.annotations.NullMarked;
