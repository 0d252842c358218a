/* Fuzz target: the whole path from capture-file bytes (pcap or pcapng) to
 * JSON: reader, packets, flows, reassembly, UDP datagrams, the TLS layer's
 * flow consumer, sessions, decoders, sink. The last byte picks the output
 * format, whether connections are released as in live capture (as soon as
 * their handshake completes), and whether the reader takes the bytes from
 * memory or from a file read in small blocks (16 to 1,024 bytes, from the
 * byte before it), so packets and pcapng blocks straddle buffers. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capture/pcapfile.h"
#include "capture/pipeline.h"
#include "report/report.h"
#include "fuzz_format.h"
#include "tls/flow_tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    if (!devnull)
        devnull = fopen("/dev/null", "w");
    struct tsc_pcapfile f;
    int fd = -1;
    int rc = 0;
    if (size >= 2 && (data[size - 1] & 2)) {
        char path[64];
        fd = memfd_create("fuzz", 0);
        if (fd >= 0 && write(fd, data, size) == (ssize_t)size) {
            snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
            rc = tsc_pcapfile_open_block(&f, path, 16 * (1 + (size_t)(data[size - 2] & 63)));
        }
        if (rc != 1 && fd >= 0) { /* not a capture, or no /proc: from memory below */
            close(fd);
            fd = -1;
        }
    }
    if (fd < 0 && (rc = tsc_pcapfile_open_mem(&f, data, size)) != 1)
        return 0;
    struct tsc_report_opts ro = {tsc_fuzz_format((unsigned)(data[size - 1] >> 4)), 0, 1, 0, NULL, NULL};
    struct tsc_limits lim = {1 << 16, 64, 8 << 20, 60 * 1000000};
    char rerr[256];
    struct tsc_report *rep = tsc_report_new(&ro, devnull, rerr, sizeof rerr);
    struct tsc_flow_tls_cfg tc = {tsc_report_sink(rep), NULL};
    struct tsc_flow_factory fac = tsc_flow_tls_factory(&tc);
    struct tsc_pipeline *pl = tsc_pipeline_new(&lim, &fac);
    if (data[size - 1] & 4)
        tsc_pipeline_set_live(pl, 1);
    struct tsc_pcap_packet pk;
    while (tsc_pcapfile_next(&f, &pk) == 1)
        tsc_pipeline_packet(pl, pk.linktype, pk.data, pk.caplen, pk.ts_us);
    tsc_pipeline_finish(pl);
    (void)tsc_report_flush(rep);
    tsc_pipeline_free(pl);
    tsc_report_free(rep);
    tsc_pcapfile_close(&f);
    if (fd >= 0)
        close(fd);
    return 0;
}
