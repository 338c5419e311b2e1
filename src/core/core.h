/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The core room (src/core): what every room above needs of "the instance" and nothing more: its
 * home directory, configuration, passphrase and key files, the acting principal, its trust and its
 * own time-stamps. Below the audit log (src/auditlog), the CA (src/ca) and the service
 * (src/service), which build on it (docs/architecture.md).
 */
#ifndef ES_CORE_H
#define ES_CORE_H

#include <sys/types.h>
#include "crypto/crypto.h"
#include "eseal/instance.h"
#include "eseal/log.h"
#include "eseal/sys/store.h"
#include "eseal/trustlist.h"
#include "eseal/tsa_client.h"
#include "policy/policy.h"
#include "util/ctx.h"
#include "util/util.h"

/* The TSA's serial counter file: a decimal uint64 (20 digits) and its newline, read under 32 bytes into
 * a buffer of 64. */
#define ES_TSA_SERIAL_FILE_MAX 32
#define ES_TSA_SERIAL_TEXT_MAX 64

/* ---- configuration (config.c) ---- */

/* A store location's text (eseal.conf's `store`, $ESEAL_STORE): libpq's URIs are far shorter. */
#define ES_STORE_LOCATION_MAX 2048

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
    char *store; /* the store's location (eseal/sys/store.h); NULL: HOME/eseal.db */
    char *pkcs11_module; /* the PKCS#11 module of hardware keys (hwkey.c); NULL: SoftHSM2's when installed */
    char *skf_module;    /* the GM/T 0016 (SKF) module of "skf:" keys (hwkey.c); NULL: none */
} es_config;

ES_RESULT es_config_load(es_config *cfg, const char *path);
/* `store` (may be NULL: HOME/eseal.db) is written as the `store` setting. */
ES_RESULT es_config_write_default(const char *path, const eseal_instance_init_options *o, const char *store);
/* A store location that carries a password (postgresql://USER:PASSWORD@..., or password=). */
bool es_store_has_password(const char *location);
/* Where the instance in `home` with `cfg` keeps its store: cfg's `store`, else HOME/eseal.db. */
ES_RESULT es_store_location(es_buf *out, const es_config *cfg, const char *home);
void es_config_free(es_config *cfg);

/* ---- the instance ---- */

/* The instance (instance.c opens and closes it; the rooms above read and update their parts). */
struct eseal_instance {
    char *home;
    eseal_store *store;
    es_config cfg;
    es_secret pass;
    eseal_trust *trust_cache; /* the instance's own trust, reused for a short while by verifications */
    int64_t trust_cache_ms;
    /* The audit log room's handle (auditlog/auditlog.h: the log, its TSA, the hook, its settings),
     * made with the instance by src/service/auditlog_edge.c; its log opens on first use. */
    struct es_auditlog *auditlog;
    bool creating; /* eseal_instance_init is making it: no TSA with CRLs yet, so no time tokens */
    /* HOME/keys as it was when the passphrase was set (passwd.c): eseal passwd replaces the
     * directory, so a key written under an older passphrase is refused rather than mixed in. */
    dev_t keys_dev;
    ino_t keys_ino;
    bool keys_exclusive; /* eseal passwd holds HOME/keys.lock exclusively: writes take no lock */
    /* The instance key-encryption key (passwd.c; src/crypto/kek.c): derived once from the
     * passphrase, or installed from an agent; wiped when the instance closes. */
    es_kek kek;
    bool kek_set;
    const eseal_context *ctx; /* the caller's (eseal_instance_set_context), NULL: the default context */
    /* What stamps keep between calls (service/stamp.c: the own TSA's timestampers, decoded signer
     * keys), so that a long-lived instance (the agent, a server) prepares them once; freed by its
     * owner's function when the instance closes. */
    void *stamp_cache;
    void (*stamp_cache_free)(void *);
    /* Hardware keys (hwkey.c, issue 23): the token PIN the caller gave (in a locked page), or the
     * callback that is asked for it when a token first needs it; the PIN is then kept there. */
    struct es_p11_pin *token_pin;
    eseal_token_pin_cb token_pin_cb;
    void *token_pin_payload;
    /* eseal_instance_init's token (options version 5): while it is made, the CA roles of the p256
     * and rsa hierarchies get their keys generated in this token (ca.c); NULL otherwise. */
    const char *ca_token;
};

/* The instance's limits and "now" (its context's; inst or its context NULL: the defaults). */
static inline const eseal_limits *es_inst_limits(const eseal_instance *inst)
{
    return es_ctx_limits(inst != NULL ? inst->ctx : NULL);
}
static inline int64_t es_inst_now(const eseal_instance *inst) { return es_ctx_now(inst != NULL ? inst->ctx : NULL); }

/* ---- the acting principal (act.c) ---- */

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
/* es_act with the whole object (its organisation and owner: the accounts' rules need them). */
ES_RESULT es_act_on(es_acting *a, const eseal_principal *who, es_action action, const es_object *obj);
/* The actor of `a` ("platform" when NULL). */
const char *es_actor(const es_acting *a);

/* ---- trust (trust.c) ---- */

/*
 * The trust for a verification: the instance's own, cached for TRUST_CACHE_MS so that verifying
 * many documents does not rebuild it each time (*owned = false: do not free), or a fresh one when
 * the request adds anchors or CRLs (*owned = true).
 */
#define TRUST_CACHE_MS 60000
void es_instance_trust_invalidate(eseal_instance *inst);

/* ---- seals of other platforms (foreign.c; issue 24, docs/trust-lists.md) ---- */

typedef struct {
    const es_span *stapled; /* registry answers the document carries (a PDF's /DSS /ESealRegistryAnswers) */
    size_t nstapled;
    bool online;            /* ask the platform's registry when no answer at hand covers the time */
} es_foreign_opts;

/*
 * For seal `s`, which this registry does not hold: when an imported trust list names its maker
 * certificate as a seal-maker service, *found is set and `rep` gets seal.recognised (the platform,
 * its list's sequence, the service and its status at `at`; check "maker_service", INVALID with
 * SEAL_MAKER_NOT_RECOGNISED unless granted then) and the platform's registry answer for the seal
 * at `at` (seal.registry, check "registry"): from `o`'s stapled answers, the answers kept by
 * earlier verifications (HOME/cache/registry), or (o->online) the registry at the URL its list
 * names, whose answer is then kept. Revoked or suspended is INVALID; no answer covering `at` is
 * INDETERMINATE (SEAL_STATUS_UNKNOWN). *found stays false when no imported list made the seal.
 */
ES_RESULT es_foreign_seal_check(eseal_instance *inst, eseal_report *rep, const eseal_ses_seal *s, int64_t at,
                                const es_foreign_opts *o, bool *found);

/* The status service `v` had at `at`: its current one from its starting time, else the newest earlier one
 * of its history that had started (*granted: not withdrawn); false when it had none yet. */
bool es_tl_status_at(const eseal_tl_service *v, int64_t at, bool *granted);
/* Does registry answer `a` state the seal's status at `at`? (docs/trust-lists.md, "Verifying another
 * platform's seals": asked about `at`; its status started by `at` and `at` not after the time asked;
 * revoked by `at`; or `at` between the time asked and its next update.) */
bool es_registry_answer_covers(const eseal_registry_answer *a, int64_t at);

/* Asks the registry at `registry_url` (whose key is `registry_spki`) again, for now, about every seal
 * whose kept answers it signed, and keeps the new answers (eseal trust refresh). */
ES_RESULT es_foreign_answers_refresh(eseal_instance *inst, es_span registry_spki, const char *registry_url,
                                     size_t *refreshed, size_t *failed);
/* Keeps `jws` with the answers verifications keep, when it is an answer of the registry whose key is `spki`
 * (ESEAL_EVERIFY otherwise): a bundle's answers (eseal trust add BUNDLE). */
ES_RESULT es_foreign_answer_keep(eseal_instance *inst, es_span spki, es_span jws);
/* Appends to `out` (at most `most` in all) every kept answer that verifies under the registry key `spki`. */
ES_RESULT es_foreign_answers_collect(eseal_instance *inst, es_span spki, es_der_list *out, size_t most);
ES_RESULT es_instance_trust_shared(eseal_instance *inst, const eseal_verify_request *q, eseal_trust **out,
                                   bool *owned);

/* The instance's trust (inst may be NULL) plus the request's extra anchors and CRLs. */
ES_RESULT es_instance_trust_for(eseal_instance *inst, const eseal_verify_request *q, eseal_trust **out);
/* ---- home, passphrase and key files (passwd.c) ---- */

/* Notes which HOME/keys the passphrase belongs to (called when the passphrase is set). */
void es_keys_note(eseal_instance *inst);
/* Saves a new private key at `path` (under HOME/keys) encrypted with the instance passphrase,
 * under a shared lock against eseal passwd, and only if the passphrase is still the one the
 * key files are under (ESEAL_EPASS when eseal passwd changed it since). */
ES_RESULT es_key_save(eseal_instance *inst, eseal_key *key, const char *path);
/* The key at `rel` under the home, made (P-256, under the passphrase) when there is none: the trust
 * list's and the registry answers' keys (issue 24). */
ES_RESULT es_tl_key(eseal_instance *inst, eseal_key **key, const char *rel);
/* The registry answers' key, relative to the home: P-256, encrypted under the passphrase. */
#define ES_REGISTRY_KEY_FILE "keys/registry-p256.key"

/* Called once the re-encrypted key set is complete and durable, just before it replaces keys/
 * (`keys`: how many key files; `failed` NULL): records the change; an error stops it, nothing
 * changed. Called again with `failed` (why) when the recorded change then could not take effect
 * (the exchange of the directories failed): records that failure. */
typedef es_result (*es_passwd_record_fn)(void *ctx, size_t keys, const char *failed);
/* Test hook: true makes the exchange of keys/ and the re-encrypted set fail (EIO) as a rename in the
 * home can (EXDEV, EBUSY, a filesystem without RENAME_EXCHANGE), which a test cannot cause. */
extern bool es_passwd_exchange_fail;
/* Changes the instance passphrase (every key file re-encrypted, all or nothing; the front door,
 * eseal_instance_passwd, is the service's: it records the change through `rec`). */
ES_RESULT es_instance_passwd_change(eseal_instance *inst, const char *pass, size_t len, es_passwd_record_fn rec,
                                    void *ctx);
/* Path of a file inside the home directory. */
ES_RESULT es_home_path(es_buf *out, const eseal_instance *inst, const char *rel);
/* Loads the private key of a record (needs the passphrase). */
ES_RESULT es_instance_load_key(eseal_instance *inst, eseal_key **key, const eseal_cert_record *rec);
/* A key file of the instance (an absolute path under HOME/keys) opened under the instance KEK; a
 * file from before the KEK opens with the passphrase and is rewritten under the KEK. */
ES_RESULT es_instance_load_key_file(eseal_instance *inst, eseal_key **key, const char *path);

/* ---- hardware keys (hwkey.c) ---- */

/* True when a certificate record's key_file names a key in hardware ("pkcs11:...", "skf:...")
 * rather than a file under the instance home. */
bool es_hwkey_is_ref(const char *key_file);
/* Opens the hardware key `ref` names, with the instance's PKCS#11 module and token PIN (asked from
 * the PIN callback when none was given). A wrong PIN is forgotten, so that the next attempt asks. */
ES_RESULT es_hwkey_open(eseal_instance *inst, eseal_key **key, const char *ref);
/* The module eseal uses: pkcs11_module of eseal.conf, else SoftHSM2's when installed; NULL if none. */
const char *es_hwkey_module(const eseal_instance *inst);
static inline void es_key_freep(eseal_key **k) { eseal_key_free(*k); }
/* Gives `inst` the token PIN (a copy, in a locked page of its own) and the PIN callback of `from`. */
ES_RESULT es_hwkey_like(eseal_instance *inst, const eseal_instance *from);
/* Wipes and frees the instance's token PIN (eseal_instance_close). */
void es_hwkey_forget(eseal_instance *inst);
/* A new key for the CA role `role` of hierarchy `h`, generated in the PKCS#11 token `token`
 * (labelled eseal-H-ROLE-8HEX, 8 random hex digits so that renewals and other instances never
 * collide) and opened: *key signs in the token, `uri` gets its RFC 7512 URI. */
/* Checks that the PKCS#11 token `token` is there, takes the instance's PIN (asking the callback)
 * and can make P-256 and RSA keys: before eseal init makes anything in it. */
ES_RESULT es_hwkey_token_check(eseal_instance *inst, const char *token);
ES_RESULT es_hwkey_generate_role(eseal_instance *inst, eseal_key **key, es_buf *uri, const char *token,
                                 eseal_key_alg alg, const char *h, const char *role);
/* The instance's KEK (a copy, to wipe with es_kek_wipe): derived once per instance handle from the
 * passphrase (ESEAL_EPASS: none set, or a wrong one), or the one installed by es_instance_set_kek. */
ES_RESULT es_instance_kek(eseal_instance *inst, es_kek *out);
/* The instance's KEK when it has one already (derived or installed), never deriving it: false otherwise. */
bool es_instance_kek_held(eseal_instance *inst, es_kek *out);
/* Installs a KEK obtained elsewhere (an agent): ESEAL_EPASS when it is not the one of this
 * instance's HOME/keys/kdf.params (another salt or parameters, or a check value that differs: the
 * passphrase was changed since). No passphrase is needed afterwards to open the instance's keys. */
ES_RESULT es_instance_set_kek(eseal_instance *inst, const es_kek *kek);
/* True when the instance's keys can be opened: a passphrase or a KEK is set. */
bool es_instance_unlocked(const eseal_instance *inst);
/* ---- time-stamps: the own TSA (tsa.c) and the timestamper (timestamper.c) ---- */

/*
 * Where a batch's time-stamps come from (ltv.c): the TSAs at `urls` in order,
 * or (n_urls 0) the instance's own TSA of `hierarchy` ("sm2" or "p256"; NULL:
 * p256) in-process; tokens pass the client checklist against the instance's
 * trust, except the own TSA's after its first, which are checked against the pin
 * that first token made (timestamper.c, src/crypto/ts_pin.c). es_tsa_hierarchy_for
 * says which own TSA suits a signer.
 */
typedef struct es_timestamper_s {
    eseal_tsa_service *own;
    eseal_tsa_source *sources;
    eseal_trust *trust;
    eseal_tsa_client_options co;
    struct es_own_pin_s *pin; /* the own TSA: its pinned check, once a token passed the checklist */
} es_timestamper;
ES_RESULT es_timestamper_open(es_timestamper *t, eseal_instance *inst, const char *const *urls, size_t n_urls,
                              unsigned int timeout_ms, const char *hierarchy);
const char *es_tsa_hierarchy_for(const eseal_cert *signer);
/* The own TSA's certificate (tsa.c): the one whose key answers; and its issuer's. */
const eseal_cert *es_tsa_service_cert(const eseal_tsa_service *t);
const eseal_cert *es_tsa_service_issuer(const eseal_tsa_service *t);
/* Test hook: when set, every response of the own TSA passes through it before it is checked (a
 * test changes a signature or an imprint there: the token must still be refused). */
extern void (*es_own_tsa_tamper)(eseal_buf *resp);
/* The own TSA's pin (timestamper.c), NULL before its first token passed the checklist. */
const es_ts_pin *es_timestamper_pin(const es_timestamper *t);
void es_timestamper_close(es_timestamper *t);
/* One document's time-stamp (an eseal_timestamp_fn context): the token obtained and where it came from. */
typedef struct {
    const es_timestamper *t;
    eseal_tsa_client_result got;
} es_doc_time;
int es_doc_timestamp(void *ctx, eseal_buf *token, eseal_hash hash, const void *digest, size_t len);

#endif
