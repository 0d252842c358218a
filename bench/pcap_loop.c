/* The floor for reading a capture: a bare libpcap loop that touches every
 * byte of every packet (a checksum), and nothing else. */
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>

static void cb(u_char *arg, const struct pcap_pkthdr *h, const u_char *p)
{
    uint64_t *sum = (uint64_t *)arg;
    uint64_t s = 0;
    for (uint32_t i = 0; i < h->caplen; i++)
        s += p[i];
    sum[0] += s;
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
    pcap_loop(p, -1, cb, (u_char *)sum);
    pcap_close(p);
    printf("%llu packets, checksum %llu\n", (unsigned long long)sum[1], (unsigned long long)sum[0]);
    return 0;
}
