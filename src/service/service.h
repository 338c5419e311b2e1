/* SPDX-License-Identifier: Apache-2.0 */
/* Internal service-layer definitions. */
#ifndef ES_SERVICE_H
#define ES_SERVICE_H

#include <sys/types.h>
#include "crypto/crypto.h"
#include "eseal/tsa_client.h"
#include "http/http.h"
#include "eseal/instance.h"
#include "eseal/log.h"
#include "eseal/sys/log_writer.h"
#include "eseal/sys/store.h"
#include "policy/policy.h"
#include "tlog/tlog.h"
#include "util/ctx.h"
#include "util/util.h"

typedef struct {
    char *organization;
    char *country;
    char *base_url;
    unsigned int cert_days;
    unsigned int crl_days;
    char *tsa_policy; /* the TSA's policy OID (RFC 3628); NULL: ESEAL_TSA_DEFAULT_POLICY, a placeholder */
    char *log_origin; /* the audit log's origin; NULL: base_url without scheme + "/log" */
    char **log_witnesses; /* "NAME VKEY URL" lines, as written */
    size_t log_witness_count;
    unsigned int log_witness_quorum;
    unsigned int log_witness_timeout_ms;
} es_config;

ES_RESULT es_config_load(es_config *cfg, const char *path);
ES_RESULT es_config_write_default(const char *path, const eseal_instance_init_options *o);
void es_config_free(es_config *cfg);

struct eseal_instance {
    char *home;
    eseal_store *store;
    es_config cfg;
    es_secret pass;
    eseal_audit_hook audit;
    void *audit_payload;
    eseal_trust *trust_cache; /* the instance's own trust, reused for a short while by verifications */
    int64_t trust_cache_ms;
    struct eseal_log *log; /* the audit log, opened on first use */
    struct es_timestamper_s *audit_ts; /* the own TSA for audit entries' time tokens (es_audit_prepare) */
    bool creating; /* eseal_instance_init is making it: no TSA with CRLs yet, so no time tokens */
    /* HOME/keys as it was when the passphrase was set (passwd.c): eseal passwd replaces the
     * directory, so a key written under an older passphrase is refused rather than mixed in. */
    dev_t keys_dev;
    ino_t keys_ino;
    const eseal_context *ctx; /* the caller's (eseal_instance_set_context), NULL: the default context */
};

/* The instance's limits and "now" (its context's; inst or its context NULL: the defaults). */
static inline const eseal_limits *es_inst_limits(const eseal_instance *inst)
{
    return es_ctx_limits(inst != NULL ? inst->ctx : NULL);
}
static inline int64_t es_inst_now(const eseal_instance *inst) { return es_ctx_now(inst != NULL ? inst->ctx : NULL); }

/*
 * The principal of one front-door operation, authorised: es_act is the first thing every public
 * operation that changes state does (one place per operation), and what it fills in goes into
 * the operation's audit entries. A NULL es_acting in the audit calls below is the platform acting
 * on its own (creating an instance, an OCSP responder certificate issued when first needed):
 * actor "platform".
 */
#define ES_ACTOR_MAX 160
typedef struct {
    const eseal_principal *who;
    char actor[ES_ACTOR_MAX]; /* "KIND:ID", e.g. "operator:alice" */
    const char *rule;         /* the policy rule that allowed it */
} es_acting;

/* Checks `who` (eseal_principal_check) and asks the policy whether it may do `action` on the
 * object (obj_kind, obj_id; each may be NULL): ESEAL_EINVAL / ESEAL_EDENIED otherwise. */
ES_RESULT es_act(es_acting *a, const eseal_principal *who, es_action action, const char *obj_kind,
                 const char *obj_id);
/* In a public operation returning int: es_act, and return its code (message set) when refused. */
#define ES_ACT_PUBLIC(by, who, action, obj_kind, obj_id)                                           \
    do {                                                                                           \
        int es_act_rc_ = es_code(es_act((by), (who), (action), (obj_kind), (obj_id)));             \
        if (es_act_rc_ != ESEAL_OK) {                                                              \
            return es_act_rc_;                                                                     \
        }                                                                                          \
    } while (0)
/* The actor of `a` ("platform" when NULL). */
const char *es_actor(const es_acting *a);

/*
 * The trust for a verification: the instance's own, cached for TRUST_CACHE_MS so that verifying
 * many documents does not rebuild it each time (*owned = false: do not free), or a fresh one when
 * the request adds anchors or CRLs (*owned = true).
 */
#define TRUST_CACHE_MS 60000
void es_instance_trust_invalidate(eseal_instance *inst);
ES_RESULT es_instance_trust_shared(eseal_instance *inst, const eseal_verify_request *q, eseal_trust **out,
                                   bool *owned);

/* The instance's trust (inst may be NULL) plus the request's extra anchors and CRLs. */
ES_RESULT es_instance_trust_for(eseal_instance *inst, const eseal_verify_request *q, eseal_trust **out);
/* cert_get of instance.c: a certificate by reference or file. */
ES_RESULT es_instance_cert_get(eseal_instance *inst, eseal_cert **cert, eseal_cert_record *rec, const char *ref);

/* Notes which HOME/keys the passphrase belongs to (called when the passphrase is set). */
void es_keys_note(eseal_instance *inst);
/* Saves a new private key at `path` (under HOME/keys) encrypted with the instance passphrase,
 * under a shared lock against eseal passwd, and only if the passphrase is still the one the
 * key files are under (ESEAL_EPASS when eseal passwd changed it since). */
ES_RESULT es_key_save(eseal_instance *inst, eseal_key *key, const char *path);

/* Path of a file inside the home directory. */
ES_RESULT es_home_path(es_buf *out, const eseal_instance *inst, const char *rel);
/* Loads the private key of a record (needs the passphrase). */
ES_RESULT es_instance_load_key(eseal_instance *inst, eseal_key **key, const eseal_cert_record *rec);
/* Creates the CA hierarchies of a fresh instance. */
/* Creates the sm2, p256 and rsa hierarchies; progress (may be NULL) is told before each. */
ES_RESULT es_ca_create_hierarchies(eseal_instance *inst, void (*progress)(void *ctx, const char *what), void *ctx);
/* Issues and stores a certificate for a new key, saving the key under keys/; the platform's own act
 * (es_ca_issue_as: on behalf of `by`, recorded in the audit entry). */
ES_RESULT es_ca_issue_as(eseal_instance *inst, const es_acting *by, eseal_cert_record *out, const char *role,
                         const char *hierarchy, eseal_key_alg alg, const es_cert_spec *spec_in,
                         const eseal_cert_record *issuer_rec);
ES_RESULT es_ca_issue(eseal_instance *inst, eseal_cert_record *out, const char *role, const char *hierarchy,
                      eseal_key_alg alg, const es_cert_spec *spec_in, const eseal_cert_record *issuer_rec);
/* Issues a fresh CRL for the CA record `ca` and stores it; der may be NULL. */
ES_RESULT es_ca_publish_crl(eseal_instance *inst, const eseal_cert_record *ca, es_buf *der);
/* The hierarchy that issues certificates for keys of `alg`. */
const char *es_hierarchy_for_alg(eseal_key_alg alg);

/* A current delegated OCSP responder certificate of the CA record `ca` (role "ocsp"), issued now
 * when there is none with at least a week left; out (may be NULL) gets its record. */
ES_RESULT es_ocsp_responder_ensure(eseal_instance *inst, eseal_cert_record *out, const eseal_cert_record *ca);

/*
 * Current revocation evidence for a chain (chain[0] the signer, each next one its issuer; the
 * last one's own status is not gathered): for a certificate issued by one of the instance's CAs,
 * an OCSP response built in-process by that CA's responder (needs the passphrase) and the CA's
 * latest CRL; for others, fetched online (OCSP from the AIA URL, else the CRL from the CRL
 * distribution point), cached under HOME/cache/revocation until their nextUpdate. Everything
 * goes into `out` (once each). ESEAL_ENOTFOUND when nothing can be had for a certificate.
 */
ES_RESULT es_instance_revocation_evidence(eseal_instance *inst, const eseal_cert *const *chain, size_t n,
                                          es_revocation_data *out);

/* The vector outline of a seal of the registry (drawn seals only). */
/*
 * Where a batch's time-stamps come from (ltv.c): the TSAs at `urls` in order,
 * or (n_urls 0) the instance's own TSA of `hierarchy` ("sm2" or "p256"; NULL:
 * p256) in-process; tokens pass the client checklist against the instance's
 * trust. es_tsa_hierarchy_for says which own TSA suits a signer.
 */
typedef struct es_timestamper_s {
    eseal_tsa_service *own;
    eseal_tsa_source *sources;
    eseal_trust *trust;
    eseal_tsa_client_options co;
} es_timestamper;
/* After eseal_tsa_service_respond in this thread: the store error (and its message) that made
 * the responder answer "Error during serial number generation", else ESEAL_OK. */
int es_tsa_serial_failure(const char **msg);
ES_RESULT es_timestamper_open(es_timestamper *t, eseal_instance *inst, const char *const *urls, size_t n_urls,
                              unsigned int timeout_ms, const char *hierarchy);
const char *es_tsa_hierarchy_for(const eseal_cert *signer);
void es_timestamper_close(es_timestamper *t);
/* One document's time-stamp (an eseal_timestamp_fn context): the token obtained and where it came from. */
typedef struct {
    const es_timestamper *t;
    eseal_tsa_client_result got;
} es_doc_time;
int es_doc_timestamp(void *ctx, eseal_buf *token, eseal_hash hash, const void *digest, size_t len);
/*
 * Raises the signed PDF at in_path to `level` (B-LT: a /DSS with the
 * validation data of its signatures and time-stamps; B-LTA: also a document
 * timestamp from `ts`) into out_path (atomically; may be in_path). `dt` (may be
 * NULL) receives the document timestamp's source.
 */
/* The update of es_instance_extend_file, of a PDF in memory into `out` (nothing written). */
ES_RESULT es_instance_extend_buf(eseal_instance *inst, es_buf *out, es_span in, int level, const es_timestamper *ts,
                                 es_doc_time *dt);
ES_RESULT es_instance_extend_file(eseal_instance *inst, const char *in_path, const char *out_path, int level,
                                  const es_timestamper *ts, es_doc_time *dt, bool defer_dir_sync);


/* ---- the audit log (log.c, log_read.c, log_witness.c, audit.c) ---- */

/* Runs inside the transaction that appends an entry, with its index (a stamp record, salts, a token). */
typedef ES_RESULT (*es_log_tx_fn)(eseal_store *s, uint64_t index, void *ctx);
/* Appends one entry and returns once it is durable; fn (may be NULL) runs in the same transaction. */
ES_RESULT es_log_append(struct eseal_log *log, uint64_t *index, es_span entry, es_log_tx_fn fn, void *ctx);
/* Appends entries inside the caller's open transaction on `s` (lifecycle events change state in the same one). */
ES_RESULT es_log_append_tx(eseal_store *s, const es_span *entries, size_t n, uint64_t *first);
/* Creates the log's Ed25519 key (keys/log-ed25519.key, encrypted) and log/log.vkey. */
ES_RESULT es_log_key_create(eseal_instance *inst);
/* The log's reading connection, locked until es_log_reader_end. */
eseal_store *es_log_reader_begin(struct eseal_log *log);
void es_log_reader_end(struct eseal_log *log);
/* The stored right edge (empty before the first append), and MTH of the first `size` leaves, on `s`. */
ES_RESULT es_log_state_read(eseal_store *s, es_tlog_edge *e);
ES_RESULT es_log_tree_hash_in(eseal_store *s, uint64_t size, es_hash32 out);
ES_RESULT es_log_consistency_in(eseal_store *s, uint64_t m, uint64_t n, es_hash32 proof[ES_TLOG_MAX_PROOF],
                                size_t *count);
/* The instance configuration the log was opened with. */
const es_config *es_log_config(const struct eseal_log *log);
/* A connection of the log's own for witness bookkeeping (named values), opened on first use. */
ES_RESULT es_log_meta_store(struct eseal_log *log, eseal_store **out);
/* The length of a note's text, blank line and first (the log's) signature line; 0 when malformed. */
size_t es_log_note_base_len(es_span note);
/* Asks the witnesses again for the stored checkpoint of `size` when it lacks the quorum. */
ES_RESULT es_log_witness_recosign(struct eseal_log *log, uint64_t size);
/* Adds the cosignature lines of `note` (the stored checkpoint of `size` with more cosignatures) to the
 * stored note, except those of cosigners already there. */
ES_RESULT es_log_store_cosigned(struct eseal_log *log, uint64_t size, es_span note);
/* Every stored checkpoint size, smallest first (es_free the array). */
ES_RESULT es_log_checkpoint_sizes(struct eseal_log *log, uint64_t **sizes, size_t *count);
/* Checks a checkpoint note with the log's key; out gets its body. */
ES_RESULT es_log_open_checkpoint(const struct eseal_log *log, es_span note, es_checkpoint *out);
/* The checkpoint kept outside the store (HOME/log/checkpoint); *present false when none. */
ES_RESULT es_log_outside_checkpoint(struct eseal_log *log, es_checkpoint *cp, bool *present);
/* Closes the instance's log (stops its publisher). */
void es_log_close(eseal_instance *inst);
/* Asks the configured witnesses to cosign a new checkpoint note and stores the cosigned note. */
ES_RESULT es_log_witness_cosign(struct eseal_log *log, es_buf *note, const es_checkpoint *cp, uint64_t prev_size);

/* Opens the instance's own TSA for audit time tokens (with the passphrase; quietly none without). Call
 * before beginning a store transaction that records audit events. */
ES_RESULT es_audit_prepare(eseal_instance *inst);
void es_audit_close(eseal_instance *inst);
/* Audit entries inside the caller's transaction on inst->store. */
ES_RESULT es_audit_seal_event(eseal_instance *inst, const es_acting *by, const char *esid, const char *from,
                              const char *to, int64_t at, const char *reason);
ES_RESULT es_audit_cert_event(eseal_instance *inst, const es_acting *by, const char *type,
                              const eseal_cert_record *rec, const char *detail);
/* A forgotten salt (eseal_instance_log_forget): "log.forgotten", naming the entry and the field. */
ES_RESULT es_audit_forget_event(eseal_instance *inst, const es_acting *by, uint64_t index, const char *field,
                                uint64_t *entry);
/* One stamped document, prepared and authorised, not yet published (src/service/stamp.c). */
typedef struct {
    const eseal_stamp_request *q; /* q->who: the acting principal */
    const char *policy_rule;      /* the policy rule that allowed the stamp */
    const char *serial;
    const char *esid;
    const eseal_cert_record *crec;
    const es_doc_digests *dg;     /* of the bytes read and written (SM3 too for OFD) */
    const char *tmp_path;         /* the prepared output under its temporary name */
    const char *out_path;         /* where it is published */
    bool ofd;
    int64_t time_ms;
    const eseal_buf *sig_token; /* the signature timestamp (B-T and up), else NULL */
    const es_timestamper *ts;   /* for an entry token when there is no signature timestamp (may be NULL) */
} es_audit_stamp_in;
/* Appends the stamp's entry (durably), with its stamp record and, kept privately under the entry
 * until es_audit_stamps_published, where its output waits to be published; *index: its position. */
ES_RESULT es_audit_stamp(eseal_instance *inst, const es_audit_stamp_in *in, uint64_t *index);
/* The outputs of these entries (index < 0: skipped) are published and durable: forgets where they waited. */
ES_RESULT es_audit_stamps_published(eseal_instance *inst, const int64_t *indices, size_t n);
/* The output of the stamp entry `index` could not be published: a "stamp.failed" entry says so (durably;
 * ts, may be NULL: the source of its time token). */
ES_RESULT es_audit_stamp_unpublished(eseal_instance *inst, const eseal_principal *who, uint64_t index,
                                     const es_timestamper *ts, const char *why);
/* After a crash between a stamp's record and its publication (only call when no other process is
 * stamping): each such stamp is found published (its output has the entry's after digest) or gets
 * its "stamp.failed" entry, and its temporary file goes. *recovered: how many were found. */
ES_RESULT es_audit_stamps_recover(eseal_instance *inst, const eseal_principal *who, size_t *recovered);
/* Publishes a checkpoint and stores the receipt of every stamp (serial "" or index -1: skipped). */
ES_RESULT es_audit_receipts(eseal_instance *inst, const char (*serials)[40], const int64_t *indices, size_t n);

ES_RESULT es_seal_outline(const eseal_seal_record *rec, eseal_imprint_outline **out);
/* Adds the registry's view of a seal at `at` to a seal report (when the seal is in this registry). */
ES_RESULT es_seal_registry_check(eseal_instance *inst, eseal_report *rep, const eseal_ses_seal *s, int64_t at);

#endif
