/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Versioned structs (issue #16): every public entry refuses a struct of a version it does not know,
 * in one message form, and every eseal_<name>_init zeroes and sets the version (src/util/versions.h).
 *
 * One row per (entry, struct): the entry is called with the struct at version 0, at the current
 * version + 1, below the oldest accepted version (when there is one above 0) and NULL (when the
 * entry requires it), and must answer ESEAL_EINVAL naming the struct; at the current and the
 * oldest accepted version the version check must pass (whatever else fails). scripts/versions-check
 * (ctest versions_complete) compares these rows with the headers, so a new entry or struct
 * without a row fails there.
 *
 * Then what zero means: zeroed structs (the INIT macros and the init functions give exactly that)
 * stamp, verify and make seals as the old INIT lists did.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "eseal/eseal.h"
#include "eseal/sys/key_backend.h"
#include "eseal/tsa_client.h"
#include "util/versions.h"

#include "test_instance.h"

/* ---- the table's rows, from versions.h ------------------------------------------------------ */

typedef struct {
    const char *name;
    const char *what;
    unsigned int oldest, current;
    size_t size;
    int (*init)(void *p, unsigned int version);
} vrow;

#define INIT_THUNK_(name, type, what, oldest, current)                                                  \
    static int init_##name(void *p, unsigned int v) { return eseal_##name##_init((type *)p, v); }
ES_VERSIONED(INIT_THUNK_)
#undef INIT_THUNK_
#define VROW_(name, type, what, oldest, current) {#name, what, oldest, current, sizeof(type), init_##name},
static const vrow vrows[ES_VID_COUNT] = {ES_VERSIONED(VROW_)};
#undef VROW_

/* ---- the entries -------------------------------------------------------------------------- */

static const eseal_principal op = {.version = ESEAL_PRINCIPAL_VERSION, .kind = ESEAL_PRINCIPAL_OPERATOR, .id = "t"};

static int c_audit_entry_encode(const void *s)
{
    eseal_buf b = ESEAL_BUF_INIT;
    int rc = eseal_audit_entry_encode(&b, s);
    eseal_buf_dispose(&b);
    return rc;
}
static int c_cms_sign(const void *s) { return eseal_cms_sign(NULL, NULL, NULL, "", 0, s); }
static int c_cms_sign_digest(const void *s) { return eseal_cms_sign_digest(NULL, NULL, NULL, "", 0, s); }
static int c_cms_sign_file(const void *s) { return eseal_cms_sign_file(NULL, NULL, NULL, "x", s); }
static int c_cms_verify(const void *s) { return eseal_cms_verify(NULL, NULL, 0, NULL, 0, NULL, s); }
static int c_cms_verify_file(const void *s) { return eseal_cms_verify_file(NULL, NULL, 0, "x", NULL, s); }
static int c_cms_verify_parts(const void *s)
{
    eseal_bytes_part p = {"", 0};
    return eseal_cms_verify_parts(NULL, NULL, 0, &p, 1, NULL, s);
}
static int c_imprint_path(const void *s)
{
    eseal_imprint_outline *o = NULL;
    int rc = eseal_imprint_path(&o, s);
    eseal_imprint_outline_free(o);
    return rc;
}
static int c_imprint_render(const void *s)
{
    eseal_buf b = ESEAL_BUF_INIT;
    int rc = eseal_imprint_render(&b, s, ESEAL_IMPRINT_SVG, 0);
    eseal_buf_dispose(&b);
    return rc;
}
static int c_ca_renew(const void *s) { return eseal_instance_ca_renew(NULL, s, NULL, "issuing-ca", "sm2", NULL, NULL); }
static int c_cert_import(const void *s) { return eseal_instance_cert_import(NULL, s, NULL, "x", NULL, NULL); }
static int c_cert_issue_req(const void *s) { return eseal_instance_cert_issue(NULL, &op, NULL, s); }
static int c_cert_issue_who(const void *s)
{
    eseal_cert_request q = ESEAL_CERT_REQUEST_INIT;
    return eseal_instance_cert_issue(NULL, s, NULL, &q);
}
static int c_cert_revoke(const void *s) { return eseal_instance_cert_revoke(NULL, s, "x", 0, 0); }
/* The accounts (eseal/accounts.h): the principal is checked before anything else. */
static int c_org_add(const void *s)
{
    eseal_org o;
    return eseal_org_add(NULL, s, &o, "n", NULL);
}
static int c_org_add_ext(const void *s)
{
    eseal_org o;
    return eseal_org_add_ext(NULL, s, &o, "n", NULL, NULL);
}
static int c_org_find(const void *s)
{
    eseal_org o;
    return eseal_org_find(NULL, s, &o, "n");
}
static int no_org(const eseal_org *o, void *ctx)
{
    (void)o;
    (void)ctx;
    return 0;
}
static int c_org_list(const void *s) { return eseal_org_list(NULL, s, no_org, NULL); }
/* Governance (eseal/governance.h): the principal first, then the request's version. */
static int c_grant_add_req(const void *s)
{
    eseal_grant g;
    return eseal_grant_add(NULL, &op, s, &g);
}
static int c_grant_add_who(const void *s)
{
    eseal_grant g;
    eseal_grant_request q = ESEAL_GRANT_REQUEST_INIT;
    return eseal_grant_add(NULL, s, &q, &g);
}
static int c_grant_find(const void *s)
{
    eseal_grant g;
    return eseal_grant_find(NULL, s, &g, "grt_x");
}
static int no_grant(const eseal_grant *g, void *ctx)
{
    (void)g;
    (void)ctx;
    return 0;
}
static int c_grant_list(const void *s) { return eseal_grant_list(NULL, s, NULL, no_grant, NULL); }
static int c_grant_change_req(const void *s)
{
    eseal_grant g;
    return eseal_grant_change(NULL, &op, "grt_x", s, NULL, &g);
}
static int c_grant_change_who(const void *s)
{
    eseal_grant g;
    eseal_grant_request q = ESEAL_GRANT_REQUEST_INIT;
    return eseal_grant_change(NULL, s, "grt_x", &q, NULL, &g);
}
static int c_grant_revoke(const void *s) { return eseal_grant_revoke(NULL, s, "grt_x", NULL); }
static int c_template_add(const void *s)
{
    eseal_template t;
    return eseal_template_add(NULL, s, NULL, "n", "%PDF-", 5, &t);
}
static int no_template(const eseal_template *t, void *ctx)
{
    (void)t;
    (void)ctx;
    return 0;
}
static int c_template_list(const void *s) { return eseal_template_list(NULL, s, NULL, no_template, NULL); }
static int c_webhook_add(const void *s)
{
    eseal_webhook w;
    return eseal_webhook_add(NULL, s, NULL, "https://example.org/hook", "alert", &w);
}
static int no_webhook(const eseal_webhook *w, void *ctx)
{
    (void)w;
    (void)ctx;
    return 0;
}
static int c_webhook_list(const void *s) { return eseal_webhook_list(NULL, s, no_webhook, NULL); }
static int c_webhook_remove(const void *s) { return eseal_webhook_remove(NULL, s, "whk_x"); }
static int no_delivery(const eseal_delivery *d, void *ctx)
{
    (void)d;
    (void)ctx;
    return 0;
}
static int c_webhook_deliveries(const void *s) { return eseal_webhook_deliveries(NULL, s, "whk_x", 0, no_delivery, NULL); }
static int c_webhook_replay(const void *s)
{
    eseal_delivery d;
    return eseal_webhook_replay(NULL, s, "dlv_x", &d);
}
static int c_request_submit_req(const void *s)
{
    eseal_request r;
    return eseal_request_submit(NULL, &op, s, &r);
}
static int c_request_submit_who(const void *s)
{
    eseal_request r;
    eseal_request_submit_options o = ESEAL_REQUEST_SUBMIT_OPTIONS_INIT;
    return eseal_request_submit(NULL, s, &o, &r);
}
static int c_request_find(const void *s)
{
    eseal_request r;
    return eseal_request_find(NULL, s, &r, "req_x");
}
static int no_request(const eseal_request *r, void *ctx)
{
    (void)r;
    (void)ctx;
    return 0;
}
static int no_request_doc(const eseal_request_doc *d, void *ctx)
{
    (void)d;
    (void)ctx;
    return 0;
}
static int no_decision(const eseal_decision *d, void *ctx)
{
    (void)d;
    (void)ctx;
    return 0;
}
static int c_request_docs(const void *s) { return eseal_request_docs(NULL, s, "req_x", no_request_doc, NULL); }
static int c_request_decisions(const void *s) { return eseal_request_decisions(NULL, s, "req_x", no_decision, NULL); }
static int c_request_list(const void *s) { return eseal_request_list(NULL, s, 0, 0, no_request, NULL); }
static int c_request_inbox(const void *s) { return eseal_request_inbox(NULL, s, no_request, NULL); }
static int c_request_decide(const void *s)
{
    const char *ids[1] = {"req_x"};
    return eseal_request_decide(NULL, s, ids, 1, 1, NULL, NULL);
}
static int no_device(const eseal_device *d, void *p)
{
    (void)d;
    (void)p;
    return 0;
}
static int no_impression(const eseal_impression *m, void *p)
{
    (void)m;
    (void)p;
    return 0;
}
static int c_trustlist_publish_who(const void *s)
{
    eseal_buf b = ESEAL_BUF_INIT;
    char fp[65];
    return eseal_instance_trustlist_publish(NULL, s, &b, fp, NULL);
}
static int c_trustlist_publish_opts(const void *s)
{
    eseal_buf b = ESEAL_BUF_INIT;
    char fp[65];
    return eseal_instance_trustlist_publish(NULL, &op, &b, fp, s);
}
static int c_trustlist_rotate(const void *s)
{
    char fp[65];
    return eseal_instance_trustlist_rotate_key(NULL, s, fp);
}
static int c_trust_add(const void *s) { return eseal_instance_trust_add(NULL, s, "x", 1, "f", "0", NULL); }
static int c_trust_refresh(const void *s) { return eseal_instance_trust_refresh(NULL, s, "n", NULL, 0, NULL); }
static int c_trust_remove(const void *s) { return eseal_instance_trust_remove(NULL, s, "n"); }
static int c_device_add(const void *s)
{
    eseal_device d;
    return eseal_device_add(NULL, s, "ESx", "k", 1, "chip", &d);
}
static int c_device_find(const void *s)
{
    eseal_device d;
    return eseal_device_find(NULL, s, &d, "dev_x");
}
static int c_device_list(const void *s) { return eseal_device_list(NULL, s, NULL, no_device, NULL); }
static int c_device_retire(const void *s) { return eseal_device_retire(NULL, s, "dev_x", NULL); }
static int c_device_unlock(const void *s)
{
    eseal_device_ask a = {0};
    eseal_unlock_answer out;
    return eseal_device_unlock(NULL, s, &a, "s", 1, &out, NULL);
}
static int c_device_report(const void *s)
{
    eseal_device_report r = {0};
    eseal_impression out;
    return eseal_device_report_accept(NULL, s, &r, "s", 1, &out, NULL);
}
static int c_device_impressions(const void *s) { return eseal_device_impressions(NULL, s, "req_x", no_impression, NULL); }
static int c_request_execute(const void *s) { return eseal_request_execute(NULL, s, "req_x", NULL, NULL, NULL); }
static int c_request_doc_path(const void *s)
{
    char p[64];
    return eseal_request_doc_path(NULL, s, "req_x", 0, 0, p, sizeof(p));
}
static int c_stamp_approvals(const void *s)
{
    char chain[64];
    return eseal_instance_stamp_approvals(NULL, s, "ST1", chain, sizeof(chain));
}
static int c_user_add(const void *s)
{
    eseal_user u;
    return eseal_user_add(NULL, s, &u, "l", NULL, "o", "stamper", "p");
}
static int c_user_find(const void *s)
{
    eseal_user u;
    return eseal_user_find(NULL, s, &u, "l");
}
static int no_user(const eseal_user *u, void *ctx)
{
    (void)u;
    (void)ctx;
    return 0;
}
static int c_user_list(const void *s) { return eseal_user_list(NULL, s, NULL, no_user, NULL); }
static int c_user_passwd(const void *s) { return eseal_user_passwd(NULL, s, "l", "p"); }
static int c_user_set_roles(const void *s) { return eseal_user_set_roles(NULL, s, "l", "stamper"); }
static int c_user_set_status(const void *s) { return eseal_user_set_status(NULL, s, "l", ESEAL_USER_DISABLED); }
static int c_token_create(const void *s)
{
    char t[ESEAL_TOKEN_MAX + 1];
    return eseal_token_create(NULL, s, "l", NULL, 0, t, NULL);
}
static int no_token(const eseal_token_info *t, void *ctx)
{
    (void)t;
    (void)ctx;
    return 0;
}
static int c_token_list(const void *s) { return eseal_token_list(NULL, s, NULL, no_token, NULL); }
/* The reads of seals, certificates and the audit trail for a principal (issue 19 §2, owner.c). */
static int no_seal(const eseal_seal_record *r, const char *org, void *ctx)
{
    (void)r;
    (void)org;
    (void)ctx;
    return 0;
}
static int no_cert(const eseal_cert_record *r, const char *org, void *ctx)
{
    (void)r;
    (void)org;
    (void)ctx;
    return 0;
}
static int no_entry(uint64_t i, const eseal_audit_entry *e, const char *org, void *ctx)
{
    (void)i;
    (void)e;
    (void)org;
    (void)ctx;
    return 0;
}
static int c_seal_read(const void *s)
{
    eseal_seal_record r;
    return eseal_instance_seal_read(NULL, s, &r, NULL, "x", NULL);
}
static int c_seal_list_for(const void *s) { return eseal_instance_seal_list_for(NULL, s, no_seal, NULL); }
static int c_cert_read(const void *s)
{
    eseal_cert_record r;
    return eseal_instance_cert_read(NULL, s, &r, "x", NULL);
}
static int c_cert_list_for(const void *s) { return eseal_instance_cert_list_for(NULL, s, no_cert, NULL); }
static int c_audit_read(const void *s) { return eseal_instance_audit_read(NULL, s, 0, 1, no_entry, NULL, NULL); }
static int c_log_audit_run(const void *s) { return eseal_log_audit_run(NULL, s, NULL, NULL); }
static int c_log_audit_last(const void *s)
{
    eseal_log_audit_record rec;
    return eseal_log_audit_last(NULL, s, &rec);
}
static int c_audit_query_q(const void *s)
{
    return eseal_instance_audit_query(NULL, &op, s, no_entry, NULL, NULL, NULL);
}
static int c_audit_query_who(const void *s)
{
    eseal_audit_query q = ESEAL_AUDIT_QUERY_INIT;
    return eseal_instance_audit_query(NULL, s, &q, no_entry, NULL, NULL, NULL);
}
static int c_receipt_for(const void *s)
{
    eseal_buf b = ESEAL_BUF_INIT;
    return eseal_instance_stamp_receipt_for(NULL, s, &b, "x");
}
static int c_token_revoke(const void *s) { return eseal_token_revoke(NULL, s, "tok_0"); }
static int c_crl_issue(const void *s) { return eseal_instance_crl_issue(NULL, s, NULL, "sm2"); }
static int c_extend_req(const void *s) { return eseal_instance_extend_pdf(NULL, &op, NULL, "in", "out", s); }
static int c_extend_who(const void *s)
{
    eseal_extend_request q = ESEAL_EXTEND_REQUEST_INIT;
    return eseal_instance_extend_pdf(NULL, s, NULL, "in", "out", &q);
}
static int c_instance_init(const void *s) { return eseal_instance_init("/nonexistent/eseal-versions", s); }
static int c_instance_init_who(const void *s)
{
    eseal_instance_init_options o = ESEAL_INSTANCE_INIT_OPTIONS_INIT;
    o.who = s;
    return eseal_instance_init("/nonexistent/eseal-versions", &o);
}
static int c_log_forget(const void *s) { return eseal_instance_log_forget(NULL, s, 0, ESEAL_LOG_FIELD_IP, NULL); }
static int c_log_publish(const void *s) { return eseal_instance_log_publish(NULL, s, NULL); }
static int c_passwd(const void *s) { return eseal_instance_passwd(NULL, s, "x", 1); }
static int c_receipt_verify_req(const void *s) { return eseal_instance_receipt_verify(NULL, NULL, NULL, 0, NULL, 0, s); }
static int c_seal_make_req(const void *s) { return eseal_instance_seal_make(NULL, &op, NULL, NULL, s); }
static int c_seal_make_who(const void *s)
{
    eseal_seal_request q = ESEAL_SEAL_REQUEST_INIT;
    return eseal_instance_seal_make(NULL, s, NULL, NULL, &q);
}
static int c_seal_renew(const void *s) { return eseal_instance_seal_renew(NULL, s, NULL, "x", NULL); }
static int c_seal_transition(const void *s)
{
    return eseal_instance_seal_transition(NULL, s, NULL, "x", ESEAL_SEAL_SUSPEND, NULL);
}
static int c_seal_verify(const void *s) { return eseal_instance_seal_verify(NULL, NULL, NULL, 0, s); }
static int c_serve(const void *s) { return eseal_instance_serve(NULL, NULL, s); }
static int c_sign_file_opts(const void *s) { return eseal_instance_sign_file(NULL, &op, NULL, "x", "x", s); }
static int c_sign_file_who(const void *s) { return eseal_instance_sign_file(NULL, s, NULL, "x", "x", NULL); }
static int c_stamp(int which, const eseal_stamp_request *q)
{
    eseal_stamp_result r;
    const char *in = "in.pdf", *out = "out.pdf";
    switch (which) {
    case 0:
        return eseal_instance_stamp_pdf(NULL, &r, in, out, q);
    case 1:
        return eseal_instance_stamp_ofd(NULL, &r, in, out, q);
    case 2:
        return eseal_instance_stamp_pdfs(NULL, NULL, &in, &out, 1, q);
    default: {
        int made = 0; /* no agent at that home: the version and the principal are checked first */
        return eseal_agent_stamp("/nonexistent/eseal-versions", &r, in, out, q, NULL, NULL, &made);
    }
    }
}
static int stamp_who(int which, const void *s)
{
    eseal_stamp_request q = ESEAL_STAMP_REQUEST_INIT;
    q.seal_ref = "x";
    q.who = s;
    return c_stamp(which, &q);
}
static int c_stamp_pdf_req(const void *s) { return c_stamp(0, s); }
static int c_stamp_ofd_req(const void *s) { return c_stamp(1, s); }
static int c_stamp_pdfs_req(const void *s) { return c_stamp(2, s); }
static int c_stamp_pdf_who(const void *s) { return stamp_who(0, s); }
static int c_stamp_ofd_who(const void *s) { return stamp_who(1, s); }
static int c_stamp_pdfs_who(const void *s) { return stamp_who(2, s); }
static int c_agent_stamp_req(const void *s) { return c_stamp(3, s); }
static int c_agent_stamp_who(const void *s) { return stamp_who(3, s); }
static int c_verify_cms(const void *s) { return eseal_instance_verify_cms(NULL, NULL, NULL, 0, NULL, s); }
static int c_verify_ofd(const void *s) { return eseal_instance_verify_ofd(NULL, NULL, NULL, 0, s); }
static int c_verify_pdf(const void *s) { return eseal_instance_verify_pdf(NULL, NULL, NULL, 0, s); }
static int c_report_to_html(const void *s) { return eseal_report_to_html(NULL, NULL, s); }
static int c_report_pdf(const void *s) { return eseal_instance_report_pdf(NULL, NULL, NULL, s); }
static int c_key_from_backend(const void *s) { return eseal_key_from_backend(NULL, s, NULL, NULL); }
static int c_ocsp_respond(const void *s) { return eseal_ocsp_respond(NULL, NULL, 0, s); }
static int c_ofd_verify(const void *s) { return eseal_ofd_verify(NULL, NULL, 0, NULL, s); }
static int c_pdf_stamp(const void *s) { return eseal_pdf_stamp(NULL, NULL, 0, NULL, NULL, 0, NULL, NULL, s); }
static int c_pdf_stamp_file(const void *s) { return eseal_pdf_stamp_file(NULL, NULL, NULL, NULL, 0, NULL, NULL, s); }
static int c_pdf_verify(const void *s) { return eseal_pdf_verify(NULL, NULL, 0, NULL, s); }
static int c_principal_check(const void *s) { return eseal_principal_check(s); }
static int c_receipt_verify(const void *s)
{
    eseal_receipt_info info;
    int rc = eseal_receipt_verify(&info, NULL, 0, s);
    if (rc == ESEAL_OK || rc == ESEAL_EVERIFY) {
        eseal_receipt_info_dispose(&info);
    }
    return rc;
}
static int c_ses_seal_make(const void *s) { return eseal_ses_seal_make(NULL, s, NULL, NULL); }
static int c_ses_signature_make(const void *s) { return eseal_ses_signature_make(NULL, s, NULL, NULL); }
static int c_tsa_client_stamp(const void *s)
{
    eseal_tsa_client_result r;
    return eseal_tsa_client_stamp(&r, ESEAL_HASH_SHA256, NULL, 0, s);
}
static int c_tsa_respond(const void *s) { return eseal_tsa_respond(NULL, NULL, 0, s); }
static int c_tsa_responder_new(const void *s)
{
    eseal_tsa_responder *r = NULL;
    int rc = eseal_tsa_responder_new(&r, s);
    eseal_tsa_responder_free(r);
    return rc;
}
static int c_tsa_verify_token(const void *s) { return eseal_tsa_verify_token(NULL, NULL, NULL, 0, NULL, s); }
/* Trust lists (eseal/trustlist.h): the info's or answer's version before anything else. */
static int c_trustlist_sign(const void *s) { return eseal_trustlist_sign(NULL, s, NULL, 0, NULL, NULL); }
static int c_registry_answer_sign(const void *s) { return eseal_registry_answer_sign(NULL, s, NULL); }

typedef struct {
    const char *fn;   /* the entry */
    const char *type; /* the struct it takes ("type.field": one inside another) */
    es_vid id;        /* its row of versions.h */
    int nullable;     /* 1: NULL means the defaults (no NULL case) */
    int (*call)(const void *s);
    const char *null_says; /* what a NULL is refused with, when not the common "<what>: NULL" */
} erow;

#define P ES_VID_principal
static const char no_principal[] = "no principal";
static const erow erows[] = {
    {"eseal_agent_stamp", "eseal_stamp_request", ES_VID_stamp_request, 0, c_agent_stamp_req, NULL},
    {"eseal_agent_stamp", "eseal_stamp_request.who", P, 0, c_agent_stamp_who, no_principal},
    {"eseal_audit_entry_encode", "eseal_audit_entry", ES_VID_audit_entry, 0, c_audit_entry_encode, NULL},
    {"eseal_cms_sign", "eseal_cms_sign_options", ES_VID_cms_sign_options, 1, c_cms_sign, NULL},
    {"eseal_cms_sign_digest", "eseal_cms_sign_options", ES_VID_cms_sign_options, 1, c_cms_sign_digest, NULL},
    {"eseal_cms_sign_file", "eseal_cms_sign_options", ES_VID_cms_sign_options, 1, c_cms_sign_file, NULL},
    {"eseal_cms_verify", "eseal_cms_verify_options", ES_VID_cms_verify_options, 1, c_cms_verify, NULL},
    {"eseal_cms_verify_file", "eseal_cms_verify_options", ES_VID_cms_verify_options, 1, c_cms_verify_file, NULL},
    {"eseal_cms_verify_parts", "eseal_cms_verify_options", ES_VID_cms_verify_options, 1, c_cms_verify_parts, NULL},
    {"eseal_imprint_path", "eseal_imprint_spec", ES_VID_imprint_spec, 0, c_imprint_path, NULL},
    {"eseal_imprint_render", "eseal_imprint_spec", ES_VID_imprint_spec, 0, c_imprint_render, NULL},
    {"eseal_instance_ca_renew", "eseal_principal", P, 0, c_ca_renew, no_principal},
    {"eseal_instance_cert_import", "eseal_principal", P, 0, c_cert_import, no_principal},
    {"eseal_instance_cert_issue", "eseal_cert_request", ES_VID_cert_request, 0, c_cert_issue_req, NULL},
    {"eseal_instance_cert_issue", "eseal_principal", P, 0, c_cert_issue_who, no_principal},
    {"eseal_instance_cert_revoke", "eseal_principal", P, 0, c_cert_revoke, no_principal},
    {"eseal_instance_crl_issue", "eseal_principal", P, 0, c_crl_issue, no_principal},
    {"eseal_instance_extend_pdf", "eseal_extend_request", ES_VID_extend_request, 0, c_extend_req, NULL},
    {"eseal_instance_extend_pdf", "eseal_principal", P, 0, c_extend_who, no_principal},
    {"eseal_instance_init", "eseal_instance_init_options", ES_VID_instance_init_options, 0, c_instance_init, NULL},
    {"eseal_instance_init", "eseal_instance_init_options.who", P, 1, c_instance_init_who, NULL},
    {"eseal_instance_log_forget", "eseal_principal", P, 0, c_log_forget, no_principal},
    {"eseal_instance_log_publish", "eseal_principal", P, 0, c_log_publish, no_principal},
    {"eseal_instance_passwd", "eseal_principal", P, 0, c_passwd, no_principal},
    {"eseal_instance_receipt_verify", "eseal_verify_request", ES_VID_verify_request, 1, c_receipt_verify_req, NULL},
    {"eseal_instance_seal_make", "eseal_seal_request", ES_VID_seal_request, 0, c_seal_make_req, NULL},
    {"eseal_instance_seal_make", "eseal_principal", P, 0, c_seal_make_who, no_principal},
    {"eseal_instance_seal_renew", "eseal_principal", P, 0, c_seal_renew, no_principal},
    {"eseal_instance_seal_transition", "eseal_principal", P, 0, c_seal_transition, no_principal},
    {"eseal_instance_seal_read", "eseal_principal", P, 0, c_seal_read, no_principal},
    {"eseal_instance_seal_list_for", "eseal_principal", P, 0, c_seal_list_for, no_principal},
    {"eseal_instance_cert_read", "eseal_principal", P, 0, c_cert_read, no_principal},
    {"eseal_instance_cert_list_for", "eseal_principal", P, 0, c_cert_list_for, no_principal},
    {"eseal_instance_audit_read", "eseal_principal", P, 0, c_audit_read, no_principal},
    {"eseal_instance_audit_query", "eseal_audit_query", ES_VID_audit_query, 0, c_audit_query_q, NULL},
    {"eseal_instance_audit_query", "eseal_principal", P, 0, c_audit_query_who, no_principal},
    {"eseal_log_audit_run", "eseal_principal", P, 0, c_log_audit_run, no_principal},
    {"eseal_log_audit_last", "eseal_principal", P, 0, c_log_audit_last, no_principal},
    {"eseal_instance_stamp_receipt_for", "eseal_principal", P, 0, c_receipt_for, no_principal},
    {"eseal_instance_seal_verify", "eseal_verify_request", ES_VID_verify_request, 1, c_seal_verify, NULL},
    {"eseal_instance_serve", "eseal_serve_options", ES_VID_serve_options, 0, c_serve, NULL},
    {"eseal_instance_sign_file", "eseal_cms_sign_options", ES_VID_cms_sign_options, 1, c_sign_file_opts, NULL},
    {"eseal_instance_sign_file", "eseal_principal", P, 0, c_sign_file_who, no_principal},
    {"eseal_instance_stamp_ofd", "eseal_stamp_request", ES_VID_stamp_request, 0, c_stamp_ofd_req, NULL},
    {"eseal_instance_stamp_ofd", "eseal_stamp_request.who", P, 0, c_stamp_ofd_who, no_principal},
    {"eseal_instance_stamp_pdf", "eseal_stamp_request", ES_VID_stamp_request, 0, c_stamp_pdf_req, NULL},
    {"eseal_instance_stamp_pdf", "eseal_stamp_request.who", P, 0, c_stamp_pdf_who, no_principal},
    {"eseal_instance_stamp_pdfs", "eseal_stamp_request", ES_VID_stamp_request, 0, c_stamp_pdfs_req, NULL},
    {"eseal_instance_stamp_pdfs", "eseal_stamp_request.who", P, 0, c_stamp_pdfs_who, no_principal},
    {"eseal_instance_verify_cms", "eseal_verify_request", ES_VID_verify_request, 1, c_verify_cms, NULL},
    {"eseal_instance_verify_ofd", "eseal_verify_request", ES_VID_verify_request, 1, c_verify_ofd, NULL},
    {"eseal_instance_verify_pdf", "eseal_verify_request", ES_VID_verify_request, 1, c_verify_pdf, NULL},
    {"eseal_report_to_html", "eseal_report_doc_options", ES_VID_report_doc_options, 1, c_report_to_html, NULL},
    {"eseal_instance_report_pdf", "eseal_report_doc_options", ES_VID_report_doc_options, 1, c_report_pdf, NULL},
    {"eseal_grant_add", "eseal_grant_request", ES_VID_grant_request, 0, c_grant_add_req, NULL},
    {"eseal_grant_add", "eseal_principal", P, 0, c_grant_add_who, no_principal},
    {"eseal_grant_change", "eseal_grant_request", ES_VID_grant_request, 0, c_grant_change_req, NULL},
    {"eseal_grant_change", "eseal_principal", P, 0, c_grant_change_who, no_principal},
    {"eseal_grant_find", "eseal_principal", P, 0, c_grant_find, no_principal},
    {"eseal_grant_list", "eseal_principal", P, 0, c_grant_list, no_principal},
    {"eseal_grant_revoke", "eseal_principal", P, 0, c_grant_revoke, no_principal},
    {"eseal_template_add", "eseal_principal", P, 0, c_template_add, no_principal},
    {"eseal_template_list", "eseal_principal", P, 0, c_template_list, no_principal},
    {"eseal_webhook_add", "eseal_principal", P, 0, c_webhook_add, no_principal},
    {"eseal_webhook_deliveries", "eseal_principal", P, 0, c_webhook_deliveries, no_principal},
    {"eseal_webhook_list", "eseal_principal", P, 0, c_webhook_list, no_principal},
    {"eseal_webhook_remove", "eseal_principal", P, 0, c_webhook_remove, no_principal},
    {"eseal_webhook_replay", "eseal_principal", P, 0, c_webhook_replay, no_principal},
    {"eseal_request_submit", "eseal_request_submit_options", ES_VID_request_submit_options, 0, c_request_submit_req, NULL},
    {"eseal_request_submit", "eseal_principal", P, 0, c_request_submit_who, no_principal},
    {"eseal_request_find", "eseal_principal", P, 0, c_request_find, no_principal},
    {"eseal_request_docs", "eseal_principal", P, 0, c_request_docs, no_principal},
    {"eseal_request_decisions", "eseal_principal", P, 0, c_request_decisions, no_principal},
    {"eseal_request_list", "eseal_principal", P, 0, c_request_list, no_principal},
    {"eseal_request_inbox", "eseal_principal", P, 0, c_request_inbox, no_principal},
    {"eseal_request_decide", "eseal_principal", P, 0, c_request_decide, no_principal},
    {"eseal_request_execute", "eseal_principal", P, 0, c_request_execute, no_principal},
    {"eseal_request_doc_path", "eseal_principal", P, 0, c_request_doc_path, no_principal},
    {"eseal_instance_stamp_approvals", "eseal_principal", P, 0, c_stamp_approvals, no_principal},
    {"eseal_instance_trustlist_publish", "eseal_principal", P, 0, c_trustlist_publish_who, no_principal},
    {"eseal_instance_trustlist_publish", "eseal_trustlist_publish_options", ES_VID_trustlist_publish_options, 1,
     c_trustlist_publish_opts, NULL},
    {"eseal_instance_trustlist_rotate_key", "eseal_principal", P, 0, c_trustlist_rotate, no_principal},
    {"eseal_instance_trust_add", "eseal_principal", P, 0, c_trust_add, no_principal},
    {"eseal_instance_trust_refresh", "eseal_principal", P, 0, c_trust_refresh, no_principal},
    {"eseal_instance_trust_remove", "eseal_principal", P, 0, c_trust_remove, no_principal},
    {"eseal_device_add", "eseal_principal", P, 0, c_device_add, no_principal},
    {"eseal_device_find", "eseal_principal", P, 0, c_device_find, no_principal},
    {"eseal_device_list", "eseal_principal", P, 0, c_device_list, no_principal},
    {"eseal_device_retire", "eseal_principal", P, 0, c_device_retire, no_principal},
    {"eseal_device_unlock", "eseal_principal", P, 0, c_device_unlock, no_principal},
    {"eseal_device_report_accept", "eseal_principal", P, 0, c_device_report, no_principal},
    {"eseal_device_impressions", "eseal_principal", P, 0, c_device_impressions, no_principal},
    {"eseal_key_from_backend", "eseal_key_backend", ES_VID_key_backend, 0, c_key_from_backend, NULL},
    {"eseal_ocsp_respond", "eseal_ocsp_config", ES_VID_ocsp_config, 1, c_ocsp_respond, NULL},
    {"eseal_ofd_verify", "eseal_ofd_verify_options", ES_VID_ofd_verify_options, 1, c_ofd_verify, NULL},
    {"eseal_pdf_stamp", "eseal_pdf_stamp_options", ES_VID_pdf_stamp_options, 1, c_pdf_stamp, NULL},
    {"eseal_pdf_stamp_file", "eseal_pdf_stamp_options", ES_VID_pdf_stamp_options, 1, c_pdf_stamp_file, NULL},
    {"eseal_pdf_verify", "eseal_pdf_verify_options", ES_VID_pdf_verify_options, 1, c_pdf_verify, NULL},
    {"eseal_org_add", "eseal_principal", P, 0, c_org_add, no_principal},
    {"eseal_org_add_ext", "eseal_principal", P, 0, c_org_add_ext, no_principal},
    {"eseal_org_find", "eseal_principal", P, 0, c_org_find, no_principal},
    {"eseal_org_list", "eseal_principal", P, 0, c_org_list, no_principal},
    {"eseal_principal_check", "eseal_principal", P, 0, c_principal_check, no_principal},
    {"eseal_receipt_verify", "eseal_receipt_check", ES_VID_receipt_check, 0, c_receipt_verify, NULL},
    {"eseal_registry_answer_sign", "eseal_registry_answer", ES_VID_registry_answer, 0, c_registry_answer_sign, NULL},
    {"eseal_ses_seal_make", "eseal_seal_info", ES_VID_seal_info, 0, c_ses_seal_make, NULL},
    {"eseal_ses_signature_make", "eseal_ses_sign_request", ES_VID_ses_sign_request, 0, c_ses_signature_make, NULL},
    {"eseal_token_create", "eseal_principal", P, 0, c_token_create, no_principal},
    {"eseal_token_list", "eseal_principal", P, 0, c_token_list, no_principal},
    {"eseal_token_revoke", "eseal_principal", P, 0, c_token_revoke, no_principal},
    {"eseal_trustlist_sign", "eseal_tl_info", ES_VID_tl_info, 0, c_trustlist_sign, NULL},
    {"eseal_tsa_client_stamp", "eseal_tsa_client_options", ES_VID_tsa_client_options, 1, c_tsa_client_stamp, NULL},
    {"eseal_tsa_respond", "eseal_tsa_config", ES_VID_tsa_config, 0, c_tsa_respond, NULL},
    {"eseal_tsa_responder_new", "eseal_tsa_config", ES_VID_tsa_config, 0, c_tsa_responder_new, NULL},
    {"eseal_tsa_verify_token", "eseal_tsa_verify_options", ES_VID_tsa_verify_options, 1, c_tsa_verify_token, NULL},
    {"eseal_user_add", "eseal_principal", P, 0, c_user_add, no_principal},
    {"eseal_user_find", "eseal_principal", P, 0, c_user_find, no_principal},
    {"eseal_user_list", "eseal_principal", P, 0, c_user_list, no_principal},
    {"eseal_user_passwd", "eseal_principal", P, 0, c_user_passwd, no_principal},
    {"eseal_user_set_roles", "eseal_principal", P, 0, c_user_set_roles, no_principal},
    {"eseal_user_set_status", "eseal_principal", P, 0, c_user_set_status, no_principal},
};
#undef P

/* A struct of any row: zeroes with the version first (every versioned struct starts with it). */
typedef union {
    max_align_t align;
    unsigned char bytes[1024];
} any_struct;

static int call_at(const erow *r, unsigned int version)
{
    any_struct s;
    memset(&s, 0, sizeof(s));
    memcpy(s.bytes, &version, sizeof(version));
    eseal_error_clear();
    return r->call(&s);
}

static int failures; /* every row is tried; each failure is printed, the test fails at the end */

static void expect_refused(const erow *r, int rc, const char *want)
{
    const char *msg = eseal_error_last()->message;
    if (rc != ESEAL_EINVAL || strstr(msg, want) == NULL) {
        print_error("%s (%s): code %d, \"%s\"; wanted ESEAL_EINVAL and \"%s\"\n", r->fn, r->type, rc, msg, want);
        failures++;
    }
}

/* The actor of the first set-up entry of an instance made with init options of `version`. */
static void init_actor(unsigned int version, const eseal_principal *who, char *actor, size_t n)
{
    char dir[64], ihome[128];
    (void)snprintf(dir, sizeof(dir), "/tmp/eseal-versions-init-XXXXXX");
    assert_non_null(mkdtemp(dir));
    (void)snprintf(ihome, sizeof(ihome), "%s/i", dir);
    eseal_instance_init_options o = ESEAL_INSTANCE_INIT_OPTIONS_INIT;
    o.version = version;
    o.passphrase = "versions-init-passphrase";
    o.passphrase_len = strlen(o.passphrase);
    o.who = who; /* laid out by version 3; a version 1 or 2 caller has nothing there to read */
    assert_int_equal(eseal_instance_init(ihome, &o), ESEAL_OK);
    eseal_instance *inst = test_instance_open(ihome, o.passphrase);
    eseal_log *log = NULL;
    assert_int_equal(eseal_instance_log(inst, &log), ESEAL_OK);
    eseal_buf e = ESEAL_BUF_INIT;
    assert_int_equal(eseal_log_entry(log, &e, 0), ESEAL_OK);
    eseal_audit_entry_parsed p;
    assert_int_equal(eseal_audit_entry_parse(&p, e.ptr, e.size), ESEAL_OK);
    (void)snprintf(actor, n, "%s/%s", p.e.actor, p.e.actor_kind != NULL ? p.e.actor_kind : "");
    eseal_audit_entry_parsed_dispose(&p);
    eseal_buf_dispose(&e);
    eseal_instance_close(inst);
    assert_int_equal(test_scratch_remove(dir), 0);
}

/* Init options version 3 carry who creates the instance: the actor of the set-up entries; older
 * versions (and a NULL who) mean the platform. */
static void init_who_by_version(void **state)
{
    (void)state;
    eseal_principal who = ESEAL_PRINCIPAL_INIT;
    who.kind = ESEAL_PRINCIPAL_OPERATOR;
    who.id = "carol";
    char actor[160];
    init_actor(3, &who, actor, sizeof(actor));
    assert_string_equal(actor, "carol/operator");
    init_actor(2, &who, actor, sizeof(actor));
    assert_string_equal(actor, "platform/");
}

static void bad_versions_refused(void **state)
{
    (void)state;
    char want[256];
    failures = 0;
    for (size_t i = 0; i < sizeof(erows) / sizeof(erows[0]); i++) {
        const erow *r = &erows[i];
        const vrow *v = &vrows[r->id];
        unsigned int bad[3] = {0, v->current + 1, v->oldest - 1};
        for (size_t k = 0; k < 3; k++) {
            if (k == 2 && v->oldest <= 1) {
                continue; /* the same as version 0 */
            }
            int rc = call_at(r, bad[k]);
            (void)snprintf(want, sizeof(want), "%s: version %u, this library knows ", v->what, bad[k]);
            expect_refused(r, rc, want);
            (void)snprintf(want, sizeof(want), "(start from eseal_%s_init)", v->name);
            expect_refused(r, rc, want);
        }
        if (!r->nullable) {
            eseal_error_clear();
            int rc = r->call(NULL);
            if (r->null_says != NULL) {
                expect_refused(r, rc, r->null_says);
            } else {
                (void)snprintf(want, sizeof(want), "%s: NULL (start from eseal_%s_init)", v->what, v->name);
                expect_refused(r, rc, want);
            }
        }
    }
    assert_int_equal(failures, 0);
}

/* The versions the library knows pass the check (the call fails later, for other reasons). */
static void known_versions_pass(void **state)
{
    (void)state;
    char refused[128];
    failures = 0;
    for (size_t i = 0; i < sizeof(erows) / sizeof(erows[0]); i++) {
        const erow *r = &erows[i];
        const vrow *v = &vrows[r->id];
        (void)snprintf(refused, sizeof(refused), "%s: version", v->what);
        for (unsigned int ver = v->oldest; ver <= v->current; ver++) {
            int rc = call_at(r, ver);
            if (rc != ESEAL_OK && strstr(eseal_error_last()->message, refused) != NULL) {
                print_error("%s (%s) refused version %u: %s\n", r->fn, r->type, ver, eseal_error_last()->message);
                failures++;
            }
        }
    }
    assert_int_equal(failures, 0);
}

/* Every init function: the current version zeroes and sets it; others and NULL are refused. */
static void init_functions(void **state)
{
    (void)state;
    char want[256];
    for (size_t i = 0; i < ES_VID_COUNT; i++) {
        const vrow *v = &vrows[i];
        any_struct s;
        assert_true(v->size <= sizeof(s.bytes));
        memset(&s, 0xA5, sizeof(s));
        assert_int_equal(v->init(&s, v->current), ESEAL_OK);
        unsigned int got;
        memcpy(&got, s.bytes, sizeof(got));
        assert_int_equal(got, v->current);
        for (size_t b = sizeof(got); b < v->size; b++) {
            if (s.bytes[b] != 0) {
                fail_msg("eseal_%s_init left byte %zu of %zu", v->name, b, v->size);
            }
        }
        assert_int_equal(s.bytes[v->size], 0xA5); /* nothing past the struct */
        unsigned int bad[2] = {0, v->current + 1};
        for (size_t k = 0; k < 2; k++) {
            memset(&s, 0xA5, sizeof(s));
            assert_int_equal(v->init(&s, bad[k]), ESEAL_EINVAL);
            (void)snprintf(want, sizeof(want), "%s: version %u, this library knows %u (start from eseal_%s_init)",
                           v->what, bad[k], v->current, v->name);
            assert_string_equal(eseal_error_last()->message, want);
            assert_int_equal(s.bytes[0], 0xA5); /* untouched */
        }
        assert_int_equal(v->init(NULL, v->current), ESEAL_EINVAL);
        assert_non_null(strstr(eseal_error_last()->message, v->name));
    }
}

/* The INIT macros say the same as the init functions: the version and zeros. */
#define SAME_AS_INIT(type, MACRO, init)                                                                 \
    do {                                                                                                \
        type a_ = MACRO, b_;                                                                            \
        memset(&b_, 0xA5, sizeof(b_));                                                                  \
        assert_int_equal(init(&b_, a_.version), ESEAL_OK);                                              \
        assert_memory_equal(&a_, &b_, sizeof(a_));                                                      \
    } while (0)

static void init_macros(void **state)
{
    (void)state;
    SAME_AS_INIT(eseal_stamp_request, ESEAL_STAMP_REQUEST_INIT, eseal_stamp_request_init);
    SAME_AS_INIT(eseal_verify_request, ESEAL_VERIFY_REQUEST_INIT, eseal_verify_request_init);
    SAME_AS_INIT(eseal_seal_request, ESEAL_SEAL_REQUEST_INIT, eseal_seal_request_init);
    SAME_AS_INIT(eseal_cert_request, ESEAL_CERT_REQUEST_INIT, eseal_cert_request_init);
    SAME_AS_INIT(eseal_extend_request, ESEAL_EXTEND_REQUEST_INIT, eseal_extend_request_init);
    SAME_AS_INIT(eseal_report_doc_options, ESEAL_REPORT_DOC_OPTIONS_INIT, eseal_report_doc_options_init);
    SAME_AS_INIT(eseal_pdf_stamp_options, ESEAL_PDF_STAMP_OPTIONS_INIT, eseal_pdf_stamp_options_init);
    SAME_AS_INIT(eseal_imprint_spec, ESEAL_IMPRINT_SPEC_INIT, eseal_imprint_spec_init);
    SAME_AS_INIT(eseal_seal_info, ESEAL_SEAL_INFO_INIT, eseal_seal_info_init);
    SAME_AS_INIT(eseal_principal, ESEAL_PRINCIPAL_INIT, eseal_principal_init);
    SAME_AS_INIT(eseal_serve_options, ESEAL_SERVE_OPTIONS_INIT, eseal_serve_options_init);
    SAME_AS_INIT(eseal_key_backend, ESEAL_KEY_BACKEND_INIT, eseal_key_backend_init);
    SAME_AS_INIT(eseal_audit_query, ESEAL_AUDIT_QUERY_INIT, eseal_audit_query_init);
    SAME_AS_INIT(eseal_tl_info, ESEAL_TL_INFO_INIT, eseal_tl_info_init);
    SAME_AS_INIT(eseal_registry_answer, ESEAL_REGISTRY_ANSWER_INIT, eseal_registry_answer_init);
}

/* ---- what zero means ------------------------------------------------------------------------ */

/* Imprint colours: 0 is the default red in a version-2 spec, black is asked for explicitly, and a
 * version-1 spec (still read) keeps 0 as black. */
static void imprint_color_zero_is_red(void **state)
{
    (void)state;
    eseal_imprint_spec s;
    assert_int_equal(eseal_imprint_template(&s, "official", "北京示例科技有限公司", NULL), ESEAL_OK);
    assert_int_equal(s.color, 0);
    eseal_imprint_outline *o = NULL;
    assert_int_equal(eseal_imprint_path(&o, &s), ESEAL_OK);
    assert_int_equal(eseal_imprint_outline_color(o), ESEAL_IMPRINT_RED);
    eseal_imprint_outline_free(o);
    s.color = ESEAL_IMPRINT_BLACK;
    assert_int_equal(eseal_imprint_path(&o, &s), ESEAL_OK);
    assert_int_equal(eseal_imprint_outline_color(o), 0);
    eseal_imprint_outline_free(o);
    s.color = ESEAL_IMPRINT_COLOR_EXACT | 0x123456u;
    assert_int_equal(eseal_imprint_path(&o, &s), ESEAL_OK);
    assert_int_equal(eseal_imprint_outline_color(o), 0x123456u);
    eseal_imprint_outline_free(o);
    s.version = 1;
    s.color = 0;
    assert_int_equal(eseal_imprint_path(&o, &s), ESEAL_OK);
    assert_int_equal(eseal_imprint_outline_color(o), 0);
    eseal_imprint_outline_free(o);
    s.color = ESEAL_IMPRINT_BLACK; /* version 1 knows no explicit bit */
    assert_int_equal(eseal_imprint_path(&o, &s), ESEAL_EINVAL);
}

typedef struct {
    char dir[64];
    char ihome[128];
    eseal_instance *inst;
    char esid[64];
    char in[160];
} fixture;

static const char PASS[] = "versions-passphrase";

static int setup(void **state)
{
    static fixture f;
    memset(&f, 0, sizeof(f));
    (void)snprintf(f.dir, sizeof(f.dir), "/tmp/eseal-versions-XXXXXX");
    test_instance_init(f.dir, f.ihome, sizeof(f.ihome), PASS);
    f.inst = test_instance_open(f.ihome, PASS);
    (void)snprintf(f.in, sizeof(f.in), "%s/in.pdf", f.dir);
    test_write_pdf(f.in);
    *state = &f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    eseal_instance_close(f->inst);
    return test_scratch_remove(f->dir);
}

/* A zeroed certificate request is an SM2 certificate, a zeroed seal request an official seal. */
static void cert_and_seal_requests_zeroed(void **state)
{
    fixture *f = *state;
    eseal_cert_request q;
    assert_int_equal(eseal_cert_request_init(&q, ESEAL_CERT_REQUEST_VERSION), ESEAL_OK);
    q.name = "北京示例科技有限公司";
    q.uscc = "91110000MA01ABCDEX";
    eseal_cert_record crec;
    assert_int_equal(eseal_instance_cert_issue(f->inst, test_who(), &crec, &q), ESEAL_OK);
    assert_string_equal(crec.alg, "sm2");
    eseal_seal_request sq;
    assert_int_equal(eseal_seal_request_init(&sq, ESEAL_SEAL_REQUEST_VERSION), ESEAL_OK);
    sq.cert_ref = crec.id;
    sq.name = "北京示例科技有限公司";
    eseal_seal_record rec;
    assert_int_equal(eseal_instance_seal_make(f->inst, test_who(), &rec, NULL, &sq), ESEAL_OK);
    assert_int_equal(rec.type, ESEAL_SEAL_OFFICIAL);
    (void)snprintf(f->esid, sizeof(f->esid), "%s", rec.esid);
    eseal_seal_record_dispose(&rec);
    eseal_cert_record_dispose(&crec);
}

/* Stamps f->in with `q` (its seal and principal filled in) into DIR/NAME; the widget's /Rect into `rect`. */
static void stamp_rect(fixture *f, eseal_stamp_request *q, const char *name, char *rect, size_t n)
{
    char out[200];
    (void)snprintf(out, sizeof(out), "%s/%s", f->dir, name);
    q->seal_ref = f->esid;
    q->who = test_who();
    eseal_stamp_result res;
    assert_int_equal(eseal_instance_stamp_pdf(f->inst, &res, f->in, out, q), ESEAL_OK);
    eseal_buf b = ESEAL_BUF_INIT;
    assert_int_equal(eseal_file_read(&b, out, 1u << 20), ESEAL_OK);
    const char *p = NULL;
    for (size_t i = 0; i + 7 <= b.size; i++) {
        if (memcmp(b.ptr + i, "/Rect [", 7) == 0) {
            p = (const char *)b.ptr + i;
        }
    }
    assert_non_null(p);
    const char *e = memchr(p, ']', b.size - (size_t)(p - (const char *)b.ptr));
    assert_non_null(e);
    assert_true((size_t)(e - p) < n);
    memcpy(rect, p, (size_t)(e - p));
    rect[e - p] = 0;
    eseal_buf_dispose(&b);
}

/* A zeroed stamp request puts the imprint where the old INIT list (page -1, x -1, y -1) did; 0 on
 * one axis is the default on that axis; a version-2 request and xy_exact keep 0 as the edge. */
static void stamp_request_zeroed(void **state)
{
    fixture *f = *state;
    if (f->esid[0] == 0) {
        skip();
    }
    char zeroed[128], old_init[128], x_only[128], x_old[128], v2_edge[128], exact_edge[128];
    eseal_stamp_request q;
    assert_int_equal(eseal_stamp_request_init(&q, ESEAL_STAMP_REQUEST_VERSION), ESEAL_OK);
    stamp_rect(f, &q, "zeroed.pdf", zeroed, sizeof(zeroed));
    assert_int_equal(eseal_stamp_request_init(&q, ESEAL_STAMP_REQUEST_VERSION), ESEAL_OK);
    q.page = -1;
    q.x_mm = -1;
    q.y_mm = -1;
    stamp_rect(f, &q, "old-init.pdf", old_init, sizeof(old_init));
    assert_string_equal(zeroed, old_init);
    assert_int_equal(eseal_stamp_request_init(&q, ESEAL_STAMP_REQUEST_VERSION), ESEAL_OK);
    q.x_mm = 30;
    stamp_rect(f, &q, "x-only.pdf", x_only, sizeof(x_only));
    assert_int_equal(eseal_stamp_request_init(&q, ESEAL_STAMP_REQUEST_VERSION), ESEAL_OK);
    q.x_mm = 30;
    q.y_mm = -1;
    stamp_rect(f, &q, "x-old.pdf", x_old, sizeof(x_old));
    assert_string_equal(x_only, x_old);
    assert_string_not_equal(x_only, zeroed);
    assert_int_equal(eseal_stamp_request_init(&q, ESEAL_STAMP_REQUEST_VERSION), ESEAL_OK);
    q.version = 2; /* no xy_exact: 0 is the edge */
    stamp_rect(f, &q, "v2-edge.pdf", v2_edge, sizeof(v2_edge));
    assert_int_equal(eseal_stamp_request_init(&q, ESEAL_STAMP_REQUEST_VERSION), ESEAL_OK);
    q.xy_exact = 1;
    stamp_rect(f, &q, "exact-edge.pdf", exact_edge, sizeof(exact_edge));
    assert_string_equal(v2_edge, exact_edge);
    assert_string_not_equal(v2_edge, zeroed);
    assert_non_null(strstr(exact_edge, "/Rect [0.000 ")); /* the left edge of the 595x842 page */
}

/* A zeroed verify request verifies as no request at all. */
static void verify_request_zeroed(void **state)
{
    fixture *f = *state;
    if (f->esid[0] == 0) {
        skip();
    }
    char path[200];
    (void)snprintf(path, sizeof(path), "%s/zeroed.pdf", f->dir);
    eseal_buf b = ESEAL_BUF_INIT;
    assert_int_equal(eseal_file_read(&b, path, 1u << 20), ESEAL_OK);
    eseal_verify_request q;
    assert_int_equal(eseal_verify_request_init(&q, ESEAL_VERIFY_REQUEST_VERSION), ESEAL_OK);
    eseal_report *a = NULL, *n = NULL;
    assert_int_equal(eseal_instance_verify_pdf(f->inst, &a, b.ptr, b.size, &q), ESEAL_OK);
    assert_int_equal(eseal_instance_verify_pdf(f->inst, &n, b.ptr, b.size, NULL), ESEAL_OK);
    assert_int_equal(eseal_report_verdict(a), ESEAL_VALID);
    assert_int_equal(eseal_report_verdict(n), ESEAL_VALID);
    eseal_report_free(a);
    eseal_report_free(n);
    eseal_buf_dispose(&b);
}

/* A zeroed extend request is B-LTA: the output ends with a document timestamp. */
static void extend_request_zeroed(void **state)
{
    fixture *f = *state;
    if (f->esid[0] == 0) {
        skip();
    }
    char in[200], out[200];
    (void)snprintf(in, sizeof(in), "%s/zeroed.pdf", f->dir);
    (void)snprintf(out, sizeof(out), "%s/extended.pdf", f->dir);
    eseal_extend_request q;
    assert_int_equal(eseal_extend_request_init(&q, ESEAL_EXTEND_REQUEST_VERSION), ESEAL_OK);
    assert_int_equal(eseal_instance_extend_pdf(f->inst, test_who(), NULL, in, out, &q), ESEAL_OK);
    eseal_buf b = ESEAL_BUF_INIT;
    assert_int_equal(eseal_file_read(&b, out, 1u << 21), ESEAL_OK);
    assert_non_null(memmem(b.ptr, b.size, "/SubFilter /ETSI.RFC3161", 24));
    eseal_buf_dispose(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(init_who_by_version),
        cmocka_unit_test(bad_versions_refused),
        cmocka_unit_test(known_versions_pass),
        cmocka_unit_test(init_functions),
        cmocka_unit_test(init_macros),
        cmocka_unit_test(imprint_color_zero_is_red),
        cmocka_unit_test(cert_and_seal_requests_zeroed),
        cmocka_unit_test(stamp_request_zeroed),
        cmocka_unit_test(verify_request_zeroed),
        cmocka_unit_test(extend_request_zeroed),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
