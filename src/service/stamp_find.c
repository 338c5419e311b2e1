/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eseal_instance_stamp_find (instance.h): the public record of a stamp, what its QR code points
 * to (GET /api/v1/stamps/{serial}). It reads the stamp's record, its seal's record and the time
 * proof of its audit entry; it changes nothing, so it takes no principal and leaves no entry.
 */
#include <stdio.h>
#include <string.h>

#include "eseal/audit.h"
#include "eseal/log.h"
#include "eseal/sys/store.h"
#include "service.h"

#define SERIAL_MAX 39

static bool serial_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > SERIAL_MAX) {
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) {
            return false;
        }
    }
    return true;
}

typedef struct {
    char *out, *approvals;
    size_t cap, acap;
} facts_ctx;

static int entry_fact(uint64_t index, const void *data, size_t len, void *payload)
{
    (void)index;
    facts_ctx *f = payload;
    eseal_audit_entry_parsed p;
    if (eseal_audit_entry_parse(&p, data, len) != ESEAL_OK) {
        eseal_error_clear(); /* not one to read here; the log audit reports it */
        return ESEAL_OK;
    }
    if (p.e.time_proof_kind != NULL && p.e.time_proof_kind[0] != '\0') {
        (void)snprintf(f->out, f->cap, "%s", p.e.time_proof_kind);
    }
    if (f->approvals != NULL && p.e.approvals != NULL) {
        (void)snprintf(f->approvals, f->acap, "%s", p.e.approvals);
    }
    eseal_audit_entry_parsed_dispose(&p);
    return ESEAL_OK;
}

/* The audit entry's time proof kind ("signature", "entry"), "clock" when there is none; its approvals
 * line into `approvals` (may be NULL; "" none). Read from the store as it is (no log handle opened:
 * a verification asks this of every stamp of ours it sees). */
static void entry_facts(eseal_instance *inst, int64_t index, char *out, size_t cap, char *approvals, size_t acap)
{
    (void)snprintf(out, cap, "clock");
    if (approvals != NULL) {
        approvals[0] = '\0';
    }
    facts_ctx f = {out, approvals, cap, acap};
    if (index >= 0 && eseal_store_log_entries(inst->store, (uint64_t)index, (uint64_t)index + 1, entry_fact, &f) !=
                          ESEAL_OK) {
        eseal_error_clear();
    }
}

static ES_RESULT find(eseal_instance *inst, eseal_stamp_info *out, const char *serial)
{
    ES_ENSURE(serial_ok(serial), ESEAL_EINVAL, "a stamp serial is 1 to %d of [A-Z0-9-]", SERIAL_MAX);
    eseal_stamp_record st;
    ES_GUARD(es_from_code(eseal_store_stamp_find(inst->store, &st, serial)));
    eseal_seal_record seal;
    memset(&seal, 0, sizeof(seal));
    int rc = eseal_instance_seal_get(inst, &seal, NULL, st.esid);
    if (rc != ESEAL_OK) {
        eseal_stamp_record_dispose(&st);
        ES_BAIL(rc == ESEAL_ENOTFOUND ? ESEAL_ERROR : rc, "stamp %s: its seal %s is not in the registry", serial,
                st.esid);
    }
    memset(out, 0, sizeof(*out));
    (void)snprintf(out->serial, sizeof(out->serial), "%s", st.serial);
    (void)snprintf(out->esid, sizeof(out->esid), "%s", st.esid);
    (void)snprintf(out->seal_name, sizeof(out->seal_name), "%s", seal.name != NULL ? seal.name : "");
    (void)snprintf(out->organisation, sizeof(out->organisation), "%s", seal.owner != NULL ? seal.owner : "");
    (void)snprintf(out->kind, sizeof(out->kind), "%s", st.kind != NULL ? st.kind : "");
    (void)snprintf(out->document_sha256, sizeof(out->document_sha256), "%s", st.doc_sha256 != NULL ? st.doc_sha256 : "");
    (void)snprintf(out->seal_state, sizeof(out->seal_state), "%s", seal.state != NULL ? seal.state : "");
    out->time_ms = st.at_ms;
    out->log_index = st.log_index;
    out->receipt_present = st.receipt != NULL && st.receipt[0] != '\0';
    bool within = (seal.valid_from_ms == 0 || st.at_ms >= seal.valid_from_ms) &&
                  (seal.valid_to_ms == 0 || st.at_ms <= seal.valid_to_ms);
    /* The platform stamps only with an active seal (stamp.c refuses any other state), so a stamp on
     * record was made while its seal was active; what is left to check is its validity period. */
    out->seal_valid_at_time = within;
    char chain[ESEAL_AUDIT_MAX_FIELD + 1];
    entry_facts(inst, st.log_index, out->time_source, sizeof(out->time_source), chain, sizeof(chain));
    /* A request's stamp: "req_…" then one item per approval (docs/requests.md). */
    if (strncmp(chain, "req_", 4) == 0) {
        size_t n = strcspn(chain, ",");
        (void)snprintf(out->request, sizeof(out->request), "%.*s", (int)n, chain);
        for (const char *p = chain + n; *p == ',';) {
            out->approvals++;
            p = strchr(p + 1, ',');
            if (p == NULL) {
                break;
            }
        }
    }
    eseal_seal_record_dispose(&seal);
    eseal_stamp_record_dispose(&st);
    return ES_OK;
}

int eseal_instance_stamp_find(eseal_instance *inst, eseal_stamp_info *out, const char *serial)
{
    if (inst == NULL || out == NULL || serial == NULL) {
        ES_BAIL_INT(ESEAL_EINVAL, "inst == NULL || out == NULL || serial == NULL");
    }
    return es_code(find(inst, out, serial));
}

static ES_RESULT approvals_of(eseal_instance *inst, const eseal_principal *who, const char *serial, char *out,
                             size_t cap)
{
    ES_GUARD(es_from_code(eseal_principal_check(who)));
    ES_ENSURE_ARG(inst != NULL && serial != NULL && out != NULL && cap > 0);
    ES_ENSURE(serial_ok(serial), ESEAL_EINVAL, "a stamp serial is 1 to %d of [A-Z0-9-]", SERIAL_MAX);
    eseal_stamp_record st;
    ES_GUARD(es_from_code(eseal_store_stamp_find(inst->store, &st, serial)));
    int64_t index = st.log_index;
    eseal_seal_record seal;
    int rc = eseal_store_seal_find(inst->store, &seal, NULL, st.esid);
    eseal_stamp_record_dispose(&st);
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    char org[ESEAL_OWNER_ORG_MAX + 1];
    es_result r = es_seal_org(inst, seal.cert_ids, org);
    eseal_seal_record_dispose(&seal);
    ES_GUARD(r);
    /* who approved is the organisation's to know: the public has the count (eseal_instance_stamp_find) */
    es_object obj = {"request", serial, org[0] != '\0' ? org : NULL, NULL};
    ES_ENSURE(!es_owner_hidden(who, ES_ACT_REQUEST_READ, &obj), ESEAL_ENOTFOUND, "no stamp '%s'", serial);
    es_acting by;
    ES_GUARD(es_act_on(&by, who, ES_ACT_REQUEST_READ, &obj));
    char tsrc[16], chain[ESEAL_AUDIT_MAX_FIELD + 1];
    entry_facts(inst, index, tsrc, sizeof(tsrc), chain, sizeof(chain));
    size_t n = strlen(chain);
    ES_ENSURE(n < cap, ESEAL_ELIMIT, "stamp %s: its approval chain has %zu bytes, room for %zu", serial, n, cap - 1);
    memcpy(out, chain, n + 1);
    return ES_OK;
}

int eseal_instance_stamp_approvals(eseal_instance *inst, const eseal_principal *who, const char *serial, char *out,
                                   size_t cap)
{
    ES_RETURN_PUBLIC(approvals_of(inst, who, serial, out, cap));
}
