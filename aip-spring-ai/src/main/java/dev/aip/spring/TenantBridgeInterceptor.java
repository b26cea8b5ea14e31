package dev.aip.spring;

import dev.aip.core.bedrock.TenantRoutingInterceptor;
import dev.aip.core.chat.LogicalCall;
import dev.aip.core.chat.RequestMetadata;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.TenantScope;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;

/**
 * Runs before {@link TenantRoutingInterceptor} on aip's clients and carries what Spring AI cannot pass to the SDK
 * across the threads Reactor hops to (a streaming tool loop continues on another scheduler, where no
 * {@link TenantScope} is set):
 * <ul>
 *   <li>the <b>tenant</b>: when no scope is set, the {@value RequestMetadata#TENANT_KEY} entry that aip's advisor and
 *       chat model put in the prompt's user-message metadata (Spring AI sends it as {@code requestMetadata}) is
 *       looked up in the {@link TenantDirectory}, so the call keeps its tenant's tier and attributes;</li>
 *   <li>the <b>cover</b> of a ChatClient call admitted once by {@link TenantAdvisor}: the
 *       {@value #COVER_KEY} entry is taken out of the request (it never reaches Bedrock), the open call it names is
 *       looked up in the {@link AdmissionGate} and handed to the routing interceptor as the request's
 *       {@link TenantRoutingInterceptor#COVER} execution attribute.</li>
 * </ul>
 *
 * <p>Thread-safe.
 */
final class TenantBridgeInterceptor implements ExecutionInterceptor {

    /** The user-message metadata key that names a covered ChatClient call. */
    static final String COVER_KEY = "aipCover";

    private final TenantDirectory tenants;
    private final AdmissionGate gate;

    TenantBridgeInterceptor(TenantDirectory tenants, AdmissionGate gate) {
        this.tenants = tenants;
        this.gate = gate;
    }

    @Override
    public void beforeExecution(Context.BeforeExecution context, ExecutionAttributes attributes) {
        if (TenantScope.current().isPresent() || attributes.getAttribute(TenantRoutingInterceptor.TENANT) != null) {
            return;
        }
        String id = metadata(context.request()).get(RequestMetadata.TENANT_KEY);
        if (id != null) {
            TenantContext tenant = tenants.contextOf(TenantId.of(id));
            attributes.putAttribute(TenantRoutingInterceptor.TENANT, tenant);
        }
    }

    @Override
    public SdkRequest modifyRequest(Context.ModifyRequest context, ExecutionAttributes attributes) {
        SdkRequest request = context.request();
        Map<String, String> metadata = metadata(request);
        String cover = metadata.get(COVER_KEY);
        if (cover == null) {
            return request;
        }
        LogicalCall covering = gate == null ? null : gate.cover(cover);
        if (covering != null) {
            attributes.putAttribute(TenantRoutingInterceptor.COVER, covering);
        }
        Map<String, String> rest = new LinkedHashMap<>(metadata);
        rest.remove(COVER_KEY);
        if (request instanceof ConverseRequest r) {
            return r.toBuilder().requestMetadata(rest).build();
        }
        return ((ConverseStreamRequest) request).toBuilder().requestMetadata(rest).build();
    }

    private static Map<String, String> metadata(SdkRequest request) {
        if (request instanceof ConverseRequest r && r.hasRequestMetadata()) {
            return r.requestMetadata();
        }
        if (request instanceof ConverseStreamRequest r && r.hasRequestMetadata()) {
            return r.requestMetadata();
        }
        return Map.of();
    }
}
