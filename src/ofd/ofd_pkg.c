/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The OFD package: a zip archive (GB/T 33190-2016 §7.1, APPNOTE 6.3.x),
 * read with libzip from memory, strictly (ofd.h lists the rules).
 *
 * libzip opens the archive with ZIP_CHECKCONS (every local header agrees with
 * its central directory entry, nothing after the end record, no two names
 * alike). On top of that this file walks the central directory itself, for
 * what libzip's API cannot tell: the exact bytes and length of each name (a
 * NUL inside a name, or a name replaced by an Info-ZIP Unicode Path extra
 * field, would make two readers see different files), a single end record
 * (two candidates would let two readers see different archives), and
 * entries whose data overlap (the "non-recursive zip bomb" and files that
 * share bytes).
 *
 * Directory entries (names ending in '/') are checked like files but are not
 * listed: es_ofd_count, es_ofd_name and es_ofd_find see files only. The
 * writer copies them as they are.
 *
 * A package is used from one thread at a time (libzip's archive handle is
 * not thread-safe); distinct packages are independent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zip.h>

#include "ofd/ofd.h"
#include "ofd/ofd_libs.h" /* last: libzip and libxml2 calls through its table */

typedef struct {
    char *name;      /* as libzip reports it (UTF-8) */
    zip_uint64_t zi; /* index in the archive (directories included) */
    uint64_t size;   /* declared inflated size */
} ofd_entry;

struct es_ofd_pkg {
    zip_t *za;
    eseal_limits lim;
    ofd_entry *e; /* files in archive order */
    size_t n;
    size_t *sorted; /* indices into e, by name, for es_ofd_find */
};

/* Zip structures (APPNOTE 6.3.x §4.3). */
#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_EOCD 0x06054b50u
#define SIG_EOCD64 0x06064b50u
#define SIG_EOCD64_LOC 0x07064b50u
#define EOCD_LEN 22u
#define EOCD64_LOC_LEN 20u
#define CENTRAL_LEN 46u
#define LOCAL_LEN 30u
#define GPBF_ENCRYPTED 0x0001u
#define GPBF_STRONG_ENCRYPTION 0x0040u
#define GPBF_CD_ENCRYPTED 0x2000u

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static uint64_t le64(const uint8_t *p) { return (uint64_t)le32(p) | ((uint64_t)le32(p + 4) << 32); }

/* ---- names in messages ---------------------------------------------------------------------- */

#define SHOW_MAX 200

/* `s` (len bytes) quoted for a one-line message: control bytes, quotes, backslashes and bytes
 * >= 0x80 escaped, long names cut. */
static const char *show(char buf[SHOW_MAX + 16], const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    buf[o++] = '"';
    for (size_t i = 0; i < len && o < SHOW_MAX; i++) {
        uint8_t c = (uint8_t)s[i];
        if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') {
            buf[o++] = '\\';
            buf[o++] = 'x';
            buf[o++] = hex[c >> 4];
            buf[o++] = hex[c & 15];
        } else {
            buf[o++] = (char)c;
        }
        if (i + 1 < len && o >= SHOW_MAX) {
            buf[o++] = '.';
            buf[o++] = '.';
            buf[o++] = '.';
        }
    }
    buf[o++] = '"';
    buf[o] = '\0';
    return buf;
}

#define SHOWN(s) show((char[SHOW_MAX + 16]){0}, (s), strlen(s))

/* ---- names ---------------------------------------------------------------------------------- */

/* The rules of ofd.h for one entry name (a directory's without its final '/'). */
static ES_RESULT check_name(const char *name, size_t len, bool is_dir)
{
    char sh[SHOW_MAX + 16];
    ES_ENSURE(len > 0, ESEAL_EMALFORMED, "ofd: an entry of the package has an empty name");
    ES_ENSURE(len <= ES_OFD_NAME_MAX, ESEAL_EMALFORMED, "ofd: entry %s has a name longer than %d bytes",
              show(sh, name, len), ES_OFD_NAME_MAX);
    ES_ENSURE(name[0] != '/', ESEAL_EMALFORMED, "ofd: entry %s has an absolute name", show(sh, name, len));
    size_t end = len;
    if (is_dir) {
        end--; /* the final '/' */
        ES_ENSURE(end > 0, ESEAL_EMALFORMED, "ofd: entry %s has an empty name", show(sh, name, len));
    }
    size_t seg = 0;
    for (size_t i = 0; i <= end; i++) {
        uint8_t c = i < end ? (uint8_t)name[i] : '/';
        ES_ENSURE(c != '\\', ESEAL_EMALFORMED, "ofd: entry %s has a backslash in its name", show(sh, name, len));
        ES_ENSURE(c != 0, ESEAL_EMALFORMED, "ofd: entry %s has a NUL byte in its name", show(sh, name, len));
        ES_ENSURE(c >= 0x20 && c != 0x7f, ESEAL_EMALFORMED, "ofd: entry %s has a control character in its name",
                  show(sh, name, len));
        if (c != '/') {
            continue;
        }
        size_t sl = i - seg;
        ES_ENSURE(sl > 0, ESEAL_EMALFORMED, "ofd: entry %s has an empty path segment", show(sh, name, len));
        ES_ENSURE(!(sl == 1 && name[seg] == '.') && !(sl == 2 && name[seg] == '.' && name[seg + 1] == '.'),
                  ESEAL_EMALFORMED, "ofd: entry %s has a \".\" or \"..\" segment in its name", show(sh, name, len));
        seg = i + 1;
    }
    return ES_OK;
}

static int cmp_str_ptr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Refuses two equal names among `names` (sorted in place): O(n log n). */
static ES_RESULT check_unique(const char **names, size_t n)
{
    if (n < 2) {
        return ES_OK;
    }
    qsort(names, n, sizeof(*names), cmp_str_ptr);
    for (size_t i = 1; i < n; i++) {
        ES_ENSURE(strcmp(names[i - 1], names[i]) != 0, ESEAL_EMALFORMED, "ofd: two entries of the package are named %s",
                  SHOWN(names[i]));
    }
    return ES_OK;
}

/* ---- libzip errors -------------------------------------------------------------------------- */

static void zip_error_finip(zip_error_t *e) { zip_error_fini(e); }

/*
 * End of central directory records that end `data` exactly (with their comment); *last gets the
 * one nearest the end. libzip under ZIP_CHECKCONS accepts only such a record, so when there is
 * exactly one, it is the one libzip used.
 */
static unsigned eocd_candidates(es_span data, size_t *last_found)
{
    if (data.len < EOCD_LEN) {
        return 0;
    }
    size_t last = data.len - EOCD_LEN;
    size_t lo = last > 0xffffu ? last - 0xffffu : 0;
    unsigned found = 0;
    for (size_t p = last + 1; p-- > lo;) {
        if (le32(data.ptr + p) == SIG_EOCD && (size_t)le16(data.ptr + p + 20) == last - p) {
            if (found++ == 0) {
                *last_found = p;
            }
        }
    }
    return found;
}

/* The archive as a whole could not be opened. */
static es_result open_failed(zip_error_t *ze, es_span data)
{
    int code = zip_error_code_zip(ze);
    bool starts_like_zip = data.len >= 4 && memcmp(data.ptr, "PK\003\004", 4) == 0;
    switch (code) {
    case ZIP_ER_MEMORY:
        return es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory");
    case ZIP_ER_NOZIP:
        if (starts_like_zip) {
            return es_error_set(ESEAL_EMALFORMED, __FILE__, __LINE__,
                                "ofd: the OFD package is truncated (it starts like a zip archive but its "
                                "central directory is missing or cut short)");
        }
        return es_error_set(ESEAL_EMALFORMED, __FILE__, __LINE__,
                            "ofd: the OFD package is not a valid zip archive: no end of central directory record");
    case ZIP_ER_EOF:
    case ZIP_ER_READ:
    case ZIP_ER_SEEK:
        return es_error_set(ESEAL_EMALFORMED, __FILE__, __LINE__,
                            "ofd: the OFD package is truncated (%s)", zip_error_strerror(ze));
    case ZIP_ER_INCONS: {
        size_t at = 0;
        if (eocd_candidates(data, &at) == 0) {
            return es_error_set(ESEAL_EMALFORMED, __FILE__, __LINE__,
                                "ofd: the OFD package is not a valid zip archive: it has data after the end of "
                                "central directory record");
        }
        return es_error_set(ESEAL_EMALFORMED, __FILE__, __LINE__,
                            "ofd: the OFD package is not a valid zip archive: its structure is inconsistent (a "
                            "local header disagrees with the central directory, or a flagged UTF-8 name is not "
                            "UTF-8; libzip: %s)",
                            zip_error_strerror(ze));
    }
    case ZIP_ER_MULTIDISK:
        return es_error_set(ESEAL_EMALFORMED, __FILE__, __LINE__,
                            "ofd: the OFD package is a multi-disk zip archive, which OFD does not allow");
    default:
        return es_error_set(ESEAL_EMALFORMED, __FILE__, __LINE__, "ofd: the OFD package is not a valid zip archive: %s",
                            zip_error_strerror(ze));
    }
}

/* Reading entry `name` failed with libzip error `ze`. */
static es_result read_failed(zip_error_t *ze, const char *name)
{
    switch (zip_error_code_zip(ze)) {
    case ZIP_ER_MEMORY:
        return es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory");
    case ZIP_ER_CRC:
        return es_error_set(ESEAL_EMALFORMED, __FILE__, __LINE__,
                            "ofd: entry %s fails its CRC-32 check (the package is damaged or was altered)",
                            SHOWN(name));
    case ZIP_ER_INCONS:
        return es_error_set(ESEAL_EMALFORMED, __FILE__, __LINE__,
                            "ofd: entry %s inflates to a size other than the one declared", SHOWN(name));
    case ZIP_ER_COMPNOTSUPP:
        return es_error_set(ESEAL_EUNSUPPORTED, __FILE__, __LINE__,
                            "ofd: entry %s uses an unsupported compression method", SHOWN(name));
    default:
        return es_error_set(ESEAL_EMALFORMED, __FILE__, __LINE__, "ofd: entry %s cannot be inflated: %s",
                            SHOWN(name), zip_error_strerror(ze));
    }
}

/* ---- the central directory, walked independently --------------------------------------------- */


static ES_RESULT cur_le16(es_cur *c, uint16_t *v)
{
    es_span s;
    ES_GUARD(es_cur_take(c, 2, &s));
    *v = le16(s.ptr);
    return ES_OK;
}

static ES_RESULT cur_le64(es_cur *c, uint64_t *v)
{
    es_span s;
    ES_GUARD(es_cur_take(c, 8, &s));
    *v = le64(s.ptr);
    return ES_OK;
}

typedef struct {
    uint64_t start; /* local header */
    uint64_t end;   /* end of the compressed data */
    zip_uint64_t zi;
} extent;

static int cmp_extent(const void *a, const void *b)
{
    const extent *x = a, *y = b;
    return x->start < y->start ? -1 : x->start > y->start ? 1 : 0;
}

/* The Zip64 extended information extra field (APPNOTE §4.5.3): the 64-bit values replace the
 * 32-bit ones that are all ones, in this order. */
static ES_RESULT zip64_values(es_span extra, uint64_t *usize, uint64_t *csize, uint64_t *off, const char *name)
{
    bool need_u = *usize == 0xffffffffu, need_c = *csize == 0xffffffffu, need_o = *off == 0xffffffffu;
    es_cur c = es_cur_of(extra);
    while (es_cur_left(&c) >= 4) {
        uint16_t id, len;
        ES_GUARD(cur_le16(&c, &id));
        ES_GUARD(cur_le16(&c, &len));
        es_span body;
        ES_ENSURE(es_ok(es_cur_take(&c, len, &body)), ESEAL_EMALFORMED,
                  "ofd: entry %s has a truncated extra field", SHOWN(name));
        if (id != 0x0001) {
            continue;
        }
        es_cur z = es_cur_of(body);
        es_result r = ES_OK;
        if (need_u && es_ok(r)) {
            r = cur_le64(&z, usize);
        }
        if (need_c && es_ok(r)) {
            r = cur_le64(&z, csize);
        }
        if (need_o && es_ok(r)) {
            r = cur_le64(&z, off);
        }
        ES_ENSURE(es_ok(r), ESEAL_EMALFORMED, "ofd: entry %s has a Zip64 extra field that is too short",
                  SHOWN(name));
        return ES_OK;
    }
    ES_ENSURE(!need_u && !need_c && !need_o, ESEAL_EMALFORMED,
              "ofd: entry %s needs a Zip64 extra field and has none", SHOWN(name));
    return ES_OK;
}

/* The one end of central directory record (see eocd_candidates). */
static ES_RESULT find_eocd(es_span data, size_t *eocd)
{
    unsigned found = eocd_candidates(data, eocd);
    ES_ENSURE(found > 0, ESEAL_EMALFORMED,
              "ofd: the OFD package is not a valid zip archive: no end of central directory record ends the file");
    ES_ENSURE(found == 1, ESEAL_EMALFORMED,
              "ofd: the OFD package has %u end of central directory records (ambiguous: a zip comment hides "
              "another archive)",
              found);
    return ES_OK;
}

typedef struct {
    uint64_t nentries, cd_size, cd_off, cd_end_expected;
} cd_info;

/* `n` bytes of `data` at offset `off`, or an error naming `what`. */
static ES_RESULT span_at(es_span data, uint64_t off, size_t n, es_span *out, const char *what)
{
    es_cur c = es_cur_of(data);
    ES_ENSURE(off <= data.len && es_ok(es_cur_skip(&c, (size_t)off)) && es_ok(es_cur_take(&c, n, out)),
              ESEAL_EMALFORMED, "ofd: the OFD package is not a valid zip archive: %s lies outside the file", what);
    return ES_OK;
}

static ES_RESULT read_eocd(es_span data, size_t eocd, cd_info *cd)
{
    es_span e;
    ES_GUARD(span_at(data, eocd, EOCD_LEN, &e, "the end record"));
    uint16_t disk = le16(e.ptr + 4), cd_disk = le16(e.ptr + 6), n_disk = le16(e.ptr + 8), n_total = le16(e.ptr + 10);
    uint32_t size = le32(e.ptr + 12), off = le32(e.ptr + 16);
    ES_ENSURE(disk == 0 && cd_disk == 0 && n_disk == n_total, ESEAL_EMALFORMED,
              "ofd: the OFD package is a multi-disk zip archive, which OFD does not allow");
    cd->nentries = n_total;
    cd->cd_size = size;
    cd->cd_off = off;
    cd->cd_end_expected = eocd;
    es_span loc;
    if (eocd < EOCD64_LOC_LEN || !es_ok(span_at(data, eocd - EOCD64_LOC_LEN, EOCD64_LOC_LEN, &loc, "")) ||
        le32(loc.ptr) != SIG_EOCD64_LOC) {
        return ES_OK;
    }
    /* Zip64 (APPNOTE §4.3.14, §4.3.15): the locator just before the end record points to the
     * Zip64 end record, which follows the central directory. */
    uint64_t z_off = le64(loc.ptr + 8);
    ES_ENSURE(le32(loc.ptr + 4) == 0 && le32(loc.ptr + 16) <= 1, ESEAL_EMALFORMED,
              "ofd: the OFD package is a multi-disk zip archive, which OFD does not allow");
    ES_ENSURE(z_off <= eocd - EOCD64_LOC_LEN && eocd - EOCD64_LOC_LEN - z_off >= 56, ESEAL_EMALFORMED,
              "ofd: the OFD package is not a valid zip archive: the Zip64 end record is out of place");
    es_span z;
    ES_GUARD(span_at(data, z_off, 56, &z, "the Zip64 end record"));
    ES_ENSURE(le32(z.ptr) == SIG_EOCD64, ESEAL_EMALFORMED,
              "ofd: the OFD package is not a valid zip archive: no Zip64 end record where its locator points");
    uint64_t zn_disk = le64(z.ptr + 24), zn_total = le64(z.ptr + 32), z_size = le64(z.ptr + 40);
    uint64_t z_cdoff = le64(z.ptr + 48);
    ES_ENSURE(le32(z.ptr + 16) == 0 && le32(z.ptr + 20) == 0 && zn_disk == zn_total, ESEAL_EMALFORMED,
              "ofd: the OFD package is a multi-disk zip archive, which OFD does not allow");
    /* The 32-bit fields either say the same or are the "see Zip64" escape. */
    ES_ENSURE((n_total == 0xffffu || n_total == zn_total) && (size == 0xffffffffu || size == z_size) &&
                  (off == 0xffffffffu || off == z_cdoff),
              ESEAL_EMALFORMED,
              "ofd: the OFD package is not a valid zip archive: the end record and the Zip64 end record disagree");
    cd->nentries = zn_total;
    cd->cd_size = z_size;
    cd->cd_off = z_cdoff;
    cd->cd_end_expected = z_off;
    return ES_OK;
}

static void extents_freep(extent **x) { es_free(*x); }

/* Walks the central directory libzip used and checks what its API cannot show (see the top). */
static ES_RESULT check_central_directory(es_span data, zip_t *za, zip_uint64_t n)
{
    size_t eocd = 0;
    ES_GUARD(find_eocd(data, &eocd));
    cd_info cd = {0, 0, 0, 0};
    ES_GUARD(read_eocd(data, eocd, &cd));
    ES_ENSURE(cd.nentries == n, ESEAL_EMALFORMED,
              "ofd: the OFD package is not a valid zip archive: it declares %llu entries, libzip read %llu",
              (unsigned long long)cd.nentries, (unsigned long long)n);
    ES_ENSURE(cd.cd_off <= cd.cd_end_expected && cd.cd_end_expected - cd.cd_off == cd.cd_size, ESEAL_EMALFORMED,
              "ofd: the OFD package is not a valid zip archive: the central directory does not end where the "
              "end record starts");
    ES_AUTO(extents_freep) extent *x = es_calloc(n > 0 ? n : 1, sizeof(*x));
    ES_ENSURE_ALLOC(x);
    es_cur c = {data.ptr, (size_t)(cd.cd_off + cd.cd_size), (size_t)cd.cd_off};
    for (zip_uint64_t i = 0; i < n; i++) {
        es_span h;
        ES_ENSURE(es_ok(es_cur_take(&c, CENTRAL_LEN, &h)) && le32(h.ptr) == SIG_CENTRAL, ESEAL_EMALFORMED,
                  "ofd: the OFD package is not a valid zip archive: central directory entry %llu is damaged",
                  (unsigned long long)i);
        uint16_t flags = le16(h.ptr + 8);
        uint64_t csize = le32(h.ptr + 20), usize = le32(h.ptr + 24), off = le32(h.ptr + 42);
        uint16_t nlen = le16(h.ptr + 28), elen = le16(h.ptr + 30), clen = le16(h.ptr + 32);
        es_span name, extra, comment;
        ES_ENSURE(es_ok(es_cur_take(&c, nlen, &name)) && es_ok(es_cur_take(&c, elen, &extra)) &&
                      es_ok(es_cur_take(&c, clen, &comment)),
                  ESEAL_EMALFORMED,
                  "ofd: the OFD package is not a valid zip archive: central directory entry %llu is damaged",
                  (unsigned long long)i);
        char sh[SHOW_MAX + 16];
        const char *shown = show(sh, (const char *)name.ptr, name.len);
        ES_ENSURE(memchr(name.ptr, 0, name.len) == NULL, ESEAL_EMALFORMED,
                  "ofd: entry %s has a NUL byte in its name", shown);
        /* The rules on the bytes as stored, before any reinterpretation. */
        bool is_dir = name.len > 0 && name.ptr[name.len - 1] == '/';
        ES_GUARD(check_name((const char *)name.ptr, name.len, is_dir));
        const char *raw = zip_get_name(za, i, ZIP_FL_ENC_RAW);
        ES_ENSURE(raw != NULL && strlen(raw) == name.len && memcmp(raw, name.ptr, name.len) == 0, ESEAL_EMALFORMED,
                  "ofd: entry %s is named differently by an extra field (Info-ZIP Unicode Path); readers would "
                  "disagree on its name",
                  shown);
        /* libzip shows a name that is not UTF-8 converted from CP437; other readers use the local
         * code page (GBK on Chinese Windows). Only a UTF-8 (or ASCII) name means one thing. */
        const char *guessed = zip_get_name(za, i, 0);
        ES_ENSURE(guessed != NULL && strcmp(guessed, raw) == 0, ESEAL_EMALFORMED,
                  "ofd: entry %s has a name that is not UTF-8; readers would disagree on its name", shown);
        ES_ENSURE((flags & (GPBF_ENCRYPTED | GPBF_STRONG_ENCRYPTION | GPBF_CD_ENCRYPTED)) == 0, ESEAL_EMALFORMED,
                  "ofd: entry %s is encrypted, which OFD does not allow", shown);
        ES_GUARD(zip64_values(extra, &usize, &csize, &off, raw));
        /* The sizes libzip works with are these (so the overlap check below is about its view). */
        zip_stat_t st;
        zip_stat_init(&st);
        ES_ENSURE(zip_stat_index(za, i, ZIP_FL_UNCHANGED, &st) == 0 && st.comp_size == csize && st.size == usize,
                  ESEAL_EMALFORMED, "ofd: entry %s: libzip reads other sizes than the central directory gives",
                  shown);
        /* The local header: its name must be the same bytes (libzip compares the names after
         * applying Unicode Path fields) and its data must lie before the central directory. */
        es_span lh, lname;
        ES_ENSURE(off <= cd.cd_off && cd.cd_off - off >= LOCAL_LEN &&
                      es_ok(span_at(data, off, LOCAL_LEN, &lh, "a local header")) && le32(lh.ptr) == SIG_LOCAL,
                  ESEAL_EMALFORMED, "ofd: entry %s: no local header where the central directory points", shown);
        uint64_t lnlen = le16(lh.ptr + 26), lelen = le16(lh.ptr + 28);
        uint64_t data_start = off + LOCAL_LEN + lnlen + lelen;
        ES_ENSURE(data_start <= cd.cd_off && csize <= cd.cd_off - data_start, ESEAL_EMALFORMED,
                  "ofd: entry %s: its data runs into the central directory", shown);
        ES_GUARD(span_at(data, off + LOCAL_LEN, (size_t)lnlen, &lname, "a local header"));
        ES_ENSURE(es_span_eq(lname, name), ESEAL_EMALFORMED, "ofd: entry %s has another name in its local header",
                  shown);
        x[i] = (extent){off, data_start + csize, i};
    }
    ES_ENSURE(es_cur_eof(&c), ESEAL_EMALFORMED,
              "ofd: the OFD package is not a valid zip archive: %zu unexplained bytes in the central directory",
              es_cur_left(&c));
    qsort(x, (size_t)n, sizeof(*x), cmp_extent);
    for (zip_uint64_t i = 1; i < n; i++) {
        if (x[i].start < x[i - 1].end) {
            const char *a = zip_get_name(za, x[i - 1].zi, 0), *b = zip_get_name(za, x[i].zi, 0);
            ES_BAIL(ESEAL_EMALFORMED, "ofd: entries %s and %s overlap in the archive (a zip bomb or a forged package)",
                    SHOWN(a != NULL ? a : "?"), SHOWN(b != NULL ? b : "?"));
        }
    }
    return ES_OK;
}

/* ---- opening -------------------------------------------------------------------------------- */

void es_ofd_close(es_ofd_pkg *p)
{
    if (p == NULL) {
        return;
    }
    if (p->za != NULL) {
        zip_discard(p->za);
    }
    for (size_t i = 0; i < p->n; i++) {
        es_free(p->e[i].name);
    }
    es_free(p->e);
    es_free(p->sorted);
    es_free(p);
}

static void pkg_freep(es_ofd_pkg **p)
{
    es_ofd_close(*p);
    *p = NULL;
}

static void names_freep(const char ***p) { es_free((void *)*p); }

/* The names of every entry of `za`, sorted, with the duplicate (if any) reported. */
static ES_RESULT find_duplicate(zip_t *za)
{
    zip_int64_t n = zip_get_num_entries(za, 0);
    ES_AUTO(names_freep) const char **names = es_calloc(n > 0 ? (size_t)n : 1, sizeof(*names));
    ES_ENSURE_ALLOC(names);
    for (zip_int64_t i = 0; i < n; i++) {
        names[i] = zip_get_name(za, (zip_uint64_t)i, 0);
        ES_ENSURE(names[i] != NULL, ESEAL_EMALFORMED, "ofd: entry %lld of the package has no name", (long long)i);
    }
    return check_unique(names, (size_t)n);
}

/* libzip refused two entries with the same name (ZIP_ER_EXISTS, under ZIP_CHECKCONS) without
 * saying which: open again without the check, to name them. */
static es_result duplicate_failed(es_span data)
{
    zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(data.ptr, data.len, 0, &ze);
    zip_t *za = src != NULL ? zip_open_from_source(src, ZIP_RDONLY, &ze) : NULL;
    es_result r = ES_OK;
    if (za != NULL) {
        r = find_duplicate(za);
        zip_discard(za);
    } else if (src != NULL) {
        zip_source_free(src);
    }
    zip_error_fini(&ze);
    if (!es_ok(r)) {
        return r;
    }
    return es_error_set(ESEAL_EMALFORMED, __FILE__, __LINE__, "ofd: two entries of the package have the same name");
}

static int cmp_by_name(const void *a, const void *b, void *ctx)
{
    const ofd_entry *e = ctx;
    return strcmp(e[*(const size_t *)a].name, e[*(const size_t *)b].name);
}

/* One entry's declared properties (ofd.h: encryption, method, sizes, ratio). */
static ES_RESULT check_entry(const zip_stat_t *st, bool is_dir, const eseal_limits *lim, uint64_t *total)
{
    const char *name = st->name;
    zip_uint64_t want = ZIP_STAT_NAME | ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_COMP_METHOD |
                        ZIP_STAT_ENCRYPTION_METHOD;
    ES_ENSURE((st->valid & want) == want, ESEAL_EMALFORMED, "ofd: entry %s: libzip cannot tell its sizes",
              SHOWN(name));
    ES_ENSURE(st->encryption_method == ZIP_EM_NONE, ESEAL_EMALFORMED,
              "ofd: entry %s is encrypted, which OFD does not allow", SHOWN(name));
    /* APPNOTE §4.4.5: OFD producers use stored (0) and deflate (8); nothing else is inflated here. */
    ES_ENSURE(st->comp_method == ZIP_CM_STORE || st->comp_method == ZIP_CM_DEFLATE, ESEAL_EUNSUPPORTED,
              "ofd: entry %s uses compression method %u (only stored and deflate are supported)", SHOWN(name),
              (unsigned)st->comp_method);
    if (is_dir) {
        ES_ENSURE(st->size == 0, ESEAL_EMALFORMED, "ofd: directory entry %s has content", SHOWN(name));
    }
    ES_ENSURE(st->size <= lim->max_inflated_bytes, ESEAL_ELIMIT,
              "ofd: entry %s declares %llu bytes, more than the limit of %llu for one entry", SHOWN(name),
              (unsigned long long)st->size, (unsigned long long)lim->max_inflated_bytes);
    ES_ENSURE(!ES_ADD_OVERFLOW(*total, st->size, total) && *total <= lim->max_input_bytes, ESEAL_ELIMIT,
              "ofd: the entries of the package declare more than %llu bytes together (reached at %s)",
              (unsigned long long)lim->max_input_bytes, SHOWN(name));
    if (st->comp_method == ZIP_CM_STORE) {
        ES_ENSURE(st->size == st->comp_size, ESEAL_EMALFORMED,
                  "ofd: stored entry %s declares %llu bytes but holds %llu", SHOWN(name),
                  (unsigned long long)st->size, (unsigned long long)st->comp_size);
    }
    /* Deflate cannot do better than about 1032:1; more is a bomb or a lie. */
    ES_ENSURE(st->comp_size >= UINT64_MAX / ES_OFD_MAX_RATIO || st->size <= st->comp_size * ES_OFD_MAX_RATIO,
              ESEAL_ELIMIT, "ofd: entry %s inflates %llu bytes to %llu, more than %u times (a zip bomb?)",
              SHOWN(name), (unsigned long long)st->comp_size, (unsigned long long)st->size, ES_OFD_MAX_RATIO);
    return ES_OK;
}

static ES_RESULT open_checked(es_ofd_pkg *p, es_span data)
{
    const eseal_limits *lim = &p->lim;
    zip_int64_t nz = zip_get_num_entries(p->za, 0);
    ES_ENSURE(nz >= 0, ESEAL_EMALFORMED, "ofd: the OFD package is not a valid zip archive");
    ES_ENSURE((uint64_t)nz <= lim->max_zip_entries, ESEAL_ELIMIT,
              "ofd: the OFD package has %lld entries, more than the limit of %u", (long long)nz,
              lim->max_zip_entries);
    zip_uint64_t n = (zip_uint64_t)nz;
    ES_GUARD(check_central_directory(data, p->za, n));

    p->e = es_calloc(n > 0 ? (size_t)n : 1, sizeof(*p->e));
    ES_ENSURE_ALLOC(p->e);
    ES_AUTO(names_freep) const char **all = es_calloc(n > 0 ? (size_t)n : 1, sizeof(*all));
    ES_ENSURE_ALLOC(all);
    uint64_t total = 0;
    for (zip_uint64_t i = 0; i < n; i++) {
        zip_stat_t st;
        zip_stat_init(&st);
        ES_ENSURE(zip_stat_index(p->za, i, 0, &st) == 0 && st.name != NULL, ESEAL_EMALFORMED,
                  "ofd: entry %llu of the package cannot be read: %s", (unsigned long long)i,
                  zip_error_strerror(zip_get_error(p->za)));
        size_t len = strlen(st.name);
        bool is_dir = len > 0 && st.name[len - 1] == '/';
        ES_GUARD(check_name(st.name, len, is_dir));
        ES_GUARD(check_entry(&st, is_dir, lim, &total));
        all[i] = st.name;
        if (is_dir) {
            continue;
        }
        ofd_entry *e = &p->e[p->n];
        e->name = es_strdup(st.name);
        ES_ENSURE_ALLOC(e->name);
        e->zi = i;
        e->size = st.size;
        p->n++;
    }
    ES_GUARD(check_unique(all, (size_t)n));
    ES_ENSURE(p->n > 0, ESEAL_EMALFORMED, "ofd: the OFD package has no files");
    p->sorted = es_calloc(p->n, sizeof(*p->sorted));
    ES_ENSURE_ALLOC(p->sorted);
    for (size_t i = 0; i < p->n; i++) {
        p->sorted[i] = i;
    }
    qsort_r(p->sorted, p->n, sizeof(*p->sorted), cmp_by_name, p->e);
    return ES_OK;
}

ES_RESULT es_ofd_open_limits(es_ofd_pkg **out, es_span data, const eseal_limits *lim)
{
    ES_ENSURE_ARG(out != NULL);
    *out = NULL;
    if (lim == NULL) {
        lim = es_limits_or_default(NULL);
    }
    ES_ENSURE_ARG(data.ptr != NULL || data.len == 0);
    ES_ENSURE(data.len <= lim->max_input_bytes, ESEAL_ELIMIT,
              "ofd: the OFD package is %zu bytes, more than the limit of %llu", data.len,
              (unsigned long long)lim->max_input_bytes);
    ES_ENSURE(data.len > 0, ESEAL_EMALFORMED, "ofd: the OFD package is empty");
    ES_GUARD(es_ofd_libs_load()); /* libzip comes with the first OFD (ofd_libs.h) */
    ES_AUTO(pkg_freep) es_ofd_pkg *p = es_calloc(1, sizeof(*p));
    ES_ENSURE_ALLOC(p);
    p->lim = *lim;

    ES_AUTO(zip_error_finip) zip_error_t ze;
    zip_error_init(&ze);
    zip_source_t *src = zip_source_buffer_create(data.ptr, data.len, 0, &ze);
    ES_ENSURE_ALLOC(src);
    /* Strict: ZIP_CHECKCONS compares every local header with the central directory and refuses
     * anything after the end record and names used twice. */
    p->za = zip_open_from_source(src, ZIP_CHECKCONS | ZIP_RDONLY, &ze);
    if (p->za == NULL) {
        zip_source_free(src);
        if (zip_error_code_zip(&ze) == ZIP_ER_EXISTS) {
            return duplicate_failed(data);
        }
        return open_failed(&ze, data);
    }
    ES_GUARD(open_checked(p, data));
    *out = p;
    p = NULL;
    return ES_OK;
}

ES_RESULT es_ofd_open(es_ofd_pkg **out, es_span data) { return es_ofd_open_limits(out, data, NULL); }

size_t es_ofd_count(const es_ofd_pkg *p) { return p != NULL ? p->n : 0; }

const char *es_ofd_name(const es_ofd_pkg *p, size_t i) { return p != NULL && i < p->n ? p->e[i].name : NULL; }

uint64_t es_ofd_size(const es_ofd_pkg *p, size_t i) { return p != NULL && i < p->n ? p->e[i].size : 0; }

long es_ofd_find(const es_ofd_pkg *p, const char *name)
{
    if (p == NULL || name == NULL) {
        return -1;
    }
    size_t lo = 0, hi = p->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(p->e[p->sorted[mid]].name, name);
        if (c == 0) {
            return (long)p->sorted[mid];
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return -1;
}

/* ---- reading -------------------------------------------------------------------------------- */

static void zip_fclosep(zip_file_t **f)
{
    if (*f != NULL) {
        (void)zip_fclose(*f);
        *f = NULL;
    }
}

#define READ_CHUNK ((size_t)64 << 10)

/* Inflates entry e into out (empty), growing it as bytes arrive: a declared size that lies
 * costs no memory the data does not back. */
static ES_RESULT read_entry(const es_ofd_pkg *p, const ofd_entry *e, es_buf *out)
{
    const char *name = e->name;
    size_t size = (size_t)e->size;
    ES_AUTO(zip_fclosep) zip_file_t *zf = zip_fopen_index(p->za, e->zi, 0);
    if (zf == NULL) {
        return read_failed(zip_get_error(p->za), name);
    }
    while (out->len < size) {
        size_t want = size - out->len < READ_CHUNK ? size - out->len : READ_CHUNK;
        ES_GUARD(es_buf_reserve(out, want));
        zip_int64_t r = zip_fread(zf, out->ptr + out->len, want);
        if (r < 0) {
            return read_failed(zip_file_get_error(zf), name);
        }
        ES_ENSURE(r > 0, ESEAL_EMALFORMED, "ofd: entry %s inflates to %zu bytes, not the %zu declared", SHOWN(name),
                  out->len, size);
        out->len += (size_t)r;
        out->ptr[out->len] = '\0';
    }
    /* One more read: libzip checks the CRC-32 (and the size) when it reaches the end. */
    uint8_t extra[1];
    zip_int64_t r = zip_fread(zf, extra, sizeof(extra));
    if (r < 0) {
        return read_failed(zip_file_get_error(zf), name);
    }
    ES_ENSURE(r == 0, ESEAL_EMALFORMED, "ofd: entry %s inflates to more than the %zu bytes declared", SHOWN(name),
              size);
    return ES_OK;
}

ES_RESULT es_ofd_read(const es_ofd_pkg *p, const char *name, es_buf *out)
{
    ES_ENSURE_ARG(p != NULL && name != NULL && out != NULL);
    es_buf_clear(out);
    long i = es_ofd_find(p, name);
    ES_ENSURE(i >= 0, ESEAL_ENOTFOUND, "ofd: the package has no entry %s", SHOWN(name));
    const ofd_entry *e = &p->e[i];
    uint64_t max = p->lim.max_inflated_bytes < out->max ? p->lim.max_inflated_bytes : out->max;
    ES_ENSURE(e->size <= max, ESEAL_ELIMIT, "ofd: entry %s declares %llu bytes, more than the limit of %llu",
              SHOWN(name), (unsigned long long)e->size, (unsigned long long)max);
    es_result r = read_entry(p, e, out);
    if (!es_ok(r)) {
        es_buf_clear(out); /* never half an entry */
        return r;
    }
    if (out->ptr == NULL) {
        ES_GUARD(es_buf_reserve(out, 0)); /* an empty entry: "" rather than NULL */
    }
    return ES_OK;
}

ES_RESULT es_ofd_read_xml(const es_ofd_pkg *p, const char *name, xmlDocPtr *out)
{
    ES_AUTO(es_buf_freep) es_buf b = ES_BUF_INIT(p != NULL ? p->lim.max_xml_bytes : 0);
    return es_ofd_read_xml_bytes(p, name, out, &b);
}

ES_RESULT es_ofd_read_xml_bytes(const es_ofd_pkg *p, const char *name, xmlDocPtr *out, es_buf *bytes)
{
    ES_ENSURE_ARG(p != NULL && out != NULL && bytes != NULL);
    *out = NULL;
    size_t max = p->lim.max_xml_bytes;
    es_buf *b = bytes;
    long i = es_ofd_find(p, name);
    ES_ENSURE(i >= 0, ESEAL_ENOTFOUND, "ofd: the package has no entry %s", SHOWN(name != NULL ? name : ""));
    ES_ENSURE(p->e[i].size <= max, ESEAL_ELIMIT, "ofd: %s is %llu bytes, more than the limit of %zu for one XML file",
              name, (unsigned long long)p->e[i].size, max);
    ES_GUARD(es_ofd_read(p, name, b));
    return es_ofd_xml_parse_named(out, es_buf_span(b), name, &p->lim);
}

/* ---- resolving paths ------------------------------------------------------------------------ */

/* Appends the segments of `s` (up to `n` bytes) to the path in out (length *len), resolving "."
 * and "..", skipping empty segments (repeated or trailing slashes). */
static ES_RESULT walk_segments(char *out, size_t *len, const char *s, size_t n, const char *path)
{
    size_t i = 0;
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] != '/') {
            j++;
        }
        size_t sl = j - i;
        if (sl == 0 || (sl == 1 && s[i] == '.')) {
            /* nothing */
        } else if (sl == 2 && s[i] == '.' && s[i + 1] == '.') {
            ES_ENSURE(*len > 0, ESEAL_EMALFORMED, "ofd: path %s escapes the package root", SHOWN(path));
            size_t k = *len;
            while (k > 0 && out[k - 1] != '/') {
                k--;
            }
            *len = k > 0 ? k - 1 : 0; /* back to before the last '/', or to the root */
        } else {
            size_t need = *len + (*len > 0 ? 1 : 0) + sl;
            ES_ENSURE(need <= ES_OFD_NAME_MAX, ESEAL_EMALFORMED, "ofd: path %s is longer than %d bytes", SHOWN(path),
                      ES_OFD_NAME_MAX);
            if (*len > 0) {
                out[(*len)++] = '/';
            }
            memcpy(out + *len, s + i, sl);
            *len += sl;
        }
        i = j + 1;
    }
    return ES_OK;
}

ES_RESULT es_ofd_resolve(char out[ES_OFD_NAME_MAX + 1], const char *base, const char *path)
{
    ES_ENSURE_ARG(out != NULL);
    out[0] = '\0';
    ES_ENSURE(path != NULL && path[0] != '\0', ESEAL_EMALFORMED, "ofd: an empty path");
    char tmp[ES_OFD_NAME_MAX + 1];
    size_t len = 0;
    if (path[0] != '/' && base != NULL) {
        /* GB/T 33190-2016 §7.2: relative to the directory of the file that holds the path. */
        const char *slash = strrchr(base, '/');
        if (slash != NULL) {
            ES_GUARD(walk_segments(tmp, &len, base, (size_t)(slash - base), path));
        }
    }
    ES_GUARD(walk_segments(tmp, &len, path, strlen(path), path));
    ES_ENSURE(len > 0, ESEAL_EMALFORMED, "ofd: path %s names the package root, not a file", SHOWN(path));
    memcpy(out, tmp, len);
    out[len] = '\0';
    return ES_OK;
}

/* ---- writing -------------------------------------------------------------------------------- */

struct es_ofd_writer {
    const es_ofd_pkg *src;
    zip_source_t *dst; /* the new archive's bytes; kept past zip_close */
    zip_t *za;
    es_buf *data; /* copies of the bytes put, alive until zip_close */
    size_t ndata;
};

void es_ofd_writer_free(es_ofd_writer *w)
{
    if (w == NULL) {
        return;
    }
    if (w->za != NULL) {
        zip_discard(w->za);
    }
    if (w->dst != NULL) {
        zip_source_free(w->dst);
    }
    for (size_t i = 0; i < w->ndata; i++) {
        es_buf_free(&w->data[i]);
    }
    es_free(w->data);
    es_free(w);
}

static void writer_freep(es_ofd_writer **w)
{
    es_ofd_writer_free(*w);
    *w = NULL;
}

static es_result zip_failed(zip_t *za, const char *what)
{
    zip_error_t *ze = zip_get_error(za);
    if (zip_error_code_zip(ze) == ZIP_ER_MEMORY) {
        return es_error_set(ESEAL_ENOMEM, __FILE__, __LINE__, "out of memory");
    }
    if (zip_error_code_zip(ze) == ZIP_ER_INVAL) {
        return es_error_set(ESEAL_EINVAL, __FILE__, __LINE__, "ofd: writing the package: %s: invalid (a name that "
                            "is not UTF-8?)", what);
    }
    return es_error_set(ESEAL_ERROR, __FILE__, __LINE__, "ofd: writing the package: %s: %s", what,
                        zip_error_strerror(ze));
}

ES_RESULT es_ofd_writer_new(es_ofd_writer **out, const es_ofd_pkg *src)
{
    ES_ENSURE_ARG(out != NULL && src != NULL);
    *out = NULL;
    ES_GUARD(es_ofd_libs_load()); /* loaded with src already; kept for a writer made otherwise */
    ES_AUTO(writer_freep) es_ofd_writer *w = es_calloc(1, sizeof(*w));
    ES_ENSURE_ALLOC(w);
    w->src = src;
    ES_AUTO(zip_error_finip) zip_error_t ze;
    zip_error_init(&ze);
    /* In memory only: an empty buffer source that zip_close fills. */
    w->dst = zip_source_buffer_create(NULL, 0, 0, &ze);
    ES_ENSURE_ALLOC(w->dst);
    w->za = zip_open_from_source(w->dst, ZIP_CREATE | ZIP_TRUNCATE, &ze);
    if (w->za == NULL) {
        zip_source_t *d = w->dst;
        w->dst = NULL;
        zip_source_free(d);
        ES_BAIL(zip_error_code_zip(&ze) == ZIP_ER_MEMORY ? ESEAL_ENOMEM : ESEAL_ERROR,
                "ofd: cannot start a new package: %s", zip_error_strerror(&ze));
    }
    /* The archive now holds one reference to dst; ours keeps the bytes after zip_close. */
    zip_source_keep(w->dst);
    zip_int64_t n = zip_get_num_entries(src->za, 0);
    for (zip_int64_t i = 0; i < n; i++) {
        zip_uint64_t zi = (zip_uint64_t)i;
        /* The raw name: the new entry is named with the very same bytes. */
        const char *name = zip_get_name(src->za, zi, ZIP_FL_ENC_RAW);
        ES_ENSURE(name != NULL, ESEAL_ERROR, "ofd: entry %lld of the source package has no name", (long long)i);
        zip_stat_t st;
        zip_stat_init(&st);
        ES_ENSURE(zip_stat_index(src->za, zi, 0, &st) == 0, ESEAL_ERROR, "ofd: entry %s cannot be copied",
                  SHOWN(name));
        /* start 0, length -1: the compressed data as stored, not inflated and deflated again. */
        zip_source_t *zs = zip_source_zip(w->za, src->za, zi, ZIP_FL_COMPRESSED, 0, -1);
        if (zs == NULL) {
            return zip_failed(w->za, name);
        }
        /* es_ofd_open let only ASCII and UTF-8 names through: flagged UTF-8 (APPNOTE §4.4.4 bit 11)
         * when not ASCII, as a careful producer writes them. */
        zip_int64_t di = zip_file_add(w->za, name, zs, ZIP_FL_ENC_UTF_8);
        if (di < 0) {
            zip_source_free(zs);
            return zip_failed(w->za, name);
        }
        ES_ENSURE(di == i, ESEAL_ERROR, "ofd: entry %s landed at index %lld", SHOWN(name), (long long)di);
        /* Without this libzip would deflate a stored entry (its default method is deflate). */
        if (st.comp_method == ZIP_CM_STORE && zip_set_file_compression(w->za, zi, ZIP_CM_STORE, 0) != 0) {
            return zip_failed(w->za, name);
        }
    }
    int clen = 0;
    const char *comment = zip_get_archive_comment(src->za, &clen, ZIP_FL_ENC_RAW);
    if (comment != NULL && clen > 0 && zip_set_archive_comment(w->za, comment, (zip_uint16_t)clen) != 0) {
        return zip_failed(w->za, "the archive comment");
    }
    *out = w;
    w = NULL;
    return ES_OK;
}

ES_RESULT es_ofd_writer_put(es_ofd_writer *w, const char *name, es_span bytes)
{
    ES_ENSURE_ARG(w != NULL && w->za != NULL && name != NULL);
    ES_ENSURE_ARG(bytes.ptr != NULL || bytes.len == 0);
    size_t len = strlen(name);
    es_result r = check_name(name, len, false);
    ES_ENSURE(es_ok(r) && name[len - 1] != '/', ESEAL_EINVAL, "ofd: cannot put entry %s: not a valid file name",
              SHOWN(name));
    ES_ENSURE(bytes.len <= w->src->lim.max_inflated_bytes, ESEAL_ELIMIT,
              "ofd: entry %s would be %zu bytes, more than the limit of %llu", SHOWN(name), bytes.len,
              (unsigned long long)w->src->lim.max_inflated_bytes);
    /* A private copy: the caller's bytes need not live until es_ofd_writer_finish. */
    es_buf *grown = es_realloc(w->data, (w->ndata + 1) * sizeof(*w->data));
    ES_ENSURE_ALLOC(grown);
    w->data = grown;
    es_buf *copy = &w->data[w->ndata];
    *copy = (es_buf)ES_BUF_INIT(bytes.len);
    w->ndata++;
    ES_GUARD(es_buf_append(copy, bytes.ptr, bytes.len));
    zip_source_t *zs = zip_source_buffer(w->za, copy->ptr, copy->len, 0);
    if (zs == NULL) {
        return zip_failed(w->za, name);
    }
    zip_int64_t at = zip_name_locate(w->za, name, 0);
    if (at >= 0) {
        /* In place: same index, same method as before (a stored entry stays stored). */
        if (zip_file_replace(w->za, (zip_uint64_t)at, zs, 0) != 0) {
            zip_source_free(zs);
            return zip_failed(w->za, name);
        }
        return ES_OK;
    }
    zip_int64_t n = zip_get_num_entries(w->za, 0);
    if (n < 0 || (uint64_t)n >= w->src->lim.max_zip_entries) {
        zip_source_free(zs);
        ES_BAIL(ESEAL_ELIMIT, "ofd: adding %s would exceed the limit of %u entries", SHOWN(name),
                w->src->lim.max_zip_entries);
    }
    at = zip_file_add(w->za, name, zs, ZIP_FL_ENC_UTF_8);
    if (at < 0) {
        zip_source_free(zs);
        return zip_failed(w->za, name);
    }
    if (zip_set_file_compression(w->za, (zip_uint64_t)at, ZIP_CM_DEFLATE, 0) != 0) {
        return zip_failed(w->za, name);
    }
    return ES_OK;
}

/* The bytes of source `src` (opened here and closed again) into out, at most `max` bytes. */
static ES_RESULT read_source(zip_source_t *src, es_buf *out, uint64_t max)
{
    zip_stat_t st;
    zip_stat_init(&st);
    ES_ENSURE(zip_source_stat(src, &st) == 0 && (st.valid & ZIP_STAT_SIZE), ESEAL_ERROR,
              "ofd: cannot size the new package");
    if (max > out->max) {
        max = out->max;
    }
    ES_ENSURE(st.size <= max, ESEAL_ELIMIT, "ofd: the new package would be %llu bytes, more than the limit of %llu",
              (unsigned long long)st.size, (unsigned long long)max);
    es_buf_clear(out);
    ES_GUARD(es_buf_reserve(out, (size_t)st.size));
    ES_ENSURE(zip_source_open(src) == 0, ESEAL_ERROR, "ofd: cannot read back the new package: %s",
              zip_error_strerror(zip_source_error(src)));
    es_result r = ES_OK;
    while (es_ok(r) && out->len < st.size) {
        zip_int64_t n = zip_source_read(src, out->ptr + out->len, (zip_uint64_t)(st.size - out->len));
        if (n <= 0) {
            r = es_error_set(ESEAL_ERROR, __FILE__, __LINE__, "ofd: cannot read back the new package");
        } else {
            out->len += (size_t)n;
        }
    }
    (void)zip_source_close(src);
    if (!es_ok(r)) {
        es_buf_clear(out);
        return r;
    }
    out->ptr[out->len] = '\0';
    return ES_OK;
}

ES_RESULT es_ofd_writer_finish(es_ofd_writer *w, es_buf *out)
{
    ES_AUTO(writer_freep) es_ofd_writer *wf = w;
    ES_ENSURE_ARG(wf != NULL && wf->za != NULL && out != NULL);
    zip_t *za = wf->za;
    wf->za = NULL;
    if (zip_close(za) != 0) {
        es_result r = zip_failed(za, "closing");
        zip_discard(za);
        return r;
    }
    /* dst now holds the new archive. */
    return read_source(wf->dst, out, wf->src->lim.max_input_bytes);
}

const eseal_limits *es_ofd_limits(const es_ofd_pkg *p) { return &p->lim; }
