/* SPDX-License-Identifier: Apache-2.0 */
/* The module loader (module.h): where a module is looked for, how it is checked, loaded once. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eseal/common.h"
#include "module.h"
#include "util.h"

#ifndef ESEAL_MODULE_INSTALL_DIR
#define ESEAL_MODULE_INSTALL_DIR "/usr/local/lib/eseal"
#endif
#ifndef ESEAL_MODULE_LIBDIR
#define ESEAL_MODULE_LIBDIR "lib" /* ${libdir} relative to the prefix */
#endif

#define MODULE_NAME_MAX 16
#define MODULE_SLOTS 4

typedef struct {
    char name[MODULE_NAME_MAX];
    char path[PATH_MAX];
    const es_module_info *info;
} slot;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static slot slots[MODULE_SLOTS];

static const es_module_host host = {
    ES_MODULE_ABI, sizeof(es_module_host), es_malloc, es_calloc, es_realloc, es_free, es_wipe, es_error_set,
};

/* The directory of the file holding this code, into dir (PATH_MAX); false when it cannot be told. */
static bool own_dir(char *dir)
{
    Dl_info di;
    struct link_map *lm = NULL;
    char path[PATH_MAX] = "";
    /* A shared object's link map names its file; the main program's is "" (dladdr would give its
     * argv[0], which the caller of execve chooses): then /proc/self/exe. */
    if (dladdr1((const void *)&host, &di, (void **)&lm, RTLD_DL_LINKMAP) != 0 && lm != NULL &&
        lm->l_name != NULL && lm->l_name[0] == '/') {
        if (realpath(lm->l_name, path) == NULL) {
            path[0] = '\0';
        }
    }
    if (path[0] == '\0') {
        ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
        if (n <= 0) {
            return false;
        }
        path[n] = '\0';
    }
    char *slash = strrchr(path, '/');
    if (slash == NULL || slash == path) {
        return false;
    }
    *slash = '\0';
    (void)snprintf(dir, PATH_MAX, "%s", path);
    return true;
}

/*
 * Is the open file a module we may load: a regular file owned by root or us, writable by nobody
 * else — neither others nor its group (as OpenSSH's StrictModes: a group may hold other users,
 * and whoever can write the module runs code as every user of eseal). The build and the install
 * make modules 0755 whatever the umask (CMakeLists.txt).
 */
static ES_RESULT check_file(const char *path, int fd)
{
    struct stat st;
    ES_ENSURE(fstat(fd, &st) == 0, ESEAL_EIO, "module %s: %s", path, strerror(errno));
    ES_ENSURE(S_ISREG(st.st_mode), ESEAL_EUNSUPPORTED, "module %s: not a regular file", path);
    ES_ENSURE(st.st_uid == 0 || st.st_uid == geteuid(), ESEAL_EUNSUPPORTED,
              "module %s: owned by uid %u, neither root nor this user: not loaded", path, (unsigned)st.st_uid);
    ES_ENSURE((st.st_mode & (S_IWGRP | S_IWOTH)) == 0, ESEAL_EUNSUPPORTED,
              "module %s: writable by %s: not loaded (chmod go-w)", path,
              (st.st_mode & S_IWOTH) != 0 ? "others" : "its group");
    return ES_OK;
}

/* Finds and opens eseal-<name>.so: its path into `path` (PATH_MAX), the open file into *fd. */
static ES_RESULT find(char *path, int *fd, const char *name)
{
    char dirs[5][PATH_MAX];
    size_t n = 0;
    const char *env = secure_getenv("ESEAL_MODULE_DIR");
    if (env != NULL && env[0] != '\0') {
        ES_ENSURE(env[0] == '/', ESEAL_EINVAL, "ESEAL_MODULE_DIR must be an absolute path, not %.200s", env);
        (void)snprintf(dirs[n++], PATH_MAX, "%s", env);
    }
    char own[PATH_MAX];
    if (own_dir(own)) {
        (void)snprintf(dirs[n++], PATH_MAX, "%s", own);
        if (snprintf(dirs[n], PATH_MAX, "%s/eseal", own) < PATH_MAX) {
            n++;
        }
        /* An installed program in ${bindir} of an install moved elsewhere (as $ORIGIN/../lib). */
        if (snprintf(dirs[n], PATH_MAX, "%s/../%s/eseal", own, ESEAL_MODULE_LIBDIR) < PATH_MAX) {
            n++;
        }
    }
    (void)snprintf(dirs[n++], PATH_MAX, "%s", ESEAL_MODULE_INSTALL_DIR);
    char searched[1024] = "";
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        int w = snprintf(path, PATH_MAX, "%s/eseal-%s.so", dirs[i], name);
        if (w < 0 || w >= PATH_MAX) {
            continue;
        }
        /* The checks and dlopen see the same file: opened once, checked through the descriptor,
         * loaded as /proc/self/fd/N (no window in which the file at the path can be replaced). */
        *fd = open(path, O_RDONLY | O_CLOEXEC);
        if (*fd >= 0) {
            es_result r = check_file(path, *fd);
            if (!es_ok(r)) {
                (void)close(*fd);
                *fd = -1;
            }
            return r;
        }
        ES_ENSURE(errno == ENOENT || errno == ENOTDIR, ESEAL_EIO, "module %s: %s", path, strerror(errno));
        int s = snprintf(searched + used, sizeof(searched) - used, "%s%s", used > 0 ? ", " : "", dirs[i]);
        if (s > 0 && (size_t)s < sizeof(searched) - used) {
            used += (size_t)s;
        }
    }
    ES_BAIL(ESEAL_ENOTFOUND, "module eseal-%s.so not found (looked in %s): it is installed in %s with eseal", name,
            searched, ESEAL_MODULE_INSTALL_DIR);
}

static ES_RESULT load(slot *s, const char *name, size_t table_size)
{
    char path[PATH_MAX];
    int fd = -1;
    ES_GUARD(find(path, &fd, name));
    char fdpath[64];
    (void)snprintf(fdpath, sizeof(fdpath), "/proc/self/fd/%d", fd);
    /* RTLD_LOCAL: the module's libraries (cairo, curl ...) do not join the program's namespace.
     * The descriptor stays open while the module is loaded: dlopen takes an object already loaded
     * under the same name for the one asked, so a second module must never get the same
     * /proc/self/fd/N (one descriptor per module, at most MODULE_SLOTS). */
    void *h = dlopen(fdpath, RTLD_NOW | RTLD_LOCAL);
    if (h == NULL) {
        (void)close(fd);
    }
    ES_ENSURE(h != NULL, ESEAL_EUNSUPPORTED, "module %s: %s", path, dlerror());
    es_module_entry_fn entry = NULL;
    void *sym = dlsym(h, ES_MODULE_ENTRY);
    memcpy(&entry, &sym, sizeof(entry)); /* a data pointer to a function pointer, as POSIX allows */
    const es_module_info *info = entry != NULL ? entry(&host) : NULL;
    const char *why = entry == NULL                                ? "no " ES_MODULE_ENTRY
                      : info == NULL                               ? "it refused this program's host table"
                      : info->magic != ES_MODULE_MAGIC             ? "not an eseal module"
                      : info->abi != ES_MODULE_ABI                 ? "another module ABI"
                      : strcmp(info->name, name) != 0              ? "another module's name"
                      : strcmp(info->version, ESEAL_VERSION) != 0  ? "another eseal version"
                      : strcmp(info->abi_hash, ESEAL_MODULE_ABI_HASH) != 0 ? "built from other interface headers"
                      : info->table_size != table_size || info->table == NULL ? "another table size"
                                                                               : NULL;
    if (why != NULL) {
        (void)dlclose(h);
        (void)close(fd);
        ES_BAIL(ESEAL_EUNSUPPORTED, "module %s: %s (it must come from the same build as this eseal %s)", path, why,
                ESEAL_VERSION);
    }
    (void)snprintf(s->name, sizeof(s->name), "%s", name);
    (void)snprintf(s->path, sizeof(s->path), "%s", path);
    s->info = info;
    return ES_OK;
}

ES_RESULT es_module_get(const void **table, const char *name, size_t table_size)
{
    ES_ENSURE_ARG(table != NULL && name != NULL);
    ES_ENSURE(strlen(name) > 0 && strlen(name) < MODULE_NAME_MAX && strchr(name, '/') == NULL, ESEAL_EINVAL,
              "module: bad name");
    *table = NULL;
    (void)pthread_mutex_lock(&lock);
    slot *s = NULL;
    for (size_t i = 0; i < MODULE_SLOTS && s == NULL; i++) {
        if (slots[i].info != NULL && strcmp(slots[i].name, name) == 0) {
            s = &slots[i];
        }
    }
    es_result r = ES_OK;
    if (s == NULL) {
        for (size_t i = 0; i < MODULE_SLOTS && s == NULL; i++) {
            if (slots[i].info == NULL) {
                s = &slots[i];
            }
        }
        r = s == NULL ? es_error_set(ESEAL_ELIMIT, __FILE__, __LINE__, "module: more than %d modules", MODULE_SLOTS)
                      : load(s, name, table_size);
    }
    if (es_ok(r) && s->info->table_size != table_size) {
        r = es_error_set(ESEAL_EUNSUPPORTED, __FILE__, __LINE__, "module %s: another table size", s->path);
    }
    if (es_ok(r)) {
        *table = s->info->table;
    }
    (void)pthread_mutex_unlock(&lock);
    return r;
}

const char *es_module_loaded(const char *name)
{
    const char *path = NULL;
    (void)pthread_mutex_lock(&lock);
    for (size_t i = 0; i < MODULE_SLOTS && path == NULL; i++) {
        if (slots[i].info != NULL && name != NULL && strcmp(slots[i].name, name) == 0) {
            path = slots[i].path;
        }
    }
    (void)pthread_mutex_unlock(&lock);
    return path;
}
