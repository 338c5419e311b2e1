/* SPDX-License-Identifier: Apache-2.0 */
/* QR codes for the PDF stamp (ISO/IEC 18004, level M, 8-bit mode, through libqrencode). */
#include <string.h>

#include <qrencode.h>

#include "imprint_int.h"

ES_RESULT es_draw_qr(es_buf *cells, int *width, const char *text)
{
    ES_ENSURE_ARG(cells != NULL && width != NULL && text != NULL);
    ES_ENSURE(strlen(text) <= ES_QR_MAX_TEXT, ESEAL_EINVAL, "pdf: the QR text is longer than %d bytes", ES_QR_MAX_TEXT);
    QRcode *qr = QRcode_encodeString(text, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
    ES_ENSURE(qr != NULL, ESEAL_ERROR, "pdf: the QR code cannot be made");
    int w = qr->width;
    es_result r = ES_OK;
    for (int i = 0; i < w * w && es_ok(r); i++) {
        r = es_buf_append_byte(cells, (uint8_t)(qr->data[i] & 1));
    }
    QRcode_free(qr);
    ES_GUARD(r);
    *width = w;
    return ES_OK;
}
