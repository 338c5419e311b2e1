/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The console (issue 21 §2, docs/web.md "Console"): log in, the seals with their imprints, the seal
 * maker with a live preview of the imprint, the seals' lifecycle, and grants shown as sentences.
 * It uses only the public JSON API (docs/http-api.md): the session cookie is HttpOnly and set by
 * POST /api/v1/login; the CSRF token of its answer is kept in sessionStorage (this tab only) and
 * sent as X-CSRF-Token on every call that is not a GET (docs/accounts.md). Everything from the
 * server or the user is put in the page with textContent, never as HTML.
 */
'use strict';

(function () {
  const API = '/api/v1';
  const CSRF_KEY = 'eseal.console.csrf';
  const LANG_KEY = 'eseal-lang'; /* the public pages' key (web/verify.js): one choice for every page */
  const PREVIEW_DELAY_MS = 250;

  const $ = (id) => document.getElementById(id);
  let strings = {};
  let lang = 'en';
  let me = null;
  let seals = [];
  let templates = [];
  let grants = [];
  /* Sections of other files (console-stamp.js): name → {show, render}, registered through window.EsealConsole. */
  const extra = {};

  /* ---- languages ---- */

  function pickLang() {
    const stored = localStorage.getItem(LANG_KEY);
    if (stored === 'en' || stored === 'zh') {
      return stored;
    }
    const langs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || 'en'];
    return String(langs[0]).toLowerCase().startsWith('zh') ? 'zh' : 'en';
  }

  /* The string of `key` with {name} replaced from vars; the key itself when the file lacks it. */
  function t(key, vars) {
    let s = Object.prototype.hasOwnProperty.call(strings, key) ? strings[key] : key;
    if (vars) {
      s = s.replace(/\{([a-z_]+)\}/g, (m, k) => (vars[k] !== undefined ? String(vars[k]) : m));
    }
    return s;
  }

  async function loadLang(l) {
    const rs = await fetch(`/assets/i18n/${l}.json`, {credentials: 'same-origin'});
    if (!rs.ok) {
      throw new Error(`i18n/${l}.json: ${rs.status}`);
    }
    strings = await rs.json();
    lang = l;
    document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en';
    $('lang').value = l;
    for (const el of document.querySelectorAll('[data-i18n]')) {
      const key = el.dataset.i18n;
      if (Object.prototype.hasOwnProperty.call(strings, key)) {
        el.textContent = strings[key];
      }
    }
    document.title = t('console.title');
  }

  /* ---- the API ---- */

  class ApiError extends Error {
    constructor(status, code, detail) {
      super(detail || code || String(status));
      this.status = status;
      this.code = code;
    }
  }

  /* One call; the JSON answer, a Blob when `blob`, null for 204. A problem+json answer throws. */
  async function api(method, path, body, blob) {
    const headers = {};
    if (method !== 'GET' && method !== 'HEAD') {
      headers['X-CSRF-Token'] = sessionStorage.getItem(CSRF_KEY) || '';
    }
    const init = {method, headers, credentials: 'same-origin'};
    if (body !== undefined) {
      headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const rs = await fetch(API + path, init);
    if (!rs.ok) {
      let code = '';
      let detail = '';
      try {
        const p = await rs.json();
        code = p.code || '';
        detail = p.detail || p.title || '';
      } catch (e) {
        detail = rs.statusText;
      }
      if (rs.status === 401 && path !== '/login') {
        showLogin(t('console.login.expired'));
      }
      throw new ApiError(rs.status, code, detail);
    }
    if (rs.status === 204) {
      await rs.arrayBuffer(); /* read to its end: the request is then finished, not left open */
      return null;
    }
    return blob ? rs.blob() : rs.json();
  }

  function showError(e) {
    const el = $('error');
    if (!e) {
      el.hidden = true;
      el.textContent = '';
      return;
    }
    el.textContent = e instanceof ApiError ? t('console.error.api', {code: e.code || e.status, detail: e.message})
                                           : String(e.message || e);
    el.hidden = false;
  }

  function notice(text) {
    const el = $('notice');
    el.textContent = text || '';
    el.hidden = !text;
  }

  /* ---- log in, log out, who am I ---- */

  function showLogin(why) {
    me = null;
    sessionStorage.removeItem(CSRF_KEY);
    for (const id of ['seals', 'grants', 'approvals', 'audit', 'users', 'nav', 'logout', ...Object.keys(extra)]) {
      $(id).hidden = true;
    }
    $('whoami').textContent = '';
    $('login').hidden = false;
    notice(why || '');
    document.body.dataset.state = 'login';
    $('login-user').focus();
  }

  async function onLogin(ev) {
    ev.preventDefault();
    showError(null);
    document.body.dataset.state = 'busy';
    try {
      const r = await api('POST', '/login', {login: $('login-user').value.trim(), password: $('login-password').value});
      sessionStorage.setItem(CSRF_KEY, r.csrf);
      $('login-password').value = '';
      await enter();
    } catch (e) {
      document.body.dataset.state = 'login';
      showError(e.status === 401 ? new Error(t('console.login.wrong')) : e);
    }
  }

  async function onLogout() {
    showError(null);
    try {
      await api('POST', '/logout');
    } catch (e) {
      /* a dead session is logged out as well */
    }
    showLogin(t('console.logout.done'));
  }

  /* Logged in: who, then the section of the path. */
  async function enter() {
    me = await api('GET', '/me');
    $('whoami').textContent = t('console.whoami', {login: me.login, roles: (me.roles || []).map(roleName).join(', ') || '-'});
    $('login').hidden = true;
    $('nav').hidden = false;
    $('logout').hidden = false;
    notice('');
    const path = location.pathname.replace(/\/+$/, '');
    const section = ['grants', 'approvals', 'audit', 'users', ...Object.keys(extra)].find((x) => path.endsWith(`/${x}`)) || 'seals';
    for (const x of ['seals', 'grants', 'approvals', 'audit', 'users', ...Object.keys(extra)]) {
      $(`nav-${x}`).classList.toggle('current', x === section);
      $(x).hidden = x !== section;
    }
    if (extra[section]) {
      await extra[section].show();
    } else if (section === 'grants') {
      await showGrants();
    } else if (section === 'approvals') {
      await showInbox();
    } else if (section === 'audit') {
      await showAudit();
    } else if (section === 'users') {
      await showUsers();
    } else {
      await showSeals();
    }
    document.body.dataset.state = 'ready';
  }

  /* ---- seals ---- */

  const PERSON_TYPES = new Set(['personal', 'legal-rep', 'signature']);
  /* What the type's template draws (include/eseal/imprint.h eseal_imprint_template). */
  const SHAPES = {
    official: {shape: 'round', size: '42', star: true, centre: ''},
    contract: {shape: 'round', size: '40', star: true, centre: '合同专用章'},
    finance: {shape: 'round', size: '38', star: true, centre: '财务专用章'},
    invoice: {shape: 'oval', size: '40 × 30', star: false, centre: 'code', bottom: '发票专用章'},
    'legal-rep': {shape: 'square', size: '20', star: false, centre: ''},
    personal: {shape: 'square', size: '18', star: false, centre: ''},
    signature: {shape: 'rect', size: '', star: false, centre: ''},
    other: {shape: 'round', size: '40', star: true, centre: ''},
  };

  async function showSeals() {
    const [list, certs] = await Promise.all([api('GET', '/seals'), api('GET', '/certs')]);
    seals = list;
    renderSeals();
    const sel = $('seal-cert');
    const keep = sel.value;
    sel.replaceChildren();
    for (const c of certs.filter((c) => (c.role === 'org' || c.role === 'person') && !c.revoked)) {
      const o = document.createElement('option');
      o.value = c.id;
      o.textContent = `${subjectName(c.subject)} · ${c.alg} · ${c.id.slice(0, 12)}`;
      o.dataset.org = subjectName(c.subject);
      sel.append(o);
    }
    if (keep) {
      sel.value = keep;
    }
    if (!$('seal-text').value && sel.selectedOptions[0]) {
      $('seal-text').value = sel.selectedOptions[0].dataset.org;
    }
    describeShape();
    schedulePreview();
  }

  /* The O (else CN) of a subject as the API writes it ("CN=..., O=..."). */
  function subjectName(subject) {
    const m = /(?:^|[,/]\s*)O=((?:\\.|[^,/])*)/.exec(subject || '') || /(?:^|[,/]\s*)CN=((?:\\.|[^,/])*)/.exec(subject || '');
    return m ? m[1].replace(/\\(.)/g, '$1').trim() : subject;
  }

  function day(iso) {
    if (!iso) {
      return '';
    }
    return new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', {year: 'numeric', month: 'short', day: 'numeric'})
      .format(new Date(iso));
  }

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) {
      e.className = cls;
    }
    if (text !== undefined) {
      e.textContent = text;
    }
    return e;
  }

  function renderSeals() {
    const ul = $('seal-list');
    ul.replaceChildren();
    $('seal-empty').hidden = seals.length > 0;
    for (const s of seals) {
      const li = el('li', 'seal');
      li.dataset.esid = s.esid;
      li.dataset.state = s.state;
      const img = el('img', 'imprint');
      img.src = `${API}/seals/${encodeURIComponent(s.esid)}/imprint.svg`;
      img.alt = t('console.seal.imprint', {name: s.name});
      img.loading = 'lazy';
      li.append(img);
      const body = el('div', 'seal-body');
      body.append(el('h3', 'seal-name', s.name));
      const state = el('span', `seal-state state-${s.state}`, t(`console.state.${s.state}`));
      state.dataset.state = s.state;
      body.append(state);
      body.append(el('p', 'seal-type', t(`console.type.${s.type}`)));
      body.append(el('p', 'seal-esid', s.esid));
      const until = s.valid_to ? t('console.seal.until', {date: day(s.valid_to)}) : '';
      body.append(el('p', 'seal-valid muted', `${t('console.seal.from', {date: day(s.valid_from)})} ${until}`.trim()));
      const receipt = el('p', 'receipt muted');
      body.append(receipt);
      li.append(body);
      li.append(lifecycle(s));
      ul.append(li);
      showReceipt(s, receipt);
    }
  }

  /* The seal's filing receipt as the API checked it (GET /seals/{esid}/receipt); none: not filed. */
  async function showReceipt(s, p) {
    try {
      const r = await api('GET', `/seals/${encodeURIComponent(s.esid)}/receipt`);
      p.dataset.verdict = r.verdict;
      p.textContent = t('console.seal.receipt', {serial: r.serial, date: day(r.filed), verdict: t(`console.verdict.${r.verdict}`)});
      p.title = r.registry;
    } catch (e) {
      p.dataset.verdict = 'none';
      p.textContent = e.status === 404 ? t('console.seal.noreceipt') : e.message;
    }
  }

  /* The seal's lifecycle actions with a reason (the API requires one). */
  function lifecycle(s) {
    const box = el('form', 'lifecycle');
    const actions = [];
    if (s.state === 'active') {
      actions.push('suspend');
    }
    if (s.state === 'suspended') {
      actions.push('resume');
    }
    if (s.state === 'active' || s.state === 'suspended') {
      actions.push('revoke');
    }
    if (actions.length === 0) {
      box.hidden = true;
      return box;
    }
    const reason = el('input', 'reason');
    reason.required = true;
    reason.maxLength = 200;
    reason.placeholder = t('console.seal.reason');
    reason.setAttribute('aria-label', t('console.seal.reason'));
    box.append(reason);
    for (const a of actions) {
      const b = el('button', `action action-${a}`, t(`console.action.${a}`));
      b.type = 'button';
      b.dataset.action = a;
      b.addEventListener('click', () => transition(s, a, reason));
      box.append(b);
    }
    box.addEventListener('submit', (ev) => ev.preventDefault());
    return box;
  }

  async function transition(s, action, reason) {
    showError(null);
    if (!reason.value.trim()) {
      reason.focus();
      showError(new Error(t('console.seal.reason.needed')));
      return;
    }
    if (action === 'revoke' && !confirm(t('console.seal.revoke.confirm', {name: s.name}))) {
      return;
    }
    document.body.dataset.state = 'busy';
    try {
      const r = await api('POST', `/seals/${encodeURIComponent(s.esid)}/${action}`, {reason: reason.value.trim()});
      notice(t('console.seal.changed', {name: r.name, state: t(`console.state.${r.state}`)}));
      seals = await api('GET', '/seals');
      renderSeals();
    } catch (e) {
      showError(e);
    }
    document.body.dataset.state = 'ready';
  }

  /* ---- the seal maker and its live preview ---- */

  function describeShape() {
    const type = $('seal-type').value;
    const d = SHAPES[type] || SHAPES.other;
    const parts = [t(`console.shape.${d.shape}`)];
    if (d.size) {
      parts.push(`${d.size} mm`);
    }
    if (d.star) {
      parts.push(t('console.shape.star'));
    }
    if (d.centre === 'code') {
      parts.push(t('console.shape.centre.code'));
    } else if (d.centre) {
      parts.push(t('console.shape.centre', {text: d.centre}));
    }
    if (d.bottom) {
      parts.push(t('console.shape.bottom', {text: d.bottom}));
    }
    $('seal-shape').textContent = parts.join(' · ');
    const person = PERSON_TYPES.has(type);
    $('seal-code').disabled = person;
    if (person) {
      $('seal-code').value = '';
    }
    $('seal-text').labels[0].textContent = t(person ? 'console.maker.person' : 'console.maker.text');
  }

  /* The imprint fields of the form, as POST /seals and POST /imprints/preview take them. */
  function imprintFields() {
    const f = {type: $('seal-type').value, text: $('seal-text').value.trim()};
    const code = $('seal-code').value.trim();
    if (code && !$('seal-code').disabled) {
      f.code = code;
    }
    for (const [id, key] of [['seal-width', 'width_mm'], ['seal-height', 'height_mm']]) {
      const v = $(id).value;
      if (v !== '') {
        f[key] = Number(v);
      }
    }
    return f;
  }

  let previewTimer = 0;
  let previewAsked = 0; /* the number of the newest request: an older answer is dropped */
  let previewUrl = '';

  function schedulePreview() {
    clearTimeout(previewTimer);
    previewTimer = setTimeout(redraw, PREVIEW_DELAY_MS);
  }

  async function redraw() {
    const f = imprintFields();
    const status = $('preview-status');
    if (!f.text) {
      status.textContent = t('console.preview.needtext');
      return;
    }
    const n = ++previewAsked;
    status.textContent = t('console.preview.drawing');
    try {
      const svg = await api('POST', '/imprints/preview', f, true);
      if (n !== previewAsked) {
        return;
      }
      const img = $('imprint-preview');
      const old = previewUrl;
      previewUrl = URL.createObjectURL(svg);
      img.src = previewUrl;
      img.alt = t('console.preview.alt', {text: f.text});
      img.dataset.version = String(Number(img.dataset.version || '0') + 1);
      img.classList.remove('stale');
      delete img.dataset.error;
      if (old) {
        URL.revokeObjectURL(old);
      }
      status.textContent = '';
    } catch (e) {
      if (n !== previewAsked) {
        return;
      }
      /* the last good drawing stays, greyed, with what is wrong */
      $('imprint-preview').classList.add('stale');
      $('imprint-preview').dataset.error = e.code || String(e.status || '');
      status.textContent = e.message;
    }
  }

  async function onMakeSeal(ev) {
    ev.preventDefault();
    showError(null);
    const body = Object.assign({cert: $('seal-cert').value, name: $('seal-name').value.trim()}, imprintFields());
    const days = $('seal-days').value;
    if (days !== '') {
      body.valid_days = Number(days);
    }
    document.body.dataset.state = 'busy';
    try {
      const s = await api('POST', '/seals', body);
      notice(t('console.maker.made', {name: s.name, esid: s.esid, state: t(`console.state.${s.state}`)}));
      $('seal-name').value = '';
      seals = await api('GET', '/seals');
      renderSeals();
    } catch (e) {
      showError(e);
    }
    document.body.dataset.state = 'ready';
  }

  /* ---- grants ---- */

  async function showGrants() {
    const [g, s, tp] = await Promise.all([api('GET', '/grants'), api('GET', '/seals'), api('GET', '/templates')]);
    grants = g;
    seals = s;
    templates = tp;
    const sel = $('grant-seal');
    const keep = sel.value;
    sel.replaceChildren();
    for (const x of seals.filter((x) => x.state === 'active' || x.state === 'suspended')) {
      const o = document.createElement('option');
      o.value = x.esid;
      o.textContent = `${x.name} (${t(`console.type.${x.type}`)})`;
      sel.append(o);
    }
    if (keep) {
      sel.value = keep;
    }
    const ts = $('grant-templates');
    ts.replaceChildren();
    for (const x of templates) {
      const o = document.createElement('option');
      o.value = x.sha256;
      o.textContent = x.name;
      ts.append(o);
    }
    renderGrants();
    updateSentence();
  }

  function renderGrants() {
    const ul = $('grant-list');
    ul.replaceChildren();
    $('grant-empty').hidden = grants.length > 0;
    for (const g of grants) {
      const li = el('li', 'grant');
      li.dataset.id = g.id;
      const ended = g.revoked || (g.not_after && new Date(g.not_after) < new Date());
      li.dataset.state = g.revoked ? 'revoked' : ended ? 'ended' : 'active';
      li.append(el('p', 'sentence', sentence(g)));
      const meta = el('p', 'grant-meta muted', `${g.id} · ${t('console.grant.uses', {uses: g.uses})}`);
      if (g.parent) {
        meta.textContent += ` · ${t('console.grant.parent', {parent: g.parent})}`;
      }
      li.append(meta);
      if (!g.revoked) {
        li.append(grantEditor(g));
      }
      ul.append(li);
    }
  }

  /* The date part (local) of an RFC 3339 time, for a date input. */
  function dateValue(iso) {
    if (!iso) {
      return '';
    }
    const d = new Date(iso);
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  }

  /* Change a grant's end, quota or approval, or revoke it, with a reason (POST /grants/{id}/change|revoke). */
  function grantEditor(g) {
    const box = el('details', 'grant-edit');
    box.append(el('summary', '', t('console.grant.edit')));
    const form = el('form', 'fields');
    const field = (key, input) => {
      const id = `${g.id}-${key}`;
      input.id = id;
      const l = el('label', '', t(`console.grant.${key}`));
      l.htmlFor = id;
      form.append(l, input);
      return input;
    };
    const until = field('until', el('input'));
    until.type = 'date';
    until.value = dateValue(g.not_after);
    const max = field('max', el('input'));
    max.type = 'number';
    max.min = '1';
    max.value = g.max_uses || '';
    const approval = field('approval', el('input'));
    approval.value = g.approval || '';
    const reason = field('reason', el('input'));
    reason.maxLength = 200;
    const row = el('div', 'actions');
    const save = el('button', 'grant-save', t('console.grant.save'));
    save.type = 'submit';
    const revoke = el('button', 'grant-revoke reject', t('console.grant.revoke'));
    revoke.type = 'button';
    row.append(save, revoke);
    form.append(row);
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      /* what changed only: an absent key keeps the grant's, null clears it (docs/http-api.md) */
      const ch = {};
      if (until.value !== dateValue(g.not_after)) {
        ch.not_after = until.value ? dayEnd(until.value) : null;
      }
      if (max.value !== String(g.max_uses || '')) {
        ch.max_uses = max.value ? Number(max.value) : null;
      }
      if (approval.value.trim() !== (g.approval || '')) {
        ch.approval = approval.value.trim() || null;
      }
      if (reason.value.trim()) {
        ch.reason = reason.value.trim();
      }
      await grantCall(g, 'change', ch);
    });
    revoke.addEventListener('click', async () => {
      if (!reason.value.trim()) {
        reason.focus();
        showError(new Error(t('console.seal.reason.needed')));
        return;
      }
      if (confirm(t('console.grant.revoke.confirm'))) {
        await grantCall(g, 'revoke', {reason: reason.value.trim()});
      }
    });
    box.append(form);
    return box;
  }

  async function grantCall(g, action, body) {
    showError(null);
    document.body.dataset.state = 'busy';
    try {
      const r = await api('POST', `/grants/${encodeURIComponent(g.id)}/${action}`, body);
      grants = await api('GET', '/grants');
      renderGrants();
      notice(t(`console.grant.done.${action}`, {sentence: sentence(r)}));
    } catch (e) {
      showError(e);
    }
    document.body.dataset.state = 'ready';
  }

  function joinList(items, word) {
    if (items.length <= 1) {
      return items.join('');
    }
    const sep = t('console.list.sep');
    return items.slice(0, -1).join(sep) + t(`console.list.${word}`) + items[items.length - 1];
  }

  function quoted(s) {
    return t('console.quote', {text: s});
  }

  /* A role's name in the page's language (a role the strings do not know: as it is). */
  function roleName(r) {
    return Object.prototype.hasOwnProperty.call(strings, `console.role.${r}`) ? strings[`console.role.${r}`] : r;
  }

  /* One approval step "K:a,b,@role" in words. */
  function stepWords(step) {
    const m = /^(?:(\d+):)?(.*)$/.exec(step.trim());
    const k = m[1] ? Number(m[1]) : 1;
    const who = m[2].split(',').map((x) => x.trim()).filter(Boolean)
      .map((x) => (x.startsWith('@') ? t('console.approval.role', {role: roleName(x.slice(1))}) : x));
    if (who.length === 1) {
      return who[0];
    }
    if (k >= who.length) {
      return joinList(who, 'and');
    }
    if (k === 1) {
      return joinList(who, 'or');
    }
    return t('console.approval.k', {k, who: joinList(who, 'and')});
  }

  /* A grant (the API's JSON, or the form's draft) as a sentence of the page's language. */
  function sentence(g) {
    const seal = seals.find((s) => s.esid === g.seal);
    const sealText = seal ? t('console.grant.s.seal', {type: t(`console.type.${seal.type}`), name: seal.name})
                          : t('console.grant.s.sealid', {esid: g.seal || '?'});
    const holder = g.user ? g.user : t('console.grant.s.role', {role: roleName(g.role || '?')});
    let scope = '';
    const tnames = (g.templates || []).map((h) => {
      const x = templates.find((y) => y.sha256 === h);
      return quoted(x ? x.name : h.slice(0, 12));
    });
    if (tnames.length) {
      scope += t(tnames.length > 1 ? 'console.grant.s.templates' : 'console.grant.s.template',
                 {names: joinList(tnames, 'or')});
    }
    if ((g.types || []).length) {
      scope += t('console.grant.s.types', {types: joinList(g.types, 'or')});
    }
    let when = '';
    if (g.not_before && new Date(g.not_before) > new Date()) {
      when += t('console.grant.s.from', {date: day(g.not_before)});
    }
    if (g.not_after) {
      when += t('console.grant.s.until', {date: day(g.not_after)});
    }
    const quota = g.max_uses ? t(g.max_uses === 1 ? 'console.grant.s.once' : 'console.grant.s.times', {n: g.max_uses})
                             : '';
    let approval = '';
    if (g.approval) {
      const steps = g.approval.split(';').filter((x) => x.trim()).map(stepWords);
      approval = t('console.grant.s.approval', {who: steps.join(t('console.approval.then'))});
    }
    let s = t('console.grant.s.sentence', {holder, seal: sealText, scope, when, quota, approval});
    if (g.delegable) {
      s += t('console.grant.s.delegable');
    }
    if (g.revoked) {
      s = t('console.grant.s.revoked', {sentence: s, date: day(g.revoked)});
    }
    return s;
  }

  /* The date inputs as RFC 3339: the first instant of the first day, the last of the last (local). */
  function dayStart(v) {
    if (!v) {
      return undefined;
    }
    const [y, m, d] = v.split('-').map(Number);
    return new Date(y, m - 1, d, 0, 0, 0).toISOString();
  }

  function dayEnd(v) {
    if (!v) {
      return undefined;
    }
    const [y, m, d] = v.split('-').map(Number);
    return new Date(y, m - 1, d, 23, 59, 59).toISOString();
  }

  function grantDraft() {
    const g = {seal: $('grant-seal').value};
    const holder = $('grant-holder').value.trim();
    g[$('grant-holder-kind').value] = holder;
    const types = $('grant-types').value.split(',').map((x) => x.trim()).filter(Boolean);
    if (types.length) {
      g.types = types;
    }
    const tps = Array.from($('grant-templates').selectedOptions).map((o) => o.value);
    if (tps.length) {
      g.templates = tps;
    }
    const nb = dayStart($('grant-from').value);
    if (nb) {
      g.not_before = nb;
    }
    const na = dayEnd($('grant-until').value);
    if (na) {
      g.not_after = na;
    }
    if ($('grant-max').value !== '') {
      g.max_uses = Number($('grant-max').value);
    }
    const ap = $('grant-approval').value.trim();
    if (ap) {
      g.approval = ap;
    }
    if ($('grant-delegable').checked) {
      g.delegable = true;
    }
    const note = $('grant-note').value.trim();
    if (note) {
      g.note = note;
    }
    return g;
  }

  function updateSentence() {
    const g = grantDraft();
    if (!g.user && !g.role) {
      g.user = t('console.grant.s.someone');
    }
    $('grant-sentence').textContent = sentence(g);
  }

  async function onGrant(ev) {
    ev.preventDefault();
    showError(null);
    document.body.dataset.state = 'busy';
    try {
      const g = await api('POST', '/grants', grantDraft());
      grants = await api('GET', '/grants');
      renderGrants();
      notice(t('console.grant.made', {sentence: sentence(g)}));
    } catch (e) {
      showError(e);
    }
    document.body.dataset.state = 'ready';
  }

  /* ---- the approvals inbox ---- */

  let inbox = [];
  let pdfjs = null; /* Debian's pdf.js (served by eseal: /vendor/pdfjs), loaded when a preview is first drawn */

  function loadPdfjs() {
    if (!pdfjs) {
      pdfjs = new Promise((resolve, reject) => {
        const sc = document.createElement('script');
        sc.src = '/vendor/pdfjs/pdf.js';
        sc.onload = () => {
          window.pdfjsLib.GlobalWorkerOptions.workerSrc = '/vendor/pdfjs/pdf.worker.js';
          resolve(window.pdfjsLib);
        };
        sc.onerror = () => reject(new Error('pdf.js'));
        document.head.append(sc);
      });
    }
    return pdfjs;
  }

  /* The first page of a submitted PDF, drawn into `canvas` (a document that cannot be drawn: its link stays). */
  async function thumbnail(url, canvas) {
    try {
      const [lib, bytes] = await Promise.all([loadPdfjs(), fetch(url, {credentials: 'same-origin'})
        .then((rs) => (rs.ok ? rs.arrayBuffer() : Promise.reject(new Error(String(rs.status)))))]);
      /* the bytes read whole by the page (pdf.js's own loader cancels what it does not need), no eval under the CSP */
      const doc = await lib.getDocument({data: new Uint8Array(bytes), isEvalSupported: false}).promise;
      const pg = await doc.getPage(1);
      const v1 = pg.getViewport({scale: 1});
      const vp = pg.getViewport({scale: 180 / v1.width});
      canvas.width = Math.round(vp.width);
      canvas.height = Math.round(vp.height);
      await pg.render({canvasContext: canvas.getContext('2d'), viewport: vp}).promise;
      canvas.dataset.pages = String(doc.numPages);
      doc.destroy();
    } catch (e) {
      canvas.hidden = true;
    }
  }

  async function showInbox() {
    const [list, s] = await Promise.all([api('GET', '/approvals'), api('GET', '/seals')]);
    seals = s;
    inbox = await Promise.all(list.map((r) => api('GET', `/requests/${encodeURIComponent(r.id)}`)));
    renderInbox();
  }

  function renderInbox() {
    const ul = $('approval-list');
    ul.replaceChildren();
    $('approval-empty').hidden = inbox.length > 0;
    $('approval-batch').hidden = inbox.length < 2;
    for (const r of inbox) {
      const li = el('li', 'approval');
      li.dataset.id = r.id;
      const head = el('div', 'approval-head');
      const pick = el('input', 'pick');
      pick.type = 'checkbox';
      pick.setAttribute('aria-label', t('console.inbox.pick', {id: r.id}));
      head.append(pick);
      const seal = seals.find((x) => x.esid === r.seal);
      const steps = r.approval ? r.approval.split(';').filter((x) => x.trim()).length : 1;
      head.append(el('p', 'approval-what', t('console.inbox.what', {
        requester: r.requester, n: r.total, seal: seal ? seal.name : r.seal,
        step: Math.min(r.step + 1, steps), steps})));
      li.append(head);
      if (r.purpose || r.type) {
        li.append(el('p', 'approval-purpose muted', [r.type, r.purpose].filter(Boolean).join(' · ')));
      }
      const docs = el('div', 'approval-docs');
      for (const d of r.documents || []) {
        const fig = el('figure', 'doc');
        const url = d.original;
        if (d.format === 'pdf') {
          const c = el('canvas', 'page-thumb');
          c.setAttribute('aria-label', d.name);
          fig.append(c);
          thumbnail(url, c);
        }
        const a = el('a', 'doc-link', d.name);
        a.href = url;
        a.download = d.name;
        const cap = el('figcaption');
        cap.append(a);
        fig.append(cap);
        docs.append(fig);
      }
      li.append(docs);
      const act = el('form', 'decide');
      const comment = el('input', 'comment');
      comment.maxLength = 1000;
      comment.placeholder = t('console.inbox.comment');
      comment.setAttribute('aria-label', t('console.inbox.comment'));
      act.append(comment);
      for (const d of ['approve', 'reject']) {
        const b = el('button', `decide-${d}`, t(`console.inbox.${d}`));
        b.type = 'button';
        b.dataset.decision = d;
        b.addEventListener('click', () => decide([r.id], d, comment.value.trim()));
        act.append(b);
      }
      act.addEventListener('submit', (ev) => ev.preventDefault());
      li.append(act);
      ul.append(li);
    }
  }

  /* One decision on one request (POST /requests/{id}/approve|reject) or several at once (POST /approvals). */
  async function decide(ids, decision, comment) {
    showError(null);
    if (ids.length === 0) {
      showError(new Error(t('console.inbox.pick.none')));
      return;
    }
    if (decision === 'reject' && !confirm(t('console.inbox.reject.confirm', {n: ids.length}))) {
      return;
    }
    document.body.dataset.state = 'busy';
    try {
      const body = comment ? {comment} : {};
      if (ids.length === 1) {
        await api('POST', `/requests/${encodeURIComponent(ids[0])}/${decision}`, body);
      } else {
        await api('POST', '/approvals', Object.assign({requests: ids, decision}, body));
      }
      notice(t(`console.inbox.done.${decision}`, {n: ids.length}));
      await showInbox();
    } catch (e) {
      showError(e);
    }
    document.body.dataset.state = 'ready';
  }

  function picked() {
    return Array.from(document.querySelectorAll('#approval-list .approval')).filter((li) => li.querySelector('.pick').checked)
      .map((li) => li.dataset.id);
  }

  /* ---- start ---- */

  /* ---- the audit trail (GET /audit) with its filters, receipts and a chart of stamps ---- */

  const AUDIT_PAGE = 500; /* entries shown per "More" */
  const AUDIT_CALLS_MAX = 20; /* the server looks at 10,000 entries a call: at most this many calls per page */
  const SVG_NS = 'http://www.w3.org/2000/svg';
  const CHART_COLOURS = ['#b3261e', '#1f5fa8', '#2e7d32', '#8e44ad', '#c77700', '#00796b', '#5d4037', '#455a64'];
  let auditEntries = [];
  let auditCursor = 0;
  let auditMore = false;
  let auditAsked = 0; /* the filters' latest reload: an older answer arriving later is dropped */

  /* A local day's bounds of an <input type=date> value, in ms; NaN when empty. */
  function dayStart(v) {
    return v ? new Date(`${v}T00:00:00`).getTime() : NaN;
  }

  function localDay(iso) {
    const d = new Date(iso);
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
  }

  /* The filters as the API takes them (GET /audit?seal=&user=&since=&until=): the server filters, newest first. */
  function auditQuery() {
    const q = new URLSearchParams({order: 'newest'});
    const seal = $('audit-filter-seal').value;
    const user = $('audit-filter-user').value.trim();
    const from = dayStart($('audit-filter-from').value);
    const to = dayStart($('audit-filter-to').value);
    if (seal) {
      q.set('seal', seal);
    }
    if (user) {
      q.set('user', user);
    }
    if (!Number.isNaN(from)) {
      q.set('since', new Date(from).toISOString());
    }
    if (!Number.isNaN(to)) {
      q.set('until', new Date(to + 86400000).toISOString()); /* the whole "to" day, local time */
    }
    return q;
  }

  /* One page of the entries the filters match (again from the newest when `fresh`), following the server's
   * cursor while it says more may exist and the page is not full. Kept only when no newer reload began. */
  async function loadAudit(fresh) {
    const mine = auditAsked;
    const list = fresh ? [] : auditEntries.slice();
    let cursor = fresh ? 0 : auditCursor;
    let more = false;
    const q = auditQuery();
    let got = 0;
    for (let i = 0; i < AUDIT_CALLS_MAX && got < AUDIT_PAGE; i++) {
      q.set('limit', String(AUDIT_PAGE - got));
      if (cursor) {
        q.set('cursor', String(cursor));
      }
      const r = await api('GET', `/audit?${q}`);
      list.push(...r.entries);
      got += r.entries.length;
      cursor = r.next;
      more = r.more;
      if (!more) {
        break;
      }
    }
    if (mine === auditAsked) {
      auditEntries = list;
      auditCursor = cursor;
      auditMore = more;
    }
  }

  function auditFiltered() {
    return auditEntries;
  }

  /* The last recorded log audit (GET /audit/status): ok or failed, when, entries, the problem. */
  async function loadAuditStatus() {
    const p = $('audit-status');
    try {
      const st = await api('GET', '/audit/status');
      const l = st.last;
      p.dataset.result = l ? (l.ok ? 'ok' : 'failed') : 'none';
      p.textContent = !l ? t('console.audit.status.none', {size: st.size})
        : l.ok ? t('console.audit.status.ok', {when: when(l.time), entries: l.entries})
          : t('console.audit.status.failed', {when: when(l.time), problem: l.problem || ''});
    } catch (e) {
      p.dataset.result = 'none';
      p.textContent = '';
    }
  }

  async function onAuditRun() {
    showError(null);
    const b = $('audit-run');
    b.disabled = true;
    let soon = false;
    try {
      await api('POST', '/audit/run');
    } catch (e) {
      soon = e.status === 429; /* run less than a minute ago: the status line is that run, and says so */
      if (!soon) {
        showError(e);
      }
    }
    await loadAuditStatus();
    if (soon) {
      $('audit-status').append(' ', t('console.audit.status.soon'));
    }
    b.disabled = false;
  }

  async function onAuditMore() {
    showError(null);
    try {
      await loadAudit(false);
      renderAudit();
    } catch (e) {
      showError(e);
    }
  }

  function sealName(esid) {
    const s = seals.find((x) => x.esid === esid);
    return s ? s.name : esid;
  }

  async function showAudit() {
    seals = await api('GET', '/seals');
    try {
      await loadAuditStatus();
      await loadAudit(true);
    } catch (e) {
      /* a user that is neither auditor nor org-admin: the API's 403 says so on the error line, the section stays */
      if (e.status !== 403) {
        throw e;
      }
      auditEntries = [];
      auditMore = false;
      showError(e);
    }
    const sel = $('audit-filter-seal');
    const keep = sel.value;
    sel.replaceChildren(el('option', '', t('console.audit.any')));
    sel.firstChild.value = '';
    for (const s of seals) {
      const o = el('option', '', `${s.name} · ${s.esid}`);
      o.value = s.esid;
      sel.append(o);
    }
    sel.value = keep;
    renderAudit();
  }

  function renderAudit() {
    const shown = auditFiltered();
    $('audit-count').textContent = t(auditMore ? 'console.audit.loaded.more' : 'console.audit.loaded',
                                     {shown: shown.length});
    $('audit-empty').hidden = shown.length > 0;
    $('audit-more').hidden = !auditMore;
    const ul = $('audit-list');
    ul.replaceChildren();
    for (const e of shown) { /* newest first, as the server gave them */
      const li = el('li', 'entry');
      li.dataset.index = e.index;
      li.dataset.type = e.type;
      if (e.stamp) {
        li.dataset.stamp = e.stamp;
      }
      const head = el('p', 'entry-head');
      head.append(el('span', 'entry-time', when(e.time)), ' ', el('strong', 'entry-type', e.type));
      li.append(head);
      const who = el('p', 'entry-who muted', t('console.audit.who', {actor: e.actor || '-', rule: e.policy_rule || '-'}));
      li.append(who);
      const what = [];
      if (e.seal) {
        what.push(t('console.audit.ofseal', {name: sealName(e.seal)}));
      }
      if (e.stamp) {
        what.push(e.stamp);
      }
      if (e.detail) {
        what.push(e.detail);
      }
      if (what.length) {
        li.append(el('p', 'entry-what', what.join(' · ')));
      }
      if (e.type === 'stamp' && e.stamp) {
        li.append(receiptBox(e.stamp));
      }
      ul.append(li);
    }
    drawChart(shown.filter((e) => e.type === 'stamp'));
  }

  function when(iso) {
    return iso ? new Intl.DateTimeFormat(lang === 'zh' ? 'zh-CN' : 'en-GB', {dateStyle: 'medium', timeStyle: 'medium'})
      .format(new Date(iso)) : '';
  }

  /* The stamp's receipt (GET /audit/receipts/{serial}, a C2SP tlog-proof), fetched when opened. */
  function receiptBox(serial) {
    const d = el('details', 'receipt');
    d.append(el('summary', '', t('console.audit.receipt')));
    const pre = el('pre', 'receipt-text');
    d.append(pre);
    d.addEventListener('toggle', async () => {
      if (!d.open || d.dataset.loaded) {
        return;
      }
      d.dataset.loaded = '1';
      try {
        const rs = await fetch(`${API}/audit/receipts/${encodeURIComponent(serial)}`, {credentials: 'same-origin'});
        pre.textContent = rs.ok ? await rs.text() : t('console.audit.noreceipt', {status: rs.status});
        d.dataset.result = rs.ok ? 'ok' : 'failed';
      } catch (e) {
        pre.textContent = String(e.message || e);
        d.dataset.result = 'failed';
      }
    });
    return d;
  }

  function svg(tag, attrs, text) {
    const e = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      e.setAttribute(k, String(v));
    }
    if (text !== undefined) {
      e.textContent = text;
    }
    return e;
  }

  /* Stamps per day per seal: one stacked bar per day, a colour per seal; the table says the same in words. */
  function drawChart(stamps) {
    const byDay = new Map();
    const sealIds = [];
    for (const e of stamps) {
      const d = localDay(e.time);
      const seal = e.seal || '-';
      if (!sealIds.includes(seal)) {
        sealIds.push(seal);
      }
      const m = byDay.get(d) || new Map();
      m.set(seal, (m.get(seal) || 0) + 1);
      byDay.set(d, m);
    }
    const days = [...byDay.keys()].sort();
    const chart = $('audit-chart');
    const title = chart.querySelector('title');
    title.textContent = t('console.audit.chart');
    chart.replaceChildren(title);
    const W = 600, H = 220, L = 36, B = 40, T = 10, R = 10;
    const max = Math.max(1, ...days.map((d) => [...byDay.get(d).values()].reduce((a, b) => a + b, 0)));
    const plotH = H - T - B;
    const slot = days.length ? (W - L - R) / days.length : 0;
    chart.append(svg('line', {x1: L, y1: H - B, x2: W - R, y2: H - B, class: 'axis'}));
    chart.append(svg('line', {x1: L, y1: T, x2: L, y2: H - B, class: 'axis'}));
    chart.append(svg('text', {x: L - 4, y: T + 10, 'text-anchor': 'end', class: 'tick'}, max));
    chart.append(svg('text', {x: L - 4, y: H - B, 'text-anchor': 'end', class: 'tick'}, 0));
    if (!days.length) {
      chart.append(svg('text', {x: W / 2, y: H / 2, 'text-anchor': 'middle', class: 'tick'}, t('console.audit.nostamps')));
    }
    days.forEach((d, i) => {
      let y = H - B;
      const bw = Math.min(slot * 0.7, 48); /* one day alone is a bar, not a wall */
      const x = L + i * slot + (slot - bw) / 2;
      for (const [seal, n] of byDay.get(d)) {
        const h = (n / max) * plotH;
        y -= h;
        const r = svg('rect', {x: x.toFixed(1), y: y.toFixed(1), width: bw.toFixed(1), height: h.toFixed(1),
                               fill: CHART_COLOURS[sealIds.indexOf(seal) % CHART_COLOURS.length]});
        r.dataset.day = d;
        r.dataset.seal = seal;
        r.dataset.count = n;
        r.append(svg('title', {}, `${d} · ${sealName(seal)}: ${n}`));
        chart.append(r);
      }
      if (days.length <= 14 || i % Math.ceil(days.length / 14) === 0) {
        chart.append(svg('text', {x: (x + bw / 2).toFixed(1), y: H - B + 16, 'text-anchor': 'middle', class: 'tick'},
                         d.slice(5)));
      }
    });
    const legend = $('audit-legend');
    legend.replaceChildren();
    sealIds.forEach((seal, i) => {
      const k = el('span', 'key');
      const sw = el('span', 'swatch');
      sw.dataset.colour = String(i % CHART_COLOURS.length);
      k.append(sw, sealName(seal));
      legend.append(k);
    });
    const tbody = $('audit-table').tBodies[0];
    tbody.replaceChildren();
    for (const d of days) {
      for (const [seal, n] of byDay.get(d)) {
        const tr = document.createElement('tr');
        tr.append(el('td', '', d), el('td', '', sealName(seal)), el('td', 'num', String(n)));
        tbody.append(tr);
      }
    }
  }

  /* The filters changed: the first page again, from the server. */
  async function reloadAudit() {
    const mine = ++auditAsked;
    showError(null);
    document.body.dataset.state = 'busy';
    try {
      await loadAudit(true);
      if (mine === auditAsked) {
        renderAudit();
      }
    } catch (e) {
      showError(e);
    }
    if (mine === auditAsked) {
      document.body.dataset.state = 'ready';
    }
  }

  async function onAuditFilter(ev) {
    ev.preventDefault();
    await reloadAudit();
  }

  /* ---- users, roles and API tokens (GET/POST /users..., /tokens...) ---- */

  const ROLES = ['org-admin', 'seal-keeper', 'stamper', 'approver', 'auditor'];
  const SCOPES = ['stamp', 'verify', 'seals:read', 'seals:write', 'audit:read', 'users:read', 'users:write'];
  let users = [];
  let tokens = [];

  function checks(box, names, label, cls) {
    if (box.childElementCount) {
      for (const lab of box.querySelectorAll('label')) {
        lab.lastChild.textContent = label(lab.firstChild.value);
      }
      return;
    }
    for (const n of names) {
      const lab = el('label', cls);
      const c = el('input');
      c.type = 'checkbox';
      c.value = n;
      lab.append(c, el('span', '', label(n)));
      box.append(lab);
    }
  }

  function checked(box) {
    return [...box.querySelectorAll('input:checked')].map((c) => c.value);
  }

  /* The users (an org admin's) and the tokens. GET /users answers every user 200 with what it may read (itself,
   * for a user that is no administrator), so the page asks for the list only with an administrator's role; the
   * others, and anyone the API answers 403 (a token without users:read), see why, and their own tokens. */
  function deny(why) {
    users = [];
    $('users-admin').hidden = true;
    $('users-denied').hidden = false;
    $('users-denied').title = why || '';
  }

  async function showUsers() {
    checks($('user-roles'), ROLES, roleName, 'role');
    checks($('token-scopes'), SCOPES, (s) => s, 'scope');
    const admin = (me.roles || []).some((r) => r === 'org-admin' || r === 'platform-admin');
    if (!admin) {
      deny('');
    } else {
      try {
        users = await api('GET', '/users');
        $('users-admin').hidden = false;
        $('users-denied').hidden = true;
      } catch (e) {
        if (e.status !== 403) {
          throw e;
        }
        deny(e.message);
      }
    }
    tokens = await api('GET', '/tokens');
    renderUsers();
  }

  function renderUsers() {
    const ul = $('user-list');
    ul.replaceChildren();
    for (const u of users) {
      const li = el('li', 'user');
      li.dataset.login = u.login;
      li.dataset.status = u.status;
      const head = el('p', 'user-head');
      head.append(el('strong', 'user-login', u.login), ' ', el('span', 'user-name', u.display_name || ''), ' ',
                  el('span', `user-status status-${u.status}`, t(`console.user.status.${u.status}`)));
      li.append(head);
      const form = el('form', 'user-edit');
      const box = el('div', 'checks user-roles');
      for (const r of ROLES) {
        const lab = el('label', 'role');
        const c = el('input');
        c.type = 'checkbox';
        c.value = r;
        c.checked = (u.roles || []).includes(r);
        lab.append(c, el('span', '', roleName(r)));
        box.append(lab);
      }
      form.append(box);
      const save = el('button', 'user-save', t('console.user.roles.save'));
      save.type = 'submit';
      form.append(save);
      const flip = el('button', 'user-toggle', t(u.status === 'active' ? 'console.user.disable' : 'console.user.enable'));
      flip.type = 'button';
      flip.dataset.action = u.status === 'active' ? 'disable' : 'enable';
      flip.disabled = me && u.login === me.login;
      flip.addEventListener('click', () => userAction(u, flip.dataset.action));
      form.append(flip);
      form.addEventListener('submit', (ev) => {
        ev.preventDefault();
        userAction(u, 'roles', checked(box));
      });
      li.append(form);
      ul.append(li);
    }
    const tl = $('token-list');
    tl.replaceChildren();
    for (const k of tokens) {
      const li = el('li', 'token');
      li.dataset.id = k.id;
      li.dataset.state = k.revoked ? 'revoked' : 'active';
      const scopes = k.scopes && k.scopes.length ? k.scopes.join(', ') : t('console.token.allscopes');
      li.append(el('p', 'token-head', `${k.id} · ${k.login} · ${scopes}`));
      const meta = [t('console.token.made', {date: day(k.created)})];
      if (k.expires) {
        meta.push(t('console.token.until', {date: day(k.expires)}));
      }
      if (k.last_used) {
        meta.push(t('console.token.used', {date: when(k.last_used)}));
      }
      if (k.revoked) {
        meta.push(t('console.token.revoked', {date: day(k.revoked)}));
      }
      li.append(el('p', 'token-meta muted', meta.join(' · ')));
      if (!k.revoked) {
        const b = el('button', 'token-revoke', t('console.token.revoke'));
        b.type = 'button';
        b.addEventListener('click', () => revokeToken(k));
        li.append(b);
      }
      tl.append(li);
    }
  }

  async function userAction(u, action, roles) {
    showError(null);
    if (action === 'roles' && !roles.length) {
      showError(new Error(t('console.user.roles.needed')));
      return;
    }
    document.body.dataset.state = 'busy';
    try {
      const path = `/users/${encodeURIComponent(u.login)}/${action}`;
      const r = action === 'roles' ? await api('POST', path, {roles}) : await api('POST', path);
      notice(t('console.user.changed', {login: r.login, status: t(`console.user.status.${r.status}`),
                                        roles: (r.roles || []).map(roleName).join(', ')}));
      await showUsers();
    } catch (e) {
      showError(e);
    }
    document.body.dataset.state = 'ready';
  }

  async function onAddUser(ev) {
    ev.preventDefault();
    showError(null);
    const roles = checked($('user-roles'));
    if (!roles.length) {
      showError(new Error(t('console.user.roles.needed')));
      return;
    }
    document.body.dataset.state = 'busy';
    try {
      const body = {login: $('user-login').value.trim(), organisation: me.organisation, roles,
                    password: $('user-password').value};
      const dn = $('user-name').value.trim();
      if (dn) {
        body.display_name = dn;
      }
      const u = await api('POST', '/users', body);
      $('user-form').reset();
      notice(t('console.user.added', {login: u.login}));
      await showUsers();
    } catch (e) {
      showError(e);
    }
    document.body.dataset.state = 'ready';
  }

  async function onMakeToken(ev) {
    ev.preventDefault();
    showError(null);
    document.body.dataset.state = 'busy';
    try {
      const body = {};
      const login = $('token-login').value.trim();
      if (login) {
        body.login = login;
      }
      const scopes = checked($('token-scopes'));
      if (scopes.length) {
        body.scopes = scopes;
      }
      const exp = $('token-expires').value;
      if (exp) {
        body.expires = new Date(`${exp}T23:59:59`).toISOString().replace(/\.\d{3}Z$/, 'Z');
      }
      const k = await api('POST', '/tokens', body);
      $('token-form').reset();
      /* the secret is shown this once: the server keeps only its hash */
      $('token-secret').textContent = k.token;
      $('token-secret-box').hidden = false;
      notice(t('console.token.added', {id: k.id, login: k.login}));
      await showUsers();
    } catch (e) {
      showError(e);
    }
    document.body.dataset.state = 'ready';
  }

  async function revokeToken(k) {
    showError(null);
    if (!confirm(t('console.token.revoke.confirm', {id: k.id}))) {
      return;
    }
    document.body.dataset.state = 'busy';
    try {
      await api('POST', `/tokens/${encodeURIComponent(k.id)}/revoke`);
      notice(t('console.token.revoked.done', {id: k.id}));
      await showUsers();
    } catch (e) {
      showError(e);
    }
    document.body.dataset.state = 'ready';
  }

  async function start() {
    $('login-form').addEventListener('submit', onLogin);
    $('logout').addEventListener('click', onLogout);
    $('seal-form').addEventListener('submit', onMakeSeal);
    for (const id of ['seal-text', 'seal-code', 'seal-width', 'seal-height']) {
      $(id).addEventListener('input', schedulePreview);
    }
    $('seal-type').addEventListener('change', () => {
      describeShape();
      schedulePreview();
    });
    $('seal-cert').addEventListener('change', () => {
      const o = $('seal-cert').selectedOptions[0];
      if (o && !$('seal-text').value) {
        $('seal-text').value = o.dataset.org;
        schedulePreview();
      }
    });
    $('approve-selected').addEventListener('click', () => decide(picked(), 'approve', $('approval-comment').value.trim()));
    $('reject-selected').addEventListener('click', () => decide(picked(), 'reject', $('approval-comment').value.trim()));
    $('approval-batch').addEventListener('submit', (ev) => ev.preventDefault());
    $('grant-form').addEventListener('submit', onGrant);
    $('audit-filter').addEventListener('submit', onAuditFilter);
    $('audit-run').addEventListener('click', onAuditRun);
    $('audit-more').addEventListener('click', onAuditMore);
    for (const id of ['audit-filter-seal', 'audit-filter-from', 'audit-filter-to']) {
      $(id).addEventListener('change', reloadAudit);
    }
    let auditTyping = 0;
    $('audit-filter-user').addEventListener('input', () => {
      clearTimeout(auditTyping);
      auditTyping = setTimeout(reloadAudit, 300); /* the server filters: ask once the typing pauses */
    });
    $('user-form').addEventListener('submit', onAddUser);
    $('token-form').addEventListener('submit', onMakeToken);
    $('grant-form').addEventListener('input', updateSentence);
    $('grant-form').addEventListener('change', updateSentence);
    $('lang').addEventListener('change', async () => {
      localStorage.setItem(LANG_KEY, $('lang').value);
      await loadLang($('lang').value);
      if (me) {
        $('whoami').textContent = t('console.whoami', {login: me.login, roles: (me.roles || []).map(roleName).join(', ') || '-'});
        const x = Object.keys(extra).find((name) => !$(name).hidden);
        if (x) {
          extra[x].render();
        } else if (!$('seals').hidden) {
          renderSeals();
          describeShape();
        } else if (!$('grants').hidden) {
          renderGrants();
          updateSentence();
        } else if (!$('audit').hidden) {
          renderAudit();
        } else if (!$('users').hidden) {
          checks($('user-roles'), ROLES, roleName, 'role');
          renderUsers();
        } else {
          renderInbox();
        }
      }
    });
    try {
      await loadLang(pickLang());
    } catch (e) {
      showError(e);
    }
    if (!sessionStorage.getItem(CSRF_KEY)) {
      showLogin('');
      return;
    }
    try {
      await enter();
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) {
        showError(e);
        document.body.dataset.state = 'error';
      }
    }
  }

  /* What another file's section uses (console-stamp.js, loaded after this one): it registers before start runs. */
  window.EsealConsole = {
    $, api, t, el, showError, notice, loadPdfjs, ApiError,
    csrf: () => sessionStorage.getItem(CSRF_KEY) || '',
    me: () => me,
    expired: () => showLogin(t('console.login.expired')),
    register(name, section) {
      extra[name] = section;
    },
  };

  document.addEventListener('DOMContentLoaded', start);
})();
