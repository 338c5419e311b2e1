/* SPDX-License-Identifier: Apache-2.0 */
/* Files: bounded reads, exclusive 0600 creation, atomic replacement. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

bool es_path_exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* What a non-regular file is, for the refusal. */
static const char *file_kind(mode_t m)
{
    return S_ISFIFO(m)   ? "a FIFO"
           : S_ISDIR(m)  ? "a directory"
           : S_ISCHR(m)  ? "a character device"
           : S_ISBLK(m)  ? "a block device"
           : S_ISSOCK(m) ? "a socket"
                         : "a special file";
}

ES_RESULT es_open_regular(int *fd_out, struct stat *st, const char *path, bool nofollow)
{
    *fd_out = -1;
    /* O_NONBLOCK: opening a FIFO for reading would wait for a writer; fstat first, then refuse it. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (nofollow ? O_NOFOLLOW : 0));
    ES_ENSURE(fd >= 0, errno == ENOENT ? ESEAL_ENOTFOUND : ESEAL_EIO, "cannot open %s: %s", path,
              nofollow && errno == ELOOP ? "it is a symbolic link" : strerror(errno));
    if (fstat(fd, st) != 0) {
        int e = errno;
        (void)close(fd);
        ES_BAIL(ESEAL_EIO, "cannot read %s: %s", path, strerror(e));
    }
    if (!S_ISREG(st->st_mode)) {
        (void)close(fd);
        ES_BAIL(ESEAL_EIO, "%s is not a regular file (it is %s)", path, file_kind(st->st_mode));
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
        int e = errno;
        (void)close(fd);
        ES_BAIL(ESEAL_EIO, "cannot read %s: %s", path, strerror(e));
    }
    *fd_out = fd;
    return ES_OK;
}

ES_RESULT es_file_read(es_buf *out, const char *path, size_t max)
{
    int fd = -1;
    struct stat st;
    ES_GUARD(es_open_regular(&fd, &st, path, true));
    if ((uint64_t)st.st_size > (uint64_t)max) {
        (void)close(fd);
        /* Capped before allocating (signify). */
        ES_BAIL(ESEAL_ELIMIT, "%s is %lld bytes, more than the limit of %zu", path, (long long)st.st_size,
                max);
    }
    es_buf tmp = ES_BUF_INIT(max);
    tmp.secret = out->secret;
    es_result r = es_buf_reserve(&tmp, (size_t)st.st_size);
    while (es_ok(r)) {
        uint8_t chunk[65536];
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n == 0) {
            break;
        }
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            r = es_error_set(ESEAL_EIO, __FILE__, __LINE__, "reading %s: %s", path, strerror(errno));
            break;
        }
        r = es_buf_append(&tmp, chunk, (size_t)n);
        es_wipe(chunk, (size_t)n);
    }
    (void)close(fd);
    if (!es_ok(r)) {
        es_buf_free(&tmp);
        return r;
    }
    es_buf_free(out);
    *out = tmp;
    return ES_OK;
}

static ES_RESULT write_all(int fd, const char *path, const void *p, size_t n)
{
    const uint8_t *b = p;
    while (n > 0) {
        ssize_t w = write(fd, b, n);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        ES_ENSURE(w > 0, ESEAL_EIO, "writing %s: %s", path, w < 0 ? strerror(errno) : "no progress");
        b += w;
        n -= (size_t)w;
    }
    return ES_OK;
}

static ES_RESULT sync_and_close(int fd, const char *path)
{
    es_result r = ES_OK;
    if (fsync(fd) != 0) {
        r = es_error_set(ESEAL_EIO, __FILE__, __LINE__, "syncing %s: %s", path, strerror(errno));
    }
    if (close(fd) != 0 && es_ok(r)) {
        r = es_error_set(ESEAL_EIO, __FILE__, __LINE__, "closing %s: %s", path, strerror(errno));
    }
    return r;
}

ES_RESULT es_file_write_new(const char *path, const void *p, size_t n, unsigned mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, (mode_t)mode);
    ES_ENSURE(fd >= 0, errno == EEXIST ? ESEAL_EEXISTS : ESEAL_EIO, "cannot create %s: %s", path,
              strerror(errno));
    /* The umask may have loosened nothing but may have tightened: enforce exactly. */
    (void)fchmod(fd, (mode_t)mode);
    es_result r = write_all(fd, path, p, n);
    es_result c = sync_and_close(fd, path);
    if (es_ok(r)) {
        r = c;
    }
    if (!es_ok(r)) {
        (void)unlink(path);
    }
    return r;
}

bool es_sync_dir_fail = false;

ES_RESULT es_sync_dir_of(const char *path)
{
    ES_ENSURE(!es_sync_dir_fail, ESEAL_EIO, "cannot sync the directory of %s: %s (test hook)", path, strerror(EIO));
    char dir[4096];
    size_t n = strlen(path);
    ES_ENSURE(n < sizeof(dir), ESEAL_EINVAL, "path too long: %s", path);
    memcpy(dir, path, n + 1);
    char *slash = strrchr(dir, '/');
    if (slash == NULL) {
        dir[0] = '.';
        dir[1] = '\0';
    } else if (slash == dir) {
        dir[1] = '\0';
    } else {
        *slash = '\0';
    }
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ES_ENSURE(fd >= 0, ESEAL_EIO, "cannot open directory %s to sync it: %s", dir, strerror(errno));
    /* Some filesystems cannot fsync a directory (EINVAL): their entries are as durable as they get. */
    bool ok = fsync(fd) == 0 || errno == EINVAL;
    int e = errno;
    (void)close(fd);
    ES_ENSURE(ok, ESEAL_EIO, "cannot sync directory %s: %s", dir, strerror(e));
    return ES_OK;
}

bool es_atomic_named_only = false;

/* The directory of `path` ("." when it has none), into dir[cap]. */
static ES_RESULT dir_of(char *dir, size_t cap, const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t dl = slash == NULL ? 1 : slash == path ? 1 : (size_t)(slash - path);
    ES_ENSURE(dl < cap, ESEAL_EINVAL, "path too long: %s", path);
    memcpy(dir, slash == NULL ? "." : path, dl);
    dir[dl] = '\0';
    return ES_OK;
}

/*
 * An unnamed file in the directory of `path` (open(2) O_TMPFILE), or -1 when this filesystem or
 * kernel has none (EOPNOTSUPP, EISDIR on kernels before 3.11, EINVAL) or /proc/self/fd, through
 * which commit names it (linkat(2) AT_SYMLINK_FOLLOW: no privilege needed, unlike AT_EMPTY_PATH),
 * is not there: the caller then makes a named temporary file. Other failures are errors.
 */
static ES_RESULT open_unnamed(int *fd, const char *path, unsigned mode)
{
    *fd = -1;
#ifdef O_TMPFILE
    if (es_atomic_named_only || access("/proc/self/fd", X_OK) != 0) {
        return ES_OK;
    }
    char dir[4096];
    ES_GUARD(dir_of(dir, sizeof(dir), path));
    *fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, (mode_t)(mode & 0600));
    if (*fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
        return ES_OK;
    }
    ES_ENSURE(*fd >= 0, ESEAL_EIO, "cannot create a temporary file next to %s: %s", path, strerror(errno));
#else
    (void)path;
    (void)mode;
#endif
    return ES_OK;
}

ES_RESULT es_atomic_open(es_atomic_file *f, const char *path, unsigned mode)
{
    *f = (es_atomic_file){.fd = -1, .mode = mode};
    f->path = es_strdup(path);
    ES_ENSURE_ALLOC(f->path);
    es_result r = open_unnamed(&f->fd, path, 0600);
    if (!es_ok(r) || f->fd >= 0) {
        f->unnamed = f->fd >= 0;
        if (!es_ok(r)) {
            es_atomic_abort(f);
        }
        return r;
    }
    es_buf tmp = ES_BUF_INIT(ES_PATH_BUF_MAX);
    r = es_buf_printf(&tmp, "%s.tmp-XXXXXX", path);
    if (es_ok(r)) {
        f->fd = mkostemp((char *)tmp.ptr, O_CLOEXEC);
        if (f->fd < 0) {
            r = es_error_set(ESEAL_EIO, __FILE__, __LINE__, "cannot create a temporary file next to %s: %s", path,
                             strerror(errno));
        } else {
            f->tmp_path = (char *)tmp.ptr; /* owned now */
            tmp = (es_buf)ES_BUF_INIT(ES_PATH_BUF_MAX);
        }
    }
    es_buf_free(&tmp);
    if (!es_ok(r)) {
        es_atomic_abort(f);
    }
    return r;
}

ES_RESULT es_atomic_write(es_atomic_file *f, const void *p, size_t n)
{
    ES_ENSURE(f->fd >= 0 && !f->synced, ESEAL_ESTATE, "writing %s: the file is not open",
              f->path != NULL ? f->path : "?");
    return write_all(f->fd, f->path, p, n);
}

int es_copy_range_refuse = 0;
unsigned long es_copy_range_refuse_after = 0;
_Atomic unsigned long es_copy_range_calls;

ES_RESULT es_atomic_copy_range(es_atomic_file *f, int in, uint64_t in_off, size_t n, size_t *done)
{
    *done = 0;
    ES_ENSURE(f->fd >= 0 && !f->synced, ESEAL_ESTATE, "writing %s: the file is not open",
              f->path != NULL ? f->path : "?");
    for (;;) {
        int e = 0;
        ssize_t k = -1;
        if (es_copy_range_refuse != 0 && es_copy_range_calls >= es_copy_range_refuse_after) {
            e = es_copy_range_refuse;
        } else {
            /* The input's offset given (its descriptor's own position untouched), the output's
             * not: the bytes go where the file's position is and it moves past them, as a write. */
            loff_t o = (loff_t)in_off;
            k = copy_file_range(in, &o, f->fd, NULL, n, 0);
            e = k < 0 ? errno : 0;
        }
        if (k < 0 && e == EINTR) {
            continue;
        }
        if (k < 0) {
            ES_ENSURE(e != EXDEV && e != ENOSYS && e != EINVAL && e != EOPNOTSUPP && e != EBADF, ESEAL_EUNSUPPORTED,
                      "copying into %s in the kernel: %s", f->path != NULL ? f->path : "?", strerror(e));
            ES_BAIL(ESEAL_EIO, "copying into %s: %s", f->path != NULL ? f->path : "?", strerror(e));
        }
        es_copy_range_calls++;
        *done = (size_t)k;
        return ES_OK;
    }
}

void es_atomic_writeback(es_atomic_file *f, uint64_t off, uint64_t n)
{
    if (f->fd >= 0 && n > 0) {
        (void)sync_file_range(f->fd, (off64_t)off, (off64_t)n, SYNC_FILE_RANGE_WRITE);
    }
}

ES_RESULT es_atomic_sync(es_atomic_file *f)
{
    ES_ENSURE(f->fd >= 0, ESEAL_ESTATE, "syncing %s: the file is not open", f->path != NULL ? f->path : "?");
    /* The final mode only now that the content is complete (created 0600). */
    ES_ENSURE(fchmod(f->fd, (mode_t)f->mode) == 0, ESEAL_EIO, "cannot set the mode of the temporary file of %s: %s",
              f->path, strerror(errno));
    ES_ENSURE(fsync(f->fd) == 0, ESEAL_EIO, "cannot sync %s: %s", f->path, strerror(errno));
    f->synced = true;
    return ES_OK;
}

ES_RESULT es_atomic_name(es_atomic_file *f)
{
    ES_ENSURE(f->fd >= 0, ESEAL_ESTATE, "naming %s: the file is not open", f->path != NULL ? f->path : "?");
    if (f->tmp_path != NULL) {
        return ES_OK;
    }
    /* Random enough that no file has it: the link fails (EEXIST) rather than reuse one anyway. */
    uint8_t rnd[8];
    ES_ENSURE(getrandom(rnd, sizeof(rnd), 0) == (ssize_t)sizeof(rnd), ESEAL_EIO,
              "naming the temporary file of %s: no random bytes: %s", f->path, strerror(errno));
    char hex[2 * sizeof(rnd) + 1];
    es_hex_lower(hex, rnd, sizeof(rnd));
    es_buf tmp = ES_BUF_INIT(ES_PATH_BUF_MAX);
    es_result r = es_buf_printf(&tmp, "%s.tmp-%s", f->path, hex);
    if (es_ok(r)) {
        f->tmp_path = (char *)tmp.ptr; /* owned now */
    } else {
        es_buf_free(&tmp);
    }
    return r;
}

ES_RESULT es_atomic_read(es_atomic_file *f, es_buf *out)
{
    ES_ENSURE(f->fd >= 0, ESEAL_ESTATE, "reading %s: the file is not open", f->path != NULL ? f->path : "?");
    for (off_t at = 0;;) {
        uint8_t chunk[65536];
        ssize_t k = pread(f->fd, chunk, sizeof(chunk), at);
        if (k < 0 && errno == EINTR) {
            continue;
        }
        ES_ENSURE(k >= 0, ESEAL_EIO, "cannot read back the temporary file of %s: %s", f->path, strerror(errno));
        if (k == 0) {
            return ES_OK;
        }
        ES_GUARD(es_buf_append(out, chunk, (size_t)k));
        at += k;
    }
}

ES_RESULT es_atomic_commit(es_atomic_file *f)
{
    ES_ENSURE(f->fd >= 0, ESEAL_ESTATE, "publishing %s: the file is not open", f->path != NULL ? f->path : "?");
    es_result r = f->synced ? ES_OK : es_atomic_sync(f);
    if (es_ok(r) && f->unnamed) {
        r = es_atomic_name(f);
        char proc[64];
        (void)snprintf(proc, sizeof(proc), "/proc/self/fd/%d", f->fd);
        if (es_ok(r) && linkat(AT_FDCWD, proc, AT_FDCWD, f->tmp_path, AT_SYMLINK_FOLLOW) != 0) {
            r = es_error_set(ESEAL_EIO, __FILE__, __LINE__, "cannot link the temporary file of %s as %s: %s", f->path,
                             f->tmp_path, strerror(errno));
        } else if (es_ok(r)) {
            f->unnamed = false; /* it has its name: abort removes it */
        }
    }
    if (es_ok(r) && rename(f->tmp_path, f->path) != 0) {
        r = es_error_set(ESEAL_EIO, __FILE__, __LINE__, "cannot rename into %s: %s", f->path, strerror(errno));
    }
    if (es_ok(r)) {
        f->renamed = true;
        es_free(f->tmp_path); /* renamed: nothing to remove any more */
        f->tmp_path = NULL;
        /* The directory entry too: an acknowledged file survives a crash. */
        if (!f->defer_dir_sync) {
            r = es_sync_dir_of(f->path);
        }
    }
    es_atomic_abort(f);
    return r;
}

void es_atomic_abort(es_atomic_file *f)
{
    if (f->fd >= 0) {
        (void)close(f->fd); /* an unnamed file goes with it */
        f->fd = -1;
    }
    if (f->tmp_path != NULL) {
        if (!f->unnamed) {
            (void)unlink(f->tmp_path); /* a failed write leaves nothing behind */
        }
        es_free(f->tmp_path);
        f->tmp_path = NULL;
    }
    es_free(f->path);
    f->path = NULL;
    f->unnamed = false;
    f->synced = false;
}

ES_RESULT es_file_write_atomic(const char *path, const void *p, size_t n, unsigned mode)
{
    es_atomic_file f;
    ES_GUARD(es_atomic_open(&f, path, mode));
    es_result r = es_atomic_write(&f, p, n);
    if (!es_ok(r)) {
        es_atomic_abort(&f);
        return r;
    }
    return es_atomic_commit(&f);
}

ES_RESULT es_mkdir_p(const char *path, unsigned mode)
{
    char p[4096];
    size_t n = strlen(path);
    ES_ENSURE(n > 0 && n < sizeof(p), ESEAL_EINVAL, "path too long: %s", path);
    memcpy(p, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (p[i] == '/' || p[i] == '\0') {
            char saved = p[i];
            p[i] = '\0';
            if (mkdir(p, (mode_t)mode) != 0 && errno != EEXIST) {
                ES_BAIL(ESEAL_EIO, "cannot create directory %s: %s", p, strerror(errno));
            }
            p[i] = saved;
        }
    }
    struct stat st;
    ES_ENSURE(stat(path, &st) == 0 && S_ISDIR(st.st_mode), ESEAL_EIO, "%s is not a directory", path);
    return ES_OK;
}

int eseal_file_read(eseal_buf *out, const char *path, size_t max)
{
    if (out == NULL || path == NULL) {
        ES_BAIL_ARG("out == NULL || path == NULL");
    }
    es_buf b = ES_BUF_INIT(max);
    es_result r = es_file_read(&b, path, max);
    if (!es_ok(r)) {
        return es_code(r);
    }
    es_buf_move_out(out, &b);
    return ESEAL_OK;
}

int eseal_file_write(const char *path, const void *data, size_t len, unsigned int mode)
{
    if (path == NULL || (data == NULL && len > 0)) {
        ES_BAIL_ARG("path == NULL || (data == NULL && len > 0)");
    }
    return es_code(es_file_write_atomic(path, data, len, mode));
}

int eseal_file_create(const char *path, const void *data, size_t len, unsigned int mode)
{
    if (path == NULL || (data == NULL && len > 0)) {
        ES_BAIL_ARG("path == NULL || (data == NULL && len > 0)");
    }
    return es_code(es_file_write_new(path, data, len, mode));
}
