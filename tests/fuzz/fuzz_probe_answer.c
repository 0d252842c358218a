/* Fuzz target: the probe's reader of server answers (probe/answer.c), fed
 * what a hostile server may send: the whole answer with and without the
 * close, and cut at a few places as the bytes would arrive. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "probe/probe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct tsc_probe_answer a;
    /* at the close every answer is decided */
    if (!tsc_probe_answer_read(data, size, 1, &a) || a.kind == TSC_ANS_PENDING)
        abort();
    (void)tsc_probe_kind_name(a.kind);
    /* as the bytes arrive: undecided means PENDING, decided never means PENDING */
    size_t cuts[] = {0, 1, 5, 6, size / 3, size / 2, size - (size > 0)};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        if (cuts[i] > size)
            continue;
        int d = tsc_probe_answer_read(data, cuts[i], 0, &a);
        if (d != (a.kind != TSC_ANS_PENDING))
            abort();
    }
    (void)tsc_probe_answer_read(data, size, 0, &a);
    return 0;
}
