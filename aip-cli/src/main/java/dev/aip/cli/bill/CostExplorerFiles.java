package dev.aip.cli.bill;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Reads Cost Explorer {@code GetCostAndUsage} answers: the JSON the API returns and
 * {@code aws ce get-cost-and-usage} prints, one file per page ({@code NextPageToken}).
 *
 * <p>The query they must answer: {@code Granularity DAILY}, a {@code GroupBy} of type {@code TAG} on the tenant tag
 * (default {@code TenantId}; another group, such as {@code SERVICE}, may sit beside it), the metric
 * {@code UnblendedCost}, and a filter on the service {@code Amazon Bedrock}:
 *
 * <pre>{@code
 * aws ce get-cost-and-usage --time-period Start=2026-03-01,End=2026-04-01 --granularity DAILY \
 *     --metrics UnblendedCost UsageQuantity --group-by Type=TAG,Key=TenantId \
 *     --filter '{"Dimensions":{"Key":"SERVICE","Values":["Amazon Bedrock"]}}' > ce-1.json
 * }</pre>
 *
 * <p>What is read: each {@code ResultsByTime} entry's {@code TimePeriod} (one day), {@code Estimated}, and each
 * group's tag key ({@code TenantId$acme}; {@code TenantId$} is cost without the tag) and
 * {@code Metrics.UnblendedCost.Amount} (USD). {@code UsageQuantity} is not read: Cost Explorer sums every token kind
 * into it. Every day a {@code TimePeriod} names is covered, also one without groups (no cost). Other members are
 * ignored. A day and tenant on several pages are summed.
 *
 * <p>Stateless; thread-safe.
 */
public final class CostExplorerFiles {

    private static final JsonFactory JSON = new JsonFactory();

    private CostExplorerFiles() {
    }

    /**
     * Reads answers into one bill.
     *
     * @param files the pages, in any order
     * @param tagKey the tenant tag the answers are grouped by, e.g. {@code TenantId}
     * @return the bill
     * @throws BillFileException if a file is not valid JSON or not such an answer; the message names the file and
     *     line
     * @throws UncheckedIOException if a file cannot be read
     */
    public static AwsBill read(List<Path> files, String tagKey) {
        Objects.requireNonNull(tagKey, "tagKey");
        AwsBill.Accumulator bill = new AwsBill.Accumulator();
        for (Path file : files) {
            readOne(file, tagKey, bill);
        }
        return bill.build("Cost Explorer answer" + (files.size() == 1 ? " " : "s ")
                + String.join(", ", files.stream().map(Path::toString).toList()));
    }

    private static void readOne(Path file, String tagKey, AwsBill.Accumulator bill) {
        if (!Files.isRegularFile(file)) {
            throw new BillFileException(file + ": no such file; pass the JSON that 'aws ce get-cost-and-usage'"
                    + " printed");
        }
        Node root;
        try (InputStream in = Files.newInputStream(file); JsonParser p = JSON.createParser(in)) {
            JsonToken first = p.nextToken();
            if (first == null) {
                throw new BillFileException(file + ":1: the file is empty; it should hold one GetCostAndUsage"
                        + " answer");
            }
            root = Node.read(p);
            if (p.nextToken() != null) {
                throw new BillFileException(file + ":" + p.currentTokenLocation().getLineNr() + ": more than one JSON"
                        + " document; put each page of the answer in its own file");
            }
        } catch (JsonProcessingException e) {
            int line = e.getLocation() == null ? 0 : e.getLocation().getLineNr();
            throw new BillFileException(file + ":" + line + ": not valid JSON: " + e.getOriginalMessage()
                    + "; pass the JSON that 'aws ce get-cost-and-usage' printed", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        Reader r = new Reader(file);
        if (!root.isObject()) {
            throw r.error(root, "the answer must be a JSON object with ResultsByTime");
        }
        int tagIndex = tagIndex(r, root, tagKey);
        Node results = root.field("ResultsByTime");
        if (results == null || !results.isArray()) {
            throw r.error(results == null ? root : results, "ResultsByTime is " + (results == null ? "missing"
                    : "not an array") + "; is this a GetCostAndUsage answer?");
        }
        String prefix = tagKey + "$";
        for (Node result : results.items()) {
            if (!result.isObject()) {
                throw r.error(result, "a ResultsByTime entry must be an object");
            }
            Node period = r.object(result, "TimePeriod");
            LocalDate start = r.date(period, "Start");
            LocalDate end = r.date(period, "End");
            if (!end.equals(start.plusDays(1))) {
                throw r.error(period, "TimePeriod " + start + " to " + end + " is not one day; ask Cost Explorer for"
                        + " --granularity DAILY");
            }
            Node estimatedNode = result.field("Estimated");
            if (estimatedNode != null && !(estimatedNode.value() instanceof Boolean)) {
                throw r.error(estimatedNode, "Estimated must be true or false");
            }
            boolean estimated = estimatedNode != null && (Boolean) estimatedNode.value();
            bill.cover(start);
            Node groups = result.field("Groups");
            if (groups == null || groups.items().isEmpty()) {
                Node total = result.field("Total");
                Node cost = total == null ? null : total.field("UnblendedCost");
                if (cost != null && r.amount(cost).signum() != 0) {
                    throw r.error(cost, "the answer has a Total but no Groups: it is not grouped by the tag; ask"
                            + " with --group-by Type=TAG,Key=" + tagKey);
                }
                continue;
            }
            if (!groups.isArray()) {
                throw r.error(groups, "Groups must be an array");
            }
            for (Node group : groups.items()) {
                Node keys = group.isObject() ? group.field("Keys") : null;
                if (keys == null || !keys.isArray() || keys.items().size() <= tagIndex
                        || !(keys.items().get(tagIndex).value() instanceof String)) {
                    throw r.error(keys == null ? group : keys, "a group needs Keys with the tag value at position "
                            + (tagIndex + 1));
                }
                Node keyNode = keys.items().get(tagIndex);
                String key = (String) keyNode.value();
                if (!key.startsWith(prefix)) {
                    throw r.error(keyNode, "group key '" + key + "' is not a value of the tag " + tagKey
                            + " (expected '" + prefix + "<tenant>'); ask with --group-by Type=TAG,Key=" + tagKey
                            + " or pass --tag-key");
                }
                String tenant = key.substring(prefix.length());
                Node metrics = r.object(group, "Metrics");
                Node cost = r.object(metrics, "UnblendedCost");
                BigDecimal amount = r.amount(cost);
                bill.add(new AwsCost(start, tenant.isEmpty() ? null : tenant, amount, null, estimated,
                        file + ":" + keyNode.line()));
            }
        }
    }

    /** The position of the tenant tag among a group's keys; 0 when the answer carries no GroupDefinitions. */
    private static int tagIndex(Reader r, Node root, String tagKey) {
        Node defs = root.field("GroupDefinitions");
        if (defs == null) {
            return 0;
        }
        if (!defs.isArray()) {
            throw r.error(defs, "GroupDefinitions must be an array");
        }
        List<String> seen = new ArrayList<>();
        for (int i = 0; i < defs.items().size(); i++) {
            Node def = defs.items().get(i);
            Object type = def.isObject() && def.field("Type") != null ? def.field("Type").value() : null;
            Object key = def.isObject() && def.field("Key") != null ? def.field("Key").value() : null;
            if ("TAG".equals(type) && tagKey.equals(key)) {
                return i;
            }
            seen.add(type + " " + key);
        }
        throw r.error(defs, "the answer is grouped by " + (seen.isEmpty() ? "nothing" : String.join(" and ", seen))
                + ", not by the tag " + tagKey + "; ask with --group-by Type=TAG," + "Key=" + tagKey
                + " or pass the tag the answer uses with --tag-key");
    }

    /** Checks members and names the file and line of a problem. */
    private record Reader(Path file) {

        BillFileException error(Node at, String problem) {
            return new BillFileException(file + ":" + at.line() + ": " + problem);
        }

        Node object(Node parent, String name) {
            Node n = parent.field(name);
            if (n == null) {
                throw error(parent, name + " is missing");
            }
            if (!n.isObject()) {
                throw error(n, name + " must be an object");
            }
            return n;
        }

        LocalDate date(Node parent, String name) {
            Node n = parent.field(name);
            if (n == null || !(n.value() instanceof String text)) {
                throw error(n == null ? parent : n, name + " must be a date (2026-03-01)");
            }
            try {
                return LocalDate.parse(text);
            } catch (DateTimeParseException e) {
                throw error(n, name + " '" + text + "' is not a date (2026-03-01)");
            }
        }

        BigDecimal amount(Node metric) {
            Node amount = metric.field("Amount");
            if (amount == null || !(amount.value() instanceof String || amount.value() instanceof BigDecimal)) {
                throw error(amount == null ? metric : amount, "Amount must be a decimal number");
            }
            Node unit = metric.field("Unit");
            if (unit != null && !"USD".equals(unit.value())) {
                throw error(unit, "Unit is " + unit.value() + "; only USD amounts can be reconciled");
            }
            try {
                return amount.value() instanceof BigDecimal d ? d : new BigDecimal(((String) amount.value()).trim());
            } catch (NumberFormatException e) {
                throw error(amount, "Amount '" + amount.value() + "' is not a decimal number");
            }
        }
    }

    /** A JSON value with the line it starts on. Object members keep their order; a repeated member wins last. */
    private record Node(int line, Object value) {

        static Node read(JsonParser p) throws IOException {
            int line = p.currentTokenLocation().getLineNr();
            JsonToken t = p.currentToken();
            switch (t) {
                case START_OBJECT -> {
                    Map<String, Node> members = new LinkedHashMap<>();
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String name = p.currentName();
                        p.nextToken();
                        members.put(name, read(p));
                    }
                    return new Node(line, members);
                }
                case START_ARRAY -> {
                    List<Node> items = new ArrayList<>();
                    while (p.nextToken() != JsonToken.END_ARRAY) {
                        items.add(read(p));
                    }
                    return new Node(line, items);
                }
                case VALUE_STRING -> {
                    return new Node(line, p.getText());
                }
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                    return new Node(line, p.getDecimalValue());
                }
                case VALUE_TRUE, VALUE_FALSE -> {
                    return new Node(line, t == JsonToken.VALUE_TRUE);
                }
                default -> {
                    return new Node(line, NULL);
                }
            }
        }

        private static final Object NULL = new Object();

        boolean isObject() {
            return value instanceof Map;
        }

        boolean isArray() {
            return value instanceof List;
        }

        @SuppressWarnings("unchecked")
        Node field(String name) {
            return isObject() ? ((Map<String, Node>) value).get(name) : null;
        }

        @SuppressWarnings("unchecked")
        List<Node> items() {
            return isArray() ? (List<Node>) value : List.of();
        }
    }
}
