/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eseal — the instance's HTTP server (`eseal serve`): one port, one router, every protocol
 * resource of the instance (docs/server.md):
 *
 *   POST /tsa, /tsa/p256, /tsa/sm2   RFC 3161 time-stamps (application/timestamp-query)
 *   POST /ocsp, GET /ocsp/BASE64     RFC 6960 OCSP of every CA (application/ocsp-request)
 *   GET  /crl/ID.crl                 the latest CRL of CA ID (application/pkix-crl)
 *   GET  /ca/ID.crt                  the certificate of CA ID (application/pkix-cert)
 *   GET  /checkpoint, /tile/...      the audit log as C2SP tlog-tiles (read-only)
 *   /api/v1/...                      the JSON API (docs/openapi.yaml, docs/api.md)
 *   GET  /healthz, /readyz, /metrics operations (liveness, readiness, Prometheus text)
 *   GET  /, /v/{serial}, /assets/... the web pages (docs/web.md), /vendor/pdfjs/... Debian's pdf.js
 *
 * 404 for other paths, 405 (with Allow) for other methods, 415 for POST bodies of another
 * media type, 413 for bodies over the resource's cap; every answer has a Content-Type. The
 * witness (eseal/witness.h) is a separate product with its own home and key: it is served by
 * eseal_witness_listen, on the same router code, never by the instance's server.
 */
#ifndef ESEAL_SERVER_H
#define ESEAL_SERVER_H

#include "common.h"

ESEAL_BEGIN_DECL

typedef struct eseal_instance eseal_instance;
/** A running HTTP server (libmicrohttpd, a thread pool). */
typedef struct eseal_server eseal_server;

/** Resources of eseal_serve_options.resources. */
#define ESEAL_SERVE_TSA 0x01u  /**< POST /tsa, /tsa/<hierarchy> */
#define ESEAL_SERVE_OCSP 0x02u /**< POST /ocsp, GET /ocsp/<base64> */
#define ESEAL_SERVE_CRL 0x04u  /**< GET /crl/<id>.crl */
#define ESEAL_SERVE_CA 0x08u   /**< GET /ca/<id>.crt */
#define ESEAL_SERVE_LOG 0x10u  /**< GET /checkpoint, /tile/... and a checkpoint publisher */
#define ESEAL_SERVE_API 0x20u  /**< the JSON API under /api/v1 (docs/openapi.yaml) */
#define ESEAL_SERVE_PAGES 0x40u /**< the web pages: GET /, /v/{serial}, /assets/..., /vendor/pdfjs/... (docs/web.md) */
#define ESEAL_SERVE_ALL 0x7fu

#define ESEAL_SERVE_OPTIONS_VERSION 3 /* 2: max_upload, access_log, tls_cert, tls_key; 3: pdfjs_dir */

/** Zero means default in every field. */
typedef struct {
    unsigned int version;          /**< ESEAL_SERVE_OPTIONS_VERSION */
    const char *listen;            /**< "ADDR:PORT" (IPv4 or [IPv6]), port 0 for any; required */
    unsigned int resources;        /**< ESEAL_SERVE_* bits; 0: all (ESEAL_SERVE_ALL) */
    /** NULL: every hierarchy with a TSA (p256, sm2), /tsa answering with p256; "p256" or
     *  "sm2": that TSA only, at /tsa and /tsa/<it>. */
    const char *tsa_hierarchy;
    /** The CAs whose OCSP responders answer: NULL all, or "sm2", "p256", "rsa". */
    const char *ca_hierarchy;
    unsigned int log_interval_ms;  /**< the publisher signs within this of an append (1..1000; 0: 250) */
    unsigned int threads;          /**< worker threads; 0: two per CPU */
    /** Version 2. The largest document POST /api/v1/verify takes, in bytes (413 above); 0: 100 MB.
     *  Such bodies are written to a temporary file under HOME/tmp (0700), never held in memory. */
    size_t max_upload;
    /** Version 2. Where the access log of the API's server goes (one JSON line per request,
     *  appended; the file is created 0600): NULL for standard error. ESEAL_EINVAL without the API. */
    const char *access_log;
    /** Version 2. HTTPS: the server's certificate chain (PEM file) and its private key (PEM file,
     *  unencrypted, readable by the owner only: refused otherwise). Both or neither; NULL: plain
     *  HTTP (put a TLS proxy in front). With TLS the session cookie is marked Secure. */
    const char *tls_cert;
    const char *tls_key;
    /** Version 3. The directory of pdf.js's pdf.js and pdf.worker.js, which the pages (ESEAL_SERVE_PAGES)
     *  serve at /vendor/pdfjs/ (read at each request: 404 with the reason when missing); NULL:
     *  Debian's libjs-pdf, /usr/share/javascript/pdf/build. */
    const char *pdfjs_dir;
} eseal_serve_options;

/** Only the version is set; a zero field means its documented default (required fields still need a value). */
#define ESEAL_SERVE_OPTIONS_INIT { .version = ESEAL_SERVE_OPTIONS_VERSION }

/**
 * Zeroes `o` and sets its version: the same as ESEAL_SERVE_OPTIONS_INIT. ESEAL_EINVAL for a NULL
 * pointer or a version other than ESEAL_SERVE_OPTIONS_VERSION.
 */
ESEAL_EXTERN(int) eseal_serve_options_init(eseal_serve_options *o, unsigned int version);


/**
 * Opens the resources of `inst` that `o` names (unlocking their keys: the instance needs its
 * passphrase) and serves them on o->listen until eseal_server_stop. `inst` must outlive the
 * server. ESEAL_ENOTFOUND when a resource asked for is missing (no TSA of the hierarchy, no CA
 * with a key), ESEAL_EIO when the address cannot be listened on.
 */
ESEAL_EXTERN(int) eseal_instance_serve(eseal_instance *inst, eseal_server **out, const eseal_serve_options *o);

/** The port the server listens on (useful with port 0). */
ESEAL_EXTERN(unsigned int) eseal_server_port(const eseal_server *s);
/** What it answers, e.g. "POST /tsa, POST /tsa/p256, GET /checkpoint, GET /tile/..." (owned by `s`). */
ESEAL_EXTERN(const char *) eseal_server_routes(const eseal_server *s);
/** Stops accepting, finishes the requests in flight, closes what the server opened, frees it. */
ESEAL_EXTERN(void) eseal_server_stop(eseal_server *s);

ESEAL_END_DECL

#endif
