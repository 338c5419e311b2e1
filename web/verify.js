// SPDX-License-Identifier: Apache-2.0
// The verify page (docs/web.md): choose or drop a PDF or OFD (or a .p7s with its data file), post
// it to the server's own API, draw the report with EsealReportView (web/report-view.js), and for a
// PDF draw its pages with pdf.js from the File already in the browser (no second upload), the
// signature's rectangle and the changed areas marked. body[data-state]: idle -> busy -> done | error.
(function () {
  'use strict';

  const LANGS = ['en', 'zh'];
  const LANG_KEY = 'eseal-lang';
  const THUMB_WIDTH = 260; // CSS pixels of a page thumbnail
  const state = {lang: 'en', strings: {}, fields: null, report: null, files: null, pdf: null};

  const $ = (id) => document.getElementById(id);

  function t(key, vars) {
    let s = typeof state.strings[key] === 'string' ? state.strings[key] : key;
    if (vars) {
      s = s.replace(/\{([a-z]+)\}/g, (m, k) => (k in vars ? String(vars[k]) : m));
    }
    return s;
  }

  // The language: the one chosen before (localStorage), else the browser's (navigator.languages,
  // which the browser also sends as Accept-Language): zh* -> zh, anything else -> en.
  function pickLang() {
    try {
      const saved = window.localStorage.getItem(LANG_KEY);
      if (LANGS.includes(saved)) {
        return saved;
      }
    } catch (e) {
      // storage refused (a private window): the browser's language
    }
    const prefs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || ''];
    for (const l of prefs) {
      const p = String(l).toLowerCase();
      if (p.startsWith('zh')) {
        return 'zh';
      }
      if (p.startsWith('en')) {
        return 'en';
      }
    }
    return 'en';
  }

  async function getJSON(url) {
    const r = await fetch(url, {credentials: 'omit'});
    if (!r.ok) {
      throw new Error(url + ': ' + r.status);
    }
    return r.json();
  }

  async function setLang(lang) {
    state.strings = await getJSON('/assets/i18n/' + lang + '.json');
    state.lang = lang;
    document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
    $('lang').value = lang;
    for (const e of document.querySelectorAll('[data-i18n]')) {
      e.textContent = t(e.dataset.i18n);
    }
    document.title = t('title') + ' · eseal';
    if (state.report) {
      await show();
    }
  }

  function setState(s) {
    document.body.dataset.state = s;
    $('busy').textContent = s === 'busy' ? t('busy') : '';
  }

  function fail(sentence) {
    const e = $('error');
    e.textContent = sentence;
    e.hidden = false;
    setState('error');
  }

  const isP7s = (f) => /\.(p7s|p7m|sig)$/i.test(f.name);

  // What to send: one document as the body, or a .p7s with its data as multipart/form-data.
  function request(files) {
    if (files.length === 1 && !isP7s(files[0])) {
      const f = files[0];
      const type = /\.ofd$/i.test(f.name) ? 'application/ofd' : /\.pdf$/i.test(f.name) ? 'application/pdf'
        : 'application/octet-stream';
      return {body: f, headers: {'Content-Type': type}, doc: f};
    }
    const sigs = files.filter(isP7s);
    if (files.length === 2 && sigs.length === 1) {
      const data = files.find((f) => !isP7s(f));
      const form = new FormData();
      form.append('signature', sigs[0], sigs[0].name);
      form.append('document', data, data.name);
      return {body: form, headers: {}, doc: data};
    }
    throw new Error(files.length === 1 ? t('error-p7s-data') : t('error-too-many'));
  }

  async function verify(list) {
    const files = Array.from(list || []);
    if (files.length === 0) {
      return;
    }
    $('error').hidden = true;
    let rq;
    try {
      rq = request(files);
    } catch (e) {
      fail(e.message);
      return;
    }
    setState('busy');
    state.report = null;
    state.pdf = null;
    const result = $('result');
    while (result.firstChild) {
      result.removeChild(result.firstChild);
    }
    let answer;
    try {
      answer = await fetch('/api/v1/verify?pictures=1', {method: 'POST', body: rq.body, headers: rq.headers,
        credentials: 'omit'});
    } catch (e) {
      fail(t('error-network'));
      return;
    }
    let body = null;
    try {
      body = await answer.json();
    } catch (e) {
      body = null;
    }
    if (!answer.ok || body === null || typeof body.verdict !== 'string') {
      const detail = body && (body.detail || body.title) ? String(body.detail || body.title) : String(answer.status);
      fail(t('error-server', {detail}));
      return;
    }
    state.report = body;
    state.files = {name: files.map((f) => f.name).join(' + '), doc: rq.doc};
    await show();
    setState('done');
    // The verdict gets the focus: a keyboard or screen-reader user lands on the answer.
    const v = $('verdict');
    if (v) {
      v.tabIndex = -1;
      v.focus();
    }
  }

  // Draws the report (again, after a change of language).
  async function show() {
    const pages = [];
    EsealReportView.render(state.report, state.lang, state.strings, $('result'), {
      fields: state.fields,
      fileName: state.files ? state.files.name : '',
      onSignature: (element, sig, i) => pages.push({element, sig, i}),
    });
    if (state.report.format === 'pdf' && state.files && state.files.doc) {
      await drawPages(pages);
    }
  }

  // ---- pdf.js: page thumbnails with the signature's rectangle ----------------------------------

  let pdfjsLoading = null;
  function loadPdfjs() {
    if (window.pdfjsLib) {
      return Promise.resolve(window.pdfjsLib);
    }
    if (!pdfjsLoading) {
      pdfjsLoading = new Promise((resolve, reject) => {
        const s = document.createElement('script');
        s.src = '/vendor/pdfjs/pdf.js';
        s.onload = () => (window.pdfjsLib ? resolve(window.pdfjsLib) : reject(new Error('no pdfjsLib')));
        s.onerror = () => reject(new Error('pdf.js is not served'));
        document.head.appendChild(s);
      });
    }
    return pdfjsLoading;
  }

  async function openPdf() {
    if (state.pdf) {
      return state.pdf;
    }
    const lib = await loadPdfjs();
    lib.GlobalWorkerOptions.workerSrc = '/vendor/pdfjs/pdf.worker.js';
    const data = new Uint8Array(await state.files.doc.arrayBuffer());
    // No eval (the page's CSP forbids it). Fonts go through the FontFace API from the bytes pdf.js
    // read (no request); a font the PDF does not embed is the system's of that name.
    state.pdf = await lib.getDocument({data, isEvalSupported: false}).promise;
    return state.pdf;
  }

  // The page a change of coverage.changes names, when its detail says ("reached from page 1
  // /Annots"); else null.
  function changePage(c) {
    const m = /\bpage (\d+)\b/i.exec(String((c && c.detail) || ''));
    return m ? Number(m[1]) : null;
  }

  // pdf.js's id of an annotation object ("999 0 R" -> "999R", "7 2 R" -> "7R2").
  function annotId(object) {
    const m = /^(\d+) (\d+) R$/.exec(String(object || ''));
    return m ? m[1] + 'R' + (m[2] === '0' ? '' : m[2]) : null;
  }

  function strokeRect(ctx, viewport, rect, colour, fill) {
    const [x1, y1, x2, y2] = viewport.convertToViewportRectangle(rect);
    const x = Math.min(x1, x2), y = Math.min(y1, y2), w = Math.abs(x2 - x1), h = Math.abs(y2 - y1);
    if (fill) {
      ctx.fillStyle = fill;
      ctx.fillRect(x, y, w, h);
    }
    ctx.lineWidth = 3;
    ctx.strokeStyle = colour;
    ctx.strokeRect(x, y, w, h);
  }

  async function thumb(pdf, pageNo, marks) {
    const page = await pdf.getPage(pageNo);
    const base = page.getViewport({scale: 1});
    const ratio = window.devicePixelRatio || 1;
    const viewport = page.getViewport({scale: (THUMB_WIDTH / base.width) * ratio});
    const canvas = document.createElement('canvas');
    canvas.className = 'page-thumb';
    canvas.width = Math.floor(viewport.width);
    canvas.height = Math.floor(viewport.height);
    canvas.style.width = THUMB_WIDTH + 'px';
    canvas.dataset.page = String(pageNo);
    const ctx = canvas.getContext('2d');
    await page.render({canvasContext: ctx, viewport}).promise;
    const css = getComputedStyle(document.documentElement);
    // A changed annotation is marked where it sits; any other change of the page (its content,
    // its resources) can be anywhere on it: the whole page is marked.
    const annots = marks.some((m) => m.kind === 'change') ? await page.getAnnotations() : [];
    for (const m of marks) {
      if (m.kind === 'signature') {
        strokeRect(ctx, viewport, m.rect, css.getPropertyValue('--sig-rect').trim() || '#1a4fb8');
        continue;
      }
      const a = annots.find((x) => x.id === annotId(m.object));
      const [x1, y1, x2, y2] = page.view;
      const inset = 4 / viewport.scale;
      const rect = a && Array.isArray(a.rect) ? a.rect : [x1 + inset, y1 + inset, x2 - inset, y2 - inset];
      strokeRect(ctx, viewport, rect, css.getPropertyValue('--change-rect').trim() || '#b3261e',
        'rgba(179, 38, 30, 0.15)');
    }
    const fig = document.createElement('figure');
    fig.className = 'page';
    canvas.setAttribute('role', 'img');
    canvas.setAttribute('aria-label', t('page-n', {n: pageNo}));
    fig.appendChild(canvas);
    const cap = document.createElement('figcaption');
    cap.textContent = t('page-n', {n: pageNo});
    fig.appendChild(cap);
    return fig;
  }

  async function drawPages(items) {
    let pdf;
    try {
      pdf = await openPdf();
    } catch (e) {
      const note = document.createElement('p');
      note.className = 'hint pages-unavailable';
      note.textContent = t('pages-unavailable');
      $('result').insertBefore(note, $('result').children[1] || null);
      return;
    }
    for (const {element, sig} of items) {
      const slot = element.querySelector('.pages');
      const app = sig.signature && sig.signature.appearance;
      const byPage = new Map();
      if (app && Number.isInteger(app.page) && Array.isArray(app.rect) && app.rect.length === 4) {
        byPage.set(app.page, [{kind: 'signature', rect: app.rect}]);
      }
      const changes = (sig.coverage && Array.isArray(sig.coverage.changes)) ? sig.coverage.changes : [];
      for (const c of changes) {
        const p = changePage(c);
        if (p !== null) {
          if (!byPage.has(p)) {
            byPage.set(p, []);
          }
          byPage.get(p).push({kind: 'change', object: c.object});
        }
      }
      if (byPage.size === 0) {
        continue;
      }
      const legend = document.createElement('ul');
      legend.className = 'legend';
      const ls = document.createElement('li');
      ls.className = 'sig';
      ls.textContent = t('legend-signature');
      legend.appendChild(ls);
      if ([...byPage.values()].some((ms) => ms.some((m) => m.kind === 'change'))) {
        const lc = document.createElement('li');
        lc.className = 'chg';
        lc.textContent = t('legend-change');
        legend.appendChild(lc);
      }
      const row = document.createElement('div');
      row.className = 'pages';
      for (const [p, marks] of [...byPage.entries()].sort((a, b) => a[0] - b[0])) {
        if (p < 1 || p > pdf.numPages) {
          continue;
        }
        try {
          row.appendChild(await thumb(pdf, p, marks));
        } catch (e) {
          // a page pdf.js cannot draw: the report still stands
        }
      }
      slot.replaceWith(row);
      row.before(legend);
    }
  }

  // ---- start ----------------------------------------------------------------------------------

  async function start() {
    const input = $('file');
    const drop = $('drop');
    drop.addEventListener('click', () => input.click());
    input.addEventListener('change', () => {
      verify(input.files);
    });
    drop.addEventListener('dragover', (e) => {
      e.preventDefault();
      drop.classList.add('over');
    });
    drop.addEventListener('dragleave', () => drop.classList.remove('over'));
    drop.addEventListener('drop', (e) => {
      e.preventDefault();
      drop.classList.remove('over');
      verify(e.dataTransfer && e.dataTransfer.files);
    });
    // A file dropped beside the zone is not opened by the browser in place of the page.
    window.addEventListener('dragover', (e) => e.preventDefault());
    window.addEventListener('drop', (e) => e.preventDefault());
    $('lang').addEventListener('change', async (e) => {
      const l = LANGS.includes(e.target.value) ? e.target.value : 'en';
      try {
        window.localStorage.setItem(LANG_KEY, l);
      } catch (err) {
        // not kept: this page still shows it
      }
      await setLang(l);
    });
    try {
      state.fields = await getJSON('/assets/report-fields.json');
      EsealReportView.fields = state.fields;
      await setLang(pickLang());
    } catch (e) {
      fail(String(e.message || e));
      return;
    }
    setState('idle');
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
