package dev.aip.core.chat;

import dev.aip.core.metering.UsageMeter;
import dev.aip.core.metering.UsageRecord;
import dev.aip.core.profile.ResolvedProfile;
import dev.aip.core.profile.TenantProfileResolver;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import java.util.List;

/** Shared values and fakes for the chat tests. */
final class Fixtures {

    static final String SONNET = "anthropic.claude-3-7-sonnet-20250219-v1:0";

    private Fixtures() {
    }

    static String arn(String tenant) {
        return "arn:aws:bedrock:us-east-1:123456789012:application-inference-profile/" + tenant + "prof";
    }

    static ResolvedProfile profile(TenantId tenant, String model) {
        return new ResolvedProfile(tenant, model, arn(tenant.value()), tenant.value() + "prof", SONNET, "us-east-1",
                false);
    }

    /** Each tenant gets its own profile; writes "resolve" into the journal. */
    static TenantProfileResolver resolver(List<String> journal) {
        return (TenantContext tenant, String model) -> {
            journal.add("resolve " + tenant.id());
            return profile(tenant.id(), model);
        };
    }

    static UsageMeter meter(List<String> journal, List<UsageRecord> records) {
        return UsageMeter.builder().sink(r -> {
            journal.add("record#" + r.attempt() + " " + r.outcome());
            records.add(r);
        }).region("us-east-1").build();
    }

    static ChatRequest request() {
        return ChatRequest.builder().model("claude-sonnet").message(ChatMessage.user("Hello there")).build();
    }
}
