/*
 * registry.c - binary search over the generated name tables.
 * See registry.h for the contract.
 */
#include "registry/registry.h"

struct tsc_reg_table {
    const struct tsc_reg_entry *entries;
    const size_t *count;
    int grease_reserved; /* RFC 8701 reserves GREASE values in this registry */
};

static const struct tsc_reg_table tsc_reg_tables[TSC_REG_COUNT] = {
    [TSC_REG_CIPHER_SUITE] = {tsc_reg_gen_cipher_suites, &tsc_reg_gen_cipher_suites_count, 1},
    [TSC_REG_EXTENSION] = {tsc_reg_gen_extension_types, &tsc_reg_gen_extension_types_count, 1},
    [TSC_REG_GROUP] = {tsc_reg_gen_supported_groups, &tsc_reg_gen_supported_groups_count, 1},
    [TSC_REG_SIGSCHEME] = {tsc_reg_gen_signature_schemes, &tsc_reg_gen_signature_schemes_count,
                           1},
    [TSC_REG_HANDSHAKE] = {tsc_reg_gen_handshake_types, &tsc_reg_gen_handshake_types_count, 0},
    [TSC_REG_ALERT] = {tsc_reg_gen_alert_descriptions, &tsc_reg_gen_alert_descriptions_count, 0},
    [TSC_REG_CONTENT_TYPE] = {tsc_reg_gen_content_types, &tsc_reg_gen_content_types_count, 0},
    [TSC_REG_VERSION] = {tsc_reg_gen_protocol_versions, &tsc_reg_gen_protocol_versions_count, 1},
    [TSC_REG_SRTP_PROFILE] = {tsc_reg_gen_srtp_protection_profiles,
                              &tsc_reg_gen_srtp_protection_profiles_count, 0},
};

static const struct tsc_reg_entry tsc_reg_grease_entry = {0, "Reserved (GREASE)",
                                                          "reserved_grease"};

static const struct tsc_reg_table *tsc_reg_table_get(enum tsc_reg reg)
{
    if ((unsigned)reg >= (unsigned)TSC_REG_COUNT)
        return NULL;
    return &tsc_reg_tables[reg];
}

static const struct tsc_reg_entry *tsc_reg_entry_find(enum tsc_reg reg, uint16_t code)
{
    const struct tsc_reg_table *t = tsc_reg_table_get(reg);
    size_t lo = 0, hi;

    if (t == NULL)
        return NULL;
    hi = *t->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint16_t c = t->entries[mid].code;
        if (c < code)
            lo = mid + 1;
        else if (c > code)
            hi = mid;
        else
            return &t->entries[mid];
    }
    if (t->grease_reserved && tsc_reg_is_grease(code))
        return &tsc_reg_grease_entry;
    return NULL;
}

const char *tsc_reg_name(enum tsc_reg reg, uint16_t code)
{
    const struct tsc_reg_entry *e = tsc_reg_entry_find(reg, code);
    return e ? e->name : NULL;
}

const char *tsc_reg_snake(enum tsc_reg reg, uint16_t code)
{
    const struct tsc_reg_entry *e = tsc_reg_entry_find(reg, code);
    return e ? e->snake : NULL;
}

int tsc_reg_is_grease(uint16_t code)
{
    return (code & 0x0f0f) == 0x0a0a && (code >> 8) == (code & 0xff);
}

size_t tsc_reg_count(enum tsc_reg reg)
{
    const struct tsc_reg_table *t = tsc_reg_table_get(reg);
    return t ? *t->count : 0;
}

uint16_t tsc_reg_code_at(enum tsc_reg reg, size_t i)
{
    const struct tsc_reg_table *t = tsc_reg_table_get(reg);
    if (t == NULL || i >= *t->count)
        return 0;
    return t->entries[i].code;
}
