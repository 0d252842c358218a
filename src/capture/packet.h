/*
 * packet.h - link layer -> IPv4/IPv6 (through tunnels) -> TCP or UDP, as
 * views into the captured bytes. The link layers are link.c's (Ethernet,
 * Linux cooked, loopback, PPP and HDLC, NFLOG, PFLOG, IPNET, 802.11 with
 * radiotap/PPI/AVS/Prism headers, ERF, ...), the rest packet.c's.
 *
 * Every length is clamped to what was captured and to the IP total length
 * (and, for UDP, the UDP length). Nothing is allocated; the result points
 * into the packet buffer. UDP to the tunnel ports (VXLAN 4789, Geneve 6081,
 * GTP-U 2152) is a tunnel: what it carries is decoded instead.
 */
#ifndef TSC_CAPTURE_PACKET_H
#define TSC_CAPTURE_PACKET_H

#include <stddef.h>
#include <stdint.h>

#include "core/types.h"

/* Link types read (LINKTYPE_* values as in pcap files; tcpdump.org/linktypes.html). */
#define TSC_LINK_NULL 0
#define TSC_LINK_ETHERNET 1
#define TSC_LINK_PPP 9
#define TSC_LINK_ATM_RFC1483_DLT 11 /* DLT_ATM_RFC1483, as libpcap hands LINKTYPE_ATM_RFC1483 */
#define TSC_LINK_RAW_ALT 12 /* DLT_RAW on some systems */
#define TSC_LINK_PPP_HDLC 50
#define TSC_LINK_PPP_ETHER 51
#define TSC_LINK_ATM_RFC1483 100
#define TSC_LINK_RAW 101
#define TSC_LINK_C_HDLC 104
#define TSC_LINK_IEEE802_11 105
#define TSC_LINK_LOOP 108
#define TSC_LINK_LINUX_SLL 113
#define TSC_LINK_PFLOG 117
#define TSC_LINK_IEEE802_11_PRISM 119
#define TSC_LINK_IEEE802_11_RADIOTAP 127
#define TSC_LINK_IEEE802_11_AVS 163
#define TSC_LINK_PPI 192
#define TSC_LINK_ERF 197
#define TSC_LINK_PPP_WITH_DIR 204
#define TSC_LINK_C_HDLC_WITH_DIR 205
#define TSC_LINK_IPNET 226
#define TSC_LINK_IPV4 228
#define TSC_LINK_IPV6 229
#define TSC_LINK_NFLOG 239
#define TSC_LINK_NETANALYZER 240
#define TSC_LINK_NETANALYZER_TRANSPARENT 241
#define TSC_LINK_IPOIB 242
#define TSC_LINK_PKTAP 258
#define TSC_LINK_LINUX_SLL2 276

#define TSC_TCP_FIN 0x01
#define TSC_TCP_SYN 0x02
#define TSC_TCP_RST 0x04
#define TSC_TCP_ACK 0x10

enum tsc_pkt_status {
    TSC_PKT_TCP,        /* a TCP segment: fields below are valid */
    TSC_PKT_UDP,        /* a UDP datagram: endpoints and payload below are valid */
    TSC_PKT_NOT_IP,     /* link or network protocol we do not follow */
    TSC_PKT_OTHER_PROTO, /* IP carrying neither TCP nor UDP (nor a tunnel) */
    TSC_PKT_FRAGMENT,   /* an IPv4/IPv6 fragment (not reassembled) */
    TSC_PKT_TRUNCATED,  /* headers cut by the snaplen */
    TSC_PKT_MALFORMED,  /* headers that contradict themselves */
    TSC_PKT_LINK_UNSUPPORTED,
};

/* One IP fragment (IPv4, or IPv6's Fragment header), for the pipeline's reassembly. */
struct tsc_fragment {
    uint8_t family;
    uint8_t src[16], dst[16];
    uint32_t id;
    uint8_t proto;        /* protocol of the reassembled payload */
    int more;             /* more fragments follow */
    uint32_t offset;      /* byte offset of this fragment's data */
    const uint8_t *data;  /* captured data of this fragment */
    size_t len;
    size_t complete_len;  /* data length on the wire */
    int depth;            /* tunnel depth at which it was found */
};

struct tsc_packet {
    struct tsc_endpoint src, dst;
    uint8_t proto;         /* TSC_FLOW_TCP or TSC_FLOW_UDP (core/flow.h) */
    uint32_t seq, ack;     /* TCP */
    uint8_t flags;         /* TCP */
    const uint8_t *payload;
    size_t payload_len;    /* captured payload bytes */
    size_t payload_wire;   /* payload bytes on the wire (from the IP length) */
    struct tsc_fragment frag; /* valid when the status is TSC_PKT_FRAGMENT */
};

enum tsc_pkt_status tsc_packet_decode(int linktype, const uint8_t *p, size_t caplen, struct tsc_packet *out);
/* Continue decoding a reassembled IP payload (the fragments' data joined). */
enum tsc_pkt_status tsc_packet_decode_reassembled(const struct tsc_fragment *f, const uint8_t *data, size_t len,
                                                  struct tsc_packet *out);
/* Link types (link.c): whether one is read; its LINKTYPE_ name without the
 * prefix ("USER0"), "unknown" for a value not in the table; the link types
 * read, as the error message lists them; and that message for one that is
 * not read ("link type 147 (USER0) is not supported: tlsscope reads ..."). */
int tsc_link_supported(int linktype);
const char *tsc_link_name(int linktype);
void tsc_link_supported_list(char *buf, size_t n);
void tsc_link_unsupported_message(int linktype, char *buf, size_t n);

#endif
