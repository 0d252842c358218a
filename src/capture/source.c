/*
 * source.c - reading capture files and live interfaces with libpcap (see source.h).
 */
#include "capture/source.h"

#include "capture/pcapfile.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static void one_line(char *s)
{
    for (; *s; s++)
        if (*s == '\n' || *s == '\r')
            *s = ' ';
}

void tsc_source_result_end(struct tsc_source_result *res, int rc, const char *why)
{
    res->ok = 1;
    if (rc < 0 && res->packets == 0) {
        res->ok = 0;
        snprintf(res->error, sizeof res->error, "no packet could be read (%s)", why);
    } else if (rc < 0) {
        snprintf(res->error, sizeof res->error, "capture cut short after %llu packets (%s)",
                 (unsigned long long)res->packets, why);
    }
}

void tsc_source_secrets_late(struct tsc_source_result *res, uint32_t late)
{
    if (late && res->ok && !res->error[0])
        snprintf(res->error, sizeof res->error,
                 "%lu pcapng Decryption Secrets Block%s after the first packet not used (malformed, larger than any "
                 "packet, or read by libpcap, which does not hand them on)",
                 (unsigned long)late, late == 1 ? "" : "s");
}

void tsc_source_links_unread(struct tsc_source_result *res, uint64_t unread, int linktype, int others)
{
    char why[sizeof res->error];
    if (!unread || !res->ok)
        return;
    tsc_link_unsupported_message(linktype, why, sizeof why);
    if (unread == res->packets) {
        /* nothing the file holds can be read: as for a pcap file of that link type */
        res->ok = 0;
        snprintf(res->error, sizeof res->error, "%s%s", why, others ? " (nor are its other interfaces' link types)" : "");
        return;
    }
    size_t n = strlen(res->error);
    snprintf(res->error + n, sizeof res->error - n, "%s%llu of %llu packets not read: %s%s", n ? "; " : "",
             (unsigned long long)unread, (unsigned long long)res->packets, why,
             others ? " (nor other link types of its interfaces)" : "");
}

/* A secrets block between packets: one thread, the pipeline's context. */
struct own_secrets {
    const struct tsc_source_secrets *s;
    struct tsc_pipeline *pl;
};

static void own_secrets(void *arg, uint32_t type, const uint8_t *p, size_t n)
{
    struct own_secrets *o = arg;
    void *ctx = tsc_pipeline_consumer(o->pl);
    o->s->fn(o->s->arg, type, p, n, &ctx, 1);
}

/* tlsscope's own reader; returns 0 when the file is not one it takes. */
static int read_own(const char *path, struct tsc_pipeline *pl, struct tsc_source_result *res,
                    tsc_source_tick tick, void *tick_arg, const struct tsc_source_secrets *secrets)
{
    struct tsc_pcapfile f;
    struct own_secrets os = {secrets, pl};
    int rc = tsc_pcapfile_open(&f, path);
    if (rc <= 0) {
        if (rc < 0)
            snprintf(res->error, sizeof res->error, "%s", f.error);
        return rc;
    }
    if (!f.ng) {
        res->linktype = f.linktype;
        if (!tsc_link_supported(f.linktype)) {
            tsc_link_unsupported_message(f.linktype, res->error, sizeof res->error);
            tsc_pcapfile_close(&f);
            return -1;
        }
    }
    if (secrets && secrets->fn) {
        f.on_secrets = own_secrets;
        f.on_secrets_arg = &os;
    }
    struct tsc_pcap_packet pk;
    while ((rc = tsc_pcapfile_next(&f, &pk)) == 1) {
        res->packets++;
        tsc_pipeline_packet(pl, pk.linktype, pk.data, pk.caplen, pk.ts_us);
        if (tick && (res->packets & 63) == 0)
            tick(tick_arg, tsc_pcapfile_offset(&f), res->packets);
    }
    tsc_source_result_end(res, rc, f.error);
    tsc_source_secrets_late(res, f.secrets_late);
    tsc_source_links_unread(res, f.unsupported_packets, f.unsupported_link, f.unsupported_more);
    tsc_pcapfile_close(&f);
    return 1;
}

void tsc_source_read_file(const char *path, struct tsc_pipeline *pl, struct tsc_source_result *res,
                          enum tsc_reader reader, tsc_source_tick tick, void *tick_arg,
                          const struct tsc_source_secrets *secrets)
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
    if (reader == TSC_READER_AUTO) {
        int rc = read_own(path, pl, res, tick, tick_arg, secrets);
        if (rc != 0)
            return;
        res->error[0] = 0;
    }
    pcap_t *p = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
    if (!p) {
        one_line(errbuf);
        snprintf(res->error, sizeof res->error, "not a capture file libpcap can read (%s)", errbuf);
        return;
    }
    res->linktype = pcap_datalink(p);
    if (!tsc_link_supported(res->linktype)) {
        tsc_link_unsupported_message(res->linktype, res->error, sizeof res->error);
        pcap_close(p);
        return;
    }
    FILE *fp = pcap_file(p);
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc;
    while ((rc = pcap_next_ex(p, &h, &data)) == 1) {
        int64_t ts = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
        res->packets++;
        tsc_pipeline_packet(pl, res->linktype, data, h->caplen, ts);
        if (tick && (res->packets & 63) == 0)
            tick(tick_arg, fp ? (uint64_t)ftello(fp) : 0, res->packets);
    }
    res->ok = 1;
    if (rc == PCAP_ERROR && res->packets == 0) {
        res->ok = 0;
        snprintf(res->error, sizeof res->error, "no packet could be read (%s)", pcap_geterr(p));
        one_line(res->error);
    } else if (rc == PCAP_ERROR) {
        snprintf(res->error, sizeof res->error, "capture cut short after %llu packets (%s)",
                 (unsigned long long)res->packets, pcap_geterr(p));
        one_line(res->error);
    }
    pcap_close(p);
}

/* ------------------------------------------------------------------ live */

static pcap_t *volatile live_handle;
static volatile sig_atomic_t live_stopping;

void tsc_source_live_stop(void)
{
    live_stopping = 1;
    pcap_t *p = live_handle;
    if (p)
        pcap_breakloop(p);
}

struct live_ctx {
    struct tsc_pipeline *pl;
    struct tsc_source_result *res;
    pcap_dumper_t *dump;
    int linktype;
    uint64_t count;
};

static void live_packet(u_char *arg, const struct pcap_pkthdr *h, const u_char *data)
{
    struct live_ctx *lc = (struct live_ctx *)arg;
    if (lc->dump)
        pcap_dump((u_char *)lc->dump, h, data);
    int64_t ts = (int64_t)h->ts.tv_sec * 1000000 + h->ts.tv_usec;
    lc->res->packets++;
    tsc_pipeline_packet(lc->pl, lc->linktype, data, h->caplen, ts);
    if (lc->count && lc->res->packets >= lc->count)
        tsc_source_live_stop();
}

void tsc_source_live(const struct tsc_live_opts *o, struct tsc_pipeline *pl, struct tsc_source_result *res)
{
    char errbuf[PCAP_ERRBUF_SIZE] = "";
    struct live_ctx lc = {pl, res, NULL, 0, o->count};
    memset(res, 0, sizeof *res);
    live_stopping = 0;
    pcap_t *p = pcap_create(o->iface, errbuf);
    if (!p) {
        one_line(errbuf);
        snprintf(res->error, sizeof res->error, "cannot open the interface (%s)", errbuf);
        return;
    }
    pcap_set_snaplen(p, 262144);
    pcap_set_promisc(p, 1);
    pcap_set_timeout(p, 100);
    pcap_set_immediate_mode(p, 1);
    pcap_set_buffer_size(p, 16 << 20);
    pcap_set_tstamp_precision(p, PCAP_TSTAMP_PRECISION_MICRO);
    int rc = pcap_activate(p);
    if (rc < 0) {
        if (rc == PCAP_ERROR_NO_SUCH_DEVICE)
            snprintf(res->error, sizeof res->error, "no such interface");
        else if (rc == PCAP_ERROR_PERM_DENIED)
            snprintf(res->error, sizeof res->error, "capturing needs root or CAP_NET_RAW (%s)", pcap_geterr(p));
        else if (rc == PCAP_ERROR_IFACE_NOT_UP)
            snprintf(res->error, sizeof res->error, "the interface is not up");
        else
            snprintf(res->error, sizeof res->error, "cannot capture (%s)", pcap_geterr(p));
        one_line(res->error);
        pcap_close(p);
        return;
    }
    lc.linktype = pcap_datalink(p);
    res->linktype = lc.linktype;
    if (!tsc_link_supported(lc.linktype)) {
        tsc_link_unsupported_message(lc.linktype, res->error, sizeof res->error);
        pcap_close(p);
        return;
    }
    if (o->filter && o->filter[0]) {
        struct bpf_program prog;
        if (pcap_compile(p, &prog, o->filter, 1, PCAP_NETMASK_UNKNOWN) != 0) {
            snprintf(res->error, sizeof res->error, "bad capture filter '%s' (%s)", o->filter, pcap_geterr(p));
            one_line(res->error);
            pcap_close(p);
            return;
        }
        int frc = pcap_setfilter(p, &prog);
        pcap_freecode(&prog);
        if (frc != 0) {
            snprintf(res->error, sizeof res->error, "cannot set the capture filter (%s)", pcap_geterr(p));
            one_line(res->error);
            pcap_close(p);
            return;
        }
    }
    if (o->write_path) {
        lc.dump = pcap_dump_open(p, o->write_path);
        if (!lc.dump) {
            snprintf(res->error, sizeof res->error, "cannot write %s (%s)", o->write_path, pcap_geterr(p));
            one_line(res->error);
            pcap_close(p);
            return;
        }
    }
    live_handle = p;
    res->ok = 1;
    while (!live_stopping) {
        int n = pcap_dispatch(p, -1, live_packet, (u_char *)&lc);
        if (n == PCAP_ERROR) {
            snprintf(res->error, sizeof res->error, "capture stopped (%s)", pcap_geterr(p));
            one_line(res->error);
            break;
        }
        if (lc.dump && n > 0)
            pcap_dump_flush(lc.dump);
        if (o->after_batch)
            o->after_batch(o->arg);
    }
    struct pcap_stat ps;
    if (pcap_stats(p, &ps) == 0) {
        res->kernel_received = ps.ps_recv;
        res->kernel_dropped = ps.ps_drop;
        res->interface_dropped = ps.ps_ifdrop;
    }
    live_handle = NULL;
    if (lc.dump)
        pcap_dump_close(lc.dump);
    pcap_close(p);
}
