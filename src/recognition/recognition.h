/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The recognition room (issue 24; include/eseal/recognition.h, docs/trust-lists.md): the instance's
 * own trust list (publish.c) and the lists of other platforms it imported (import.c), above the CA
 * whose certificates the list names and below the service whose verifications use the imported
 * lists as anchors.
 */
#ifndef ES_RECOGNITION_H
#define ES_RECOGNITION_H

#include "core/core.h"
#include "eseal/recognition.h"
#include "eseal/trustlist.h"

/* The list key, relative to the home: P-256, encrypted under the passphrase. */
#define ES_TL_KEY_FILE "keys/trust-list-p256.key"
/* The registry answers' path under the base URL (GET .../{esid}/answer?at=TIME). */
#define ES_REGISTRY_PATH "/api/v1/registry/"

/* The store's named values: the list published last (its JWS) and the replaced key's file. */
#define ES_TL_META_CURRENT "trustlist.current"
#define ES_TL_META_LOL "trustlist.lol-current"
#define ES_TL_META_PREVIOUS "trustlist.previous-key"
/* The sequence numbers of the published lists. */
#define ES_TL_COUNTER "trustlist.sequence"
#define ES_TL_LOL_COUNTER "trustlist.lol-sequence"
/* The well-known path `eseal serve` answers the current list at. */
#define ES_TL_WELL_KNOWN "/.well-known/eseal/trust-list"
#define ES_TL_WELL_KNOWN_LOL "/.well-known/eseal/list-of-lists"

#endif
