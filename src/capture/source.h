/*
 * source.h - capture files (pcap and pcapng, through libpcap) into the pipeline.
 * pcap.h stays inside source.c.
 */
#ifndef TSC_CAPTURE_SOURCE_H
#define TSC_CAPTURE_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "capture/pipeline.h"

struct tsc_source_result {
    int ok;             /* the file was opened and read (maybe with a warning) */
    int linktype;
    uint64_t packets;
    char error[512];    /* why it could not be read, or a warning when ok */
};

/* Read every packet of `path` into `pl`. Never exits; errors go to res. */
void tsc_source_read_file(const char *path, struct tsc_pipeline *pl, struct tsc_source_result *res);

#endif
