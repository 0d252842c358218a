/* Fuzz target: certificate summaries (OpenSSL parsing, names, SANs). */
#include <stddef.h>
#include <stdint.h>

#include "x509/x509.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct tsc_x509_summary s;
    if (tsc_is_ok(tsc_x509_summarize(data, size, &s)))
        for (unsigned i = 0; i < s.san_count; i++)
            (void)tsc_x509_san_at(&s, i);
    return 0;
}
