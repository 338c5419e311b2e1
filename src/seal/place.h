/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where an imprint goes on a page: the one reading of a stamp position that the PDF writer
 * (src/pdf/pdf_stamp.c, public eseal_pdf_stamp_options) and the OFD writer (src/ofd/ofd_stamp.c)
 * share, so that "0 means the default place" is decided once (docs/api.md: zero means default).
 */
#ifndef ES_PLACE_H
#define ES_PLACE_H

#include <stdbool.h>

/* The default place: the imprint's bottom-right corner this far from the page's right and bottom
 * edges (include/eseal/pdf.h, instance.h: "20 mm from the right (x) or bottom (y) edge"). */
#define ES_IMPRINT_MARGIN_MM 20.0

/*
 * A requested position (millimetres from the page's top-left) made what the writers place by:
 * on each axis the given value, or -1 for the default place there. Negative is the default; 0 is
 * the default too (zero means default) unless `exact`, where it is the left or top edge (exact:
 * xy_exact, and the older options versions that had no such field and meant the edge by 0).
 */
static inline void es_imprint_place(double *x, double *y, double x_mm, double y_mm, bool exact)
{
    *x = x_mm < 0 || (x_mm == 0 && !exact) ? -1 : x_mm;
    *y = y_mm < 0 || (y_mm == 0 && !exact) ? -1 : y_mm;
}

#endif
