/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The phases of a stamp (stamp.c): prepare, authorise, record, publish. For the crash test only
 * (tests/tools/stamp_crasher.c): a hook called between phases, so that the test can stop a
 * stamping process exactly there and kill it. Internal (hidden in the shared library, declared in
 * no public header); nothing in the library or the eseal program sets it, and no environment
 * variable or option reaches it: a production process cannot turn it on.
 */
#ifndef ES_STAMP_PHASE_H
#define ES_STAMP_PHASE_H

#include <stddef.h>

/* phase: "preparing" (inside prepare: the temporary file is created, nothing written yet),
 * "prepared" (the temporary file is complete and synced), "authorised", "recorded" (the audit entry
 * is durable), "published" (renamed; the batch's bookkeeping follows); doc: its index. eseal extend
 * (ltv.c) calls it too: "extend.recorded" (its entry durable, nothing published) and
 * "extend.published" (renamed, the pending publication not yet forgotten); doc 0. */
extern void (*es_stamp_phase_hook)(const char *phase, size_t doc);

#endif
