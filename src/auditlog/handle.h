/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Inside the audit log room only: the handle's fields (handle.c) and the log's opening (log.c),
 * shared by the room's files. The rooms above see es_auditlog only through auditlog.h.
 */
#ifndef ES_AUDITLOG_HANDLE_H
#define ES_AUDITLOG_HANDLE_H

#include <pthread.h>

#include "auditlog.h"

struct es_auditlog {
    char *home;
    eseal_store *store; /* the owner's (borrowed) */
    es_auditlog_settings set;
    const eseal_context *ctx;
    void *owner;
    es_result (*key_load)(void *owner, eseal_key **key, const char *path);
    es_result (*key_save)(void *owner, eseal_key *key, const char *path);
    es_result (*tsa_open)(void *owner, es_timestamper *t, bool *none);
    es_timestamper *ts; /* the own TSA for entries' time tokens (es_audit_prepare), NULL: none yet */
    eseal_audit_hook hook;
    void *hook_payload;
    struct eseal_log *log; /* opened on first use (es_auditlog_log) */
    pthread_mutex_t open_mu; /* a batch's workers may ask for the log at the same moment */
};

/* Path of a file inside the handle's home. */
ES_RESULT es_auditlog_path(es_buf *out, const es_auditlog *h, const char *rel);
/* Opens the log of `h` (log.c) and frees it (stops its publisher). */
ES_RESULT es_log_open(struct eseal_log **out, es_auditlog *h);
void es_log_free(struct eseal_log *log);

#endif
