/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eseal — common definitions for the public API.
 *
 * Every public function returns an int: ESEAL_OK (0) on success or a negative
 * eseal_code (see errors.h); eseal_error_last() then holds one specific line.
 */
#ifndef ESEAL_COMMON_H
#define ESEAL_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#define ESEAL_BEGIN_DECL extern "C" {
#define ESEAL_END_DECL }
#else
#define ESEAL_BEGIN_DECL
#define ESEAL_END_DECL
#endif

#if defined(__GNUC__)
#define ESEAL_EXTERN(type) __attribute__((visibility("default"))) type
#else
#define ESEAL_EXTERN(type) type
#endif

ESEAL_BEGIN_DECL

#define ESEAL_VERSION_MAJOR 0
#define ESEAL_VERSION_MINOR 1
#define ESEAL_VERSION_PATCH 0
#define ESEAL_VERSION "0.1.0"

/** The library version string, e.g. "0.1.0". Never NULL. */
ESEAL_EXTERN(const char *) eseal_version(void);

/**
 * An owned output buffer filled by the library. Always NUL-terminated one
 * byte past `size` (so text can be used as a C string). Release with
 * eseal_buf_dispose(); a disposed buffer is empty and may be reused.
 */
typedef struct {
    uint8_t *ptr;
    size_t size;
} eseal_buf;

#define ESEAL_BUF_INIT { NULL, 0 }

/** Frees the contents of `buf` (wiping them first) and resets it to empty. */
ESEAL_EXTERN(void) eseal_buf_dispose(eseal_buf *buf);

/** Hash algorithms. DEFAULT picks the natural one for the key (SM3 for SM2, SHA-256, ...). */
typedef enum {
    ESEAL_HASH_DEFAULT = 0,
    ESEAL_HASH_SHA256,
    ESEAL_HASH_SHA384,
    ESEAL_HASH_SHA512,
    ESEAL_HASH_SM3,
} eseal_hash;

/** "SHA256", "SHA384", "SHA512", "SM3" or "default". */
ESEAL_EXTERN(const char *) eseal_hash_name(eseal_hash hash);

/** Parses "sha256", "sha384", "sha512", "sm3" (case-insensitive). ESEAL_EINVAL otherwise. */
ESEAL_EXTERN(int) eseal_hash_from_name(eseal_hash *out, const char *name);

/** Milliseconds since the Unix epoch, now. */
ESEAL_EXTERN(int64_t) eseal_time_now(void);

/**
 * Parses an RFC 3339 time ("2026-11-21T04:37:00Z", "...+08:00", fractions
 * allowed) or a date ("2026-11-21", midnight UTC). ESEAL_EINVAL otherwise.
 */
ESEAL_EXTERN(int) eseal_time_parse(int64_t *out_ms, const char *text);

/** Formats `ms` as RFC 3339 UTC with milliseconds into out (at least 32 bytes). */
ESEAL_EXTERN(void) eseal_time_format(char *out, size_t out_len, int64_t ms);

/** Reads a whole regular file (no symbolic links), refusing more than `max` bytes (ESEAL_ELIMIT). */
ESEAL_EXTERN(int) eseal_file_read(eseal_buf *out, const char *path, size_t max);

/**
 * A regular file mapped read-only (eseal_file_map): `ptr` and `size` are its bytes, read as they are
 * touched, without a copy. If the file shrinks while mapped, the bytes past the cut read as zeros
 * (where a plain mapping would kill the process with SIGBUS) and eseal_mapped_file_check says so:
 * whatever was computed from a mapping counts only if the check passes afterwards. The first
 * mapping installs a SIGBUS handler that acts only on faults inside eseal's mappings and passes
 * every other SIGBUS to the handler installed before it (or the default action); an application
 * that installs its own SIGBUS handler later must pass eseal's faults on, or read files instead.
 */
typedef struct {
    const uint8_t *ptr;
    size_t size;
    int slot_; /**< internal */
} eseal_mapped_file;

/**
 * Maps a whole regular file (no symbolic links), refusing more than `max` bytes (ESEAL_ELIMIT).
 * ESEAL_EUNSUPPORTED when it cannot be mapped (an empty file, no address space): read it instead.
 */
ESEAL_EXTERN(int) eseal_file_map(eseal_mapped_file *out, const char *path, size_t max);

/** ESEAL_OK when every byte read from `m` so far was the file's; ESEAL_EIO once the file shrank under it. */
ESEAL_EXTERN(int) eseal_mapped_file_check(const eseal_mapped_file *m);

/** Unmaps (an all-zero or disposed struct is left alone). */
ESEAL_EXTERN(void) eseal_mapped_file_dispose(eseal_mapped_file *m);

/**
 * Writes a file atomically: a temporary file in the same directory, fsync,
 * rename. A crash never leaves a half-written file at `path`.
 */
ESEAL_EXTERN(int) eseal_file_write(const char *path, const void *data, size_t len, unsigned int mode);

/** Creates a new file exclusively (O_EXCL, O_NOFOLLOW) with `mode`: ESEAL_EEXISTS when it exists. */
ESEAL_EXTERN(int) eseal_file_create(const char *path, const void *data, size_t len, unsigned int mode);

ESEAL_END_DECL

#endif
