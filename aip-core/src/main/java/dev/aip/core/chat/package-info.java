/**
 * Tenant-aware chat with Bedrock models, free of the AWS SDK.
 *
 * <p>The API: {@link dev.aip.core.chat.ChatClient} with its model ({@link dev.aip.core.chat.ChatRequest},
 * {@link dev.aip.core.chat.ChatMessage}, {@link dev.aip.core.chat.ContentPart}, {@link dev.aip.core.chat.ToolSpec},
 * {@link dev.aip.core.chat.ChatResponse}, {@link dev.aip.core.chat.ChatStreamListener},
 * {@link dev.aip.core.chat.ChatStream}). The implementation: {@link dev.aip.core.chat.ChatPipeline}, which composes
 * resolve, admit, retry and meter around a {@link dev.aip.core.chat.ChatTransport} in that fixed order. Its seams:
 * {@link dev.aip.core.chat.Admission} (governance, including request shaping), {@link dev.aip.core.chat.RetryPolicy}
 * (backoff, deadline, fail-over) and {@link dev.aip.core.chat.FallbackRoutes} (where a call goes when its own
 * profiles fail).
 * {@link dev.aip.core.chat.RequestMetadata} is the one rule for the {@code requestMetadata} every routed call
 * carries. The stages themselves are package-private.
 *
 * <p><b>The engine.</b> {@link dev.aip.core.chat.CallEngine} and its {@link dev.aip.core.chat.LogicalCall} own the
 * lifecycle of every model call on every path: route by the ownership rule, shape and admit once (an
 * {@link dev.aip.core.chat.AdmissionRequest}, never the messages), one metered attempt each, and one release after
 * the last attempt is settled. The pipeline's stages, the SDK interceptor ({@code dev.aip.core.bedrock}) and the
 * Spring AI advisor are its drivers.
 */
@NullMarked
package dev.aip.core.chat;

import org.jspecify.annotations.NullMarked;
