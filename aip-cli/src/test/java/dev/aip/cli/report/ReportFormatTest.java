package dev.aip.cli.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ReportFormatTest {

    @Test
    void parse_anyCaseAndBlanks_format() {
        assertThat(ReportFormat.parse("html")).isEqualTo(ReportFormat.HTML);
        assertThat(ReportFormat.parse(" Csv ")).isEqualTo(ReportFormat.CSV);
        assertThat(ReportFormat.parse("TABLE")).isEqualTo(ReportFormat.TABLE);
        assertThat(ReportFormat.parse("jSoN")).isEqualTo(ReportFormat.JSON);
    }

    @Test
    void parse_unknownName_messageListsFormats() {
        assertThatThrownBy(() -> ReportFormat.parse("xml"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("Unknown report format \"xml\"; use one of table, csv, json, html");
    }

    @Test
    void parse_null_messageListsFormats() {
        assertThatThrownBy(() -> ReportFormat.parse(null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("table, csv, json, html");
    }

    @Test
    void fileExtension_table_isTxt() {
        assertThat(ReportFormat.TABLE.fileExtension()).isEqualTo("txt");
        assertThat(ReportFormat.HTML.fileExtension()).isEqualTo("html");
    }
}
