package dev.aip.core.profile;

import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.util.Map;

/**
 * Builds the create requests of managed profiles from the routes, tag schema and name template, so that the
 * resolvers and the lifecycle create identical profiles (same name, tags and token) for the same tenant and model.
 * Immutable.
 */
final class ProfileSpecs {

    final ModelRoutes routes;
    final TagSchema schema;
    final ProfileNameTemplate names;

    ProfileSpecs(ModelRoutes routes, TagSchema schema, ProfileNameTemplate names) {
        this.routes = routes;
        this.schema = schema;
        this.names = names;
    }

    NewProfile forTenant(TenantId tenant, Tier tier, String logicalModel, Map<String, String> extraTags) {
        String copyFrom = routes.copyFrom(logicalModel);
        return new NewProfile(names.render(tenant, tier, logicalModel),
                description("aip tenant " + tenant.value() + " model " + logicalModel), copyFrom,
                schema.tagsFor(tenant, tier, logicalModel, extraTags),
                RequestTokens.forTenant(tenant.value(), logicalModel, copyFrom));
    }

    NewProfile forPool(Tier tier, String logicalModel) {
        String copyFrom = routes.copyFrom(logicalModel);
        return new NewProfile(ProfileNameTemplate.renderPool(tier, logicalModel),
                description("aip pool " + tier.name() + " model " + logicalModel), copyFrom,
                schema.poolTagsFor(tier, logicalModel), RequestTokens.forPool(tier, logicalModel, copyFrom));
    }

    /**
     * The same request under a name derived from its token: for a profile that replaces one of the same name
     * (Bedrock may refuse a second profile with a name in use). It gets its own token, since a token reused with
     * other parameters is a conflict.
     */
    static NewProfile renamed(NewProfile p) {
        return new NewProfile(ProfileNameTemplate.fit(p.name() + "." + p.clientRequestToken()), p.description(),
                p.copyFrom(), p.tags(), RequestTokens.renamed(p.clientRequestToken()));
    }

    /** Fits free text to Bedrock's description pattern; {@code null} if nothing usable is left. */
    static String description(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length() && out.length() < Constraints.MAX_DESCRIPTION_LENGTH; i++) {
            char c = text.charAt(i);
            boolean body = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == ':'
                    || c == '.';
            if (body) {
                out.append(c);
            } else if (out.length() > 0 && !isSeparator(out.charAt(out.length() - 1))) {
                out.append(c == ' ' || c == '_' || c == '-' ? c : ' ');
            }
        }
        String s = out.toString().strip();
        while (!s.isEmpty() && isSeparator(s.charAt(s.length() - 1))) {
            s = s.substring(0, s.length() - 1);
        }
        return !s.isEmpty() && Constraints.DESCRIPTION.matcher(s).matches() ? s : null;
    }

    private static boolean isSeparator(char c) {
        return c == ' ' || c == '_' || c == '-';
    }
}
