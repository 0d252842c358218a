/* Fuzz target: TLS over TCP from the stream on (tls/frame_tcp.c, sniff.c,
 * then protection, assembly, decoders, facts, events), without the capture
 * layer: one connection fed in-order bytes and holes per side, closed, and
 * rendered. The first byte: bit 0 the capture began mid-connection, bit 1
 * JSON (else -v), bit 2 the flow layer knows the client side. Then ops
 * [op][len u16][len bytes]: op bit 0 the side; bit 1 a hole of len bytes
 * instead of bytes. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "report/report.h"
#include "fuzz_format.h"
#include "tls/session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *devnull;
    if (!devnull)
        devnull = fopen("/dev/null", "w");
    if (size < 1 || !devnull)
        return 0;
    struct tsc_report_opts ro = {tsc_fuzz_format((unsigned)(data[0] >> 4)), 0, 1, 0, NULL, NULL};
    char rerr[256];
    struct tsc_report *rep = tsc_report_new(&ro, devnull, rerr, sizeof rerr);
    if (!rep)
        return 0;
    const struct tsc_sink *sink = tsc_report_sink(rep);
    struct tsc_limits lim = {1 << 14, 64, 8 << 20, 0};
    struct tsc_session_ctx sc;
    if (!tsc_is_ok(tsc_session_ctx_init(&sc, sink, &lim))) {
        tsc_report_free(rep);
        return 0;
    }
    struct tsc_endpoint a = {4, {10, 0, 0, 1}, 40000}, b = {4, {10, 0, 0, 2}, 443};
    struct tsc_conn *c = tsc_conn_new(1, &a, &b, 0);
    if (c) {
        tsc_conn_set_midstream(c, data[0] & 1);
        if (data[0] & 4)
            tsc_conn_set_client_side(c, 0, 1);
        struct tsc_cursor cur = tsc_cursor_make(data + 1, size - 1);
        int64_t ts = 1;
        while (tsc_cursor_left(&cur) >= 3) {
            uint8_t op = 0;
            uint16_t len = 0;
            (void)tsc_cursor_u8(&cur, &op);
            (void)tsc_cursor_u16(&cur, &len);
            ts += 1000;
            if (op & 2) {
                tsc_session_gap(&sc, c, op & 1, len, ts);
                continue;
            }
            size_t n = len < tsc_cursor_left(&cur) ? len : tsc_cursor_left(&cur);
            struct tsc_view v = {NULL, 0};
            (void)tsc_cursor_bytes(&cur, n, &v);
            tsc_session_feed(&sc, c, op & 1, v.p, v.len, ts);
        }
        tsc_session_close(&sc, c, ts);
        if (c->is_tls)
            sink->emit(sink->ctx, c, 1);
        else
            sink->discard(sink->ctx, c);
        tsc_conn_free(c);
    }
    tsc_session_ctx_free(&sc);
    (void)tsc_report_flush(rep);
    tsc_report_free(rep);
    return 0;
}
