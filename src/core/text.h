/*
 * text.h - rendering untrusted bytes safely: JSON strings, terminal text, hex
 * (and hex read back: key log secrets and randoms).
 *
 * tsc_json_str() writes a JSON string literal (with quotes) from arbitrary
 * bytes: control characters as \u00XX, '"' and '\\' escaped, valid UTF-8 kept,
 * every byte of invalid UTF-8 replaced by U+FFFD. It returns 1 when it had to
 * replace something (callers may then add the raw bytes as hex beside it).
 * tsc_text_str() writes bytes for a terminal: printable ASCII and valid UTF-8
 * kept, everything else (ESC, controls, DEL, invalid UTF-8) as \xHH, and
 * backslash as \\ so the output cannot be confused.
 * Both append to a tsc_buf; errors of the buffer (LIMIT) are returned.
 */
#ifndef TSC_CORE_TEXT_H
#define TSC_CORE_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

tsc_result tsc_json_str(struct tsc_buf *b, const uint8_t *p, size_t n, int *replaced);
tsc_result tsc_json_cstr(struct tsc_buf *b, const char *s); /* NULL -> null */
tsc_result tsc_text_str(struct tsc_buf *b, const uint8_t *p, size_t n);
tsc_result tsc_text_cstr(struct tsc_buf *b, const char *s);
tsc_result tsc_hex(struct tsc_buf *b, const uint8_t *p, size_t n);
/* The value of a hex digit (either case), or -1. */
int tsc_hex_digit(int ch);
/* Exactly n hex digits (n even, 2 to 2*max) into out; *len bytes. 0 on
 * success, -1 (out partly written) otherwise. */
int tsc_unhex(const char *s, size_t n, uint8_t *out, size_t max, size_t *len);
/* Length of the valid UTF-8 sequence at p (1..4), or 0 if invalid. */
size_t tsc_utf8_seq(const uint8_t *p, size_t n);
/* "2026-11-26T23:03:39.123456Z" from microseconds since the epoch. */
void tsc_iso8601_us(int64_t us, char *out, size_t n);

#endif
