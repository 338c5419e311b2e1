// SPDX-License-Identifier: Apache-2.0
// The report view (docs/web.md): draws one verification report, the JSON of `eseal verify --json`
// (report_version 6, docs/verify-report.md), into a container, with the DOM the browser tests read
// (#verdict, #reason, .signature with .seal-name, .signer, .time, .imprint, .level). Shared by the
// verify page (web/verify.js) and the HTML report (`eseal verify --report OUT.html` inlines this
// file): nothing here fetches, reads the page around it or knows which of them it serves.
//
//   EsealReportView.render(report, lang, strings, container[, options])
//     report     the parsed JSON
//     lang       "en" or "zh": which label of web/report-fields.json is shown
//     strings    the flat key -> string table of web/i18n/<lang>.json
//     container  an element; emptied, then filled
//     options    {fields: the parsed web/report-fields.json (default: EsealReportView.fields),
//                 fileName: shown above the verdict,
//                 onSignature(element, signature, index): called for each .signature drawn}
//
// Every text from the report goes in through textContent, never as HTML; the imprint is an <img>
// of a data: URL built from the report's base64 only for the picture formats a browser shows.
(function (root) {
  'use strict';

  const VERDICTS = ['VALID', 'INVALID', 'INDETERMINATE'];
  const PICTURE_TYPES = {png: 'image/png', jpg: 'image/jpeg', jpeg: 'image/jpeg', gif: 'image/gif',
    bmp: 'image/bmp', webp: 'image/webp'};

  // A value of `doc` at the JSON Pointer `path` (RFC 6901); undefined when a step is missing.
  function pointer(doc, path) {
    if (path === '') {
      return doc;
    }
    if (typeof path !== 'string' || path[0] !== '/') {
      return undefined;
    }
    let v = doc;
    for (const raw of path.slice(1).split('/')) {
      const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
      if (v === null || typeof v !== 'object' || !Object.prototype.hasOwnProperty.call(v, key)) {
        return undefined;
      }
      v = v[key];
    }
    return v;
  }

  // strings[key] with {name} replaced by vars.name; the key itself when the table lacks it.
  function tr(strings, key, vars) {
    let s = strings && typeof strings[key] === 'string' ? strings[key] : key;
    if (vars) {
      s = s.replace(/\{([a-z]+)\}/g, (m, k) => (Object.prototype.hasOwnProperty.call(vars, k) ? String(vars[k]) : m));
    }
    return s;
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) {
      e.className = cls;
    }
    if (text !== undefined && text !== null) {
      e.textContent = text;
    }
    return e;
  }

  // "2026-11-21T05:06:17.891Z" -> "2026-11-21 05:06:17 UTC": the same in every language and time
  // zone, as the report says it (a reader compares it with the record page and the PDF report).
  function timeText(v) {
    if (typeof v !== 'string') {
      return String(v);
    }
    const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})(\.\d+)?Z$/.exec(v);
    return m ? m[1] + ' ' + m[2] + ' UTC' : v;
  }

  function verdictWord(strings, v) {
    return VERDICTS.includes(v) ? tr(strings, 'verdict-' + v) : String(v);
  }

  // One item of a `list` field: a string as it is, an object by what it says to people.
  function itemText(x) {
    if (x === null || x === undefined) {
      return '';
    }
    if (typeof x !== 'object') {
      return String(x);
    }
    if (typeof x.detail === 'string' && x.detail !== '') {
      return x.detail;
    }
    return [x.type, x.name, x.object].filter((s) => typeof s === 'string' && s !== '').join(' ');
  }

  // The text of a field of kind `kind` (null: nothing to show); `enumerated`: its text values are
  // codes of the report (seal_stamp, claimed, active...) shown in words (strings' value-CODE).
  function fieldText(kind, v, strings, enumerated) {
    if (v === null || v === undefined) {
      return null;
    }
    switch (kind) {
      case 'time':
        return timeText(v);
      case 'bool':
        return tr(strings, v ? 'yes' : 'no');
      case 'verdict':
        return verdictWord(strings, v);
      case 'count':
        return String(Array.isArray(v) ? v.length : v);
      case 'list':
        return Array.isArray(v) ? (v.length > 0 ? v.map(itemText).join(', ') : null) : String(v);
      default:
        if (typeof v === 'object') {
          return JSON.stringify(v);
        }
        return enumerated && strings && typeof strings['value-' + v] === 'string' ? strings['value-' + v] : String(v);
    }
  }

  function checksTable(checks, strings) {
    const table = el('table', 'checks');
    const head = el('tr');
    for (const k of ['check', 'status', 'detail', 'source']) {
      const th = el('th', null, tr(strings, k));
      th.scope = 'col';
      head.appendChild(th);
    }
    const thead = el('thead');
    thead.appendChild(head);
    table.appendChild(thead);
    const body = el('tbody');
    for (const c of checks) {
      const row = el('tr');
      row.dataset.check = String(c.id);
      const known = strings && typeof strings['check-' + c.id] === 'string';
      row.appendChild(el('td', 'check-id', known ? tr(strings, 'check-' + c.id) : String(c.id)));
      const st = el('td', 'status', tr(strings, 'status-' + c.status));
      st.dataset.status = String(c.status);
      row.appendChild(st);
      row.appendChild(el('td', 'detail', c.detail !== null && c.detail !== undefined ? String(c.detail) : ''));
      row.appendChild(el('td', 'source', c.source !== null && c.source !== undefined ? String(c.source) : ''));
      body.appendChild(row);
    }
    table.appendChild(body);
    return table;
  }

  // The sections of `scope` drawn from `obj`; a section with nothing to show is left out.
  function sections(fields, scope, obj, lang, strings) {
    const box = el('div', 'fields');
    for (const sec of (fields && fields.sections) || []) {
      if (sec.scope !== scope) {
        continue;
      }
      const part = el('section', 'field-section');
      part.dataset.section = sec.id;
      part.appendChild(el('h3', null, (sec.label && (sec.label[lang] || sec.label.en)) || sec.id));
      const dl = el('dl');
      let shown = 0;
      for (const f of sec.fields || []) {
        const v = pointer(obj, f.path);
        const label = (f.label && (f.label[lang] || f.label.en)) || f.id;
        if (f.kind === 'checks') {
          if (Array.isArray(v) && v.length > 0) {
            part.appendChild(checksTable(v, strings));
            shown++;
          }
          continue;
        }
        const text = fieldText(f.kind, v, strings, f.enum === true);
        if (text === null) {
          continue;
        }
        const dt = el('dt', null, label);
        const dd = el('dd', 'field-' + f.id, text);
        dd.dataset.field = f.id;
        dl.appendChild(dt);
        dl.appendChild(dd);
        shown++;
      }
      if (shown === 0) {
        continue;
      }
      if (dl.childNodes.length > 0) {
        part.insertBefore(dl, part.childNodes[1] || null);
      }
      box.appendChild(part);
    }
    return box;
  }

  // The reason in one sentence: for a VALID document, that all is well; otherwise the first reason
  // that imposes the document's verdict, in the page's language when the table has its code.
  function reasonSentence(report, strings) {
    const sigs = Array.isArray(report.signatures) ? report.signatures : [];
    if (report.verdict === 'VALID') {
      return sigs.length === 1 ? tr(strings, 'reason-valid-one') : tr(strings, 'reason-valid', {n: sigs.length});
    }
    const reasons = Array.isArray(report.reasons) ? report.reasons : [];
    const r = reasons.find((x) => x && x.verdict === report.verdict) || reasons[0];
    if (!r) {
      return '';
    }
    if (strings && typeof strings['reason-' + r.code] === 'string') {
      return tr(strings, 'reason-' + r.code);
    }
    return tr(strings, 'reason-other', {message: r.message || r.code});
  }

  // One attribute of an RFC 2253 name ("CN=A\\, B,O=C" -> attr O: "C"); "" when absent.
  function dnAttr(dn, attr) {
    const parts = String(dn || '').split(/,(?=[A-Za-z0-9.]+=)/);
    for (const p of parts) {
      const i = p.indexOf('=');
      if (i > 0 && p.slice(0, i).trim().toLowerCase() === attr.toLowerCase()) {
        return p.slice(i + 1).replace(/\\(.)/g, '$1').trim();
      }
    }
    return '';
  }

  // The organisation a stamp speaks for: the seal's owner, else the signer's O; and its unified
  // social credit code, from the signer's organizationIdentifier (ETSI EN 319 412-1: NTRCN-<USCC>).
  function organisation(sig) {
    const subject = sig.signer && sig.signer.subject;
    const org = (sig.seal && sig.seal.owner) || dnAttr(subject, 'O');
    // report version 5 reads it from the certificate (signer.uscc); older reports: from the DN string
    if (sig.signer && typeof sig.signer.uscc === 'string' && /^[0-9A-Z]{18}$/.test(sig.signer.uscc)) {
      return {org, uscc: sig.signer.uscc};
    }
    const id = dnAttr(subject, 'organizationIdentifier') || dnAttr(subject, '2.5.4.97');
    const m = /^NTRCN-([0-9A-Z]{18})$/.exec(id);
    return {org, uscc: m ? m[1] : ''};
  }

  function imprint(sig, strings) {
    const box = el('div', 'imprint-box');
    const pic = sig.seal && sig.seal.picture;
    const type = pic && typeof pic.format === 'string' ? PICTURE_TYPES[pic.format.toLowerCase()] : undefined;
    if (pic && typeof pic.data === 'string' && pic.data !== '' && type && /^[A-Za-z0-9+/=]+$/.test(pic.data)) {
      const img = el('img', 'imprint');
      img.src = 'data:' + type + ';base64,' + pic.data;
      img.alt = tr(strings, 'imprint-alt', {name: sig.seal.name || ''});
      box.appendChild(img);
    } else {
      box.appendChild(el('span', 'none', tr(strings, sig.seal ? 'no-imprint' : 'plain-signature')));
    }
    return box;
  }

  // "Filed on <date> with <registry>, receipt verified" and a link that saves the receipt's DER
  // (<esid>-filing.der, from a blob: URL); null without seal.filing (report version 5).
  function filingLine(sig, strings) {
    const f = sig.seal && sig.seal.filing;
    if (!f || typeof f !== 'object') {
      return null;
    }
    const p = el('p', 'filing', tr(strings, 'filing-line', {date: timeText(f.filed_at), registry: f.registry || ''}) +
      ' · ' + tr(strings, f.verified === true ? 'filing-verified' : 'filing-unverified') + ' ');
    p.dataset.verified = f.verified === true ? 'true' : 'false';
    if (typeof f.receipt === 'string' && /^[A-Za-z0-9+/=]+$/.test(f.receipt) && typeof Blob !== 'undefined' &&
        typeof URL !== 'undefined' && typeof URL.createObjectURL === 'function') {
      const bin = atob(f.receipt);
      const bytes = new Uint8Array(bin.length);
      for (let k = 0; k < bin.length; k++) {
        bytes[k] = bin.charCodeAt(k);
      }
      const a = el('a', 'filing-download', tr(strings, 'filing-download'));
      a.href = URL.createObjectURL(new Blob([bytes], {type: 'application/octet-stream'}));
      a.download = String(sig.seal.esid || 'seal').replace(/[^A-Za-z0-9._-]/g, '_') + '-filing.der';
      p.appendChild(a);
    }
    return p;
  }

  // The audit log line of a stamp of the verifying platform (signature.log, check log_inclusion):
  // .log-inclusion[data-result=ok|failed|unavailable]. The server's check first; then, where this
  // page has web/tlog.js (the verify page; the HTML report shows the server's result only), the
  // proof and the checkpoint's signature are checked again here, and a failure here wins.
  function logLine(sig, strings) {
    const log = sig.signature && sig.signature.log;
    if (!log || typeof log !== 'object') {
      return null;
    }
    const checks = Array.isArray(sig.checks) ? sig.checks : [];
    const c = checks.find((x) => x && x.id === 'log_inclusion') || {};
    const server = c.status === 'passed' ? 'ok' : c.status === 'failed' ? 'failed' : 'unavailable';
    const p = el('p', 'log-inclusion');
    p.dataset.result = server;
    p.dataset.index = String(log.index);
    const main = el('span', 'log-main', tr(strings, 'log-line',
      {index: String(log.index), origin: log.origin || '', size: String(log.tree_size)}));
    p.appendChild(main);
    const state = el('span', 'log-state', ' · ' + tr(strings, 'log-server-' + server));
    p.appendChild(state);
    if (server === 'failed' && typeof c.detail === 'string') {
      p.appendChild(el('span', 'log-detail', ' (' + c.detail + ')'));
    }
    const tl = root.EsealTlog;
    if (server === 'ok' && tl && typeof tl.checkInclusion === 'function') {
      const here = el('span', 'log-browser', ' · ' + tr(strings, 'log-browser-pending'));
      p.appendChild(here);
      tl.checkInclusion(log).then((r) => {
        p.dataset.browser = r.result;
        if (r.result === 'ok') {
          here.textContent = ' · ' + tr(strings, 'log-browser-ok');
        } else if (r.result === 'failed') {
          p.dataset.result = 'failed';
          here.textContent = ' · ' + tr(strings, 'log-browser-failed', {why: r.why || ''});
        } else {
          here.textContent = ' · ' + tr(strings, 'log-browser-unavailable');
        }
      }, () => {
        p.dataset.browser = 'unavailable';
        here.textContent = ' · ' + tr(strings, 'log-browser-unavailable');
      });
    }
    return p;
  }

  function signatureView(sig, i, lang, strings, fields) {
    const art = el('article', 'signature');
    art.dataset.verdict = String(sig.verdict);
    art.dataset.index = String(i);
    const head = el('div', 'sig-head');
    head.appendChild(imprint(sig, strings));
    const title = el('div', 'sig-title');
    const h = el('h2', null, tr(strings, 'signature-n', {n: i + 1}) + ' ');
    const badge = el('span', 'badge', verdictWord(strings, sig.verdict));
    badge.dataset.verdict = String(sig.verdict);
    h.appendChild(badge);
    title.appendChild(h);
    const seal = sig.seal || null;
    title.appendChild(el('p', 'seal-name', seal && seal.name ? seal.name : ''));
    const who = organisation(sig);
    const orgLine = [who.org, who.uscc ? tr(strings, 'uscc', {code: who.uscc}) : ''].filter((x) => x).join(' · ');
    title.appendChild(el('p', 'organisation', orgLine));
    const signer = (sig.signer && sig.signer.subject) || '';
    title.appendChild(el('p', 'signer', signer));
    const time = sig.time || {};
    const when = el('p', 'time', time.value ? timeText(time.value) : tr(strings, 'none'));
    when.dataset.source = String(time.source || 'none');
    title.appendChild(when);
    // where the time comes from, in words: a time-stamp authority proves it, a signer only claims it
    const src = ['timestamp', 'claimed'].includes(time.source) ? time.source : 'none';
    title.appendChild(el('p', 'time-source', tr(strings, 'time-source-' + src,
      {tsa: dnAttr(time.tsa, 'CN') || time.tsa || ''})));
    const level = (sig.signature && sig.signature.level) || '';
    title.appendChild(el('p', 'level', level));
    const filing = filingLine(sig, strings);
    if (filing) {
      title.appendChild(filing);
    }
    const logp = logLine(sig, strings);
    if (logp) {
      title.appendChild(logp);
    }
    head.appendChild(title);
    art.appendChild(head);
    const reasons = Array.isArray(sig.reasons) ? sig.reasons : [];
    if (reasons.length > 0) {
      const ul = el('ul', 'reasons');
      for (const r of reasons) {
        const li = el('li', null, r.message || r.code);
        li.dataset.code = String(r.code);
        li.dataset.verdict = String(r.verdict);
        ul.appendChild(li);
      }
      art.appendChild(ul);
    }
    art.appendChild(el('div', 'pages'));
    art.appendChild(sections(fields, 'signature', sig, lang, strings));
    return art;
  }

  function render(report, lang, strings, container, options) {
    const opts = options || {};
    const fields = opts.fields || root.EsealReportView.fields || {sections: []};
    while (container.firstChild) {
      container.removeChild(container.firstChild);
    }
    const top = el('div', 'verdict-box');
    top.dataset.verdict = String(report.verdict);
    if (opts.fileName) {
      top.appendChild(el('p', 'file-name', opts.fileName));
    }
    const v = el('p', null, verdictWord(strings, report.verdict));
    v.id = 'verdict';
    v.dataset.verdict = String(report.verdict);
    top.appendChild(v);
    const reason = el('p', null, reasonSentence(report, strings));
    reason.id = 'reason';
    top.appendChild(reason);
    container.appendChild(top);
    const sigs = Array.isArray(report.signatures) ? report.signatures : [];
    sigs.forEach((sig, i) => {
      const art = signatureView(sig, i, lang, strings, fields);
      container.appendChild(art);
      if (typeof opts.onSignature === 'function') {
        opts.onSignature(art, sig, i);
      }
    });
    const doc = el('section', 'report-section document');
    doc.appendChild(sections(fields, 'document', report, lang, strings));
    container.appendChild(doc);
    return container;
  }

  root.EsealReportView = {render, pointer, reasonSentence, fieldText, timeText, organisation, fields: null};
})(typeof window !== 'undefined' ? window : globalThis);
