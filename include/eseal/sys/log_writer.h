/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eseal — the audit log's raw writer (advanced API, under sys/).
 *
 * These append and sign without asking who is acting and without an audit entry of their own:
 * they are for the library's operations, benchmarks and the log's own torture tests. Programs
 * use the front door instead (eseal/instance.h, eseal/log.h: eseal_instance_log_publish,
 * eseal_instance_log_forget), where the principal is authorised and recorded.
 */
#ifndef ESEAL_SYS_LOG_WRITER_H
#define ESEAL_SYS_LOG_WRITER_H

#include "../log.h"

ESEAL_BEGIN_DECL

/**
 * Appends one entry (at most 65,535 bytes) and returns once it is durably
 * sequenced (committed to the store with its index; concurrent appends share
 * one commit); *index gets its position. Safe from any number of threads.
 */
ESEAL_EXTERN(int) eseal_log_append(eseal_log *log, uint64_t *index, const void *entry, size_t len);

/** eseal_instance_log_publish without a principal: what the background publisher does. */
ESEAL_EXTERN(int) eseal_log_publish(eseal_log *log, uint64_t *size);

ESEAL_END_DECL

#endif
