/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The named maxima of the audit log room (issue #16: no bare numeric bounds). Each is the size of a
 * buffer or the bound of a check, with why it is that large. What comes from outside (a witness's
 * answer, a stored entry, a file) is read under one of these or under the context's limits
 * (util/ctx.h: es_ctx_limits, e.g. max_input_bytes for a published document).
 */
#ifndef ES_AUDITLOG_MAXIMA_H
#define ES_AUDITLOG_MAXIMA_H

/* A SHA-256 (and a commitment's salt: 32 random bytes, eseal_audit_commitment). */
#define ES_LOG_SHA256_LEN 32
#define ES_LOG_SALT_LEN 32
/* 64 lower-case hex digits of a SHA-256 and the NUL. */
#define ES_LOG_SHA256_HEX (2 * ES_LOG_SHA256_LEN + 1)
/* A digest buffer for any hash es_digest gives (SHA-512: 64 bytes). */
#define ES_LOG_DIGEST_MAX 64
/* An entry type: [a-z0-9] words joined by '.' or '-', at most 64 bytes (entry.c), e.g. "seal.suspended". */
#define ES_LOG_TYPE_MAX 64
/* An entry line: the longest field (ESEAL_AUDIT_MAX_FIELD) after its key; the time-proof line ends an entry. */
#define ES_LOG_LINE_MAX (ESEAL_AUDIT_MAX_FIELD + 64)
#define ES_LOG_LAST_LINE_MAX (ESEAL_AUDIT_MAX_FIELD + 128)
/* A detail written by the room itself (forget, passwd, CRL): one short line. */
#define ES_LOG_DETAIL_MAX 256
/* The private data kind of a salt: "salt.ip", "salt.device". */
#define ES_LOG_KIND_MAX 16
/* A uint64 in decimal and the NUL (20 digits). */
#define ES_LOG_DECIMAL_MAX 24
/* A path inside the home (HOME is the caller's; Linux paths are at most PATH_MAX 4096, twice for room). */
#define ES_LOG_PATH_MAX 8192
/* A directory resolved by realpath (PATH_MAX), and a stamp's recorded temporary or output path read
 * back (the directory, '/', and the name). */
#define ES_LOG_DIR_MAX 4096
#define ES_LOG_PENDING_PATH_MAX 4200
#define ES_LOG_WHY_TEXT 256          /* a recovery's words around the output's path in a failure entry */
/* A pending stamp's or extension's two paths (temporary and output, each resolved: ES_LOG_DIR_MAX) and their separators. */
#define ES_LOG_PENDING_MAX (2 * ES_LOG_DIR_MAX + 8)
/* A path of tlog-tiles under an export directory ("tile/entries/x001/234.p/5"). */
#define ES_LOG_TILE_PATH_MAX 256
/* One line of an error kept for a later caller (the publisher's, a failed batch's). */
#define ES_LOG_ERROR_MAX 256
/* The log's origin ("seal.example.com/log"), a verifier key's text and a checkpoint's text. */
#define ES_LOG_ORIGIN_MAX 512
#define ES_LOG_VKEY_MAX 1024
#define ES_LOG_CHECKPOINT_TEXT_MAX 1024
/* HOME/log/log.vkey as read: one verifier key line. */
#define ES_LOG_VKEY_FILE_MAX 4096
/* The stored right edge: the size and at most 64 subtree hashes (a tree of < 2^64 leaves). */
#define ES_LOG_EDGE_MAX (8 + 64 * ES_TLOG_HASH_LEN)
/* A proof as text: at most 64 base64 hashes of 44 characters and a newline. */
#define ES_LOG_PROOF_TEXT_MAX (64 * 64)
/* One hash of a proof in base64 (44 characters). */
#define ES_LOG_PROOF_LINE_MAX 64
/* A receipt (C2SP tlog-proof): the entry (at most 64 KiB), its proof and the cosigned checkpoint. */
#define ES_LOG_RECEIPT_MAX (256 * 1024)
/* The hex of a time token's SHA-256, with room to spare. */
#define ES_LOG_TOKEN_HEX_MAX 80
/* The new cosignature lines of all witnesses, and the reasons of those that did not cosign. */
#define ES_LOG_COSIG_LINES_MAX (64 * 1024)
#define ES_LOG_WITNESS_WHY_MAX (16 * 1024)
/* A receipt check names at most 62 witnesses: with the log key they are verified in one 64-bit mask. */
#define ES_LOG_RECEIPT_WITNESSES_MAX 62
/* Publishing at most every second (an interval of 0 means ES_LOG_PUBLISH_INTERVAL_MS). */
#define ES_LOG_PUBLISH_INTERVAL_MAX_MS 1000
#define ES_LOG_PUBLISH_INTERVAL_MS 250
/* C2SP tlog-witness: an add-checkpoint request carries at most 63 consistency proof hashes. */
#define ES_LOG_WITNESS_PROOF_MAX 63
/* A witness's answer: one line at most 4096 bytes; a URL; a header value; how much of an answer a
 * reason quotes. */
#define ES_LOG_WITNESS_LINE_MAX 4096
#define ES_LOG_URL_MAX 2048
#define ES_LOG_HEADER_MAX 128
#define ES_LOG_WITNESS_QUOTE_MAX 120
/* A witness's bookkeeping key in the store ("witness.size.NAME+ID"). */
#define ES_LOG_META_KEY_MAX 1024

#endif
