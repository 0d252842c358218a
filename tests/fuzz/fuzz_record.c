/* Fuzz target: the record layer, alerts and heartbeats. */
#include <stddef.h>
#include <stdint.h>

#include "tls/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tsc_record_hdr h;
    struct tsc_cursor c = tsc_cursor_make(data, size);
    while (tsc_is_ok(tsc_record_hdr_parse(&c, &h))) {
        struct tsc_view body;
        if (!tsc_is_ok(tsc_cursor_bytes(&c, h.length, &body)))
            break;
        struct tsc_alert a;
        struct tsc_heartbeat hb;
        if (h.type == TSC_CT_ALERT)
            (void)tsc_alert_parse(body, &a);
        if (h.type == TSC_CT_HEARTBEAT)
            (void)tsc_heartbeat_parse(body, &hb);
    }
    (void)tsc_record_plausible(data, size);
    (void)tsc_sslv2_hello_plausible(data, size);
    return 0;
}
