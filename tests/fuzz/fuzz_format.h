/*
 * fuzz_format.h - which output format a fuzz input renders through: any row
 * of the format table a user can choose, so every renderer (zeek, eve, ...)
 * sees hostile names, certificates and strings.
 */
#ifndef TSC_FUZZ_FORMAT_H
#define TSC_FUZZ_FORMAT_H

#include "report/report.h"

static inline enum tsc_format tsc_fuzz_format(unsigned pick)
{
    size_t n = 0;
    for (size_t i = 0; i < tsc_formats_count(); i++)
        n += !(tsc_format_at(i)->flags & TSC_FORMAT_HIDDEN);
    size_t want = pick % n;
    for (size_t i = 0; i < tsc_formats_count(); i++) {
        if (tsc_format_at(i)->flags & TSC_FORMAT_HIDDEN)
            continue;
        if (want-- == 0)
            return (enum tsc_format)i;
    }
    return TSC_FMT_JSON;
}

#endif
