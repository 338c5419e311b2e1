/* SPDX-License-Identifier: Apache-2.0 */
/*
 * eseal — a transparency-log witness (C2SP tlog-witness v1.0.0, add-checkpoint).
 *
 * A witness cosigns the checkpoints of the logs it trusts, after checking that
 * each is consistent with the last one it cosigned for that log, so that a log
 * cannot show different histories to different people without one of them
 * holding a cosigned checkpoint that proves it. Organisations, auditors or
 * regulators run one next to (not inside) an eseal instance.
 *
 * A witness lives in its own home directory:
 *
 *   witness.conf      "name = NAME" and one "log = ORIGIN VKEY" line per trusted log key
 *   witness.vkey      its cosignature verifier key (C2SP signed-note, type 0x04), public
 *   keys/witness.key  its Ed25519 key, encrypted PKCS#8 under the witness passphrase
 *   witness.db        an eseal store: per origin, the size, root and note last cosigned
 *
 * Cosignatures are C2SP tlog-cosignature v1 (Ed25519, timestamped in seconds).
 */
#ifndef ESEAL_WITNESS_H
#define ESEAL_WITNESS_H

#include "common.h"
#include "context.h"
#include "server.h" /* eseal_server */

ESEAL_BEGIN_DECL

/** add-checkpoint request bodies above this are answered 413. */
#define ESEAL_WITNESS_MAX_REQUEST (128 * 1024)

typedef struct eseal_witness eseal_witness;

/**
 * Creates a witness in `home` (created 0700 when missing; ESEAL_EEXISTS when it
 * already holds one) named `name` (a signed-note key name: 1 to 255 printable
 * ASCII characters, no space and no '+', e.g. "witness.example.org"), with a new
 * Ed25519 key encrypted under `pass` (at least 8 characters). It trusts no log
 * until eseal_witness_add_log().
 */
ESEAL_EXTERN(int) eseal_witness_init(const char *home, const char *name, const char *pass, size_t pass_len);

/**
 * Adds a trusted log key: checkpoints whose origin line is `origin` are cosigned
 * when they carry a valid signature by `vkey` (a C2SP signed-note Ed25519
 * verifier key, "name+id+base64", type 0x01). An origin may have several keys
 * (one line each). ESEAL_EEXISTS when the pair is already there. A running
 * witness sees the new log when it is opened again.
 */
ESEAL_EXTERN(int) eseal_witness_add_log(const char *home, const char *origin, const char *vkey);

/** The verifier key of the witness in `home` without unlocking it: "name+id+base64" (type 0x04). */
ESEAL_EXTERN(int) eseal_witness_home_vkey(const char *home, eseal_buf *out);

/** Opens the witness in `home`, unlocking its key with `pass` (ESEAL_EPASS when wrong). */
ESEAL_EXTERN(int) eseal_witness_open(eseal_witness **out, const char *home, const char *pass, size_t pass_len);
ESEAL_EXTERN(void) eseal_witness_close(eseal_witness *w);

/**
 * The context the witness uses from now on: its clock gives the cosignature timestamps (never
 * earlier than the last one for a log). Borrowed: it must outlive the witness. NULL: the default
 * context. Not while a request is being answered.
 */
ESEAL_EXTERN(int) eseal_witness_set_context(eseal_witness *w, const eseal_context *ctx);

/** Its cosignature verifier key, "name+id+base64(0x04 || public key)" (C2SP tlog-cosignature). */
ESEAL_EXTERN(int) eseal_witness_vkey(eseal_witness *w, eseal_buf *out);

/**
 * Answers one add-checkpoint request body (C2SP tlog-witness "old N", proof
 * lines, an empty line, a signed checkpoint). ESEAL_OK whenever the request was
 * judged, whatever the answer: *http_status is then
 *   200  cosigned: resp_body holds the cosignature line "— <name> <base64>\n"
 *   400  malformed body, or old size larger than the checkpoint's
 *   403  no signature by a trusted key of the origin, or one that fails
 *   404  unknown origin
 *   409  old size is not the size last cosigned: resp_body "<size>\n",
 *        content type text/x.tlog.size
 *   413  body over ESEAL_WITNESS_MAX_REQUEST
 *   422  size 0 with another root than SHA-256(""), a proof with old size 0, a
 *        consistency proof that does not verify, same size with another root
 * and resp_body (otherwise) one line saying why. content_type (cap bytes, may
 * be NULL) gets the response's Content-Type. The check against the stored state
 * and its update are one store transaction (compare-and-swap), safe across
 * threads and processes. An error code means the witness itself failed (store,
 * memory): answer 500.
 */
ESEAL_EXTERN(int) eseal_witness_add_checkpoint(eseal_witness *w, const void *body, size_t len, int *http_status,
                                               eseal_buf *resp_body, char *content_type, size_t cap);

/**
 * The latest checkpoint cosigned for the log whose origin hashes to
 * `origin_sha256_hex` (lower-case hex SHA-256 of the origin line): the checkpoint
 * text, the log signatures the witness verified and its own cosignature, as
 * served at GET <prefix>/<hex>/checkpoint. ESEAL_ENOTFOUND when it never cosigned one.
 */
ESEAL_EXTERN(int) eseal_witness_checkpoint(eseal_witness *w, eseal_buf *note, const char *origin_sha256_hex);

/**
 * Serves the witness over HTTP on `listen` ("ADDR:PORT", port 0 for any), on the router of
 * eseal serve but alone (a witness is independent of the logs it watches; docs/server.md):
 * POST /add-checkpoint and GET /<hex sha256(origin)>/checkpoint; other paths 404, other
 * methods 405 with Allow, bodies over ESEAL_WITNESS_MAX_REQUEST 413. `w` must outlive the
 * server; stop it with eseal_server_stop.
 */
ESEAL_EXTERN(int) eseal_witness_listen(eseal_witness *w, eseal_server **out, const char *listen);

ESEAL_END_DECL

#endif
