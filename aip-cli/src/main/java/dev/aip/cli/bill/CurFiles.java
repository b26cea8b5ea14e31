package dev.aip.cli.bill;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import dev.aip.core.metering.TokenUsage;
import java.io.BufferedInputStream;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.zip.GZIPInputStream;

/**
 * Reads Cost and Usage Report (CUR 2.0) exports in CSV, plain or gzip-compressed ({@code .csv.gz}, or any file
 * starting with the gzip magic bytes). Parquet is not read: export CSV.
 *
 * <p>Columns (by name, in any order; every other column is ignored): {@code line_item_usage_start_date},
 * {@code line_item_usage_type}, {@code line_item_unblended_cost}, {@code resource_tags}, and
 * {@code line_item_product_code} or {@code product_servicecode}; optionally {@code line_item_usage_amount} (token
 * counts) and {@code line_item_line_item_type}.
 *
 * <p>Which lines count: those whose product code ({@code line_item_product_code} or {@code product_servicecode}) is
 * one of the given codes (by default {@code AmazonBedrock}) and whose line item type, when the column is present, is
 * {@code Usage} (taxes, credits, refunds and fees are not usage the ledger knows). Each counts on the UTC day of its
 * {@code line_item_usage_start_date} (an ISO-8601 instant, {@code 2026-03-01 00:00:00[.000]} in UTC, or a date).
 *
 * <p>The tenant is the tenant tag in {@code resource_tags}, a JSON map. CUR 2.0 names a user-defined tag
 * {@code user_} plus the key in snake case ({@code TenantId} is {@code user_tenant_id}); the forms
 * {@code user:TenantId} and {@code resourceTags/user:TenantId} are accepted too. An empty value or a missing key is
 * untagged cost.
 *
 * <p>Tokens: Bedrock's usage types end in {@code -input-tokens}, {@code -output-tokens},
 * {@code -cache-read-input-token-count} or {@code -cache-write-input-token-count} (the {@code -mantle-} forms
 * included); their {@code line_item_usage_amount} is a token count. A day and tenant with any other usage type of
 * the product has a cost but no token counts.
 *
 * <p>Stateless; thread-safe.
 */
public final class CurFiles {

    /** The product code of Bedrock's usage in CUR. */
    public static final String BEDROCK_PRODUCT_CODE = "AmazonBedrock";

    static final String START = "line_item_usage_start_date";
    static final String USAGE_TYPE = "line_item_usage_type";
    static final String COST = "line_item_unblended_cost";
    static final String TAGS = "resource_tags";
    static final String AMOUNT = "line_item_usage_amount";
    static final String PRODUCT = "line_item_product_code";
    static final String SERVICE = "product_servicecode";
    static final String TYPE = "line_item_line_item_type";

    private static final ObjectReader CSV = new CsvMapper().readerForListOf(String.class)
            .with(CsvParser.Feature.WRAP_AS_ARRAY);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter ATHENA = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss[.SSS]");

    private CurFiles() {
    }

    /**
     * Reads exports into one bill.
     *
     * @param files the CSV files (several parts of one export, or several months)
     * @param tagKey the tenant tag key as set on the profiles, e.g. {@code TenantId}
     * @param productCodes the product codes whose lines count, e.g. {@code AmazonBedrock}
     * @return the bill
     * @throws BillFileException if a file is Parquet, or not such a CSV; the message names the file and line
     * @throws UncheckedIOException if a file cannot be read
     */
    public static AwsBill read(List<Path> files, String tagKey, Set<String> productCodes) {
        Objects.requireNonNull(tagKey, "tagKey");
        List<String> tagNames = acceptedTagNames(tagKey);
        AwsBill.Accumulator bill = new AwsBill.Accumulator();
        for (Path file : files) {
            readOne(file, tagNames, Set.copyOf(productCodes), bill);
        }
        return bill.build("CUR export" + (files.size() == 1 ? " " : "s ")
                + String.join(", ", files.stream().map(Path::toString).toList()));
    }

    /**
     * The CUR 2.0 {@code resource_tags} key of a user-defined tag: {@code user_} and the key in snake case, every
     * character but a letter or digit an underscore ({@code TenantId} gives {@code user_tenant_id}).
     *
     * @param tagKey the tag key as set on the resource
     * @return the map key
     */
    public static String curTagKey(String tagKey) {
        StringBuilder b = new StringBuilder("user_");
        for (int i = 0; i < tagKey.length(); i++) {
            char c = tagKey.charAt(i);
            if (Character.isUpperCase(c) && i > 0 && Character.isLowerCase(tagKey.charAt(i - 1))) {
                b.append('_');
            }
            b.append(Character.isLetterOrDigit(c) ? Character.toLowerCase(c) : '_');
        }
        return b.toString();
    }

    private static void readOne(Path file, List<String> tagNames, Set<String> productCodes,
                                AwsBill.Accumulator bill) {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".parquet") || name.endsWith(".parquet.gz") || name.endsWith(".snappy.parquet")) {
            throw new BillFileException(file + ": Parquet is not supported; create the CUR 2.0 export with the file"
                    + " format 'text/CSV' (gzip compression is fine) and pass those files");
        }
        if (!Files.isRegularFile(file)) {
            throw new BillFileException(file + ": no such file; pass the CSV files of a CUR 2.0 export");
        }
        try (BufferedReader in = open(file)) {
            Map<String, Integer> columns = null;
            int width = 0;
            int line = 0;
            for (String text = in.readLine(); text != null; text = in.readLine()) {
                line++;
                if (text.isBlank()) {
                    continue;
                }
                List<String> row;
                try (MappingIterator<List<String>> it = CSV.readValues(text)) {
                    row = it.hasNextValue() ? it.nextValue() : List.of();
                } catch (JsonProcessingException e) {
                    throw new BillFileException(file + ":" + line + ": not valid CSV: " + e.getOriginalMessage(), e);
                }
                if (columns == null) {
                    columns = header(file, line, row);
                    width = row.size();
                    continue;
                }
                if (row.size() != width) {
                    throw new BillFileException(file + ":" + line + ": " + row.size() + " fields, but the header names "
                            + width + " columns");
                }
                lineItem(file, line, row, columns, tagNames, productCodes, bill);
            }
            if (columns == null) {
                throw new BillFileException(file + ":1: the file is empty; a CUR 2.0 CSV starts with a header line");
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    private static BufferedReader open(Path file) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(file));
        in.mark(2);
        int b1 = in.read();
        int b2 = in.read();
        in.reset();
        if (b1 == 0x1f && b2 == 0x8b) {
            in = new GZIPInputStream(in);
        }
        return new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    }

    private static Map<String, Integer> header(Path file, int line, List<String> row) {
        Map<String, Integer> columns = new HashMap<>();
        for (int i = 0; i < row.size(); i++) {
            String column = row.get(i).strip().toLowerCase(Locale.ROOT);
            if (columns.putIfAbsent(column, i) != null) {
                throw new BillFileException(file + ":" + line + ": column '" + column + "' appears twice");
            }
        }
        for (String required : List.of(START, USAGE_TYPE, COST, TAGS)) {
            if (!columns.containsKey(required)) {
                throw new BillFileException(file + ":" + line + ": missing column '" + required + "'; is this a CUR"
                        + " 2.0 export? Include the columns " + START + ", " + USAGE_TYPE + ", " + COST + ", " + TAGS
                        + " and " + PRODUCT + " in the export's query");
            }
        }
        if (!columns.containsKey(PRODUCT) && !columns.containsKey(SERVICE)) {
            throw new BillFileException(file + ":" + line + ": missing column '" + PRODUCT + "' (or '" + SERVICE
                    + "'); include it in the export's query");
        }
        return columns;
    }

    private static void lineItem(Path file, int line, List<String> row, Map<String, Integer> columns,
                                 List<String> tagNames, Set<String> productCodes, AwsBill.Accumulator bill) {
        String product = field(row, columns, PRODUCT);
        String service = field(row, columns, SERVICE);
        String type = field(row, columns, TYPE);
        LocalDate day = day(file, line, field(row, columns, START));
        // Set.copyOf sets refuse contains(null), and either column may be absent.
        boolean counted = product != null && productCodes.contains(product)
                || service != null && productCodes.contains(service);
        if (!counted) {
            return;
        }
        if (type != null && !type.isEmpty() && !"Usage".equals(type)) {
            return;
        }
        BigDecimal cost = decimal(file, line, COST, field(row, columns, COST), false);
        String usageType = field(row, columns, USAGE_TYPE);
        TokenUsage tokens = null;
        int kind = kind(usageType == null ? "" : usageType);
        if (kind >= 0) {
            String amountText = field(row, columns, AMOUNT);
            if (amountText != null) {
                BigDecimal amount = decimal(file, line, AMOUNT, amountText, true);
                long n = amount.setScale(0, RoundingMode.HALF_UP).longValueExact();
                long[] t = new long[4];
                t[kind] = n;
                tokens = new TokenUsage(t[0], t[1], t[2], t[3]);
            }
        }
        String tenant = tenant(file, line, field(row, columns, TAGS), tagNames);
        bill.add(new AwsCost(day, tenant, cost, tokens, false, file + ":" + line));
    }

    /** 0 input, 1 output, 2 cache read, 3 cache write (TokenUsage's order); -1 not a token usage type. */
    static int kind(String usageType) {
        String u = usageType.toLowerCase(Locale.ROOT);
        if (u.contains("cache-read-input-token")) {
            return 2;
        }
        if (u.contains("cache-write-input-token")) {
            return 3;
        }
        if (u.endsWith("-input-tokens") || u.contains("-mantle-input-tokens")) {
            return 0;
        }
        if (u.endsWith("-output-tokens") || u.contains("-mantle-output-tokens")) {
            return 1;
        }
        return -1;
    }

    private static String field(List<String> row, Map<String, Integer> columns, String name) {
        Integer at = columns.get(name);
        return at == null ? null : row.get(at).strip();
    }

    private static LocalDate day(Path file, int line, String text) {
        if (text == null || text.isEmpty()) {
            throw new BillFileException(file + ":" + line + ": field '" + START + "' is empty");
        }
        try {
            return Instant.parse(text).atZone(ZoneOffset.UTC).toLocalDate();
        } catch (DateTimeParseException notInstant) {
            try {
                return LocalDateTime.parse(text).toLocalDate();
            } catch (DateTimeParseException notLocal) {
                try {
                    return LocalDateTime.parse(text, ATHENA).toLocalDate();
                } catch (DateTimeParseException notAthena) {
                    try {
                        return LocalDate.parse(text);
                    } catch (DateTimeParseException notDate) {
                        throw new BillFileException(file + ":" + line + ": field '" + START + "': '" + text
                                + "' is not a date and time (2026-03-01T00:00:00Z, 2026-03-01 00:00:00 in UTC, or"
                                + " 2026-03-01)");
                    }
                }
            }
        }
    }

    private static BigDecimal decimal(Path file, int line, String column, String text, boolean nonNegative) {
        if (text == null || text.isEmpty()) {
            throw new BillFileException(file + ":" + line + ": field '" + column + "' is empty");
        }
        BigDecimal value;
        try {
            value = new BigDecimal(text);
        } catch (NumberFormatException e) {
            throw new BillFileException(file + ":" + line + ": field '" + column + "': '" + text
                    + "' is not a decimal number");
        }
        if (nonNegative && value.signum() < 0) {
            throw new BillFileException(file + ":" + line + ": field '" + column + "': " + text + " is negative");
        }
        return value;
    }

    private static String tenant(Path file, int line, String text, List<String> tagNames) {
        if (text == null || text.isEmpty()) {
            return null;
        }
        JsonNode tags;
        try {
            tags = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new BillFileException(file + ":" + line + ": field '" + TAGS + "' is not a JSON map: "
                    + e.getOriginalMessage(), e);
        }
        if (tags == null || tags.isNull()) {
            return null;
        }
        if (!tags.isObject()) {
            throw new BillFileException(file + ":" + line + ": field '" + TAGS + "' must be a JSON map of tag keys to"
                    + " values, got " + text);
        }
        for (String name : tagNames) {
            JsonNode value = tags.get(name);
            if (value != null && value.isTextual() && !value.asText().isEmpty()) {
                return value.asText();
            }
        }
        return null;
    }

    /** The {@code resource_tags} keys looked up for the tenant tag, in order. */
    static List<String> acceptedTagNames(String tagKey) {
        return List.of(curTagKey(tagKey), "user:" + tagKey, "resourceTags/user:" + tagKey);
    }
}
