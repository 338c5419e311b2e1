/* SPDX-License-Identifier: Apache-2.0 */
/* The password module's entry (util/module.h, accounts/pw_module.h). */
#include "pw.h"

static const es_pw_module table = {es_pwmod_hash, es_pwmod_verify, es_pwmod_quality};

static const es_module_info info = {
    ES_MODULE_MAGIC, ES_MODULE_ABI, "pw", ESEAL_VERSION, ESEAL_MODULE_ABI_HASH, sizeof(table), &table,
};

ES_MODULE_DEFINE(&info)
