/*
 * source.c - reading capture files with libpcap (see source.h).
 */
#include "capture/source.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

void tsc_source_read_file(const char *path, struct tsc_pipeline *pl, struct tsc_source_result *res)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    memset(res, 0, sizeof *res);
    struct stat st;
    if (stat(path, &st) != 0) {
        snprintf(res->error, sizeof res->error, "%s", strerror(errno));
        return;
    }
    if (S_ISDIR(st.st_mode)) {
        snprintf(res->error, sizeof res->error, "is a directory");
        return;
    }
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
    if (!p) {
        /* libpcap's wording, made one line */
        for (char *q = errbuf; *q; q++)
            if (*q == '\n')
                *q = ' ';
        snprintf(res->error, sizeof res->error, "not a capture file libpcap can read (%s)", errbuf);
        return;
    }
    res->linktype = pcap_datalink(p);
    if (!tsc_link_supported(res->linktype)) {
        const char *n = pcap_datalink_val_to_name(res->linktype);
        snprintf(res->error, sizeof res->error, "link type %d (%s) is not supported", res->linktype,
                 n ? n : "unknown");
        pcap_close(p);
        return;
    }
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
        int64_t ts = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
        size_t caplen = h->caplen;
        res->packets++;
        tsc_pipeline_packet(pl, res->linktype, data, caplen, ts);
    }
    res->ok = 1;
    if (rc == PCAP_ERROR && res->packets == 0) {
        res->ok = 0;
        snprintf(res->error, sizeof res->error, "no packet could be read (%s)", pcap_geterr(p));
        for (char *q = res->error; *q; q++)
            if (*q == '\n')
                *q = ' ';
    } else if (rc == PCAP_ERROR) {
        snprintf(res->error, sizeof res->error, "capture cut short after %llu packets (%s)",
                 (unsigned long long)res->packets, pcap_geterr(p));
        for (char *q = res->error; *q; q++)
            if (*q == '\n')
                *q = ' ';
    }
    pcap_close(p);
}
