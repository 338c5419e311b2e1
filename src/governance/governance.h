/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The governance room (issue 20; include/eseal/governance.h, docs/grants.md): grants (grant.c)
 * and templates (template.c) kept by an organisation, stamp requests and their approvals
 * (request.c), webhooks (webhook.c). Every change asks the policy through the front door (es_act_on) and is stored with
 * its audit entry in one transaction. The grant decision itself is the policy's (policy/grant.h):
 * the service's stamp asks it, so that the CLI, the API and the pages obey the same code.
 */
#ifndef ES_GOVERNANCE_H
#define ES_GOVERNANCE_H

#include <jansson.h>

#include "accounts/accounts.h"
#include "eseal/governance.h"
#include "policy/grant.h"
#include "service/service.h"
#include "util/versions.h"

/* An audit entry's detail about a grant: its id, seal, holder and every limit (at most this long). */
#define ES_GRANT_DETAIL_MAX 2048

/* The seal `esid` (an esID or a prefix) and its organisation (ESEAL_ENOTFOUND when `who` may not see
 * it; ESEAL_EINVAL when it belongs to no organisation: grants and requests are an organisation's). */
ES_RESULT es_gov_seal_of(eseal_instance *inst, const eseal_principal *who, const char *esid, char esid_out[64],
                         char org[ESEAL_OWNER_ORG_MAX + 1]);

/* The detail text of `g` ("grt_… seal S to role stamper; types …; ..."), for its audit entries. */
void es_grant_describe(char *out, size_t cap, const eseal_grant *g);

/*
 * Queues event `type` (one of ESEAL_WEBHOOK_EVENT_TABLE) of organisation `org_id` (NULL or "":
 * nothing to do) for each of its active webhooks subscribed to it: one delivery row each, due now,
 * whose body is {"id": "evt_...", "type", "created" (RFC 3339), "org", "data": data} (data is not
 * consumed). Call it inside the transaction of the change it reports (es_acc_change's callback):
 * it never touches the network (webhook.c, docs/webhooks.md). ESEAL_ELIMIT for a body over
 * ESEAL_WEBHOOK_BODY_MAX.
 */
ES_RESULT es_webhook_emit(eseal_instance *inst, const char *org_id, const char *type, json_t *data);

#endif
