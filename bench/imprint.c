/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench_imprint — how long drawing a seal imprint takes, per template and
 * output, against a floor measured in the same run.
 *
 * A report, not a test: it never fails because something is slow. It exits
 * 0 when every measurement ran and 1 when one could not.
 *
 * Columns, medians of --runs runs (default 15) after one warm-up:
 *   png600  eseal_imprint_render(PNG, 600 dpi): layout + fill + PNG encoding
 *   svg     eseal_imprint_render(SVG)
 *   pdf     eseal_imprint_render(PDF)
 *   path    eseal_imprint_path() + free: the layout alone
 *   floor   plain cairo: one filled circle on an ARGB surface of the same
 *           pixel size, encoded to PNG in memory. PNG encoding (zlib)
 *           dominates raster output, so this is the least any PNG renderer
 *           of that size pays; the x columns divide by it.
 *
 * Usage: bench_imprint [--runs N]
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cairo.h>

#include <eseal/eseal.h>

#define MAX_RUNS 101
#define DPI 600u

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(double), cmp_double);
    return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

typedef enum { JOB_PNG, JOB_SVG, JOB_PDF, JOB_PATH, JOB_FLOOR } job_kind;

typedef struct {
    const eseal_imprint_spec *spec;
    job_kind kind;
    int w_px, h_px; /* floor only */
} job;

static cairo_status_t sink(void *closure, const unsigned char *data, unsigned int len)
{
    (void)data;
    *(size_t *)closure += len;
    return CAIRO_STATUS_SUCCESS;
}

static int run_once(const job *j)
{
    switch (j->kind) {
    case JOB_PNG:
    case JOB_SVG:
    case JOB_PDF: {
        eseal_buf out = ESEAL_BUF_INIT;
        eseal_imprint_format fmt = j->kind == JOB_PNG ? ESEAL_IMPRINT_PNG
                                   : j->kind == JOB_SVG ? ESEAL_IMPRINT_SVG
                                                        : ESEAL_IMPRINT_PDF;
        int rc = eseal_imprint_render(&out, j->spec, fmt, DPI);
        eseal_buf_dispose(&out);
        return rc;
    }
    case JOB_PATH: {
        eseal_imprint_outline *o = NULL;
        int rc = eseal_imprint_path(&o, j->spec);
        eseal_imprint_outline_free(o);
        return rc;
    }
    case JOB_FLOOR:
    default: {
        cairo_surface_t *s = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, j->w_px, j->h_px);
        cairo_t *cr = cairo_create(s);
        cairo_set_source_rgb(cr, 0.9, 0, 0.07);
        cairo_arc(cr, j->w_px / 2.0, j->h_px / 2.0, fmin(j->w_px, j->h_px) / 2.0, 0, 2 * M_PI);
        cairo_fill(cr);
        cairo_destroy(cr);
        size_t n = 0;
        cairo_status_t st = cairo_surface_write_to_png_stream(s, sink, &n);
        cairo_surface_destroy(s);
        return st == CAIRO_STATUS_SUCCESS && n > 0 ? 0 : -1;
    }
    }
}

static int time_job(const job *j, int runs, double *out_ms)
{
    double t[MAX_RUNS];
    if (run_once(j) != 0) { /* warm-up: fonts load once per process */
        return -1;
    }
    for (int i = 0; i < runs; i++) {
        double t0 = now_ms();
        if (run_once(j) != 0) {
            return -1;
        }
        t[i] = now_ms() - t0;
    }
    *out_ms = median(t, runs);
    return 0;
}

int main(int argc, char **argv)
{
    int runs = 15;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
            char *end = NULL;
            long v = strtol(argv[++i], &end, 10);
            if (end == NULL || *end != '\0' || v < 1 || v > MAX_RUNS) {
                fprintf(stderr, "bench_imprint: --runs takes 1..%d\n", MAX_RUNS);
                return 2;
            }
            runs = (int)v;
        } else {
            fprintf(stderr, "usage: bench_imprint [--runs N]\n");
            return 2;
        }
    }
    static const struct {
        const char *type, *name, *extra;
    } templates[] = {
        {"official", "北京示例科技有限公司", "1101080123456"},
        {"contract", "上海某某贸易有限公司", NULL},
        {"finance", "北京示例科技有限公司", NULL},
        {"invoice", "北京示例科技有限公司", "91110000MA01ABCDEX"},
        {"legal-rep", "张三丰", NULL},
        {"personal", "张三丰", NULL},
        {"signature", "张三丰", NULL},
        {"other", "深圳市示例网络技术股份有限公司", NULL},
    };
    printf("bench_imprint: medians of %d runs, ms; (xN) = times the floor of the same row\n", runs);
    printf("floor = one cairo-filled circle on an ARGB surface of the same pixel size, PNG-encoded in memory\n\n");
    printf("%-10s %-9s %-11s %8s %-9s %7s %-9s %7s %-9s %7s %-9s %8s\n", "template", "mm", "px@600dpi", "png600",
           "", "svg", "", "pdf", "", "path", "", "floor");
    int status = 0;
    for (size_t i = 0; i < sizeof(templates) / sizeof(templates[0]); i++) {
        eseal_imprint_spec spec;
        if (eseal_imprint_template(&spec, templates[i].type, templates[i].name, templates[i].extra) != ESEAL_OK) {
            fprintf(stderr, "bench_imprint: %s: %s\n", templates[i].type, eseal_error_last()->message);
            status = 1;
            continue;
        }
        double hmm = spec.height_mm == 0 ? spec.width_mm : spec.height_mm;
        int wpx = (int)lround(spec.width_mm * DPI / 25.4), hpx = (int)lround(hmm * DPI / 25.4);
        double ms[5];
        bool ok = true;
        for (int k = 0; k < 5 && ok; k++) {
            job j = {&spec, (job_kind)k, wpx, hpx};
            if (time_job(&j, runs, &ms[k]) != 0) {
                fprintf(stderr, "bench_imprint: %s: %s\n", templates[i].type, eseal_error_last()->message);
                ok = false;
                status = 1;
            }
        }
        if (!ok) {
            continue;
        }
        char size[32], px[32], r[4][16];
        (void)snprintf(size, sizeof(size), "%gx%g", spec.width_mm, hmm);
        (void)snprintf(px, sizeof(px), "%dx%d", wpx, hpx);
        for (int k = 0; k < 4; k++) {
            (void)snprintf(r[k], sizeof(r[k]), "(x%.2f)", ms[k] / ms[JOB_FLOOR]);
        }
        printf("%-10s %-9s %-11s %8.2f %-9s %7.2f %-9s %7.2f %-9s %7.2f %-9s %8.2f\n", templates[i].type, size, px,
               ms[JOB_PNG], r[0], ms[JOB_SVG], r[1], ms[JOB_PDF], r[2], ms[JOB_PATH], r[3], ms[JOB_FLOOR]);
    }
    return status;
}
