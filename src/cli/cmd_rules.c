/*
 * cmd_rules.c - tlsscope rules: the table of findings (docs/findings.md).
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/buf.h"
#include "core/text.h"
#include "analysis/findings.h"

int tsc_cmd_rules(int argc, char **argv)
{
    int json = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = 1;
        } else if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            printf("usage: tlsscope rules [--json]\n\nThe rules behind findings: id, severity, title, "
                   "explanation and reference.\n\n"
                   "      --json      one JSON object per rule (JSON Lines)\n"
                   "  -h, --help      this text\n");
            return TSC_EXIT_OK;
        } else {
            fprintf(stderr, "tlsscope: rules: unknown argument '%s'\n", argv[i]);
            return TSC_EXIT_USAGE;
        }
    }
    struct tsc_buf b;
    tsc_buf_init(&b, 0);
    for (size_t i = 0; i < tsc_rules_count(); i++) {
        const struct tsc_rule *r = tsc_rule_at(i);
        if (json) {
            (void)tsc_buf_puts(&b, "{\"id\":");
            (void)tsc_json_cstr(&b, r->id);
            (void)tsc_buf_puts(&b, ",\"severity\":");
            (void)tsc_json_cstr(&b, tsc_severity_name(r->severity));
            (void)tsc_buf_puts(&b, ",\"title\":");
            (void)tsc_json_cstr(&b, r->title);
            (void)tsc_buf_puts(&b, ",\"explanation\":");
            (void)tsc_json_cstr(&b, r->explanation);
            (void)tsc_buf_puts(&b, ",\"reference\":");
            (void)tsc_json_cstr(&b, r->reference);
            (void)tsc_buf_puts(&b, "}\n");
        } else {
            (void)tsc_buf_printf(&b, "%-30s %-6s %s\n%30s        %s (%s)\n", r->id, tsc_severity_name(r->severity),
                                 r->title, "", r->explanation, r->reference);
        }
    }
    fwrite(b.data, 1, b.len, stdout);
    tsc_buf_free(&b);
    return TSC_EXIT_OK;
}
