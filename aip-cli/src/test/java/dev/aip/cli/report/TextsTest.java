package dev.aip.cli.report;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TextsTest {

    @Test
    void html_markupCharacters_allEscaped() {
        assertThat(Texts.html("<a href='x' title=\"y\">&amp;</a>"))
                .isEqualTo("&lt;a href=&#39;x&#39; title=&quot;y&quot;&gt;&amp;amp;&lt;/a&gt;");
    }

    @Test
    void html_controlCharacters_replaced() {
        assertThat(Texts.html("a\u0000b\u001bc\td\ne")).isEqualTo("a\uFFFDb\uFFFDc\td\ne");
    }

    @Test
    void csv_plainField_unquoted() {
        assertThat(Texts.csv("acme.eu_1-x")).isEqualTo("acme.eu_1-x");
        assertThat(Texts.csv("")).isEqualTo("");
    }

    @Test
    void csv_specialCharacters_quotedWithQuotesDoubled() {
        assertThat(Texts.csv("a,b")).isEqualTo("\"a,b\"");
        assertThat(Texts.csv("say \"hi\"")).isEqualTo("\"say \"\"hi\"\"\"");
        assertThat(Texts.csv("line\r\nbreak")).isEqualTo("\"line\r\nbreak\"");
        assertThat(Texts.csv("lf\nonly")).isEqualTo("\"lf\nonly\"");
    }

    @Test
    void singleLine_lineBreaks_becomeSpaces() {
        assertThat(Texts.singleLine("a\r\nb\tc")).isEqualTo("a  b c");
    }
}
