// SPDX-License-Identifier: Apache-2.0
// The transparency log's proofs, checked in the browser (docs/web.md): an audit entry's inclusion
// proof (RFC 9162 §2.1.3.2) against a checkpoint (C2SP tlog-checkpoint) signed with the log's Ed25519
// key (C2SP signed-note), with WebCrypto. Shared by the stamp record page (web/record.js) and the
// verify page (web/report-view.js, for each signature's `signature.log`); nothing here fetches.
//
//   EsealTlog.checkInclusion(log[, leaf]) -> Promise of {result, why, size, key}
//     log     {index, leaf_hash, proof, checkpoint, key} as GET /api/v1/stamps/{serial} gives them
//             in `log` and a verification report in `signature.log`
//     leaf    the leaf hash computed from the entry (bytes), when the caller has the entry; else
//             the given leaf_hash is proven as it is
//     result  "ok": the proof leads to the checkpoint's root and the checkpoint's signature verifies
//             under `key`; "failed": one of them does not (why: a code, below); "unavailable": this
//             browser cannot check (no WebCrypto, no Ed25519) or there is no key to check with
(function (root) {
  'use strict';

  function b64decode(s) {
    const bin = atob(s);
    const out = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) {
      out[i] = bin.charCodeAt(i);
    }
    return out;
  }

  function b64encode(bytes) {
    let bin = '';
    for (let i = 0; i < bytes.length; i++) {
      bin += String.fromCharCode(bytes[i]);
    }
    return btoa(bin);
  }

  function hex(bytes) {
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  }

  function concat(...parts) {
    const n = parts.reduce((a, p) => a + p.length, 0);
    const out = new Uint8Array(n);
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }

  function equal(a, b) {
    if (a.length !== b.length) {
      return false;
    }
    let d = 0;
    for (let i = 0; i < a.length; i++) {
      d |= a[i] ^ b[i];
    }
    return d === 0;
  }

  function haveSubtle() {
    return !!(window.crypto && window.crypto.subtle);
  }

  async function sha256(bytes) {
    return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  }

  // RFC 9162 §2.1.1: leaf hash SHA-256(0x00 || entry), node hash SHA-256(0x01 || left || right).
  const leafHash = (entry) => sha256(concat(new Uint8Array([0]), entry));
  const nodeHash = (l, r) => sha256(concat(new Uint8Array([1]), l, r));

  // RFC 9162 §2.1.3.2: the root an inclusion proof leads to from leaf `index` of a tree of `size`
  // leaves; null when the proof has the wrong length for them.
  async function rootFromProof(index, size, leaf, proof) {
    if (index >= size) {
      return null;
    }
    let fn = index;
    let sn = size - 1n;
    let r = leaf;
    for (const p of proof) {
      if (sn === 0n) {
        return null;
      }
      if ((fn & 1n) === 1n || fn === sn) {
        r = await nodeHash(p, r);
        if ((fn & 1n) === 0n) {
          while ((fn & 1n) === 0n && fn !== 0n) {
            fn >>= 1n;
            sn >>= 1n;
          }
        }
      } else {
        r = await nodeHash(r, p);
      }
      fn >>= 1n;
      sn >>= 1n;
    }
    return sn === 0n ? r : null;
  }

  // ---- the log's note and key (C2SP signed-note, tlog-checkpoint) --------------------------------

  // "text\n\n— name base64\n...": the signed text (with its last newline) and the signature lines.
  function parseNote(note) {
    const cut = note.lastIndexOf('\n\n');
    if (cut < 0) {
      return null;
    }
    const text = note.slice(0, cut + 1);
    const sigs = [];
    for (const line of note.slice(cut + 2).split('\n')) {
      if (line === '') {
        continue;
      }
      const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
      if (!m) {
        return null;
      }
      sigs.push({name: m[1], bytes: b64decode(m[2])});
    }
    const body = text.split('\n');
    if (body.length < 4 || !/^[1-9][0-9]*$/.test(body[1])) {
      return null;
    }
    return {text, sigs, origin: body[0], size: BigInt(body[1]), root: b64decode(body[2])};
  }

  // "name+hex id+base64(0x01 || Ed25519 public key)"; the id checked (SHA-256(name "\n" type pub)[0:4]).
  async function parseKey(vkey) {
    const m = /^([^+\s]+)\+([0-9a-f]{8})\+([A-Za-z0-9+/=]+)$/.exec(vkey || '');
    if (!m) {
      return null;
    }
    const raw = b64decode(m[3]);
    if (raw.length !== 33 || raw[0] !== 1) {
      return null;
    }
    const id = await sha256(concat(new TextEncoder().encode(m[1] + '\n'), raw));
    if (hex(id.slice(0, 4)) !== m[2]) {
      return null;
    }
    return {name: m[1], id: id.slice(0, 4), pub: raw.slice(1), text: vkey};
  }

  // true, false, or null when this browser has no Ed25519 in WebCrypto.
  async function verifyEd25519(pub, sig, msg) {
    let key;
    try {
      key = await crypto.subtle.importKey('raw', pub, {name: 'Ed25519'}, false, ['verify']);
    } catch (e) {
      return null;
    }
    try {
      return await crypto.subtle.verify({name: 'Ed25519'}, key, sig, msg);
    } catch (e) {
      return false;
    }
  }

  // why: "parts" (missing or malformed parts), "checkpoint", "root", "key", "sig"; or, with result
  // "unavailable": "no-crypto", "no-key", "unsupported".
  async function checkInclusion(log, leafGiven) {
    const out = {result: 'unavailable', why: null, size: null, key: null};
    if (!log || !log.leaf_hash || !log.checkpoint || !Array.isArray(log.proof) || log.index === null ||
        log.index === undefined) {
      out.why = 'parts';
      return out;
    }
    if (!haveSubtle()) {
      out.why = 'no-crypto';
      return out;
    }
    const fail = (why) => {
      out.result = 'failed';
      out.why = why;
      return out;
    };
    let proof;
    let leaf;
    try {
      proof = log.proof.map(b64decode);
      leaf = leafGiven || b64decode(log.leaf_hash);
    } catch (e) {
      return fail('root');
    }
    const note = parseNote(log.checkpoint);
    if (!note || note.root.length !== 32) {
      return fail('checkpoint');
    }
    out.size = note.size;
    if (proof.some((p) => p.length !== 32) || leaf.length !== 32) {
      return fail('root');
    }
    const index = BigInt(log.index);
    const r = await rootFromProof(index, note.size, leaf, proof);
    if (!r || !equal(r, note.root)) {
      return fail('root');
    }
    if (!log.key) {
      out.why = 'no-key';
      return out;
    }
    const key = await parseKey(log.key);
    if (!key || key.name !== note.origin) {
      return fail('key');
    }
    out.key = key.name + '+' + hex(key.id);
    let ok = false;
    let supported = true;
    for (const s of note.sigs) {
      if (s.name === key.name && s.bytes.length === 68 && equal(s.bytes.slice(0, 4), key.id)) {
        const v = await verifyEd25519(key.pub, s.bytes.slice(4), new TextEncoder().encode(note.text));
        supported = supported && v !== null;
        ok = ok || v === true;
      }
    }
    if (!supported && !ok) {
      out.why = 'unsupported';
      return out;
    }
    if (!ok) {
      return fail('sig');
    }
    out.result = 'ok';
    return out;
  }

  root.EsealTlog = {b64decode, b64encode, hex, concat, equal, haveSubtle, sha256, leafHash, nodeHash, rootFromProof,
    parseNote, parseKey, verifyEd25519, checkInclusion};
})(typeof window !== 'undefined' ? window : globalThis);
