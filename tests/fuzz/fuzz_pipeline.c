/* Fuzz target: the whole path from capture-file bytes (pcap or pcapng) to
 * JSON: reader, packets, flows, reassembly, sessions, decoders, sink. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "capture/pcapfile.h"
#include "capture/pipeline.h"
#include "report/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    if (!devnull)
        devnull = fopen("/dev/null", "w");
    struct tsc_pcapfile f;
    if (tsc_pcapfile_open_mem(&f, data, size) != 1)
        return 0;
    struct tsc_report_opts ro = {data[size - 1] & 1 ? TSC_FMT_JSON : TSC_FMT_VERBOSE, 0, 1, 0, NULL};
    struct tsc_limits lim = {1 << 16, 64, 8 << 20, 60 * 1000000};
    struct tsc_report *rep = tsc_report_new(&ro, devnull);
    struct tsc_pipeline *pl = tsc_pipeline_new(&lim, tsc_report_sink(rep));
    struct tsc_pcap_packet pk;
    while (tsc_pcapfile_next(&f, &pk) == 1)
        tsc_pipeline_packet(pl, pk.linktype, pk.data, pk.caplen, pk.ts_us);
    tsc_pipeline_finish(pl);
    (void)tsc_report_flush(rep);
    tsc_pipeline_free(pl);
    tsc_report_free(rep);
    tsc_pcapfile_close(&f);
    return 0;
}
