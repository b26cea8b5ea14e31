package dev.aip.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.aip.core.profile.DesiredProfile;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TenantsFileTest {

    @TempDir
    Path dir;

    @Test
    void read_csvWithTagsCommentsBlankLinesAndQuotes_givesDesiredProfilesWithTheirLines() throws IOException {
        Path file = write("t.csv", """
                # tenants of the marketing platform
                Tenant, Tier, Model, Tags

                acme,premium,claude-sonnet,"CostCenter=cc-17;Environment=production"
                globex,basic,nova-lite,
                """);

        List<TenantsFile.Entry> entries = TenantsFile.read(file);

        assertThat(entries).extracting(TenantsFile.Entry::line).containsExactly(4, 5);
        assertThat(entries.get(0).profile()).isEqualTo(new DesiredProfile(TenantId.of("acme"), Tier.PREMIUM,
                "claude-sonnet", Map.of("CostCenter", "cc-17", "Environment", "production")));
        assertThat(entries.get(1).profile()).isEqualTo(DesiredProfile.of(TenantId.of("globex"), Tier.BASIC,
                "nova-lite"));
    }

    @Test
    void read_csvColumnsInAnotherOrderWithoutTags_mapsByHeader() throws IOException {
        Path file = write("t.csv", "model,tenant,tier\nclaude-haiku,acme,standard\n");

        assertThat(TenantsFile.read(file)).extracting(TenantsFile.Entry::profile)
                .containsExactly(DesiredProfile.of(TenantId.of("acme"), Tier.STANDARD, "claude-haiku"));
    }

    @Test
    void read_yamlWithTagMap_givesDesiredProfiles() throws IOException {
        Path file = write("t.yml", """
                # tenants
                - tenant: acme
                  tier: premium
                  model: claude-sonnet
                  tags:
                    CostCenter: cc-17
                - {tenant: globex, tier: basic, model: nova-lite}
                """);

        List<TenantsFile.Entry> entries = TenantsFile.read(file);

        assertThat(entries).extracting(TenantsFile.Entry::line).containsExactly(2, 7);
        assertThat(entries.get(0).profile().extraTags()).containsExactly(Map.entry("CostCenter", "cc-17"));
        assertThat(entries.get(1).profile().tenant()).isEqualTo(TenantId.of("globex"));
    }

    @Test
    void read_unknownCsvColumn_namesIt() throws IOException {
        Path file = write("t.csv", "tenant,tier,model,owner\n");

        assertThatThrownBy(() -> TenantsFile.read(file)).isInstanceOf(CliException.class)
                .hasMessage(file + ":1: unknown column 'owner'; the header names the columns tenant,tier,model[,tags]");
    }

    @Test
    void read_tooManyCsvFields_saysToQuote() throws IOException {
        Path file = write("t.csv", "tenant,tier,model\nacme,premium,claude-haiku,extra\n");

        assertThatThrownBy(() -> TenantsFile.read(file)).hasMessageStartingWith(file + ":2: 4 fields, but the header"
                + " names 3");
    }

    @Test
    void read_invalidTagKey_namesTheTagsField() throws IOException {
        Path file = write("t.csv", "tenant,tier,model,tags\nacme,premium,claude-haiku,bad key!=x\n");

        assertThatThrownBy(() -> TenantsFile.read(file)).hasMessageStartingWith(file + ":2: field 'tags': ");
    }

    @Test
    void read_emptyTier_namesTheField() throws IOException {
        Path file = write("t.csv", "tenant,tier,model\nacme,,claude-haiku\n");

        assertThatThrownBy(() -> TenantsFile.read(file)).hasMessage(file + ":2: field 'tier' is empty");
    }

    @Test
    void read_headerOnly_saysItListsNoTenants() throws IOException {
        Path file = write("t.csv", "tenant,tier,model\n");

        assertThatThrownBy(() -> TenantsFile.read(file)).hasMessage(file + ": lists no tenants");
    }

    @Test
    void read_yamlNotAList_saysWhatIsExpected() throws IOException {
        Path file = write("t.yaml", "tenant: acme\n");

        assertThatThrownBy(() -> TenantsFile.read(file)).hasMessageStartingWith(file + ":1: expected a list of");
    }

    @Test
    void read_yamlUnknownField_namesIt() throws IOException {
        Path file = write("t.yaml", "- tenant: acme\n  tier: premium\n  modle: claude-haiku\n");

        assertThatThrownBy(() -> TenantsFile.read(file)).hasMessage(file + ":1: unknown field 'modle'; entries have"
                + " tenant, tier, model and tags");
    }

    private Path write(String name, String text) throws IOException {
        return Files.writeString(dir.resolve(name), text);
    }
}
