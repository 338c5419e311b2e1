/* SPDX-License-Identifier: Apache-2.0 */
/* The drawing module's entry (util/module.h, seal/draw.h). */
#include "imprint_int.h"

static const es_draw_module table = {es_imprint_draw_render, es_imprint_draw_path, es_draw_qr, es_draw_doc_pdf};

static const es_module_info info = {
    ES_MODULE_MAGIC, ES_MODULE_ABI, "draw", ESEAL_VERSION, ESEAL_MODULE_ABI_HASH, sizeof(table), &table,
};

ES_MODULE_DEFINE(&info)
