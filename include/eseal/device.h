/* SPDX-License-Identifier: Apache-2.0 */
/**
 * eseal — smart physical seals (issue 23 §4; docs/devices.md).
 *
 * A physical seal with a chip is a device registered to one seal of an organisation: its chip id and
 * the chip's public key (P-256 or SM2, SubjectPublicKeyInfo DER). Before it strikes, the device asks
 * for an unlock for an approved stamp request of its seal (the requests and grants of issue 20,
 * unchanged), signed by its chip over a fresh nonce and its time; the platform answers a single-use
 * unlock token, signed by its seal maker of the chip's algorithm, bound to the request, the device
 * and a number of impressions, valid ESEAL_UNLOCK_TTL_MS. After striking, the device reports each
 * impression (its sequence number under the unlock, time, GPS position, SHA-256 of the photo it took
 * of the stamped page, the operator as it knows them), signed by its chip: each accepted report is
 * an audit entry (its receipt proves it) and shows in the request's record.
 *
 * Everything refused on the protocol (an ask or report signed by another key, a replayed ask or
 * report, an expired or exhausted unlock, an unapproved request, an ask for more impressions than
 * the request has documents left, a device of another seal or retired) is an audit entry
 * "device.refused" and an "alert" webhook event of the organisation concerned, with a stable code
 * (ESEAL_DEVICE_REFUSED_*).
 *
 * The bytes each signature covers are lines of "name: value\n" after a first line naming the
 * message; see eseal_device_ask_bytes, eseal_device_token_bytes, eseal_device_report_bytes.
 */
#ifndef ESEAL_DEVICE_H
#define ESEAL_DEVICE_H

#include <stdint.h>

#include "eseal/accounts.h"
#include "eseal/instance.h"

ESEAL_BEGIN_DECL

#define ESEAL_DEVICE_ID_LEN 20          /**< "dev_" and 16 hex digits */
#define ESEAL_UNLOCK_ID_LEN 20          /**< "unl_" and 16 hex digits */
#define ESEAL_CHIP_ID_MAX 64            /**< [A-Za-z0-9._:-] */
#define ESEAL_DEVICE_KEY_MAX 512        /**< the chip's SubjectPublicKeyInfo, DER bytes */
#define ESEAL_DEVICE_NONCE_LEN 32       /**< an ask's nonce: 32 lower-case hex digits (16 random bytes) */
#define ESEAL_DEVICE_OPERATOR_MAX 64    /**< the operator as the device knows them: printable ASCII, no ':' */
#define ESEAL_DEVICE_GPS_MAX 16         /**< a latitude or longitude in decimal degrees, as text */
#define ESEAL_DEVICE_SIG_MAX 160        /**< a chip's signature (DER ECDSA or SM2) */
#define ESEAL_DEVICE_MESSAGE_MAX 1024   /**< the signed bytes of one message */
/** How long an unlock token is valid: long enough to place the seal and strike a few pages, short
 * enough that a token taken from a lost device is worth little. */
#define ESEAL_UNLOCK_TTL_MS (5 * 60 * 1000LL)
/** How far an ask's time may be from the platform's clock (either way): an ask is fresh. */
#define ESEAL_DEVICE_SKEW_MS (2 * 60 * 1000LL)
/** How long after its unlock expired an impression (struck before then) may still be reported. */
#define ESEAL_DEVICE_REPORT_GRACE_MS (24 * 3600 * 1000LL)
/** Impressions one unlock allows at most. */
#define ESEAL_UNLOCK_IMPRESSIONS_MAX 100

/** The stable codes of a refusal on the device protocol (the API's problem+json `code`, the alert's). */
#define ESEAL_DEVICE_REFUSED_UNKNOWN_DEVICE "DEVICE_UNKNOWN"
#define ESEAL_DEVICE_REFUSED_RETIRED "DEVICE_RETIRED"
#define ESEAL_DEVICE_REFUSED_BAD_SIGNATURE "DEVICE_BAD_SIGNATURE"
#define ESEAL_DEVICE_REFUSED_STALE "DEVICE_ASK_STALE"
#define ESEAL_DEVICE_REFUSED_REPLAYED_ASK "UNLOCK_REPLAYED"
#define ESEAL_DEVICE_REFUSED_NOT_APPROVED "REQUEST_NOT_APPROVED"
/** The ask's impressions and those the request's unlocks hold pass the request's documents. */
#define ESEAL_DEVICE_REFUSED_IMPRESSIONS_EXCEEDED "REQUEST_IMPRESSIONS_EXCEEDED"
#define ESEAL_DEVICE_REFUSED_WRONG_SEAL "DEVICE_NOT_OF_SEAL"
#define ESEAL_DEVICE_REFUSED_NO_UNLOCK "NO_VALID_UNLOCK"
#define ESEAL_DEVICE_REFUSED_EXPIRED "UNLOCK_EXPIRED"
#define ESEAL_DEVICE_REFUSED_EXHAUSTED "UNLOCK_EXHAUSTED"
#define ESEAL_DEVICE_REFUSED_REPLAYED_REPORT "REPORT_REPLAYED"

typedef enum {
    ESEAL_DEVICE_ACTIVE = 1,
    ESEAL_DEVICE_RETIRED = 2,
} eseal_device_status;

/** "active", "retired" ("?" otherwise). */
ESEAL_EXTERN(const char *) eseal_device_status_name(eseal_device_status s);

/** A device, as stored. */
typedef struct {
    char id[ESEAL_DEVICE_ID_LEN + 1];
    char org_id[ESEAL_ORG_ID_LEN + 1]; /**< the seal's organisation */
    char seal[64];                     /**< the seal's esID */
    char chip_id[ESEAL_CHIP_ID_MAX + 1];
    char alg[8];                       /**< the chip key's: "p256" or "sm2" */
    uint8_t key[ESEAL_DEVICE_KEY_MAX]; /**< SubjectPublicKeyInfo DER */
    size_t key_len;
    eseal_device_status status;
    char added_by[ESEAL_LOGIN_MAX + 16]; /**< "KIND:ID" */
    int64_t added_ms;
    int64_t retired_ms; /**< 0: active */
} eseal_device;

typedef enum {
    ESEAL_UNLOCK_ISSUED = 1, /**< impressions left (until it expires) */
    ESEAL_UNLOCK_SPENT = 2,  /**< every impression it allowed is reported */
} eseal_unlock_state;

/** An unlock token, as stored. */
typedef struct {
    char id[ESEAL_UNLOCK_ID_LEN + 1];
    char device_id[ESEAL_DEVICE_ID_LEN + 1];
    char request_id[ESEAL_REQUEST_ID_LEN + 1];
    char org_id[ESEAL_ORG_ID_LEN + 1];
    char nonce[ESEAL_DEVICE_NONCE_LEN + 1]; /**< the ask's (unique per device: an ask is used once) */
    int64_t impressions;                    /**< how many it allows */
    int64_t used;                           /**< how many were reported */
    int64_t issued_ms;
    int64_t expires_ms; /**< the last millisecond an impression under it may be struck */
    eseal_unlock_state state;
} eseal_unlock;

/** One impression, as reported and accepted. */
typedef struct {
    char device_id[ESEAL_DEVICE_ID_LEN + 1];
    char unlock_id[ESEAL_UNLOCK_ID_LEN + 1];
    char request_id[ESEAL_REQUEST_ID_LEN + 1];
    int64_t seq;        /**< 1 .. the unlock's impressions */
    int64_t time_ms;    /**< when the device struck (its clock) */
    char lat[ESEAL_DEVICE_GPS_MAX + 1];
    char lon[ESEAL_DEVICE_GPS_MAX + 1];
    char photo_sha256[65];
    char operator_id[ESEAL_DEVICE_OPERATOR_MAX + 1];
    uint8_t sig[ESEAL_DEVICE_SIG_MAX]; /**< the chip's signature over eseal_device_report_bytes */
    size_t sig_len;
    int64_t received_ms;
    int64_t log_index; /**< its audit entry ("device.impression") */
} eseal_impression;

/* ---- registering devices (eseal device add/list/show/retire) ---- */

/**
 * Registers a device to seal `seal` (an esID or prefix of a seal of an organisation): `key` is the
 * chip's public key, PEM ("PUBLIC KEY") or SubjectPublicKeyInfo DER, P-256 or SM2 (ESEAL_EUNSUPPORTED
 * otherwise); `chip_id` the chip's id (1..ESEAL_CHIP_ID_MAX of [A-Za-z0-9._:-]). A chip id or key
 * registered already to an active device is ESEAL_EEXISTS. The rule of grant.add: an org-admin or
 * seal-keeper of the seal's organisation (ESEAL_EDENIED). The device and its audit entry
 * ("device.added") are one transaction. *out receives it.
 */
ESEAL_EXTERN(int) eseal_device_add(eseal_instance *inst, const eseal_principal *who, const char *seal, const void *key,
                                   size_t key_len, const char *chip_id, eseal_device *out);
/** The device `id` if `who` may see it (a member of its organisation); ESEAL_ENOTFOUND otherwise. */
ESEAL_EXTERN(int) eseal_device_find(eseal_instance *inst, const eseal_principal *who, eseal_device *out,
                                    const char *id);
/** The devices `who` may see, oldest first: of seal `seal` (NULL: of every seal), retired ones too. */
ESEAL_EXTERN(int) eseal_device_list(eseal_instance *inst, const eseal_principal *who, const char *seal,
                                    int (*cb)(const eseal_device *d, void *payload), void *payload);
/** Retires a device (audit entry "device.retired"): it gets no unlock and its reports are refused
 * from then. ESEAL_ESTATE when retired already. The rule of eseal_device_add. */
ESEAL_EXTERN(int) eseal_device_retire(eseal_instance *inst, const eseal_principal *who, const char *id,
                                      const char *reason);

/* ---- the protocol (docs/devices.md) ---- */

/** An unlock ask, as the device sends it (strings NUL-terminated). */
typedef struct {
    const char *device;   /**< its id */
    const char *request;  /**< an approved request of its seal */
    int64_t impressions;  /**< 1..ESEAL_UNLOCK_IMPRESSIONS_MAX */
    const char *nonce;    /**< ESEAL_DEVICE_NONCE_LEN lower-case hex digits, never used before by this device */
    int64_t time_ms;      /**< the device's clock */
} eseal_device_ask;

/** An impression report, as the device sends it. */
typedef struct {
    const char *device;
    const char *unlock;   /**< the unlock token's id */
    int64_t seq;          /**< 1..the unlock's impressions */
    int64_t time_ms;      /**< when it struck */
    const char *lat, *lon;  /**< decimal degrees: -?[0-9]{1,3}(.[0-9]{1,10})? */
    const char *photo_sha256; /**< 64 hex digits */
    const char *operator_id;  /**< the operator as the device knows them */
} eseal_device_report;

/**
 * The bytes the chip signs for an ask (ESEAL_EINVAL for a field out of its syntax):
 *   "eseal-device-unlock-ask/v1\ndevice: ID\nrequest: ID\nimpressions: N\nnonce: HEX\ntime: MS\n"
 * (N and MS in decimal, no sign, no leading zero).
 */
ESEAL_EXTERN(int) eseal_device_ask_bytes(eseal_buf *out, const eseal_device_ask *a);
/** The bytes the chip signs for an impression:
 *   "eseal-device-impression/v1\ndevice: ID\nunlock: ID\nseq: N\ntime: MS\nlat: L\nlon: L\n"
 *   "photo-sha256: HEX\noperator: OP\n". */
ESEAL_EXTERN(int) eseal_device_report_bytes(eseal_buf *out, const eseal_device_report *r);
/** The bytes the platform signs in an unlock token:
 *   "eseal-device-unlock/v1\nunlock: ID\ndevice: ID\nchip: CHIP\nrequest: ID\nseal: ESID\n"
 *   "impressions: N\nissued: MS\nexpires: MS\nnonce: HEX\n". */
ESEAL_EXTERN(int) eseal_device_token_bytes(eseal_buf *out, const eseal_unlock *u, const eseal_device *d,
                                           const char *seal);

/** The platform's answer to an accepted ask. */
typedef struct {
    eseal_unlock unlock;
    eseal_buf token;      /**< eseal_device_token_bytes of it */
    eseal_buf signature;  /**< the seal maker's over `token` (ECDSA SHA-256 or SM2 with SM3, DER) */
    eseal_buf signer_pem; /**< the seal maker's certificate (PEM) */
} eseal_unlock_answer;

ESEAL_EXTERN(void) eseal_unlock_answer_dispose(eseal_unlock_answer *a);

/** What a refusal was, for the caller's answer (the API's problem `code`). */
typedef struct {
    char code[32]; /**< ESEAL_DEVICE_REFUSED_*; "" when not refused (or not a protocol refusal) */
} eseal_device_refusal;

/**
 * Answers an unlock ask signed by the device's chip (`sig`, DER, over eseal_device_ask_bytes): the
 * device is registered and active, the signature verifies with its key, the ask's time is within
 * ESEAL_DEVICE_SKEW_MS of the platform's, its nonce is new for the device, the request is approved
 * and for the device's seal, and its impressions with those the request's earlier unlocks hold (of
 * any device: each its used once expired, else its impressions) are at most the request's documents
 * (ESEAL_DEVICE_REFUSED_IMPRESSIONS_EXCEEDED otherwise, counted in the unlock's transaction). Then an
 * unlock is stored and signed by the seal maker of the chip's algorithm (needs the passphrase) with
 * its audit entry ("device.unlock"). `who` is the caller: a principal of kind device whose id is
 * a.device (the server makes it from the message), or the local operator. A refusal is
 * ESEAL_EDENIED with refused->code set, recorded ("device.refused") and alerted (webhook "alert" of
 * the request's or device's organisation) before this returns.
 */
ESEAL_EXTERN(int) eseal_device_unlock(eseal_instance *inst, const eseal_principal *who, const eseal_device_ask *a,
                                      const void *sig, size_t sig_len, eseal_unlock_answer *out,
                                      eseal_device_refusal *refused);

/**
 * Accepts an impression report signed by the device's chip (over eseal_device_report_bytes): the
 * unlock is the device's, issued, not expired when struck (time within [issued - skew, expires]),
 * reported within ESEAL_DEVICE_REPORT_GRACE_MS of its expiry, seq within its impressions and not
 * reported before, the count of impressions not passed. The impression, the unlock's count and the
 * audit entry ("device.impression", its index in out->log_index) are one transaction. Refusals as
 * eseal_device_unlock's.
 */
ESEAL_EXTERN(int) eseal_device_report_accept(eseal_instance *inst, const eseal_principal *who,
                                             const eseal_device_report *r, const void *sig, size_t sig_len,
                                             eseal_impression *out, eseal_device_refusal *refused);

/** The impressions of request `request` (visible to `who` as eseal_request_find), in the order received. */
ESEAL_EXTERN(int) eseal_device_impressions(eseal_instance *inst, const eseal_principal *who, const char *request,
                                           int (*cb)(const eseal_impression *m, void *payload), void *payload);

ESEAL_END_DECL

#endif
