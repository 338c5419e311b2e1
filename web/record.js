// SPDX-License-Identifier: Apache-2.0
// The stamp record page, /v/{serial} (docs/web.md, "The stamp record"): the public record of one stamp
// (GET /api/v1/stamps/{serial}), the document compared by its SHA-256 computed here, and the stamp's
// audit entry checked to be in the log: the entry read from the public log (GET /tile/entries/...)
// and tied to this stamp, the root recomputed from its leaf and the inclusion proof (RFC 9162
// §2.1.3.2) and the checkpoint's Ed25519 signature verified, with WebCrypto. No request goes anywhere
// but this server; the DOM is built with textContent only.
'use strict';

(function () {
  const LANGS = ['en', 'zh'];
  const LANG_KEY = 'eseal-lang'; // the verify page's too: one choice for both pages
  const SERIAL_RE = /^[A-Z0-9-]{1,39}$/;
  let strings = {};
  let lang = 'en';
  let record = null;   // the record as the server gave it
  let logState = null; // {result, steps: [[key, vars]], why: [key, vars] | null}
  let compareState = null;

  const $ = (sel, root) => (root || document).querySelector(sel);

  function t(key, vars) {
    let s = Object.prototype.hasOwnProperty.call(strings, key) ? strings[key] : key;
    if (vars) {
      s = s.replace(/\{([a-z]+)\}/g, (m, k) => (Object.prototype.hasOwnProperty.call(vars, k) ? String(vars[k]) : m));
    }
    return s;
  }

  function setText(el, text) {
    if (el) {
      el.textContent = text;
    }
  }

  // ---- language ----------------------------------------------------------------------------------

  function pickLang() {
    try {
      const kept = window.localStorage.getItem(LANG_KEY);
      if (LANGS.includes(kept)) {
        return kept;
      }
    } catch (e) {
      // storage refused (private mode): the browser's languages decide
    }
    const prefs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'en'];
    for (const p of prefs) {
      const l = String(p).toLowerCase();
      if (l.startsWith('zh')) {
        return 'zh';
      }
      if (l.startsWith('en')) {
        return 'en';
      }
    }
    return 'en';
  }

  async function loadStrings(l) {
    const r = await fetch('/assets/i18n/' + l + '.json', {credentials: 'same-origin'});
    if (!r.ok) {
      throw new Error('strings ' + r.status);
    }
    return r.json();
  }

  async function setLang(l, keep) {
    try {
      strings = await loadStrings(l);
      lang = l;
    } catch (e) {
      // the page's own English stays as written in the HTML
    }
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    $('#lang').value = lang;
    if (keep) {
      try {
        window.localStorage.setItem(LANG_KEY, lang);
      } catch (e) {
        // not kept: the choice holds for this page
      }
    }
    document.querySelectorAll('[data-i18n]').forEach((el) => {
      if (Object.prototype.hasOwnProperty.call(strings, el.dataset.i18n)) {
        el.textContent = strings[el.dataset.i18n];
      }
    });
    redraw();
  }

  // ---- bytes and hashes --------------------------------------------------------------------------

  // The log's proofs (web/tlog.js, shared with the verify page).
  const {b64decode, b64encode, hex, equal, haveSubtle, sha256, leafHash, rootFromProof, parseNote, parseKey,
    verifyEd25519} = window.EsealTlog;

  // The audit entry's lines "key value" (docs/audit-log.md, entry format version 1).
  function parseEntry(bytes) {
    let text;
    try {
      text = new TextDecoder('utf-8', {fatal: true}).decode(bytes);
    } catch (e) {
      return null;
    }
    const lines = text.split('\n');
    if (lines[0] !== 'eseal-audit/v1' || lines[lines.length - 1] !== '') {
      return null;
    }
    const f = {};
    for (const line of lines.slice(1, -1)) {
      const sp = line.indexOf(' ');
      if (sp <= 0) {
        return null;
      }
      f[line.slice(0, sp)] = line.slice(sp + 1);
    }
    return f;
  }

  // tlog-tiles (C2SP): N as 3-digit groups, all but the last prefixed with "x" (1234067 -> x001/x234/067).
  function tileIndex(n) {
    let out = String(n % 1000n).padStart(3, '0');
    for (let rest = n / 1000n; rest > 0n; rest /= 1000n) {
      out = 'x' + String(rest % 1000n).padStart(3, '0') + '/' + out;
    }
    return out;
  }

  // Entry `index` as the public log serves it (GET /checkpoint for the newest size, then the entry
  // bundle tile/entries/N, or its partial .p/W: records of a big-endian uint16 length and the entry);
  // null when this server does not serve the log's entries.
  async function bundleEntry(index) {
    for (let attempt = 0; attempt < 2; attempt++) {
      const c = await fetch('/checkpoint', {cache: 'no-store'});
      if (!c.ok) {
        return null;
      }
      const note = parseNote(await c.text());
      if (!note || index >= note.size) {
        return null;
      }
      const n = index / 256n;
      let path = '/tile/entries/' + tileIndex(n);
      if ((n + 1n) * 256n > note.size) {
        path += '.p/' + String(note.size - n * 256n);
      }
      const t = await fetch(path);
      if (t.status === 404 && attempt === 0) {
        continue; // a newer checkpoint came between the two requests: its partial tile is wider
      }
      if (!t.ok) {
        return null;
      }
      const b = new Uint8Array(await t.arrayBuffer());
      let pos = 0;
      for (let k = 0n; k < index % 256n; k++) {
        if (pos + 2 > b.length) {
          return null;
        }
        pos += 2 + ((b[pos] << 8) | b[pos + 1]);
      }
      if (pos + 2 > b.length) {
        return null;
      }
      const len = (b[pos] << 8) | b[pos + 1];
      return pos + 2 + len <= b.length ? b.slice(pos + 2, pos + 2 + len) : null;
    }
    return null;
  }

  async function checkLog(rec) {
    const log = rec.log || {};
    const st = {result: 'unavailable', steps: [], why: null, sig: null};
    if (!log.leaf_hash || !log.checkpoint || !Array.isArray(log.proof) || log.index === null ||
        log.index === undefined) {
      st.why = log.unavailable ? ['', {text: log.unavailable}] : ['record.log-none', null];
      return st;
    }
    if (!haveSubtle()) {
      st.why = ['record.log-no-crypto', null];
      return st;
    }
    const fail = (key, vars) => {
      st.result = 'failed';
      st.why = [key, vars || null];
      return st;
    };
    let proof;
    let given;
    try {
      proof = log.proof.map(b64decode);
      given = b64decode(log.leaf_hash);
    } catch (e) {
      return fail('record.why-root');
    }
    const index = BigInt(log.index);
    // 1. the entry, from the public log (the record does not carry it: it names who stamped and
    // approved), is this stamp's: its serial, its seal, the document's SHA-256 ...
    let entry = null;
    try {
      entry = await bundleEntry(index);
    } catch (e) {
      entry = null;
    }
    let leaf = given;
    if (entry) {
      const f = parseEntry(entry);
      if (!f) {
        return fail('record.why-entry-parse');
      }
      const want = [['type', 'stamp'], ['stamp', rec.serial], ['seal', rec.seal.esid],
        ['doc-after-sha256', rec.document_sha256]];
      for (const [k, v] of want) {
        if (f[k] !== v) {
          return fail('record.why-entry', {field: k});
        }
      }
      st.steps.push(['record.step-entry', {serial: rec.serial, index: String(index)}]);
      // 2. ... and its leaf hash, computed here, is the one proven
      leaf = await leafHash(entry);
      if (!equal(leaf, given)) {
        return fail('record.why-leaf');
      }
      st.steps.push(['record.step-leaf', {leaf: b64encode(leaf)}]);
    } else {
      st.steps.push(['record.step-noentry', {index: String(index)}]);
    }
    // 3. the proof leads to the checkpoint's root
    const note = parseNote(log.checkpoint);
    if (!note || note.root.length !== 32) {
      return fail('record.why-checkpoint');
    }
    if (proof.some((p) => p.length !== 32)) {
      return fail('record.why-root');
    }
    const root = await rootFromProof(index, note.size, leaf, proof);
    if (!root || !equal(root, note.root)) {
      return fail('record.why-root');
    }
    st.steps.push(['record.step-root', {n: proof.length, index: String(index), size: String(note.size)}]);
    // 4. the checkpoint is signed by the log key the server names
    const others = [];
    if (!log.key) {
      st.sig = ['record.step-sig-nokey', null];
    } else {
      const key = await parseKey(log.key);
      if (!key || key.name !== note.origin) {
        return fail('record.why-key');
      }
      let ok = false;
      let supported = true;
      for (const s of note.sigs) {
        if (s.name === key.name && s.bytes.length === 68 && equal(s.bytes.slice(0, 4), key.id)) {
          const v = await verifyEd25519(key.pub, s.bytes.slice(4), new TextEncoder().encode(note.text));
          if (v === null) {
            supported = false;
          }
          ok = ok || v === true;
        } else {
          others.push(s.name);
        }
      }
      if (!supported) {
        st.sig = ['record.step-sig-unsupported', null];
      } else if (!ok) {
        return fail('record.why-sig');
      } else {
        st.sig = ['record.step-sig-ok', {key: key.name + '+' + hex(key.id)}];
      }
    }
    st.steps.push(st.sig);
    if (others.length > 0) {
      st.steps.push(['record.step-witnesses', {n: others.length}]);
    }
    // A root matched against a checkpoint whose signature was not checked proves nothing yet; a leaf
    // proven without its entry is not tied to this stamp.
    if (st.sig[0] !== 'record.step-sig-ok') {
      st.why = [st.sig[0] === 'record.step-sig-nokey' ? 'record.why-nokey' : 'record.why-unsupported', null];
      return st;
    }
    if (!entry) {
      st.why = ['record.why-noentry', null];
      return st;
    }
    st.result = 'ok';
    return st;
  }

  // ---- drawing -----------------------------------------------------------------------------------

  function stateWord(s) {
    const key = 'record.state-' + s;
    return Object.prototype.hasOwnProperty.call(strings, key) ? t(key) : t('record.state-other', {state: s});
  }

  function formatTime(iso) {
    const d = new Date(iso);
    if (Number.isNaN(d.getTime())) {
      return iso;
    }
    const fmt = new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', {dateStyle: 'long', timeStyle: 'long'});
    const local = fmt.format(d);
    // the reader's time, and UTC to the millisecond when the reader is not on UTC
    const zone = fmt.resolvedOptions().timeZone;
    if (zone === 'UTC' || zone === 'Etc/UTC') {
      return local;
    }
    return t('record.time-utc', {local, utc: iso.replace('T', ' ').replace('Z', '')});
  }

  // A seal bound to hardware (issue 23 §3; docs/seals.md): one line per binding, "Key held in hardware:
  // PKCS#11 token 'LABEL', serial SERIAL" and the chip of a physical seal; nothing for a seal in software
  // (an empty or absent seal.hardware, as the registry answers it).
  function drawHardware(list, bindings) {
    list.replaceChildren();
    const all = Array.isArray(bindings) ? bindings.filter((b) => b && typeof b === 'object') : [];
    for (const b of all) {
      const kind = b.kind === 'pkcs11' || b.kind === 'skf' ? b.kind : 'other';
      let text = t('record.hardware-' + kind, {kind: String(b.kind || ''), label: String(b.label || ''),
        serial: String(b.serial || '')});
      if (b.chip_id) {
        text += t('record.hardware-chip', {chip: String(b.chip_id)});
      }
      const li = document.createElement('li');
      li.textContent = text;
      li.dataset.kind = kind;
      list.appendChild(li);
    }
    list.hidden = all.length === 0;
  }

  function drawRecord() {
    const rec = record;
    const root = $('#record');
    document.title = t('record.page-title', {serial: rec.serial});
    setText($('.serial', root), rec.serial);
    setText($('.seal-name', root), rec.seal.name);
    setText($('.organisation', root), t('record.organisation', {name: rec.organisation}));
    drawHardware($('.seal-hardware', root), rec.seal.hardware);
    const badge = $('.seal-state', root);
    setText(badge, stateWord(rec.status.seal_state));
    badge.dataset.state = rec.status.seal_state;
    const img = $('.imprint', root);
    img.alt = t('record.imprint-alt', {name: rec.seal.name});
    setText($('.time', root), formatTime(rec.time));
    setText($('.time-source', root), t('record.time-source-' + rec.time_source));
    setText($('.esid', root), rec.seal.esid);
    setText($('.format', root), t('record.format-' + rec.format));
    setText($('.document-sha256', root), rec.document_sha256);
    const ap = $('.approvals', root);
    if (rec.approvals) {
      const key = rec.approvals.count === 1 ? 'record.approvals-one' : 'record.approvals-some';
      setText(ap, t(key, {request: rec.approvals.request, count: rec.approvals.count}) + ' ' +
        t('record.approvals-who'));
    } else {
      setText(ap, t('record.approvals-none'));
    }
    setText($('.seal-status-now', root), t('record.status-now', {state: stateWord(rec.status.seal_state)}));
    setText($('.seal-at-time', root), t(rec.status.seal_valid_at_time ? 'record.valid-at-time'
      : 'record.not-valid-at-time'));
    setText($('.printed', root), t('record.printed', {
      time: new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', {dateStyle: 'long', timeStyle: 'short'})
        .format(new Date()),
      url: window.location.href,
    }));
    drawLog();
    drawCompare();
  }

  function line(pair) {
    return pair[0] === '' ? pair[1].text : t(pair[0], pair[1]);
  }

  function drawLog() {
    const box = $('#log-check');
    const steps = $('.log-steps');
    const facts = $('.log-facts');
    steps.replaceChildren();
    facts.replaceChildren();
    setText($('.log-note'), t('record.log-note'));
    if (!logState) {
      setText(box, t('record.log-busy'));
      return;
    }
    box.dataset.result = logState.result;
    const badge = $('.log-badge');
    badge.dataset.result = logState.result;
    setText(badge, t('record.log-badge-' + logState.result));
    badge.hidden = false;
    if (logState.result === 'ok') {
      setText(box, t('record.log-ok'));
    } else if (logState.result === 'failed') {
      setText(box, t('record.log-failed', {why: line(logState.why)}));
    } else {
      setText(box, t('record.log-unavailable', {why: line(logState.why)}));
    }
    for (const s of logState.steps) {
      const li = document.createElement('li');
      li.textContent = line(s);
      if (s[0] === 'record.step-sig-unsupported' || s[0] === 'record.step-sig-nokey' ||
          s[0] === 'record.step-witnesses' || s[0] === 'record.step-noentry') {
        li.className = 'not-checked';
      }
      steps.appendChild(li);
    }
    const log = record.log || {};
    const rows = [['record.log-origin', log.origin], ['record.log-index', log.index],
      ['record.log-size', log.tree_size], ['record.log-key', log.key], ['record.log-leaf', log.leaf_hash],
      ['record.log-root', log.root]];
    for (const [k, v] of rows) {
      if (v === null || v === undefined) {
        continue;
      }
      const div = document.createElement('div');
      const dt = document.createElement('dt');
      const dd = document.createElement('dd');
      dt.textContent = t(k);
      dd.textContent = String(v);
      dd.className = 'mono';
      div.append(dt, dd);
      facts.appendChild(div);
    }
  }

  function drawCompare() {
    const out = $('#compare-result');
    if (!compareState) {
      out.hidden = true;
      delete out.dataset.result;
      return;
    }
    out.hidden = false;
    const c = compareState;
    if (c.result) {
      out.dataset.result = c.result;
    } else {
      delete out.dataset.result;
    }
    setText(out, t(c.key, {name: c.name, hash: c.hash || ''}));
  }

  function redraw() {
    if (record) {
      drawRecord();
    }
    const nf = $('.notfound-text');
    if (document.body.dataset.state === 'notfound' && nf.dataset.key) {
      setText(nf, t(nf.dataset.key, {serial: nf.dataset.serial}));
    }
  }

  // ---- the document compared -------------------------------------------------------------------

  async function compare(file) {
    if (!file || !record) {
      return;
    }
    if (!haveSubtle()) {
      compareState = {key: 'record.compare-unavailable', name: file.name};
      drawCompare();
      return;
    }
    compareState = {key: 'record.compare-busy', name: file.name};
    drawCompare();
    const h = hex(await sha256(await file.arrayBuffer()));
    const match = h === record.document_sha256;
    compareState = {key: match ? 'record.compare-match' : 'record.compare-mismatch', name: file.name, hash: h,
      result: match ? 'match' : 'mismatch'};
    drawCompare();
  }

  // ---- start -------------------------------------------------------------------------------------

  function notFound(key, serial) {
    const nf = $('.notfound-text');
    nf.dataset.key = key;
    nf.dataset.serial = serial;
    setText(nf, t(key, {serial}));
    $('#notfound').hidden = false;
    $('#busy').hidden = true;
    document.body.dataset.state = 'notfound';
  }

  function failed(text) {
    const e = $('#error');
    e.textContent = text;
    e.hidden = false;
    $('#busy').hidden = true;
    document.body.dataset.state = 'error';
  }

  function imprint(serial) {
    const img = $('.imprint');
    const base = '/api/v1/stamps/' + encodeURIComponent(serial) + '/imprint.';
    img.addEventListener('load', () => {
      img.hidden = false;
    });
    img.addEventListener('error', () => {
      // a seal made from a scanned picture has a PNG only
      if (img.src.endsWith('.svg')) {
        img.src = base + 'png';
      } else {
        img.hidden = true;
      }
    });
    img.src = base + 'svg';
  }

  async function start() {
    $('#lang').addEventListener('change', (ev) => setLang(ev.target.value, true));
    $('#print').addEventListener('click', () => window.print());
    const input = $('#compare-file');
    input.addEventListener('change', () => compare(input.files[0]));
    const drop = $('#compare-drop');
    drop.addEventListener('dragover', (ev) => {
      ev.preventDefault();
      drop.classList.add('over');
    });
    drop.addEventListener('dragleave', () => drop.classList.remove('over'));
    drop.addEventListener('drop', (ev) => {
      ev.preventDefault();
      drop.classList.remove('over');
      if (ev.dataTransfer && ev.dataTransfer.files.length > 0) {
        compare(ev.dataTransfer.files[0]);
      }
    });
    await setLang(pickLang(), false);

    const m = /^\/v\/([^/]+)\/?$/.exec(window.location.pathname);
    let serial = '';
    try {
      serial = m ? decodeURIComponent(m[1]) : '';
    } catch (e) {
      serial = m ? m[1] : '';
    }
    if (!SERIAL_RE.test(serial)) {
      notFound('record.notfound-bad', serial);
      return;
    }
    let r;
    try {
      r = await fetch('/api/v1/stamps/' + encodeURIComponent(serial), {headers: {Accept: 'application/json'}});
    } catch (e) {
      failed(t('record.error-network'));
      return;
    }
    if (r.status === 404 || r.status === 400) {
      notFound(r.status === 404 ? 'record.notfound' : 'record.notfound-bad', serial);
      return;
    }
    let body = null;
    try {
      body = await r.json();
    } catch (e) {
      body = null;
    }
    if (!r.ok || !body || !body.seal || !body.status) {
      failed(t('record.error-server', {detail: body && body.detail ? body.detail : String(r.status)}));
      return;
    }
    record = body;
    imprint(serial);
    drawRecord();
    $('#record').hidden = false;
    $('#busy').hidden = true;
    try {
      logState = await checkLog(record);
    } catch (e) {
      logState = {result: 'failed', steps: [], why: ['', {text: String(e && e.message ? e.message : e)}]};
    }
    drawLog();
    document.body.dataset.state = 'done';
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
