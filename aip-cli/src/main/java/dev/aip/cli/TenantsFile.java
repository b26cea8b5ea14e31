package dev.aip.cli;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.aip.core.InvalidTenantIdException;
import dev.aip.core.profile.DesiredProfile;
import dev.aip.core.tenant.TenantId;
import dev.aip.core.tenant.Tier;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * A tenants file: the desired profiles, one per tenant and model.
 *
 * <p>CSV ({@code .csv}, or anything not YAML), with a header naming the columns {@code tenant}, {@code tier},
 * {@code model} and optionally {@code tags}, in any order; tags as {@code key=value;key=value}. Empty lines and lines
 * starting with {@code #} are skipped.
 * <pre>
 * tenant,tier,model,tags
 * acme,premium,claude-sonnet,CostCenter=cc-17;Environment=production
 * globex,basic,nova-lite,
 * </pre>
 *
 * <p>YAML ({@code .yaml}, {@code .yml}): a list of maps with the same keys; {@code tags} is a map.
 * <pre>
 * - tenant: acme
 *   tier: premium
 *   model: claude-sonnet
 *   tags: {CostCenter: cc-17}
 * </pre>
 *
 * <p>Every problem is reported as {@code FILE:LINE: field 'NAME': what is wrong}, so it can be fixed in place.
 */
final class TenantsFile {

    static final List<String> REQUIRED = List.of("tenant", "tier", "model");
    static final Set<String> KNOWN = Set.of("tenant", "tier", "model", "tags");

    /**
     * One row of the file.
     *
     * @param line the 1-based line it starts on
     * @param profile the desired profile
     */
    record Entry(int line, DesiredProfile profile) {
    }

    private TenantsFile() {
    }

    /**
     * Reads and validates the file.
     *
     * @throws CliException (exit code 2) naming the file, line and field of the first problem
     */
    static List<Entry> read(Path file) {
        if (!Files.exists(file)) {
            throw CliException.usage("tenants file not found: " + file.toAbsolutePath());
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw CliException.usage("tenants file is not a readable file: " + file.toAbsolutePath());
        }
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        List<Entry> entries;
        try {
            entries = name.endsWith(".yaml") || name.endsWith(".yml") ? readYaml(file) : readCsv(file);
        } catch (NoSuchFileException e) {
            throw CliException.usage("tenants file not found: " + file.toAbsolutePath());
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            throw CliException.usage(file + (line > 0 ? ":" + line : "") + ": not valid YAML: "
                    + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw CliException.usage("cannot read tenants file " + file.toAbsolutePath() + ": " + e.getMessage(), e);
        }
        if (entries.isEmpty()) {
            throw CliException.usage(file + ": lists no tenants");
        }
        Map<String, Integer> seen = new HashMap<>();
        for (Entry e : entries) {
            String key = e.profile().tenant() + "/" + e.profile().logicalModel();
            Integer first = seen.putIfAbsent(key, e.line());
            if (first != null) {
                throw CliException.usage(file + ":" + e.line() + ": field 'tenant': tenant "
                        + e.profile().tenant() + " with model " + e.profile().logicalModel()
                        + " is listed twice (first on line " + first + ")");
            }
        }
        return entries;
    }

    /** Line by line, so every message names the exact line; a field cannot span lines (none needs to). */
    private static List<Entry> readCsv(Path file) throws IOException {
        ObjectReader reader = new CsvMapper().readerForListOf(String.class)
                .with(CsvParser.Feature.WRAP_AS_ARRAY)
                .with(CsvParser.Feature.TRIM_SPACES);
        List<Entry> entries = new ArrayList<>();
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<String> header = null;
        for (int i = 0; i < lines.size(); i++) {
            int line = i + 1;
            String text = lines.get(i);
            if (text.isBlank() || text.strip().startsWith("#")) {
                continue;
            }
            List<String> row;
            try (MappingIterator<List<String>> it = reader.readValues(text)) {
                row = it.hasNextValue() ? it.nextValue() : List.of();
            } catch (JsonProcessingException e) {
                throw CliException.usage(file + ":" + line + ": not valid CSV: " + e.getOriginalMessage(), e);
            }
            if (header == null) {
                header = header(file, line, row);
                continue;
            }
            if (row.size() > header.size()) {
                throw CliException.usage(file + ":" + line + ": " + row.size() + " fields, but the header names "
                        + header.size() + " (" + String.join(",", header) + "); quote values that contain commas");
            }
            Map<String, String> fields = new LinkedHashMap<>();
            for (int c = 0; c < header.size(); c++) {
                fields.put(header.get(c), c < row.size() ? row.get(c) : "");
            }
            entries.add(entry(file, line, fields.get("tenant"), fields.get("tier"), fields.get("model"),
                    csvTags(file, line, fields.getOrDefault("tags", ""))));
        }
        if (header == null) {
            throw CliException.usage(file + ": is empty; it needs a header line 'tenant,tier,model,tags' and one"
                    + " line per tenant");
        }
        return entries;
    }

    private static List<String> header(Path file, int line, List<String> row) {
        List<String> header = new ArrayList<>();
        for (String h : row) {
            String column = h.strip().toLowerCase(Locale.ROOT);
            if (!KNOWN.contains(column)) {
                throw CliException.usage(file + ":" + line + ": unknown column '" + h.strip() + "'; the header"
                        + " names the columns tenant,tier,model[,tags]");
            }
            if (header.contains(column)) {
                throw CliException.usage(file + ":" + line + ": column '" + column + "' appears twice");
            }
            header.add(column);
        }
        for (String required : REQUIRED) {
            if (!header.contains(required)) {
                throw CliException.usage(file + ":" + line + ": missing column '" + required + "'; the header"
                        + " must name tenant,tier,model[,tags] (found: " + String.join(",", header) + ")");
            }
        }
        return header;
    }

    private static Map<String, String> csvTags(Path file, int line, String text) {
        Map<String, String> tags = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return tags;
        }
        for (String pair : text.split(";")) {
            if (pair.isBlank()) {
                continue;
            }
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw CliException.usage(file + ":" + line + ": field 'tags': '" + pair.strip() + "' is not"
                        + " key=value; write tags as key=value;key=value");
            }
            String key = pair.substring(0, eq).strip();
            if (tags.put(key, pair.substring(eq + 1).strip()) != null) {
                throw CliException.usage(file + ":" + line + ": field 'tags': key '" + key + "' appears twice");
            }
        }
        return tags;
    }

    private static List<Entry> readYaml(Path file) throws IOException {
        ObjectMapper mapper = new ObjectMapper(new YAMLFactory());
        List<Entry> entries = new ArrayList<>();
        try (JsonParser parser = mapper.getFactory().createParser(file.toFile())) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw CliException.usage(file + ": is empty; it needs a list of {tenant, tier, model, tags}");
            }
            if (first != JsonToken.START_ARRAY) {
                throw CliException.usage(file + ":" + parser.currentLocation().getLineNr() + ": expected a list of"
                        + " {tenant, tier, model, tags} entries (each starting with '- tenant: ...')");
            }
            while (parser.nextToken() != JsonToken.END_ARRAY) {
                int line = parser.currentLocation().getLineNr();
                JsonNode node = mapper.readTree(parser);
                if (!node.isObject()) {
                    throw CliException.usage(file + ":" + line + ": expected an entry with tenant, tier, model");
                }
                Iterator<String> names = node.fieldNames();
                while (names.hasNext()) {
                    String n = names.next();
                    if (!KNOWN.contains(n)) {
                        throw CliException.usage(file + ":" + line + ": unknown field '" + n + "'; entries have"
                                + " tenant, tier, model and tags");
                    }
                }
                for (String required : REQUIRED) {
                    JsonNode v = node.get(required);
                    if (v == null || v.isNull()) {
                        throw CliException.usage(file + ":" + line + ": field '" + required + "' is missing");
                    }
                    if (!v.isValueNode()) {
                        throw CliException.usage(file + ":" + line + ": field '" + required + "' must be a single"
                                + " value");
                    }
                }
                Map<String, String> tags = new LinkedHashMap<>();
                JsonNode t = node.get("tags");
                if (t != null && !t.isNull()) {
                    if (!t.isObject()) {
                        throw CliException.usage(file + ":" + line + ": field 'tags' must be a map, e.g."
                                + " {CostCenter: cc-17}");
                    }
                    t.fields().forEachRemaining(f -> tags.put(f.getKey(), f.getValue().asText()));
                }
                entries.add(entry(file, line, node.get("tenant").asText(), node.get("tier").asText(),
                        node.get("model").asText(), tags));
            }
        }
        return entries;
    }

    private static Entry entry(Path file, int line, String tenant, String tier, String model,
            Map<String, String> tags) {
        TenantId id;
        try {
            id = TenantId.of(required(file, line, "tenant", tenant));
        } catch (InvalidTenantIdException e) {
            throw field(file, line, "tenant", e);
        }
        Tier t;
        try {
            t = Tier.of(required(file, line, "tier", tier));
        } catch (IllegalArgumentException e) {
            throw field(file, line, "tier", e);
        }
        DesiredProfile bare;
        try {
            bare = DesiredProfile.of(id, t, required(file, line, "model", model));
        } catch (IllegalArgumentException e) {
            throw field(file, line, "model", e);
        }
        try {
            return new Entry(line, new DesiredProfile(id, t, bare.logicalModel(), tags));
        } catch (IllegalArgumentException e) {
            throw field(file, line, "tags", e);
        }
    }

    private static String required(Path file, int line, String field, String value) {
        if (value == null || value.isBlank()) {
            throw CliException.usage(file + ":" + line + ": field '" + field + "' is empty");
        }
        return value.strip();
    }

    private static CliException field(Path file, int line, String field, RuntimeException e) {
        return CliException.usage(file + ":" + line + ": field '" + field + "': " + e.getMessage(), e);
    }
}
