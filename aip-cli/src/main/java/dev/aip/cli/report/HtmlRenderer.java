package dev.aip.cli.report;

/** The self-contained HTML page. */
final class HtmlRenderer {

    private HtmlRenderer() {}

    static String render(UsageReport report) {
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + Texts.html(report.title())
                + "</title></head><body><h1>" + Texts.html(report.title()) + "</h1><pre>"
                + Texts.html(TableRenderer.render(report)) + "</pre></body></html>\n";
    }
}
