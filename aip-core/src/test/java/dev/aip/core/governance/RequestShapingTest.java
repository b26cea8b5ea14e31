package dev.aip.core.governance;

import static dev.aip.core.governance.Gov.ACME;
import static dev.aip.core.governance.Gov.profile;
import static dev.aip.core.governance.Gov.request;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.PolicyViolationException;
import dev.aip.core.chat.AdmissionRequest;
import dev.aip.core.chat.ChatMessage;
import dev.aip.core.chat.ChatRequest;
import dev.aip.core.chat.InferenceSettings;
import dev.aip.core.tenant.TenantContext;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** The tenant's policy applied to requests: default settings, output cap; and its fallback chain as routes. */
class RequestShapingTest {

    private static final InferenceSettings DEFAULTS = new InferenceSettings(800, 0.3f, 0.9f, List.of("END"));

    private static Governance governance(TenantPolicy policy) {
        return Governance.builder().policies(PolicySet.of(policy)).priceCatalog(Gov.PRICES)
                .ticker(new Gov.ManualTicker()).build();
    }

    /** A chat request as the pipeline asks for fallbacks with. */
    private static ChatRequest chat(int inputTokens, Integer maxTokens) {
        InferenceSettings settings = maxTokens == null ? InferenceSettings.DEFAULTS
                : InferenceSettings.DEFAULTS.withMaxTokens(maxTokens);
        return ChatRequest.builder().model(Gov.MODEL).message(ChatMessage.user("x".repeat(inputTokens * 4)))
                .settings(settings).build();
    }

    @Test
    void shape_fillsEveryUnsetSettingFromTheDefaults_andKeepsTheRequestsOwn() {
        Governance g = governance(TenantPolicy.builder().defaultSettings(DEFAULTS).build());
        AdmissionRequest asked = request(10, null).withSettings(InferenceSettings.DEFAULTS.withTemperature(0.7f));

        AdmissionRequest shaped = g.shape(ACME, asked);

        assertThat(shaped.settings()).isEqualTo(new InferenceSettings(800, 0.7f, 0.9f, List.of("END")));
        assertThat(shaped.estimatedInputTokens()).isEqualTo(asked.estimatedInputTokens());
        assertThat(shaped.model()).isEqualTo(asked.model());
    }

    @Test
    void shape_withoutMaxTokens_sendsTheCap_orTheDefaultIfLower() {
        assertThat(governance(TenantPolicy.builder().maxOutputTokens(300).build()).shape(ACME, request(10, null))
                .settings().maxTokens()).isEqualTo(300);
        assertThat(governance(TenantPolicy.builder().maxOutputTokens(300).defaultSettings(DEFAULTS).build())
                .shape(ACME, request(10, null)).settings().maxTokens()).isEqualTo(300);
        assertThat(governance(TenantPolicy.builder().maxOutputTokens(1000).defaultSettings(DEFAULTS).build())
                .shape(ACME, request(10, null)).settings().maxTokens()).isEqualTo(800);
    }

    @Test
    void shape_keepsAnExplicitMaxTokens_andAdmissionRefusesItAboveTheCap() {
        Governance g = governance(TenantPolicy.builder().maxOutputTokens(300).build());
        AdmissionRequest shaped = g.shape(ACME, request(10, 500));

        assertThat(shaped.settings().maxTokens()).isEqualTo(500);
        assertThatThrownBy(() -> g.admit(ACME, shaped, profile(ACME))).isInstanceOf(PolicyViolationException.class);
    }

    @Test
    void shape_withNothingToApply_returnsTheSameRequest() {
        AdmissionRequest asked = request(10, 50);
        assertThat(governance(TenantPolicy.EMPTY).shape(ACME, asked)).isSameAs(asked);
        assertThat(governance(TenantPolicy.builder().maxOutputTokens(300).build()).shape(ACME, asked))
                .isSameAs(asked);
    }

    @Test
    void shape_followsTheLayers_tenantOverTierOverDefault() {
        PolicySet set = PolicySet.builder()
                .defaults(TenantPolicy.builder().defaultSettings(DEFAULTS).build())
                .tier(Tier.PREMIUM, TenantPolicy.builder().maxOutputTokens(100).build())
                .tenant(TenantId.of("vip"), TenantPolicy.builder()
                        .defaultSettings(InferenceSettings.DEFAULTS.withTemperature(0f)).build())
                .build();
        Governance g = Governance.builder().policies(set).priceCatalog(Gov.PRICES).build();

        TenantContext premium = new TenantContext(TenantId.of("p"), Tier.PREMIUM, Map.of());
        TenantContext vip = TenantContext.of("vip");
        assertThat(g.shape(premium, request(1, null)).settings())
                .isEqualTo(new InferenceSettings(100, 0.3f, 0.9f, List.of("END")));
        assertThat(g.shape(vip, request(1, null)).settings())
                .isEqualTo(new InferenceSettings(null, 0f, null, List.of()));
    }

    @Test
    void admit_ofTheShapedRequest_reservesTheCapThatIsSent() {
        Governance g = Governance.builder().policies(PolicySet.of(TenantPolicy.builder().maxOutputTokens(300)
                .tokensPerMinute(10_000L).build())).priceCatalog(Gov.PRICES).ticker(new Gov.ManualTicker()).build();

        AdmissionRequest shaped = g.shape(ACME, request(100, null));
        g.admit(ACME, shaped, profile(ACME));

        assertThat(shaped.settings().maxTokens()).isEqualTo(300);
        assertThat(g.availableTokens(ACME)).isEqualTo(10_000 - 100 - 300);
    }

    @Test
    void fallbackRoutes_readTheTenantsChainFromTheCurrentPolicies() {
        PolicyStore store = PolicyStore.of(PolicySet.builder()
                .tenant(ACME.id(), TenantPolicy.builder().fallbackChain(List.of("claude-sonnet", "arn:x")).build())
                .build());
        Governance g = Governance.builder().policies(store).build();
        PolicyRoutes routes = g.fallbackRoutes();

        assertThat(routes.fallbacks(ACME, chat(1, null), profile(ACME))).containsExactly("claude-sonnet", "arn:x");
        assertThat(routes.fallbacks(TenantContext.of("other"), chat(1, null), profile(ACME))).isEmpty();

        store.replace(PolicySet.of(TenantPolicy.builder().fallbackChain(List.of("claude-haiku")).build()));
        assertThat(routes.fallbacks(ACME, chat(1, null), profile(ACME))).containsExactly("claude-haiku");
    }

    @Test
    void fallbackRoutes_leaveOutModelsThePolicyDoesNotAllow() {
        Governance g = Governance.builder().policies(PolicySet.of(TenantPolicy.builder()
                .allowedModels("claude-haiku", "claude-sonnet")
                .fallbackChain(List.of("claude-opus", "claude-sonnet", "arn:aws:bedrock:us-east-1:1:x/y")).build()))
                .build();

        assertThat(g.fallbackRoutes().fallbacks(ACME, chat(1, null), profile(ACME)))
                .containsExactly("claude-sonnet", "arn:aws:bedrock:us-east-1:1:x/y");
    }

    /** Shaping never lowers or raises what the request set, and never leaves maxTokens above the cap it chose. */
    @Property(tries = 300)
    void shape_neverOverridesTheRequest_andFillsMaxTokensWithinTheCap(
            @ForAll @IntRange(min = 0, max = 5000) int asked,
            @ForAll @IntRange(min = 0, max = 5000) int cap,
            @ForAll @IntRange(min = 0, max = 5000) int byDefault) {
        TenantPolicy.Builder policy = TenantPolicy.builder();
        if (cap > 0) {
            policy.maxOutputTokens(cap);
        }
        if (byDefault > 0) {
            policy.defaultSettings(InferenceSettings.DEFAULTS.withMaxTokens(byDefault));
        }
        Integer sent = RequestShaping.settings(policy.build(),
                asked > 0 ? InferenceSettings.DEFAULTS.withMaxTokens(asked) : InferenceSettings.DEFAULTS).maxTokens();

        if (asked > 0) {
            assertThat(sent).isEqualTo(asked);
        } else if (cap > 0) {
            assertThat(sent).isEqualTo(byDefault > 0 ? Math.min(cap, byDefault) : cap);
        } else {
            assertThat(sent).isEqualTo(byDefault > 0 ? byDefault : null);
        }
    }
}
