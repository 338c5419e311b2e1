/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The JSON of the eseal agent's STAMP (src/server/agent_stamp.c) over arbitrary bytes: the agent's
 * reading of a request (what a process of its user sends) and the client's reading of an answer.
 * Properties: no crash or sanitizer report; a request that parses, written again by the client's
 * encoder and read again, gives the same request (nothing is read that the encoder cannot say, and
 * the paths, the seal and every option survive); the same for an answer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "server/agent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool same_str(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static void same_request(const es_agent_stamp_req *a, const es_agent_stamp_req *b)
{
    const eseal_stamp_request *x = &a->q, *y = &b->q;
    bool same = same_str(a->in_path, b->in_path) && same_str(a->out_path, b->out_path) &&
                a->umask_bits == b->umask_bits && a->receipt == b->receipt && same_str(x->seal_ref, y->seal_ref) &&
                same_str(x->cert_ref, y->cert_ref) && x->page == y->page && x->x_mm == y->x_mm &&
                x->y_mm == y->y_mm && x->xy_exact == y->xy_exact && same_str(x->reason, y->reason) &&
                same_str(x->location, y->location) && x->adbe == y->adbe && x->qr == y->qr &&
                x->certify == y->certify && x->cross_page == y->cross_page && x->cross_first == y->cross_first &&
                x->cross_last == y->cross_last && x->pss == y->pss && x->lock == y->lock &&
                same_str(x->lock_fields, y->lock_fields) && x->plain == y->plain && x->level == y->level &&
                x->n_tsa_urls == y->n_tsa_urls && x->tsa_timeout_ms == y->tsa_timeout_ms &&
                same_str(a->who.address, b->who.address) && same_str(a->who.device, b->who.device) &&
                same_str(x->approvals, y->approvals) && x->skip_existing == y->skip_existing &&
                x->in_place == y->in_place;
    for (size_t i = 0; same && i < x->n_tsa_urls; i++) {
        same = same_str(x->tsa_urls[i], y->tsa_urls[i]);
    }
    if (!same) {
        abort();
    }
}

static void request(const uint8_t *data, size_t size)
{
    es_agent_stamp_req r;
    if (!es_ok(es_agent_stamp_request_parse(&r, (const char *)data, size))) {
        return;
    }
    es_buf again = ES_BUF_INIT(ES_AGENT_REQUEST_MAX * 4);
    eseal_principal who = r.who;
    r.q.who = &who;
    if (!es_ok(es_agent_stamp_request_json(&again, r.in_path, r.out_path, &r.q, r.receipt, r.umask_bits))) {
        abort(); /* what was read can be said */
    }
    es_agent_stamp_req r2;
    if (!es_ok(es_agent_stamp_request_parse(&r2, (const char *)again.ptr, again.len))) {
        abort();
    }
    same_request(&r, &r2);
    es_agent_stamp_req_free(&r2);
    es_agent_stamp_req_free(&r);
    es_buf_free(&again);
}

static void answer(const uint8_t *data, size_t size)
{
    es_agent_stamp_answer a = {.receipt = ES_BUF_INIT(ES_AGENT_REQUEST_MAX)};
    if (es_ok(es_agent_stamp_answer_parse(&a, (const char *)data, size))) {
        es_buf again = ES_BUF_INIT(ES_AGENT_REQUEST_MAX * 4);
        es_agent_stamp_answer b = {.receipt = ES_BUF_INIT(ES_AGENT_REQUEST_MAX)};
        if (!es_ok(es_agent_stamp_answer_json(&again, a.code, a.message, &a.res, a.receipt_code, a.receipt_message,
                                              es_buf_span(&a.receipt))) ||
            !es_ok(es_agent_stamp_answer_parse(&b, (const char *)again.ptr, again.len)) || b.code != a.code ||
            strcmp(b.message, a.message) != 0 || memcmp(&b.res, &a.res, sizeof(a.res)) != 0 ||
            b.receipt_code != a.receipt_code || strcmp(b.receipt_message, a.receipt_message) != 0 ||
            b.receipt.len != a.receipt.len || (a.receipt.len > 0 && memcmp(b.receipt.ptr, a.receipt.ptr, a.receipt.len) != 0)) {
            abort();
        }
        es_buf_free(&b.receipt);
        es_buf_free(&again);
    }
    es_buf_free(&a.receipt);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > ES_AGENT_REQUEST_MAX) {
        return 0;
    }
    request(data, size);
    answer(data, size);
    return 0;
}
