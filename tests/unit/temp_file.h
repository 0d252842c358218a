/*
 * temp_file.h - a fresh empty file under $TMPDIR (else /tmp) for the unit
 * tests that read files: its path, malloc'd; the test unlinks and frees it.
 * Included by cmocka tests (after <cmocka.h>).
 */
#ifndef TSC_TEST_TEMP_FILE_H
#define TSC_TEST_TEMP_FILE_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline char *temp_path(const char *prefix)
{
    const char *dir = getenv("TMPDIR");
    char *path = malloc(4096);
    assert_non_null(path);
    snprintf(path, 4096, "%s/%s_XXXXXX", dir && *dir ? dir : "/tmp", prefix);
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    return path;
}

#endif
