/* Fuzz target: link, IP, tunnel, TCP and UDP decoding; the first byte picks the
 * link type (modulo the table's size; new link types go at its end, so that
 * the seeds keep theirs). */
#include <stddef.h>
#include <stdint.h>

#include "capture/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int links[] = {
        TSC_LINK_ETHERNET, TSC_LINK_RAW, TSC_LINK_LINUX_SLL, TSC_LINK_LINUX_SLL2, TSC_LINK_NULL, TSC_LINK_LOOP,
        TSC_LINK_IPV4, TSC_LINK_IPV6, TSC_LINK_PPP,
        /* issue 16 */
        TSC_LINK_NFLOG, TSC_LINK_IEEE802_11, TSC_LINK_IEEE802_11_RADIOTAP, TSC_LINK_PPI, TSC_LINK_IEEE802_11_AVS,
        TSC_LINK_IEEE802_11_PRISM, TSC_LINK_ERF, TSC_LINK_IPNET, TSC_LINK_PFLOG, TSC_LINK_C_HDLC,
        TSC_LINK_PPP_WITH_DIR, TSC_LINK_C_HDLC_WITH_DIR, TSC_LINK_PPP_ETHER, TSC_LINK_ATM_RFC1483, TSC_LINK_IPOIB,
        TSC_LINK_NETANALYZER, TSC_LINK_NETANALYZER_TRANSPARENT, TSC_LINK_PKTAP,
    };
    struct tsc_packet p;
    if (size < 1)
        return 0;
    int link = links[data[0] % (sizeof links / sizeof links[0])];
    if (tsc_packet_decode(link, data + 1, size - 1, &p) == TSC_PKT_FRAGMENT && p.frag.len <= size)
        (void)tsc_packet_decode_reassembled(&p.frag, p.frag.data, p.frag.len, &p);
    return 0;
}
