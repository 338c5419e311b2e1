/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal utilities: allocation, spans, bounded buffers, read cursors,
 * secrets, time, files. No OpenSSL and no database here.
 */
#ifndef ES_UTIL_H
#define ES_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eseal/common.h"
#include "eseal/limits.h"
#include "result.h"

/* ---- allocation (the only place that calls malloc/free) ---------------- */

void *es_malloc(size_t n);
void *es_calloc(size_t count, size_t size);
void *es_realloc(void *p, size_t n);
void es_free(void *p);
char *es_strdup(const char *s);
char *es_strndup(const char *s, size_t n);
/* Overwrites n bytes with zeros in a way the compiler cannot drop. */
void es_wipe(void *p, size_t n);
/* Test hook: the n-th allocation from now fails (0 disables). */
void es_alloc_fail_after(unsigned long n);

static inline void es_freep(void *pp) { es_free(*(void **)pp); }
static inline void es_strfreep(char **p) { es_free(*p); }

/* ---- span: a borrowed view, never freed -------------------------------- */

typedef struct {
    const uint8_t *ptr;
    size_t len;
} es_span;

static inline es_span es_span_of(const void *p, size_t n) { return (es_span){(const uint8_t *)p, n}; }
bool es_span_eq(es_span a, es_span b);

/* ---- buf: owned, growable, always NUL-terminated, with a hard maximum --- */

typedef struct {
    uint8_t *ptr;
    size_t len;
    size_t cap;
    size_t max; /* hard limit on len; growing past it is ESEAL_ELIMIT */
    bool secret; /* wiped on every reallocation and on free */
} es_buf;

#define ES_BUF_INIT(maxbytes) {NULL, 0, 0, (maxbytes), false}

/* Named caps of es_buf shared by the rooms (issue #16): an es_buf's max is a hard bound, so each says
 * why it is that size. A room's own live in its header of named maxima (auditlog/maxima.h, crypto.h, ...). */
/* A file path built from a directory and a name under it: Linux's PATH_MAX is 4096 and open() refuses
 * longer; twice that, so a home near PATH_MAX plus its relative name fails at open(), with its errno. */
#define ES_PATH_BUF_MAX 8192
/* A path as the system takes it, or a relative path inside a home: PATH_MAX (Linux, 4096). */
#define ES_DIR_PATH_MAX 4096
/* A URL built from the configured base URL (one line of eseal.conf) and a short path after it. */
#define ES_URL_BUF_MAX 4096
/* One line of a message: a reason, a failure's text, a note's line (errors.c keeps 1024 too). */
#define ES_LINE_MAX 1024
/* A short value shown or matched: a name, an id, the hex of a serial (20 octets, 40 digits). */
#define ES_SHORT_TEXT_MAX 256

ES_RESULT es_buf_reserve(es_buf *b, size_t extra);
ES_RESULT es_buf_append(es_buf *b, const void *p, size_t n);
ES_RESULT es_buf_append_str(es_buf *b, const char *s);
ES_RESULT es_buf_append_byte(es_buf *b, uint8_t c);
__attribute__((format(printf, 2, 3))) ES_RESULT es_buf_printf(es_buf *b, const char *fmt, ...);
ES_RESULT es_buf_append_hex(es_buf *b, const void *p, size_t n, bool upper);
void es_buf_clear(es_buf *b);
void es_buf_free(es_buf *b);
static inline void es_buf_freep(es_buf *b) { es_buf_free(b); }
/* Moves the contents into a public eseal_buf; b is left empty. */
void es_buf_move_out(eseal_buf *out, es_buf *b);
static inline es_span es_buf_span(const es_buf *b) { return es_span_of(b->ptr, b->len); }
static inline const char *es_buf_cstr(const es_buf *b) { return b->ptr != NULL ? (const char *)b->ptr : ""; }

/* ---- cursor: the only way parsers touch input --------------------------- */

typedef struct {
    const uint8_t *base;
    size_t len;
    size_t pos; /* absolute offset, for messages */
} es_cur;

static inline es_cur es_cur_of(es_span s) { return (es_cur){s.ptr, s.len, 0}; }
static inline size_t es_cur_left(const es_cur *c) { return c->len - c->pos; }
static inline bool es_cur_eof(const es_cur *c) { return c->pos >= c->len; }
ES_RESULT es_cur_u8(es_cur *c, uint8_t *out);
ES_RESULT es_cur_take(es_cur *c, size_t n, es_span *out);
ES_RESULT es_cur_skip(es_cur *c, size_t n);
ES_RESULT es_cur_expect(es_cur *c, const char *lit);
bool es_cur_peek_is(const es_cur *c, const char *lit);
/* Decimal digits only, at least one, value <= max. */
ES_RESULT es_cur_uint(es_cur *c, uint64_t max, uint64_t *out);
/* Exactly n decimal digits. */
ES_RESULT es_cur_digits_exact(es_cur *c, size_t n, uint64_t *out);
/* A line up to (not including) '\n'; strips a trailing '\r'. At most max bytes. */
ES_RESULT es_cur_line(es_cur *c, size_t max, es_span *out);
/* The bytes up to (not including) the next `delim`, which is consumed; false (and no error
 * recorded, the cursor unchanged) when there is none left, for the caller to say what was
 * missing. Nothing is stripped: for formats where every byte is signed (C2SP signed notes). */
bool es_cur_until(es_cur *c, uint8_t delim, es_span *out);

/* Parses a whole C string as an unsigned decimal number <= max. */
ES_RESULT es_parse_uint(const char *s, uint64_t max, uint64_t *out);

/* ---- secret: bytes that are wiped on free ------------------------------- */

typedef struct {
    char *ptr; /* NUL-terminated */
    size_t len;
} es_secret;

ES_RESULT es_secret_set(es_secret *s, const void *p, size_t n);
void es_secret_free(es_secret *s);
static inline void es_secret_freep(es_secret *s) { es_secret_free(s); }

/* ---- time: milliseconds since the Unix epoch, UTC ----------------------- */

int64_t es_now_ms(void);
/* RFC 3339 with milliseconds and Z: "2026-11-21T04:37:00.123Z" (25 bytes + NUL). */
#define ES_RFC3339_LEN 32
void es_time_rfc3339(char out[ES_RFC3339_LEN], int64_t ms);
/* Accepts "YYYY-MM-DDTHH:MM:SS[.fff...]Z" or with "+hh:mm"/"-hh:mm", and "YYYY-MM-DD". */
ES_RESULT es_time_parse_rfc3339(const char *s, int64_t *out_ms);
/* ASN.1 GeneralizedTime "YYYYMMDDHHMMSS[.fff]Z" (RFC 5280 §4.1.2.5.2 form). */
#define ES_GENTIME_LEN 48
void es_time_gentime(char out[ES_GENTIME_LEN], int64_t ms, bool with_ms);
ES_RESULT es_time_parse_gentime(es_span s, int64_t *out_ms);
/* Days from civil date (proleptic Gregorian), and back. */
int64_t es_days_from_civil(int64_t y, unsigned m, unsigned d);
void es_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);

/* ---- files -------------------------------------------------------------- */

/* Opens an input for reading: only a regular file ("X is not a regular file (it is a FIFO)"
 * otherwise), opened O_NONBLOCK so that a FIFO does not block the open, then made blocking;
 * nofollow also refuses a symbolic link. *fd is -1 on failure; st is the file's fstat. */
struct stat;
ES_RESULT es_open_regular(int *fd, struct stat *st, const char *path, bool nofollow);
/* Reads a whole regular file, refusing more than max bytes (ESEAL_ELIMIT). */
ES_RESULT es_file_read(es_buf *out, const char *path, size_t max);

/*
 * A read-only mapping of a file (map.c): what qpdf and the hashes read of a large input without a
 * copy, and without the process dying if the file shrinks meanwhile. The first es_map_fd installs a
 * SIGBUS handler that acts only on faults inside these mappings (an anonymous zero page goes over the
 * faulting page and the mapping is marked damaged) and passes every other SIGBUS on to the handler
 * installed before it, or to the default action. Whatever is read from a mapping counts only once
 * es_map_check says it was intact until then. ESEAL_EUNSUPPORTED when the file cannot be mapped (the caller
 * reads it instead).
 */
typedef struct {
    const uint8_t *ptr;
    size_t len;
    int slot;
} es_map; /* all zero: not mapped */

ES_RESULT es_map_fd(es_map *m, int fd, size_t len);
/* True once a page could not be read (the file shrank): its bytes read as zeros. */
bool es_map_damaged(const es_map *m);
/* ESEAL_EIO "<what> changed while it was read" when damaged. */
ES_RESULT es_map_check(const es_map *m, const char *what);
void es_map_close(es_map *m);
/*
 * Issue 18 (branch h-bigstamp): the pages of [off, off + len) of the mapping, rounded inward to
 * whole pages, dropped from this process (madvise MADV_DONTNEED; the file's cache keeps them, and
 * a later read faults them in again): a large file read once through its mapping does not stay in
 * the process's resident memory.
 */
void es_map_release(const es_map *m, size_t off, size_t len);
/* Test hook: SIGBUS faults answered so far in this process. */
unsigned long es_map_repaired_count(void);
/* Creates `path` exclusively (O_EXCL|O_NOFOLLOW, given mode), writes, fsyncs. */
ES_RESULT es_file_write_new(const char *path, const void *p, size_t n, unsigned mode);
/* Writes to a temporary file in the same directory, fsyncs, renames over path. */
ES_RESULT es_file_write_atomic(const char *path, const void *p, size_t n, unsigned mode);
/* A file written in pieces and published whole. es_atomic_open creates the file beside path
 * (mode 0600 until it is complete): where the filesystem can (Linux O_TMPFILE, and /proc/self/fd
 * to name it), an unnamed file in path's directory, which a crash or a kill makes vanish with the
 * process; elsewhere (O_TMPFILE refused: EOPNOTSUPP, EISDIR, EINVAL) a named temporary file
 * `path.tmp-XXXXXX` created O_EXCL, which a crash before commit or abort leaves behind.
 * es_atomic_sync fsyncs it and gives it its mode (the fd stays open: an unnamed file lives by it);
 * es_atomic_name gives it the name it will have just before the rename, without creating that name
 * yet (an unnamed file; a named one keeps its name): what a caller records before publishing (the
 * stamp's audit entry) names a temporary file that exists only between the link and the rename.
 * es_atomic_commit syncs (unless done), links an unnamed file to its name, renames that over path
 * and syncs the directory; es_atomic_abort (also after a failed open or commit, and safe to repeat)
 * closes and removes whatever was created. Either path has the complete new content or its old
 * one, never a part. es_atomic_read reads the content back (what was written, from the start).
 * defer_dir_sync (set after open): commit leaves the directory sync to the caller, who
 * writes many files into one directory and calls es_sync_dir_of once before reporting any. */
typedef struct {
    int fd;
    char *tmp_path; /* the temporary name (NULL: unnamed and not yet given one) */
    char *path;
    bool defer_dir_sync;
    unsigned mode;
    bool unnamed; /* O_TMPFILE: tmp_path, when set, does not exist until commit links it */
    bool synced;
    /* commit renamed it into place (kept after commit): a failure after this one, the directory's
     * sync, leaves the complete new file at path, so the caller must not report it as not there. */
    bool renamed;
} es_atomic_file;
/* Test hooks: true makes es_atomic_open create named temporary files as where O_TMPFILE is refused;
 * es_sync_dir_fail makes es_sync_dir_of fail (an EIO on the directory, which a test cannot cause). */
extern bool es_atomic_named_only;
extern bool es_sync_dir_fail;
/* fsyncs the directory that holds `path`. */
ES_RESULT es_sync_dir_of(const char *path);
ES_RESULT es_atomic_open(es_atomic_file *f, const char *path, unsigned mode);
ES_RESULT es_atomic_write(es_atomic_file *f, const void *p, size_t n);
ES_RESULT es_atomic_sync(es_atomic_file *f);
ES_RESULT es_atomic_name(es_atomic_file *f);
ES_RESULT es_atomic_read(es_atomic_file *f, es_buf *out);
ES_RESULT es_atomic_commit(es_atomic_file *f);
void es_atomic_abort(es_atomic_file *f);
/*
 * Issue 18 (branch h-bigstamp): up to n bytes of `in` from in_off appended to f in the kernel
 * (copy_file_range(2): the bytes do not pass through user space; a shared extent where the
 * filesystem can). *done is what was copied, 0 when `in` ends at in_off. ESEAL_EUNSUPPORTED
 * when the kernel or the filesystems refuse (EXDEV, ENOSYS, EINVAL, EOPNOTSUPP, EBADF): the
 * caller copies by read and write, from where it stood. Test hooks: es_copy_range_calls counts
 * the calls that copied (this process); es_copy_range_refuse, an errno (0: off), makes every call
 * refuse with it once es_copy_range_calls has reached es_copy_range_refuse_after.
 */
ES_RESULT es_atomic_copy_range(es_atomic_file *f, int in, uint64_t in_off, size_t n, size_t *done);
extern int es_copy_range_refuse;
extern unsigned long es_copy_range_refuse_after;
extern _Atomic unsigned long es_copy_range_calls;
/*
 * Issue 18 (branch h-bigstamp): starts the write-back of n bytes of f from off without waiting
 * for it (sync_file_range(2) SYNC_FILE_RANGE_WRITE), so that the disk writes a large file while
 * the rest of it is made and es_atomic_sync waits only for the end of it. A hint: it makes nothing
 * durable and its failure is ignored (es_atomic_sync still syncs everything).
 */
void es_atomic_writeback(es_atomic_file *f, uint64_t off, uint64_t n);
ES_RESULT es_mkdir_p(const char *path, unsigned mode);
bool es_path_exists(const char *path);

/* ---- text --------------------------------------------------------------- */

int es_strcasecmp(const char *a, const char *b);
bool es_str_starts(const char *s, const char *prefix);
ES_RESULT es_hex_decode(es_buf *out, const char *hex);
/* Writes p[0..n) as 2n lower-case hex digits and a NUL into out (2n + 1 bytes). */
void es_hex_lower(char *out, const uint8_t *p, size_t n);
/* True when s[0..n) is n lower-case hex digits (n > 0). */
bool es_is_lower_hex(const char *s, size_t n);

#endif
