/* SPDX-License-Identifier: Apache-2.0 */
/* Internal service-layer definitions; the rooms below it have their own (core/core.h, auditlog/auditlog.h, ca/ca.h). */
#ifndef ES_SERVICE_H
#define ES_SERVICE_H

#include "auditlog/auditlog.h"
#include "ca/ca.h"
#include "core/core.h"
#include "http/http.h"

/* Named es_buf caps of the service room (issue #16). */
/* A verification report as JSON or text: up to ES_REPORT_MAX_ITEMS items of up to 64 KiB each would
 * be 256 MiB; real reports are kilobytes, so 64 MiB says "report too large" long before memory goes. */
#define ES_REPORT_TEXT_MAX (64 << 20)
/* A seal picture's specification as JSON: a few names, sizes and colours, and the base64 of its
 * outline (seal.c SEAL_OUTLINE_STORED_MAX, 1 MiB: 1.4 MiB of text; real ones 56-93 KB). */
#define ES_SEAL_SPEC_JSON_MAX (2 << 20)
/* An organisation identifier: a USCC is 18 characters, other registries' ids are short too. */
#define ES_ORGID_MAX 256
/* The instance's chain as PEM: three certificates (TSA or seal CA, issuing CA, root), a few KiB each. */
#define ES_INSTANCE_CHAIN_PEM_MAX (1 << 20)

/* Makes inst->auditlog, the audit log room's handle, from the instance (auditlog_edge.c). */
ES_RESULT es_instance_auditlog_open(eseal_instance *inst);

/* cert_get of instance.c: a certificate by reference or file. */
ES_RESULT es_instance_cert_get(eseal_instance *inst, eseal_cert **cert, eseal_cert_record *rec, const char *ref);

/*
 * Raises the signed PDF at in_path to `level` (B-LT: a /DSS with the
 * validation data of its signatures and time-stamps; B-LTA: also a document
 * timestamp from `ts`) into out_path (atomically; may be in_path). `dt` (may be
 * NULL) receives the document timestamp's source.
 */
/* The update of es_instance_extend_file, of a PDF in memory into `out` (nothing written). */
ES_RESULT es_instance_extend_buf(eseal_instance *inst, es_buf *out, es_span in, int level, const es_timestamper *ts,
                                 es_doc_time *dt);
ES_RESULT es_instance_extend_file(eseal_instance *inst, const es_acting *by, const char *in_path, const char *out_path,
                                  int level, const es_timestamper *ts, es_doc_time *dt, bool defer_dir_sync);

/* Test hooks (counted, never timed; stamp.c): timestampers and signer keys the stamps of a process
 * prepared. A long-lived instance prepares each once (its own TSA's timestamper per hierarchy, each
 * signer's key); a timestamper of the caller's TSA URLs is made for each call. */
extern _Atomic unsigned long es_stamp_ts_opens;
extern _Atomic unsigned long es_stamp_key_loads;

/* Takes HOME/stamp.lock shared (*fd: close it to release) for a publication after its record (a
 * stamp, an extend); the first holder that finds no other first settles the publications a crashed
 * process recorded and did not make (es_audit_stamps_recover, as `who`). */
ES_RESULT es_stamp_lock(eseal_instance *inst, const eseal_principal *who, int *fd);
/* Publishes f (es_atomic_commit), the output of the recorded audit entry `index` (a stamp or an
 * extension: what is "stamped" or "extended"). A failed rename: failure_entry(ctx, index, why)
 * appends its failure entry at once, and the error says why (and, if that entry could not be
 * written, that too). A rename whose directory sync failed: the file is in place, so no failure
 * entry; the entry stays pending for the next recovery (es_audit_stamps_recover). */
ES_RESULT es_publish_recorded(es_atomic_file *f, uint64_t index, const char *what,
                              es_result (*failure_entry)(void *ctx, uint64_t index, const char *why), void *ctx);

/* The vector outline of a seal of the registry (drawn seals only): read from the registry when it
 * was stored at seal make (no drawing module), else drawn from the seal's description (loads
 * eseal-draw.so). A damaged stored outline is ESEAL_ESTORE naming the seal. */
ES_RESULT es_seal_outline(const eseal_seal_record *rec, eseal_imprint_outline **out);
/* Adds the registry's view of a seal at `at` to a seal report (when the seal is in this registry). */
/* How long a registry answer may be used without asking again. */
#define ES_REGISTRY_ANSWER_VALID_MS (24 * 3600 * 1000LL)
/* The registry's signed answer for seal `esid` at `at_ms` (0: now), as eseal_instance_registry_answer
 * (registry_answer.c). */
ES_RESULT es_registry_answer(eseal_instance *inst, eseal_buf *jws, const char *esid, int64_t at_ms);
/* `fo` (may be NULL: none stapled, offline): how a seal of another platform is asked about (core.h). */
ES_RESULT es_seal_registry_check(eseal_instance *inst, eseal_report *rep, const eseal_ses_seal *s, int64_t at,
                                 const es_foreign_opts *fo);

/* The ids of the certificates a seal allows, comma-separated: at most 16 ids (a certificate and 15
 * more) of a few dozen bytes each; room. */
#define ES_SEAL_CERT_IDS_MAX 4096
/* Ownership (owner.c): the organisation of a certificate record, of a seal (by the ids of the
 * certificates it allows), "" for none; a seal not hidden from `who` (es_owner_hidden: ESEAL_ENOTFOUND). */
ES_RESULT es_cert_org(eseal_instance *inst, const eseal_cert_record *rec, char org[ESEAL_OWNER_ORG_MAX + 1]);
/* The organisation (its id into org, "" when none) whose USCC ("NTRCN-<USCC>") or identifier is
 * exactly the organisation identifier `id` a certificate carries (es_cert_org without the subject). */
ES_RESULT es_identifier_org(eseal_instance *inst, const char *id, char org[ESEAL_OWNER_ORG_MAX + 1]);
ES_RESULT es_seal_org(eseal_instance *inst, const char *cert_ids, char org[ESEAL_OWNER_ORG_MAX + 1]);
/* True when obj belongs to an organisation other than who's and who may not `read` it: then it is
 * "not found" for who, as a missing one (nothing of another organisation leaks). An object of no
 * organisation is not hidden: the policy refuses what who may not do with it (ESEAL_EDENIED). */
bool es_owner_hidden(const eseal_principal *who, es_action read, const es_object *obj);
ES_RESULT es_seal_visible(eseal_instance *inst, const eseal_principal *who, eseal_seal_record *rec, eseal_buf *der,
                          const char *ref, char org[ESEAL_OWNER_ORG_MAX + 1]);

/* ---- the verification report as a document (report_doc.c, report_html.c; issue 21 §3) ---- */

/* RFC 6901: the value at `ptr` below `root` ("" is root), or NULL. Borrowed from root. */
struct json_t;
struct json_t *es_json_pointer(struct json_t *root, const char *ptr);
/* The report as an unsigned A4 PDF: the sections and fields of the embedded web/report-fields.json and
 * the words of web/i18n/<lang>.json ("en" or "zh"), with `file_name` and `platform` in its header. */
ES_RESULT es_report_pdf_draw(es_buf *out, const eseal_report *r, const char *lang, const char *file_name,
                             const char *platform);
/* The report as one self-contained HTML file (report_html.c): the embedded web/ files inlined. */
ES_RESULT es_report_html(es_buf *out, const eseal_report *r, const char *lang, const char *file_name);
/* The same, signed by the instance's seal maker of `hierarchy` ("p256", NULL for it, or "sm2"): an
 * invisible PAdES signature (pdf/pdf.h es_pdf_sign_invisible). Needs the passphrase (ESEAL_EPASS). */
ES_RESULT es_instance_report_pdf(eseal_instance *inst, es_buf *out, const eseal_report *r, const char *lang,
                                 const char *file_name, const char *hierarchy);

#endif
