package dev.aip.examples;

import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import java.util.Locale;

/**
 * The workshop's marketing tools (Lab 4), pure and simulated: canned audience profiles, fixed channel splits and an
 * ROI calculation. An ROI without conversions is an error, which the agent sees as a failed tool call.
 *
 * <p>Stateless and thread-safe.
 */
final class MarketingTools {

    @Tool(name = "analyze_target_audience", value = "Analyses the target audience of a campaign: demographics,"
            + " psychographics and where they spend their time")
    String analyzeTargetAudience(
            @P(name = "business_type", value = "B2B or B2C") String businessType,
            @P(name = "product_category", value = "what is sold, e.g. DevOps observability") String productCategory,
            @P(name = "age_range", value = "age range, e.g. 25-45", required = false) String ageRange) {
        String ages = ageRange == null || ageRange.isBlank() ? "25-45" : ageRange;
        if (isB2b(businessType)) {
            return "Audience for " + productCategory + ": technical decision makers aged " + ages + " (CTOs, VPs of"
                    + " engineering, platform leads) at 200-2,000 person companies; value reliability and proof;"
                    + " research on LinkedIn, technical blogs and peer reviews; 3-6 month buying cycle.";
        }
        return "Audience for " + productCategory + ": consumers aged " + ages + ", mostly women, urban, mid to high"
                + " income; value sustainability and style; discover on Instagram and TikTok, trust creators and"
                + " reviews; buy on mobile, often on impulse after social proof.";
    }

    @Tool(name = "recommend_marketing_channels", value = "Recommends how to split a campaign budget across"
            + " marketing channels")
    String recommendMarketingChannels(
            @P(name = "business_type", value = "B2B or B2C") String businessType,
            @P(name = "budget", value = "total budget in US dollars") int budget,
            @P(name = "campaign_duration", value = "campaign length in weeks") int campaignDuration) {
        if (budget <= 0 || campaignDuration <= 0) {
            throw new IllegalArgumentException("budget and campaign_duration must be positive, were " + budget
                    + " and " + campaignDuration);
        }
        String[][] split = isB2b(businessType)
                ? new String[][] {{"LinkedIn", "40"}, {"content marketing", "30"}, {"events", "20"}, {"email", "10"}}
                : new String[][] {{"social media", "35"}, {"influencers", "25"}, {"Google Ads", "20"},
                    {"email and SMS", "15"}, {"content", "5"}};
        StringBuilder out = new StringBuilder("Over " + campaignDuration + " weeks:");
        for (String[] channel : split) {
            int share = Integer.parseInt(channel[1]);
            out.append(String.format(Locale.ROOT, " %s %d%% ($%,d);", channel[0], share, budget * share / 100));
        }
        return out.toString();
    }

    @Tool(name = "calculate_campaign_roi", value = "Calculates a campaign's expected revenue, ROI and cost per"
            + " acquisition")
    String calculateCampaignRoi(
            @P(name = "budget", value = "total budget in US dollars") double budget,
            @P(name = "expected_conversions", value = "expected number of conversions") int expectedConversions,
            @P(name = "avg_customer_value", value = "average value of a customer in US dollars")
            double avgCustomerValue) {
        if (budget <= 0 || expectedConversions <= 0) {
            throw new IllegalArgumentException("cannot compute an ROI from a budget of " + budget + " and "
                    + expectedConversions + " expected conversions; both must be positive");
        }
        double revenue = expectedConversions * avgCustomerValue;
        return String.format(Locale.ROOT, "Revenue $%,.0f; ROI %.0f%%; cost per acquisition $%,.2f; revenue"
                + " multiple %.1fx", revenue, (revenue - budget) / budget * 100, budget / expectedConversions,
                revenue / budget);
    }

    private static boolean isB2b(String businessType) {
        return businessType != null && businessType.toUpperCase(Locale.ROOT).contains("B2B");
    }
}
