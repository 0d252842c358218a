/*
 * assemble.c - handshake messages from handshake bytes. See assemble.h.
 *
 * RFC 8446 4 / RFC 5246 7.4:
 *   struct {
 *       HandshakeType msg_type;    -- 1 byte
 *       uint24 length;             -- bytes in message
 *       ...body...
 *   } Handshake;
 */
#include "tls/assemble.h"

#include <string.h>

#include "registry/registry.h"

static uint32_t hs_len(const uint8_t *h) { return ((uint32_t)h[1] << 16) | ((uint32_t)h[2] << 8) | h[3]; }

void tsc_asm_free(struct tsc_hs_asm *a) { tsc_buf_free(&a->msg); }

void tsc_asm_lost(struct tsc_hs_asm *a)
{
    /* a partial message cannot be completed across a hole; the next
     * handshake record may well start in the middle of one */
    tsc_buf_free(&a->msg);
    a->skip = 0;
    a->lost = 1;
}

int tsc_asm_pending(const struct tsc_hs_asm *a, uint64_t *need)
{
    if (a->msg.len == 0 || a->broken)
        return 0;
    *need = a->msg.len >= 4 ? 4 + (uint64_t)hs_len(a->msg.data) - a->msg.len : 0;
    return 1;
}

static void broke(struct tsc_hs_asm *a, tsc_result r, uint64_t detail, const struct tsc_asm_out *out)
{
    out->error(out->arg, r, detail);
    a->broken = 1;
    tsc_buf_free(&a->msg);
}

void tsc_asm_stream(struct tsc_hs_asm *a, size_t cap, const uint8_t *p, size_t n, int fresh,
                    const struct tsc_asm_out *out)
{
    if (a->broken)
        return;
    if (a->skip) {
        /* the rest of a message that lost bytes to a gap, or was too big */
        size_t k = a->skip < n ? a->skip : n;
        a->skip -= (uint32_t)k;
        p += k;
        n -= k;
        if (n == 0)
            return;
    }
    if (a->lost) {
        /* boundaries were lost: wait for a record that starts with a
         * plausible message header, gathering its first 4 bytes */
        if (fresh) {
            a->probing = 1;
            a->probe_have = 0;
        }
        if (!a->probing)
            return;
        size_t k = 4u - a->probe_have < n ? 4u - a->probe_have : n;
        memcpy(a->probe + a->probe_have, p, k);
        a->probe_have = (uint8_t)(a->probe_have + k);
        p += k;
        n -= k;
        if (a->probe_have < 4)
            return;
        a->probing = 0;
        if (!tsc_reg_name(TSC_REG_HANDSHAKE, a->probe[0]) || hs_len(a->probe) > cap)
            return;
        a->lost = 0;
        if (a->msg.max == 0)
            tsc_buf_init(&a->msg, cap);
        tsc_buf_reset(&a->msg);
        if (!tsc_is_ok(tsc_buf_append(&a->msg, a->probe, 4)))
            return;
        /* from here the message is assembled in a->msg as usual */
    }
    const uint8_t *q = p;
    size_t left = n;
    if (a->msg.len) {
        /* complete the pending message first */
        tsc_result r = tsc_buf_append(&a->msg, p, n);
        if (!tsc_is_ok(r)) {
            broke(a, r, a->msg.len, out);
            return;
        }
        q = a->msg.data;
        left = a->msg.len;
    }
    size_t used = 0;
    while (left - used >= 4) {
        const uint8_t *h = q + used;
        uint32_t len = hs_len(h);
        if (len > cap) {
            /* too big to assemble: its length says where the next one starts */
            out->error(out->arg, TSC_ERR(TSC_LIMIT, "handshake message larger than the per-flow buffer cap"), len);
            size_t have = left - used, total = 4 + (size_t)len;
            if (have >= total) {
                used += total;
                continue;
            }
            a->skip = (uint32_t)(total - have);
            tsc_buf_free(&a->msg);
            return;
        }
        if (len > left - used - 4)
            break;
        struct tsc_view body = {h + 4, len};
        out->message(out->arg, h[0], body);
        used += 4 + (size_t)len;
    }
    if (a->msg.len) {
        tsc_buf_consume(&a->msg, used);
    } else if (used < left) {
        if (a->msg.max == 0)
            tsc_buf_init(&a->msg, cap);
        tsc_result r = tsc_buf_append(&a->msg, q + used, left - used);
        if (!tsc_is_ok(r))
            broke(a, r, left - used, out);
    }
}

void tsc_asm_gap(struct tsc_hs_asm *a, uint64_t missing, const struct tsc_asm_out *out)
{
    if (a->broken)
        return;
    if (a->skip) {
        if (missing < a->skip) {
            a->skip -= (uint32_t)missing;
            return;
        }
        missing -= a->skip;
        a->skip = 0;
        if (missing == 0)
            return;
        a->lost = 1;
        return;
    }
    if (a->lost)
        return;
    if (a->msg.len >= 4) {
        uint64_t need = 4 + (uint64_t)hs_len(a->msg.data) - a->msg.len;
        out->error(out->arg, TSC_ERR(TSC_TRUNCATED, "a handshake message lost bytes to a gap"), a->msg.data[0]);
        tsc_buf_free(&a->msg);
        if (missing < need) {
            a->skip = (uint32_t)(need - missing);
            return;
        }
        if (missing == need)
            return; /* the hole ended with the message: in sync */
    } else {
        tsc_buf_free(&a->msg);
    }
    a->lost = 1;
}
