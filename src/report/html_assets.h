/*
 * html_assets.h - the page of the HTML report (html.c): its style sheet and
 * its script, kept as source in src/report/html_page.css and html_page.js
 * and turned into C strings in html_assets.c by scripts/gen_html_assets.py
 * (a test checks the two agree). The SHA-256 of each, base64, goes in the
 * page's Content-Security-Policy: the browser runs that script and no other.
 */
#ifndef TSC_REPORT_HTML_ASSETS_H
#define TSC_REPORT_HTML_ASSETS_H

extern const char tsc_html_css[];
extern const char tsc_html_js[];
extern const char tsc_html_css_sha256[];
extern const char tsc_html_js_sha256[];

#endif
