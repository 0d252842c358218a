#include "core/result.h"

const char *tsc_kind_name(int kind)
{
    switch (kind) {
    case TSC_OK: return "ok";
    case TSC_TRUNCATED: return "truncated";
    case TSC_MALFORMED: return "malformed";
    case TSC_LIMIT: return "limit";
    case TSC_OPENSSL: return "openssl";
    case TSC_INTERNAL: return "internal";
    default: return "unknown";
    }
}
