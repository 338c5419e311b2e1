/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The store's schema (issue 22): its migrations, written once for both engines. Append only: each
 * runs once, in order, inside a transaction, and the number of those that ran is the schema's
 * version (SQLite: PRAGMA user_version; PostgreSQL: the table eseal_schema). A driver expands
 * ES_STORE_MIGRATIONS with its own words for the types:
 *   I_ an integer (SQLite INTEGER; PostgreSQL BIGINT: every integer is 64-bit, as the backends bind it),
 *   T_ text (TEXT; PostgreSQL TEXT COLLATE "C": compared and ordered bytewise, as SQLite's BINARY,
 *      which the prefix lookups' ranges need),
 *   B_ bytes (BLOB; BYTEA), R_ a real (REAL, SQLite's 8-byte float; DOUBLE PRECISION),
 *   ROWID_ the insertion order of a table whose lists read "created, then insertion order"
 *      (SQLite's implicit rowid: nothing; PostgreSQL: a generated identity column named rowid),
 *   NOROWID_ a table that needs no such order (SQLite: WITHOUT ROWID; PostgreSQL: nothing),
 *   NOCASE_ a key compared without case (SQLite: COLLATE NOCASE; PostgreSQL: nothing, the store
 *      folds what it writes and asks: stamp serials arrive upper-case).
 */
#ifndef ES_STORE_SCHEMA_H
#define ES_STORE_SCHEMA_H

/* clang-format off */
#define ES_STORE_MIGRATIONS(I_, T_, B_, R_, ROWID_, NOROWID_, NOCASE_) { \
    /* 1: certificates, counters, CRLs */ \
    "CREATE TABLE certs (" ROWID_ \
    "  id " T_ " PRIMARY KEY," \
    "  role " T_ " NOT NULL," \
    "  hierarchy " T_ " NOT NULL DEFAULT ''," \
    "  alg " T_ " NOT NULL," \
    "  subject " T_ " NOT NULL," \
    "  serial " T_ " NOT NULL," \
    "  issuer_id " T_ " NOT NULL DEFAULT ''," \
    "  fingerprint " T_ " NOT NULL UNIQUE," \
    "  pem " T_ " NOT NULL," \
    "  key_file " T_ " NOT NULL DEFAULT ''," \
    "  not_before " I_ " NOT NULL," \
    "  not_after " I_ " NOT NULL," \
    "  created " I_ " NOT NULL," \
    "  revoked " I_ " NOT NULL DEFAULT 0," \
    "  revocation_reason " I_ " NOT NULL DEFAULT -1" \
    ");" \
    "CREATE UNIQUE INDEX certs_issuer_serial ON certs(issuer_id, serial) WHERE issuer_id <> '';" \
    "CREATE INDEX certs_role ON certs(role, hierarchy);" \
    "CREATE TABLE counters (name " T_ " PRIMARY KEY, value " I_ " NOT NULL);" \
    "CREATE TABLE crls (" \
    "  issuer_id " T_ " NOT NULL REFERENCES certs(id)," \
    "  number " I_ " NOT NULL," \
    "  der " B_ " NOT NULL," \
    "  this_update " I_ " NOT NULL," \
    "  next_update " I_ " NOT NULL," \
    "  PRIMARY KEY (issuer_id, number)" \
    ");", \
    /* 2: the seal registry: seals, their lifecycle events, filing receipts */ \
    "CREATE TABLE seals (" ROWID_ \
    "  esid " T_ " PRIMARY KEY," \
    "  name " T_ " NOT NULL," \
    "  owner " T_ " NOT NULL," \
    "  cert_ids " T_ " NOT NULL DEFAULT ''," \
    "  maker_cert_id " T_ " NOT NULL," \
    "  state " T_ " NOT NULL," \
    "  prev_esid " T_ " NOT NULL DEFAULT ''," \
    "  next_esid " T_ " NOT NULL DEFAULT ''," \
    "  sha256 " T_ " NOT NULL," \
    "  imprint " T_ " NOT NULL DEFAULT ''," \
    "  type " I_ " NOT NULL," \
    "  generation " I_ " NOT NULL DEFAULT 1," \
    "  created " I_ " NOT NULL," \
    "  valid_from " I_ " NOT NULL," \
    "  valid_to " I_ " NOT NULL," \
    "  updated " I_ " NOT NULL," \
    "  der " B_ " NOT NULL," \
    "  receipt " B_ \
    ");" \
    "CREATE TABLE seal_events (" \
    "  esid " T_ " NOT NULL REFERENCES seals(esid)," \
    "  seq " I_ " NOT NULL," \
    "  at " I_ " NOT NULL," \
    "  from_state " T_ " NOT NULL," \
    "  to_state " T_ " NOT NULL," \
    "  actor " T_ " NOT NULL," \
    "  reason " T_ " NOT NULL," \
    "  PRIMARY KEY (esid, seq)" \
    ");", \
    /* 3: the audit log (entries, latest tile versions, checkpoints, private data), stamps, named values */ \
    "CREATE TABLE log_state (id " I_ " PRIMARY KEY CHECK (id = 1), state " B_ " NOT NULL);" \
    "CREATE TABLE log_entries (idx " I_ " PRIMARY KEY, body " B_ " NOT NULL);" \
    "CREATE TABLE log_tiles (level " I_ " NOT NULL, n " I_ " NOT NULL, data " B_ " NOT NULL," \
    "  PRIMARY KEY (level, n))" NOROWID_ ";" \
    "CREATE TABLE log_checkpoints (size " I_ " PRIMARY KEY, note " T_ " NOT NULL, created " I_ " NOT NULL);" \
    "CREATE TABLE log_private (idx " I_ " NOT NULL, kind " T_ " NOT NULL, data " B_ " NOT NULL," \
    "  PRIMARY KEY (idx, kind))" NOROWID_ ";" \
    "CREATE TABLE meta (name " T_ " PRIMARY KEY, value " B_ " NOT NULL);" \
    "CREATE TABLE stamps (" \
    "  serial " T_ " PRIMARY KEY" NOCASE_ "," \
    "  esid " T_ " NOT NULL," \
    "  cert_id " T_ " NOT NULL," \
    "  kind " T_ " NOT NULL," \
    "  doc_sha256 " T_ " NOT NULL," \
    "  at " I_ " NOT NULL," \
    "  log_index " I_ " NOT NULL DEFAULT -1," \
    "  receipt " T_ " NOT NULL DEFAULT ''" \
    ");", \
    /* 4: the accounts (issue 19): organisations, users, API tokens, the login throttle, sessions. A missing \
     * code (uscc) or organisation (users.org_id) is NULL, so that UNIQUE and the foreign key let \
     * several rows have none. Lists read oldest first (created, then rowid: insertion order) from \
     * the indexes below, which carry the rowid. */ \
    "CREATE TABLE orgs (" ROWID_ \
    "  id " T_ " PRIMARY KEY," \
    "  name " T_ " NOT NULL UNIQUE," \
    "  uscc " T_ " UNIQUE," \
    "  created " I_ " NOT NULL" \
    ");" \
    "CREATE TABLE users (" ROWID_ \
    "  login " T_ " PRIMARY KEY," \
    "  display_name " T_ " NOT NULL DEFAULT ''," \
    "  org_id " T_ " REFERENCES orgs(id)," \
    "  roles " T_ " NOT NULL DEFAULT ''," \
    "  status " I_ " NOT NULL," \
    "  pw_hash " T_ " NOT NULL DEFAULT ''," \
    "  created " I_ " NOT NULL," \
    "  updated " I_ " NOT NULL" \
    ");" \
    "CREATE INDEX users_org ON users(org_id, created);" \
    "CREATE TABLE tokens (" ROWID_ \
    "  id " T_ " PRIMARY KEY," \
    "  digest " T_ " NOT NULL UNIQUE," \
    "  login " T_ " NOT NULL REFERENCES users(login)," \
    "  org_id " T_ " NOT NULL DEFAULT ''," \
    "  scopes " T_ " NOT NULL DEFAULT ''," \
    "  created " I_ " NOT NULL," \
    "  expires " I_ " NOT NULL DEFAULT 0," \
    "  last_used " I_ " NOT NULL DEFAULT 0," \
    "  revoked " I_ " NOT NULL DEFAULT 0" \
    ");" \
    "CREATE INDEX tokens_login ON tokens(login, created);" \
    "CREATE INDEX tokens_org ON tokens(org_id, created);" \
    "CREATE TABLE throttle (key " T_ " PRIMARY KEY, failures " I_ " NOT NULL, until " I_ " NOT NULL)" NOROWID_ ";" \
    /* Browser sessions, kept as the SHA-256 of their id and of their CSRF token. */ \
    "CREATE TABLE sessions (" \
    "  digest " T_ " PRIMARY KEY," \
    "  login " T_ " NOT NULL REFERENCES users(login)," \
    "  csrf_digest " T_ " NOT NULL," \
    "  created " I_ " NOT NULL," \
    "  last_seen " I_ " NOT NULL" \
    ")" NOROWID_ ";" \
    "CREATE INDEX sessions_login ON sessions(login);", \
    /* 5: an organisation's identifier (ETSI EN 319 412-1 §5.1.4, "VATDE-..."), NULL when it has none; \
     * unique like the USCC. ALTER TABLE cannot add a UNIQUE column, a unique index does the same. The \
     * organisations of a version 4 database keep their rows and have no identifier. */ \
    "ALTER TABLE orgs ADD COLUMN identifier " T_ ";" \
    "CREATE UNIQUE INDEX orgs_identifier ON orgs(identifier);", \
    /* 6: governance (issue 20): grants and templates. A grant's parent is NULL when it has none. A use \
     * is one conditional UPDATE (sq_grant_use). Lists read oldest first from the indexes below. */ \
    "CREATE TABLE grants (" ROWID_ \
    "  id " T_ " PRIMARY KEY," \
    "  org_id " T_ " NOT NULL REFERENCES orgs(id)," \
    "  seal " T_ " NOT NULL REFERENCES seals(esid)," \
    "  holder_kind " I_ " NOT NULL," \
    "  holder " T_ " NOT NULL," \
    "  types " T_ " NOT NULL DEFAULT ''," \
    "  templates " T_ " NOT NULL DEFAULT ''," \
    "  not_before " I_ " NOT NULL DEFAULT 0," \
    "  not_after " I_ " NOT NULL DEFAULT 0," \
    "  max_uses " I_ " NOT NULL DEFAULT 0," \
    "  uses " I_ " NOT NULL DEFAULT 0," \
    "  approval " T_ " NOT NULL DEFAULT ''," \
    "  delegable " I_ " NOT NULL DEFAULT 0," \
    "  parent " T_ " REFERENCES grants(id)," \
    "  created_by " T_ " NOT NULL DEFAULT ''," \
    "  created " I_ " NOT NULL," \
    "  revoked " I_ " NOT NULL DEFAULT 0" \
    ");" \
    "CREATE INDEX grants_seal ON grants(seal, created);" \
    "CREATE INDEX grants_org ON grants(org_id, created);" \
    "CREATE TABLE templates (" ROWID_ \
    "  org_id " T_ " NOT NULL REFERENCES orgs(id)," \
    "  sha256 " T_ " NOT NULL," \
    "  name " T_ " NOT NULL," \
    "  format " T_ " NOT NULL," \
    "  size " I_ " NOT NULL," \
    "  bytes " B_ " NOT NULL," \
    "  created_by " T_ " NOT NULL DEFAULT ''," \
    "  created " I_ " NOT NULL," \
    "  PRIMARY KEY (org_id, sha256)" \
    ");" \
    "CREATE INDEX templates_org ON templates(org_id, created);", \
    /* 7: webhooks (issue 20 §3; docs/webhooks.md): an organisation's endpoints and the deliveries of \
     * its events, one row per event and webhook, updated by each attempt. A webhook's removal takes \
     * its deliveries with it (ON DELETE CASCADE). The secret is kept as is: it signs. */ \
    "CREATE TABLE webhooks (" ROWID_ \
    "  id " T_ " PRIMARY KEY," \
    "  org_id " T_ " NOT NULL REFERENCES orgs(id)," \
    "  url " T_ " NOT NULL," \
    "  events " T_ " NOT NULL," \
    "  secret " T_ " NOT NULL," \
    "  active " I_ " NOT NULL DEFAULT 1," \
    "  created_by " T_ " NOT NULL DEFAULT ''," \
    "  created " I_ " NOT NULL" \
    ");" \
    "CREATE INDEX webhooks_org ON webhooks(org_id, created);" \
    "CREATE TABLE deliveries (" ROWID_ \
    "  id " T_ " PRIMARY KEY," \
    "  webhook_id " T_ " NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE," \
    "  event_id " T_ " NOT NULL," \
    "  event_type " T_ " NOT NULL," \
    "  body " T_ " NOT NULL," \
    "  status " I_ " NOT NULL," \
    "  attempts " I_ " NOT NULL DEFAULT 0," \
    "  next_attempt " I_ " NOT NULL," \
    "  last_status " I_ " NOT NULL DEFAULT 0," \
    "  last_error " T_ " NOT NULL DEFAULT ''," \
    "  created " I_ " NOT NULL," \
    "  updated " I_ " NOT NULL" \
    ");" \
    "CREATE INDEX deliveries_webhook ON deliveries(webhook_id, created);" \
    "CREATE INDEX deliveries_due ON deliveries(status, next_attempt);", \
    /* 8: stamp requests (issue 20 §2; docs/requests.md): a request, its documents (their bytes are \
     * in the home) and its approvers' decisions. A request moves on by conditional UPDATEs only \
     * (sq_request_advance, sq_request_doc_stamped): status and step, and done counted against docs, \
     * are checked here too so that no writer can leave them out of range. One decision per approver \
     * and request (UNIQUE); decisions keep their insertion order (rowid). A request's documents go \
     * with it (ON DELETE CASCADE); its decisions do not: a decided request is kept. Lists read \
     * newest first from requests_org (any status) and requests_org_status (one status). */ \
    "CREATE TABLE requests (" ROWID_ \
    "  id " T_ " PRIMARY KEY," \
    "  org_id " T_ " NOT NULL REFERENCES orgs(id)," \
    "  seal " T_ " NOT NULL," \
    "  requester " T_ " NOT NULL," \
    "  grant_id " T_ " NOT NULL," \
    "  approval " T_ " NOT NULL DEFAULT ''," \
    "  doc_type " T_ " NOT NULL DEFAULT ''," \
    "  purpose " T_ " NOT NULL DEFAULT ''," \
    "  page " I_ " NOT NULL," \
    "  x_mm " R_ " NOT NULL," \
    "  y_mm " R_ " NOT NULL," \
    "  xy_exact " I_ " NOT NULL DEFAULT 0," \
    "  cross_page " I_ " NOT NULL DEFAULT 0," \
    "  level " I_ " NOT NULL," \
    "  qr " I_ " NOT NULL DEFAULT 0," \
    "  status " I_ " NOT NULL CHECK (status BETWEEN 1 AND 4)," \
    "  step " I_ " NOT NULL CHECK (step >= 0)," \
    "  docs " I_ " NOT NULL CHECK (docs >= 1)," \
    "  done " I_ " NOT NULL DEFAULT 0 CHECK (done >= 0 AND done <= docs)," \
    "  created " I_ " NOT NULL," \
    "  updated " I_ " NOT NULL" \
    ");" \
    "CREATE INDEX requests_org ON requests(org_id, created);" \
    "CREATE INDEX requests_org_status ON requests(org_id, status, created);" \
    "CREATE TABLE request_docs (" \
    "  request_id " T_ " NOT NULL REFERENCES requests(id) ON DELETE CASCADE," \
    "  idx " I_ " NOT NULL CHECK (idx >= 0)," \
    "  name " T_ " NOT NULL," \
    "  format " T_ " NOT NULL CHECK (format IN ('pdf', 'ofd'))," \
    "  sha256 " T_ " NOT NULL," \
    "  size " I_ " NOT NULL CHECK (size >= 0)," \
    "  serial " T_ " NOT NULL DEFAULT ''," \
    "  log_index " I_ " NOT NULL DEFAULT -1 CHECK (log_index >= -1)," \
    "  PRIMARY KEY (request_id, idx)" \
    ");" \
    "CREATE TABLE decisions (" ROWID_ \
    "  id " T_ " PRIMARY KEY," \
    "  request_id " T_ " NOT NULL REFERENCES requests(id)," \
    "  step " I_ " NOT NULL CHECK (step >= 0)," \
    "  approver " T_ " NOT NULL," \
    "  approve " I_ " NOT NULL CHECK (approve IN (0, 1))," \
    "  comment " T_ " NOT NULL DEFAULT ''," \
    "  comment_sha256 " T_ " NOT NULL," \
    "  docs_sha256 " T_ " NOT NULL," \
    "  at " I_ " NOT NULL," \
    "  UNIQUE (request_id, approver)" \
    ");" \
    "CREATE INDEX decisions_request ON decisions(request_id, at);", \
    /* 9: smart physical seals (issue 23 §4; docs/devices.md): a device registered to a seal, the \
     * unlock tokens it was given and the impressions it reported. An ask's nonce is used once per \
     * device (UNIQUE: a replayed ask is refused by the insert), an impression once per unlock and \
     * sequence number (UNIQUE: a replayed report likewise); an unlock's count only grows by a \
     * conditional UPDATE that keeps it within its impressions (sq_unlock_use). */ \
    "CREATE TABLE devices (" ROWID_ \
    "  id " T_ " PRIMARY KEY," \
    "  org_id " T_ " NOT NULL REFERENCES orgs(id)," \
    "  seal " T_ " NOT NULL," \
    "  chip_id " T_ " NOT NULL," \
    "  alg " T_ " NOT NULL CHECK (alg IN ('p256', 'sm2'))," \
    "  pubkey " B_ " NOT NULL," \
    "  status " I_ " NOT NULL CHECK (status IN (1, 2))," \
    "  added_by " T_ " NOT NULL DEFAULT ''," \
    "  added " I_ " NOT NULL," \
    "  retired " I_ " NOT NULL DEFAULT 0" \
    ");" \
    "CREATE INDEX devices_org ON devices(org_id, added);" \
    "CREATE INDEX devices_seal ON devices(seal, added);" \
    "CREATE TABLE unlocks (" ROWID_ \
    "  id " T_ " PRIMARY KEY," \
    "  device_id " T_ " NOT NULL REFERENCES devices(id)," \
    "  request_id " T_ " NOT NULL REFERENCES requests(id)," \
    "  org_id " T_ " NOT NULL," \
    "  nonce " T_ " NOT NULL," \
    "  impressions " I_ " NOT NULL CHECK (impressions >= 1)," \
    "  used " I_ " NOT NULL DEFAULT 0 CHECK (used >= 0 AND used <= impressions)," \
    "  issued " I_ " NOT NULL," \
    "  expires " I_ " NOT NULL," \
    "  UNIQUE (device_id, nonce)" \
    ");" \
    "CREATE TABLE impressions (" ROWID_ \
    "  unlock_id " T_ " NOT NULL REFERENCES unlocks(id)," \
    "  seq " I_ " NOT NULL CHECK (seq >= 1)," \
    "  device_id " T_ " NOT NULL," \
    "  request_id " T_ " NOT NULL," \
    "  time " I_ " NOT NULL," \
    "  lat " T_ " NOT NULL," \
    "  lon " T_ " NOT NULL," \
    "  photo_sha256 " T_ " NOT NULL," \
    "  operator " T_ " NOT NULL," \
    "  sig " B_ " NOT NULL," \
    "  received " I_ " NOT NULL," \
    "  log_index " I_ " NOT NULL," \
    "  PRIMARY KEY (unlock_id, seq)" \
    ");" \
    "CREATE INDEX impressions_request ON impressions(request_id, received);", \
    /* 10: seals bound to hardware (issue 23 §3; docs/seals.md): where each certificate's key is held \
     * (JSON: kind, serial, label, key_id, chip_id, maker, per certificate), "" for a seal in software */ \
    "ALTER TABLE seals ADD COLUMN hardware " T_ " NOT NULL DEFAULT '';", \
    /* 11: the trust lists imported from other platforms (issue 24; docs/trust-lists.md): each as \
     * received (the JWS, checked again whenever it is read), what was decided about it, and the \
     * latest CRLs of its CAs (DER, one after the other; each checked against its CA when fetched) */ \
    "CREATE TABLE trusted_lists (" \
    "  name " T_ " PRIMARY KEY," \
    "  source " T_ " NOT NULL," \
    "  pin " T_ " NOT NULL," \
    "  key_sha256 " T_ " NOT NULL," \
    "  via " T_ " NOT NULL DEFAULT ''," \
    "  list_of_lists " I_ " NOT NULL," \
    "  sequence " I_ " NOT NULL," \
    "  issued " I_ " NOT NULL," \
    "  next_update " I_ " NOT NULL," \
    "  fetched " I_ " NOT NULL," \
    "  added " I_ " NOT NULL," \
    "  jws " B_ " NOT NULL," \
    "  crls " B_ " NOT NULL" \
    ");", \
}
/* clang-format on */

#endif
