/*
 * packet_int.h - the capture module's own seam between the link layers
 * (link.c) and the network layers (packet.c). Not for other modules.
 *
 * Each function decodes from the cursor's position into `out` and returns
 * the packet's status; `depth` is the tunnel depth (bounded in packet.c).
 * Views left in `out` point into the cursor's bytes.
 */
#ifndef TSC_CAPTURE_PACKET_INT_H
#define TSC_CAPTURE_PACKET_INT_H

#include <stdint.h>

#include "capture/packet.h"
#include "core/cursor.h"

/* An Ethernet II / 802.3 frame from its destination address on. */
enum tsc_pkt_status tsc_pkt_ethernet(struct tsc_cursor *c, struct tsc_packet *out, int depth);
/* What follows an ethertype (VLAN tags, MPLS, PPPoE, IPv4, IPv6...). */
enum tsc_pkt_status tsc_pkt_ethertype(struct tsc_cursor *c, uint16_t type, struct tsc_packet *out, int depth);
/* An IEEE 802.2 LLC header (with SNAP: OUI and ethertype) and what follows it. */
enum tsc_pkt_status tsc_pkt_llc(struct tsc_cursor *c, struct tsc_packet *out, int depth);
/* IPv4 or IPv6 by the version nibble; not IP otherwise. */
enum tsc_pkt_status tsc_pkt_ip(struct tsc_cursor *c, struct tsc_packet *out, int depth);
enum tsc_pkt_status tsc_pkt_ipv4(struct tsc_cursor *c, struct tsc_packet *out, int depth);
enum tsc_pkt_status tsc_pkt_ipv6(struct tsc_cursor *c, struct tsc_packet *out, int depth);

/* The link layer of `linktype` (link.c); `nested` is set inside a wrapper
 * (PPI, PKTAP) so that wrappers do not nest. */
enum tsc_pkt_status tsc_link_decode(int linktype, struct tsc_cursor *c, struct tsc_packet *out, int nested);

#endif
