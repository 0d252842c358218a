/* Fuzz target: link, IP, tunnel, TCP and UDP decoding; the first byte picks the
 * link type. */
#include <stddef.h>
#include <stdint.h>

#include "capture/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int links[] = {TSC_LINK_ETHERNET, TSC_LINK_RAW, TSC_LINK_LINUX_SLL, TSC_LINK_LINUX_SLL2,
                                TSC_LINK_NULL, TSC_LINK_LOOP, TSC_LINK_IPV4, TSC_LINK_IPV6, TSC_LINK_PPP};
    struct tsc_packet p;
    if (size < 1)
        return 0;
    if (tsc_packet_decode(links[data[0] % 9], data + 1, size - 1, &p) == TSC_PKT_FRAGMENT && p.frag.len <= size)
        (void)tsc_packet_decode_reassembled(&p.frag, p.frag.data, p.frag.len, &p);
    return 0;
}
