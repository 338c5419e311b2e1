/* SPDX-License-Identifier: Apache-2.0 */
/* The HTTP module's entry (util/module.h, http/http_module.h). */
#include "http/http_module.h"

static const es_http_module table = {es_http_start, es_http_port, es_http_stop, es_http_post, es_http_get};

static const es_module_info info = {
    ES_MODULE_MAGIC, ES_MODULE_ABI, "http", ESEAL_VERSION, ESEAL_MODULE_ABI_HASH, sizeof(table), &table,
};

ES_MODULE_DEFINE(&info)
