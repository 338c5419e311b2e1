/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The front door's one step before every change of state (core.h es_act): who is acting, and
 * may they? The policy (src/policy) decides; the audit entries record the principal's id, kind and
 * the rule that allowed it, and the seal registry's events its "KIND:ID" (docs/principal.md).
 */
#include <stdio.h>

#include "core.h"

ES_RESULT es_act(es_acting *a, const eseal_principal *who, es_action action, const char *obj_kind,
                 const char *obj_id)
{
    es_object obj = {obj_kind, obj_id, NULL, NULL};
    return es_act_on(a, who, action, obj_kind != NULL || obj_id != NULL ? &obj : NULL);
}

ES_RESULT es_act_on(es_acting *a, const eseal_principal *who, es_action action, const es_object *obj)
{
    *a = (es_acting){0};
    int rc = eseal_principal_check(who);
    ES_ENSURE(rc == ESEAL_OK, rc, "%s", eseal_error_last()->message);
    es_decision d;
    ES_GUARD(es_policy_require(who, action, obj, &d));
    a->who = who;
    a->rule = d.rule;
    (void)snprintf(a->actor, sizeof(a->actor), "%s:%s", eseal_principal_kind_name(who->kind), who->id);
    return ES_OK;
}

const char *es_actor(const es_acting *a) { return a != NULL ? a->actor : "platform"; }
