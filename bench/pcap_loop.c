/* A floor for reading a capture with libpcap: a bare loop that reads every
 * packet and touches one byte of each (its first), and does nothing else.
 * A reader must at least bring every packet in; summing every byte, as this
 * loop once did, is work a TLS reader skips for application data and would
 * make the floor depend on the packets' size.
 * The lower floor, reading the file's bytes at all, is `dd bs=1M`. */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

static void cb(u_char *arg, const struct pcap_pkthdr *h, const u_char *p)
{
    uint64_t *sum = (uint64_t *)arg;
    if (h->caplen)
        sum[0] += p[0];
    sum[1]++;
}

int main(int argc, char **argv)
{
    char err[PCAP_ERRBUF_SIZE];
    if (argc != 2) {
        fprintf(stderr, "usage: pcap_loop FILE\n");
        return 2;
    }
    pcap_t *p = pcap_open_offline(argv[1], err);
    if (!p) {
        fprintf(stderr, "pcap_loop: %s: %s\n", argv[1], err);
        return 1;
    }
    uint64_t sum[2] = {0, 0};
    int rc = 0;
    if (pcap_loop(p, -1, cb, (u_char *)sum) == -1) {
        /* a damaged end: the packets before it still count */
        fprintf(stderr, "pcap_loop: %s: %s\n", argv[1], pcap_geterr(p));
        rc = 1;
    }
    pcap_close(p);
    printf("%llu packets, checksum %llu\n", (unsigned long long)sum[1], (unsigned long long)sum[0]);
    return rc;
}
