/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Internal transparency-log primitives (no store, no network):
 *
 *  - RFC 6962 / RFC 9162 Merkle trees over SHA-256 (0x00 leaf, 0x01 node
 *    prefixes): leaf and node hashes, the right edge ("compact range") a
 *    writer keeps in memory, inclusion and consistency proofs (made from any
 *    source of complete-subtree hashes, checked by the RFC 9162 §2.1.3.2 and
 *    §2.1.4.2 algorithms);
 *  - C2SP tlog-tiles: tile and entry-bundle paths, a tile-backed hash reader;
 *  - C2SP signed-note with Ed25519 (type 0x01) signatures, verifier keys,
 *    Go's PRIVATE+KEY signer keys; tlog-cosignature v1 (type 0x04);
 *  - C2SP tlog-checkpoint bodies; tlog-proof receipts; tlog-witness
 *    add-checkpoint request bodies.
 *
 * Every parser here reads untrusted input through es_cur with explicit limits
 * and has a fuzz harness (fuzz/tlog_note_fuzzer.c, tlog_proof_fuzzer.c,
 * witness_req_fuzzer.c).
 */
#ifndef ES_TLOG_H
#define ES_TLOG_H

#include "eseal/key.h"
#include "util/util.h"

#define ES_TLOG_HASH_LEN 32
/* Heights and proof lengths never exceed 63 for sizes below 2^63. */
#define ES_TLOG_MAX_PROOF 64
/* C2SP: entries are at most 65,535 bytes (uint16 length prefix in bundles). */
#define ES_TLOG_MAX_ENTRY 65535
#define ES_TLOG_TILE_WIDTH 256
#define ES_TLOG_TILE_HEIGHT 8
/* Notes: C2SP asks verifiers to accept at least 16 signatures; Go refuses more than 100. */
#define ES_NOTE_MAX_SIGS 100
#define ES_NOTE_MAX_LEN (1024 * 1024)
#define ES_NOTE_MAX_NAME 255
#define ES_NOTE_MAX_VERIFIERS 64 /* keys one note is checked against: a log's own and its witnesses' */
#define ES_TLOG_MAX_LEVEL 63 /* tile levels and subtree heights: a tree has at most 2^64 entries */

typedef uint8_t es_hash32[ES_TLOG_HASH_LEN];

/* ---- Merkle tree --------------------------------------------------------- */

/*
 * SHA-256(0x00 || entry). The hashes return a result because OpenSSL's digest
 * allocates on every init: a writer must never commit a hash that was not
 * computed.
 */
ES_RESULT es_tlog_leaf_hash(es_hash32 out, es_span entry);
/* SHA-256(0x01 || left || right). */
ES_RESULT es_tlog_node_hash(es_hash32 out, const es_hash32 left, const es_hash32 right);
/* SHA-256("") : the root of the empty tree (a constant). */
void es_tlog_empty_root(es_hash32 out);

/*
 * The right edge of a tree of `size` leaves: the roots of its perfect
 * subtrees, largest (leftmost) first, one per set bit of size. At most 64
 * hashes; this is all a writer keeps in memory.
 */
typedef struct {
    uint64_t size;
    unsigned count;
    es_hash32 h[64];
} es_tlog_edge;

void es_tlog_edge_init(es_tlog_edge *e);
/*
 * Called for every complete subtree that appending a leaf completes, lowest
 * first: height 0 is the leaf itself (index = its leaf index), height h the
 * subtree over leaves [index * 2^h, (index + 1) * 2^h).
 */
typedef es_result (*es_tlog_node_cb)(void *ctx, unsigned height, uint64_t index, const es_hash32 hash);
/* Appends a leaf hash; cb (may be NULL) sees each completed subtree. */
ES_RESULT es_tlog_edge_append(es_tlog_edge *e, const es_hash32 leaf, es_tlog_node_cb cb, void *ctx);
/* The root of the tree the edge describes (SHA-256("") when empty). */
ES_RESULT es_tlog_edge_root(const es_tlog_edge *e, es_hash32 out);
/* Serialised as 8-byte big-endian size || count * 32 bytes (count = popcount(size)). */
ES_RESULT es_tlog_edge_encode(es_buf *out, const es_tlog_edge *e);
ES_RESULT es_tlog_edge_decode(es_tlog_edge *e, es_span in);

/*
 * A source of complete-subtree hashes: MTH(D[index * 2^height, (index + 1) *
 * 2^height)). Proof makers only ask for subtrees that lie wholly inside the
 * tree size they were given.
 */
typedef es_result (*es_tlog_hash_fn)(void *ctx, unsigned height, uint64_t index, es_hash32 out);

/* MTH(D[0:size]) from complete-subtree hashes (at most 64 lookups). */
ES_RESULT es_tlog_tree_hash(es_hash32 out, uint64_t size, es_tlog_hash_fn fn, void *ctx);
/* RFC 9162 §2.1.3.1 PATH(index, D[size]), leaf side first; *count <= 63 for sizes below 2^63. */
ES_RESULT es_tlog_prove_inclusion(es_hash32 proof[ES_TLOG_MAX_PROOF], size_t *count, uint64_t index, uint64_t size,
                                  es_tlog_hash_fn fn, void *ctx);
/* RFC 9162 §2.1.4.1 PROOF(m, D[n]) for 0 < m <= n (m == n: empty); *count <= 64. */
ES_RESULT es_tlog_prove_consistency(es_hash32 proof[ES_TLOG_MAX_PROOF], size_t *count, uint64_t m, uint64_t n,
                                    es_tlog_hash_fn fn, void *ctx);
/*
 * RFC 9162 §2.1.3.2. ESEAL_OK when the proof shows `leaf` at `index` in the
 * tree of `size` with `root`; ESEAL_EVERIFY (with the reason) otherwise.
 */
ES_RESULT es_tlog_verify_inclusion(uint64_t index, uint64_t size, const es_hash32 leaf, const es_hash32 *proof,
                                   size_t count, const es_hash32 root);
/*
 * RFC 9162 §2.1.4.2, strict (transparency-dev/merkle's policy): m == 0 is an
 * error (tlog-witness special-cases old size 0 itself); m == n needs an empty
 * proof and equal roots; m > n is an error. ESEAL_OK or ESEAL_EVERIFY.
 */
ES_RESULT es_tlog_verify_consistency(uint64_t m, uint64_t n, const es_hash32 root_m, const es_hash32 root_n,
                                     const es_hash32 *proof, size_t count);

/* ---- tiles (C2SP tlog-tiles) ---------------------------------------------- */

/* Level used for entry bundles in paths ("tile/entries/..."). */
#define ES_TLOG_ENTRIES_LEVEL (-1)

/*
 * "tile/<L>/<N>" or "tile/entries/<N>", with "/.p/<W>" ... exactly:
 * N as 3-digit groups, all but the last prefixed with "x" (1234067 ->
 * "x001/x234/067"); width 256 is a full tile (no suffix), 1..255 adds ".p/<W>".
 */
ES_RESULT es_tlog_tile_path(es_buf *out, int level, uint64_t n, unsigned width);
/* The inverse; refuses every non-canonical form (leading zeros, ".p/0", ".p/256", L > 63...). */
ES_RESULT es_tlog_tile_path_parse(const char *path, int *level, uint64_t *n, unsigned *width);
/*
 * The tiles a tree of `size` leaves has at `level` (level 0 also counts entry
 * bundles): tiles 0 .. *full - 1 are full, and tile *full is partial with
 * *partial hashes when *partial > 0 (tlog-tiles: width floor(size / 256^level)
 * mod 256). A level with neither has no tiles, nor does any level above it.
 */
void es_tlog_tile_count(uint64_t size, unsigned level, uint64_t *full, unsigned *partial);

/*
 * A reader of the latest stored version of tile (level, n): level >= 0 hash
 * tiles (32 * width bytes). Returns ESEAL_ENOTFOUND when there is none.
 */
typedef es_result (*es_tlog_tile_fn)(void *ctx, unsigned level, uint64_t n, es_buf *out);

/*
 * An es_tlog_hash_fn over tiles: a subtree of height h comes from the tile at
 * level h / 8 (hashing up h % 8 levels inside it). Full tiles are immutable
 * and cached (with their inner levels precomputed) up to `cache_tiles`
 * (least recently used first out; 0: no cache). The inner levels of the last
 * partial tile read at each level are kept too and answer every subtree
 * within its width: a partial tile is a prefix of every later version of it
 * (tlog-tiles), so it is read again only for a subtree beyond that width. A
 * tile rewritten behind the reader's back is therefore not noticed until
 * es_tlog_tile_reader_reset: finding tampering is for readers without a cache
 * (eseal log audit), and proofs handed out are checked against a signed root.
 */
typedef struct es_tlog_tile_reader es_tlog_tile_reader;
ES_RESULT es_tlog_tile_reader_new(es_tlog_tile_reader **out, es_tlog_tile_fn fn, void *ctx, size_t cache_tiles);
void es_tlog_tile_reader_free(es_tlog_tile_reader *r);
/* Pass as (es_tlog_hash_fn, ctx = the reader). Thread-safe. */
es_result es_tlog_tile_reader_hash(void *reader, unsigned height, uint64_t index, es_hash32 out);
/* Forgets cached tiles (after a restore, or in tests that rewrite tiles). */
void es_tlog_tile_reader_reset(es_tlog_tile_reader *r);

/* ---- signed notes (C2SP signed-note) ---------------------------------------- */

#define ES_NOTE_ED25519 0x01
#define ES_NOTE_COSIG_V1 0x04

/* A verifier key: name, key ID, type and Ed25519 public key. */
typedef struct {
    char name[ES_NOTE_MAX_NAME + 1];
    uint32_t id;
    uint8_t type; /* ES_NOTE_ED25519 or ES_NOTE_COSIG_V1 */
    uint8_t pub[32];
} es_note_verifier;

/* A signer: the verifier half plus the private key (an Ed25519 eseal_key, borrowed). */
typedef struct {
    es_note_verifier v;
    eseal_key *key;
} es_note_signer;

/* keyID = SHA-256(name || 0x0A || type || pub)[0:4], big-endian. */
ES_RESULT es_note_key_id(uint32_t *out, const char *name, uint8_t type, const uint8_t pub[32]);
/* "<name>+<8 hex>+<base64(type || pub)>"; checks the ID and the type. */
ES_RESULT es_note_vkey_parse(es_note_verifier *out, const char *vkey);
ES_RESULT es_note_vkey_format(es_buf *out, const es_note_verifier *v);
/*
 * Go's "PRIVATE+KEY+<name>+<hex id>+<base64(0x01 || seed32)>": fills `out`
 * and creates its Ed25519 key (*key_out, freed by the caller with
 * eseal_key_free). Used by the known-answer tests; eseal's own keys are
 * encrypted key files.
 */
ES_RESULT es_note_skey_parse(es_note_signer *out, eseal_key **key_out, const char *skey);
/* A signer for `key` (Ed25519) under `name` with type ES_NOTE_ED25519 or ES_NOTE_COSIG_V1. */
ES_RESULT es_note_signer_init(es_note_signer *out, const char *name, uint8_t type, eseal_key *key);

/*
 * One signature line: name, key ID and the bytes after the ID. sig_len is
 * the decoded length; a longer signature than `sig` holds (ML-DSA-44 is 2,420
 * bytes) keeps only its name and ID, which is all a verifier of the types here
 * needs to ignore it. A name longer than ES_NOTE_MAX_NAME (no key eseal knows
 * has one) is kept as "" for the same reason.
 */
typedef struct {
    char name[ES_NOTE_MAX_NAME + 1];
    uint32_t id;
    uint8_t sig[128];
    size_t sig_len;
} es_note_sig;

/* A parsed note: the text (ending in '\n', borrowed from the input) and its signature lines. */
typedef struct {
    es_span text;
    es_note_sig sigs[ES_NOTE_MAX_SIGS];
    size_t count;
} es_note;

/*
 * Splits a signed note (syntax only): valid UTF-8, no control characters but
 * '\n', the last blank line separating text and at least one "— name base64"
 * line, names without spaces or '+', at most ES_NOTE_MAX_SIGS signatures.
 * ESEAL_EMALFORMED otherwise (ESEAL_ELIMIT above ES_NOTE_MAX_LEN bytes).
 * Base64 must be canonical (RFC 4648 §3.5: no stray '=', zero pad bits).
 */
ES_RESULT es_note_parse(es_note *out, es_span msg);
/*
 * The text of a signed note (everything before its last blank line, final '\n' included), found
 * without reading the signature lines; false when there is no blank line or a line is not
 * ended by '\n'.
 */
bool es_note_text_span(es_span msg, es_span *text);
/*
 * Checks `n` against known verifiers (type 0x01 signatures over the text;
 * type 0x04 verifiers are checked as cosignatures). Unknown (name, id) pairs
 * are ignored; a known one that fails is ESEAL_EVERIFY; none verified is
 * ESEAL_EVERIFY. *verified (may be NULL) gets a bit per verifier that
 * verified (bit i for vs[i]); cosignature timestamps go to ts[i] (may be NULL).
 */
ES_RESULT es_note_verify(const es_note *n, const es_note_verifier *vs, size_t nv, uint64_t *verified,
                         uint64_t *ts);
/* Appends "— <name> <base64(id || signature)>\n" for an Ed25519 signature over text. */
ES_RESULT es_note_sign_line(es_buf *out, es_span text, const es_note_signer *s);
/* Appends a tlog-cosignature/v1 line: signature over "cosignature/v1\ntime <t>\n" || text. */
ES_RESULT es_note_cosign_line(es_buf *out, es_span text, const es_note_signer *s, uint64_t timestamp);
/* A complete note: text, a blank line, and one signature line per signer. */
ES_RESULT es_note_sign(es_buf *out, es_span text, const es_note_signer *signers, size_t count);

/* ---- checkpoints (C2SP tlog-checkpoint) -------------------------------------- */

typedef struct {
    char origin[ES_NOTE_MAX_NAME + 1];
    uint64_t size;
    es_hash32 root;
    size_t ext_lines; /* extension lines after the root (kept in the text, not interpreted) */
} es_checkpoint;

/* Parses a checkpoint body (the note text): origin, decimal size without leading zeros, base64 root. */
ES_RESULT es_checkpoint_parse(es_checkpoint *out, es_span text);
/* "<origin>\n<size>\n<base64 root>\n". */
ES_RESULT es_checkpoint_format(es_buf *out, const es_checkpoint *c);

/* ---- receipts (C2SP tlog-proof) ---------------------------------------------- */

#define ES_TLOG_PROOF_HEADER "c2sp.org/tlog-proof@v1"

typedef struct {
    es_buf extra;      /* decoded "extra" bytes; len 0 when absent */
    bool has_extra;
    uint64_t index;
    es_hash32 proof[ES_TLOG_MAX_PROOF];
    size_t count;
    es_span checkpoint; /* the signed note, verbatim, borrowed from the input */
} es_tlog_proof;

/*
 * Reads a receipt's framing: the header line, an optional "extra" line, the
 * index, up to 63 proof hashes, an empty line, then the checkpoint note (not
 * parsed here; es_tlog_proof_verify reads it). ESEAL_EMALFORMED otherwise.
 */
ES_RESULT es_tlog_proof_parse(es_tlog_proof *out, es_span in);
void es_tlog_proof_free(es_tlog_proof *p);
/*
 * Checks a parsed receipt for the entry whose leaf hash is `leaf`: the
 * checkpoint note against `vs` (es_note_verify, *verified as there), its body
 * (origin must equal `origin` unless NULL), then the inclusion proof at
 * p->index in the checkpointed tree. ESEAL_OK, ESEAL_EVERIFY, or
 * ESEAL_EMALFORMED for a checkpoint that does not parse. `cp` (may be NULL)
 * gets the checkpoint once its body has parsed.
 */
ES_RESULT es_tlog_proof_verify(const es_tlog_proof *p, const es_hash32 leaf, const char *origin,
                               const es_note_verifier *vs, size_t nv, uint64_t *verified, es_checkpoint *cp);
ES_RESULT es_tlog_proof_format(es_buf *out, es_span extra /* len 0: no extra line */, uint64_t index,
                               const es_hash32 *proof, size_t count, es_span checkpoint_note);

/* ---- tlog-witness add-checkpoint ---------------------------------------------- */

typedef struct {
    uint64_t old_size;
    es_hash32 proof[63];
    size_t count;
    es_span note; /* the checkpoint note, borrowed */
} es_witness_req;

/*
 * "old <N>\n" (<base64 hash>\n){0..63} "\n" <note>. ESEAL_EMALFORMED otherwise.
 * The note is only split off, not parsed: the witness parses it (es_note_parse)
 * and answers a bad one as it answers a bad signature.
 */
ES_RESULT es_witness_req_parse(es_witness_req *out, es_span body);
ES_RESULT es_witness_req_format(es_buf *out, uint64_t old_size, const es_hash32 *proof, size_t count,
                                es_span note);

#endif
