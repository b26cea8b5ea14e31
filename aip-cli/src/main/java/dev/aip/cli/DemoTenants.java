package dev.aip.cli;

import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.util.ArrayList;
import java.util.List;

/**
 * The demo's sample tenants: a marketing-AI SaaS platform's customers, as in the workshop's labs, across three tiers.
 * Each tier runs on its own model, and each tenant has a campaign brief (the user prompt) and brand guidelines (a
 * long system prompt, cached).
 */
final class DemoTenants {

    /** The logical models of the demo, per tier, and the system profiles their AIPs copy. */
    static final String PREMIUM_MODEL = "claude-sonnet";
    static final String STANDARD_MODEL = "claude-haiku";
    static final String BASIC_MODEL = "nova-lite";

    static final String PREMIUM_SOURCE = "us.anthropic.claude-3-7-sonnet-20250219-v1:0";
    static final String STANDARD_SOURCE = "us.anthropic.claude-3-5-haiku-20241022-v1:0";
    static final String BASIC_SOURCE = "us.amazon.nova-lite-v1:0";

    /**
     * A demo tenant.
     *
     * @param id tenant id
     * @param tier its tier
     * @param businessType written as the {@code BusinessType} tag
     * @param product what its campaigns sell
     * @param audience whom they address
     */
    record Tenant(TenantId id, Tier tier, String businessType, String product, String audience) {

        TenantContext context() {
            return TenantContext.of(id).withTier(tier).withAttribute("BusinessType", businessType);
        }

        String model() {
            return modelOf(tier);
        }

        /** Brand guidelines: long and identical on every call of the tenant, so it is worth caching. */
        String brandGuide() {
            return "You write marketing copy for " + id + ", a " + businessType + " company selling " + product
                    + ". Brand voice: confident, concrete, never hyperbolic; short sentences; active voice. Always"
                    + " name the product, one clear benefit and one call to action. Never promise prices, discounts"
                    + " or delivery dates. Avoid jargon unless the audience uses it daily. Audience: " + audience
                    + ". Legal: no comparative claims against named competitors; no health or financial advice;"
                    + " include the trademark sign on first mention of the product name. Formatting: plain text,"
                    + " no emoji, at most three paragraphs, headline first.";
        }
    }

    private static final Object[][] SAMPLE = {
        {"acme-devops", "premium", "B2B-Tech", "a Kubernetes cost-monitoring add-on", "platform engineering teams"},
        {"greenthread", "standard", "B2C-Retail", "a sustainable spring fashion collection", "eco-minded shoppers"},
        {"urban-roots", "basic", "B2C-Food", "weekly organic vegetable boxes", "busy city households"},
        {"northwind-health", "premium", "Healthcare", "a patient-scheduling platform", "clinic managers"},
        {"pixel-forge", "standard", "Gaming", "a co-op indie game launch", "PC gamers aged 18-35"},
        {"lumen-edu", "basic", "Education", "online data-science courses", "career changers"},
        {"bluefin-bank", "premium", "FinServ", "a small-business current account", "founders of new companies"},
        {"trailhead-gear", "standard", "B2C-Outdoor", "lightweight hiking tents", "weekend hikers"},
        {"quanta-logistics", "standard", "B2B-Logistics", "real-time freight tracking", "supply-chain managers"},
        {"coastal-realty", "basic", "Real-Estate", "seaside holiday apartments", "families planning summer trips"},
        {"orbit-media", "premium", "Media", "a podcast analytics suite", "independent podcasters"},
        {"fern-and-fig", "basic", "B2C-Home", "handmade ceramic tableware", "home cooks"},
    };

    private static final String[] TIERS = {"premium", "standard", "basic"};

    private DemoTenants() {
    }

    /** The first {@code n} sample tenants; beyond the named ones, {@code tenant-NN} with tiers in turn. */
    static List<Tenant> sample(int n) {
        List<Tenant> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            if (i < SAMPLE.length) {
                Object[] s = SAMPLE[i];
                out.add(new Tenant(TenantId.of((String) s[0]), Tier.of((String) s[1]), (String) s[2],
                        (String) s[3], (String) s[4]));
            } else {
                out.add(new Tenant(TenantId.of(String.format("tenant-%02d", i + 1)), Tier.of(TIERS[i % 3]),
                        "B2B-SaaS", "a workflow automation service", "operations teams"));
            }
        }
        return out;
    }

    static String modelOf(Tier tier) {
        if (tier.equals(Tier.PREMIUM)) {
            return PREMIUM_MODEL;
        }
        return tier.equals(Tier.BASIC) ? BASIC_MODEL : STANDARD_MODEL;
    }

    /** How many calls a tenant of the tier makes relative to the others: premium tenants are the busiest. */
    static int weight(Tier tier) {
        if (tier.equals(Tier.PREMIUM)) {
            return 3;
        }
        return tier.equals(Tier.BASIC) ? 1 : 2;
    }

    /** Campaign briefs: the user prompts, varied per call. */
    static final String[] TASKS = {
        "Write a LinkedIn post announcing %s to %s.",
        "Draft three email subject lines for %s, aimed at %s.",
        "Write a 50-word product description of %s for %s.",
        "Suggest a campaign headline and tagline for %s; the audience is %s.",
        "Summarise last month's campaign results for %s in two sentences for %s.",
        "Write a short landing-page hero text for %s that speaks to %s.",
    };
}
