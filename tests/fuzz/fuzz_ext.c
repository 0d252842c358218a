/* Fuzz target: one extension body in one context (the first three bytes
 * pick the context and the extension type), and whole extension lists. */
#include <stddef.h>
#include <stdint.h>

#include "tls/msg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct tsc_ext e;
    static struct tsc_ext_list l;
    if (size < 3)
        return 0;
    enum tsc_ext_ctx ctx = (enum tsc_ext_ctx)(data[0] % (TSC_EXT_CERTIFICATE + 1));
    uint16_t type = (uint16_t)((data[1] << 8) | data[2]);
    struct tsc_view body = {data + 3, size - 3};
    tsc_ext_decode(type, body, ctx, &e);
    for (size_t i = 0; i < tsc_ext_list_count(&e); i++)
        (void)tsc_ext_list_at(&e, i);
    struct tsc_cursor c = tsc_cursor_make(data + 1, size - 1);
    (void)tsc_ext_list_parse(&c, ctx, &l);
    return 0;
}
