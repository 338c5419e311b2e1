/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The console's stamping page (/console/stamp, docs/web.md): a batch of PDF/OFD files, the first PDF's
 * page drawn by pdf.js (served by eseal), the seal's imprint placed on it by a click and moved by
 * dragging or the arrow keys, the cross-page slices shown on the pages' edges, the request submitted
 * (POST /api/v1/requests, its upload's progress), executed with a progress bar the server drives
 * (GET /api/v1/requests/{id} polled while POST .../execute runs), and the stamped documents.
 * Only the public JSON API; the console's helpers come from console.js (window.EsealConsole).
 */
'use strict';

(function () {
  const C = window.EsealConsole;
  const {$, api, t, el, showError, notice} = C;
  const MM_PER_PT = 25.4 / 72;
  const POLL_MS = 300;
  const SHEET_MAX_PX = 560; /* the drawn page's width at most (less on a phone) */
  const THUMB_PX = 90;
  const THUMBS_MAX = 40; /* pages drawn as thumbnails at most */
  const SLICE_MIN_MM = 4; /* docs/formats.md: no cross-page slice narrower than 4 mm */

  let seals = [];
  let batch = []; /* the File objects chosen or dropped */
  let pdf = null; /* the first PDF, opened by pdf.js */
  let pageSize = null; /* {w, h} of the drawn page in mm, as a viewer shows it */
  let pxPerMm = 1;
  let imprint = null; /* {url, w, h (mm), img: a loaded HTMLImageElement} of the chosen seal */
  let placed = null; /* {x, y} of the imprint's top-left in mm, or null: the default place */
  let current = null; /* the request submitted or picked in "My requests" */
  let drawn = 0; /* the number of the newest page drawing: an older one stops */

  function setState(s) {
    document.body.dataset.stampState = s;
  }

  const round1 = (v) => Math.round(v * 10) / 10;

  /* ---- the seal and its imprint ---- */

  async function loadImprint() {
    if (imprint && imprint.url) {
      URL.revokeObjectURL(imprint.url);
    }
    imprint = null;
    const esid = $('stamp-seal').value;
    if (!esid) {
      return;
    }
    const blob = await api('GET', `/seals/${encodeURIComponent(esid)}/imprint.svg`, undefined, true);
    /* Its real size: the root element's width and height, in millimetres (GET /seals/{esid}/imprint.svg). Read
     * from the text: a DOMParser document would apply the drawing's styles, which the CSP refuses. */
    const root = /<svg\b[^>]*>/.exec(await blob.text());
    const mm = (name) => {
      const m = root ? new RegExp(`\\s${name}="([0-9.]+)mm"`).exec(root[0]) : null;
      return m ? parseFloat(m[1]) : 40;
    };
    const url = URL.createObjectURL(blob);
    const img = new Image();
    await new Promise((resolve, reject) => {
      img.onload = resolve;
      img.onerror = () => reject(new Error(t('console.stamp.noimprint')));
      img.src = url;
    });
    imprint = {url, w: mm('width'), h: mm('height'), img};
    $('stamp-imprint').src = url;
    showImprint();
  }

  /* ---- the batch ---- */

  function isPdf(f) {
    return /\.pdf$/i.test(f.name) || f.type === 'application/pdf';
  }

  function isOfd(f) {
    return /\.ofd$/i.test(f.name) || f.type === 'application/ofd';
  }

  async function takeFiles(list) {
    showError(null);
    batch = Array.from(list).filter((f) => isPdf(f) || isOfd(f));
    const left = Array.from(list).length - batch.length;
    $('stamp-batch').textContent = batch.length === 0 ? '' : t('console.stamp.batch', {
      n: batch.length, names: batch.map((f) => f.name).join(', ')}) + (left ? ' ' + t('console.stamp.skipped', {n: left}) : '');
    placed = null;
    setState('idle');
    await openPreview();
  }

  /* The first PDF of the batch opened by pdf.js, its last page drawn; an OFD only: no preview. */
  async function openPreview() {
    if (pdf) {
      pdf.destroy();
      pdf = null;
    }
    pageSize = null;
    const first = batch.find(isPdf);
    $('stamp-sheet').hidden = !first;
    $('stamp-thumbs').hidden = true;
    $('stamp-hint').textContent = batch.length === 0 ? '' : first ? t('console.stamp.hint.pdf')
                                                                   : t('console.stamp.hint.ofd');
    syncInputs();
    if (!first) {
      return;
    }
    const lib = await C.loadPdfjs();
    const bytes = new Uint8Array(await first.arrayBuffer());
    pdf = await lib.getDocument({data: bytes, isEvalSupported: false}).promise;
    const page = $('stamp-page');
    page.max = String(pdf.numPages);
    page.value = String(pdf.numPages); /* the last page: where seals usually go */
    await drawPage();
    await drawThumbs();
  }

  async function drawPage() {
    if (!pdf) {
      return;
    }
    const n = Math.min(Math.max(parseInt($('stamp-page').value, 10) || pdf.numPages, 1), pdf.numPages);
    const mine = ++drawn;
    const pg = await pdf.getPage(n);
    const v1 = pg.getViewport({scale: 1}); /* the displayed area (CropBox, /Rotate), in points */
    const box = $('stamp-sheet').parentElement.clientWidth || SHEET_MAX_PX;
    const cssW = Math.min(SHEET_MAX_PX, box);
    const ratio = window.devicePixelRatio || 1;
    const vp = pg.getViewport({scale: (cssW / v1.width) * ratio});
    if (mine !== drawn) {
      return;
    }
    const canvas = $('stamp-canvas');
    canvas.width = Math.round(vp.width);
    canvas.height = Math.round(vp.height);
    canvas.style.width = `${cssW}px`;
    canvas.style.height = `${Math.round(vp.height / ratio)}px`;
    canvas.setAttribute('aria-label', t('console.stamp.canvas', {page: n, pages: pdf.numPages}));
    await pg.render({canvasContext: canvas.getContext('2d'), viewport: vp}).promise;
    pageSize = {w: v1.width * MM_PER_PT, h: v1.height * MM_PER_PT};
    pxPerMm = cssW / pageSize.w;
    canvas.dataset.page = String(n);
    showImprint();
  }

  /* ---- placing the imprint ---- */

  function clamp(p) {
    if (!pageSize || !imprint) {
      return p;
    }
    return {x: round1(Math.min(Math.max(p.x, 0), Math.max(pageSize.w - imprint.w, 0))),
            y: round1(Math.min(Math.max(p.y, 0), Math.max(pageSize.h - imprint.h, 0)))};
  }

  function place(p) {
    placed = clamp(p);
    syncInputs();
    showImprint();
    drawSlices();
  }

  function syncInputs() {
    $('stamp-x').value = placed ? String(placed.x) : '';
    $('stamp-y').value = placed ? String(placed.y) : '';
  }

  function showImprint() {
    const im = $('stamp-imprint');
    const on = Boolean(placed && imprint && pageSize && pdf);
    im.hidden = !on;
    if (!on) {
      return;
    }
    im.style.width = `${imprint.w * pxPerMm}px`;
    im.style.height = `${imprint.h * pxPerMm}px`;
    im.style.left = `${placed.x * pxPerMm}px`;
    im.style.top = `${placed.y * pxPerMm}px`;
    im.dataset.xMm = String(placed.x);
    im.dataset.yMm = String(placed.y);
    im.dataset.page = $('stamp-canvas').dataset.page || '';
    im.alt = t('console.stamp.imprint', {x: placed.x, y: placed.y});
  }

  /* A click on the page: the imprint centred where it fell. */
  function onCanvasClick(ev) {
    if (!imprint || !pageSize) {
      return;
    }
    const r = $('stamp-canvas').getBoundingClientRect();
    place({x: (ev.clientX - r.left) / pxPerMm - imprint.w / 2, y: (ev.clientY - r.top) / pxPerMm - imprint.h / 2});
    $('stamp-imprint').focus();
  }

  let drag = null;

  function onPointerDown(ev) {
    if (!placed) {
      return;
    }
    ev.preventDefault();
    drag = {id: ev.pointerId, x0: ev.clientX, y0: ev.clientY, from: placed};
    $('stamp-imprint').setPointerCapture(ev.pointerId);
  }

  function onPointerMove(ev) {
    if (drag && ev.pointerId === drag.id) {
      place({x: drag.from.x + (ev.clientX - drag.x0) / pxPerMm, y: drag.from.y + (ev.clientY - drag.y0) / pxPerMm});
    }
  }

  function onPointerUp(ev) {
    if (drag && ev.pointerId === drag.id) {
      drag = null;
    }
  }

  /* Arrow keys move the imprint by 1 mm (10 with Shift). */
  function onKey(ev) {
    const step = ev.shiftKey ? 10 : 1;
    const d = {ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step]}[ev.key];
    if (d && placed) {
      ev.preventDefault();
      place({x: placed.x + d[0], y: placed.y + d[1]});
    }
  }

  function onTyped() {
    const x = parseFloat($('stamp-x').value);
    const y = parseFloat($('stamp-y').value);
    if (Number.isFinite(x) && Number.isFinite(y)) {
      placed = pdf ? clamp({x, y}) : {x: round1(x), y: round1(y)};
      showImprint();
      drawSlices();
    } else if ($('stamp-x').value === '' && $('stamp-y').value === '') {
      placed = null;
      showImprint();
    }
  }

  /* ---- cross-page: the slices on the pages' right edges ---- */

  const thumbs = []; /* {canvas, page image (ImageBitmap-like canvas), w, h (mm)} */

  async function drawThumbs() {
    thumbs.length = 0;
    const box = $('stamp-thumbs');
    box.replaceChildren();
    if (!pdf) {
      return;
    }
    const n = Math.min(pdf.numPages, THUMBS_MAX);
    for (let i = 1; i <= n; i++) {
      const pg = await pdf.getPage(i);
      const v1 = pg.getViewport({scale: 1});
      const vp = pg.getViewport({scale: THUMB_PX / v1.width});
      const base = document.createElement('canvas');
      base.width = Math.round(vp.width);
      base.height = Math.round(vp.height);
      await pg.render({canvasContext: base.getContext('2d'), viewport: vp}).promise;
      const c = el('canvas', 'stamp-thumb');
      c.width = base.width;
      c.height = base.height;
      c.setAttribute('role', 'img');
      c.setAttribute('aria-label', t('console.stamp.thumb', {page: i}));
      const fig = el('figure', 'thumb');
      fig.append(c, el('figcaption', 'muted', String(i)));
      box.append(fig);
      thumbs.push({canvas: c, base, w: v1.width * MM_PER_PT, h: v1.height * MM_PER_PT});
    }
    drawSlices();
  }

  /* As the stamp puts them (docs/formats.md): pages in groups of at most floor(w / 4 mm), each group
   * one whole imprint cut in as many slices as it has pages, slice i at the right edge of its page i,
   * at the chosen height (centred without one). */
  function drawSlices() {
    const cross = $('stamp-cross').checked;
    $('stamp-thumbs').hidden = !cross || thumbs.length === 0;
    if (!cross || !imprint || !pdf) {
      return;
    }
    const total = pdf.numPages;
    const per = Math.max(1, Math.floor(imprint.w / SLICE_MIN_MM));
    for (let i = 0; i < thumbs.length; i++) {
      const th = thumbs[i];
      const group = Math.floor(i / per);
      const inGroup = Math.min(per, total - group * per);
      const k = i - group * per;
      const sliceMm = imprint.w / inGroup;
      const g = th.canvas.getContext('2d');
      g.drawImage(th.base, 0, 0);
      const s = th.canvas.width / th.w; /* px per mm on this thumbnail */
      const y = placed ? placed.y : (th.h - imprint.h) / 2;
      const srcW = imprint.img.naturalWidth || imprint.img.width;
      const srcH = imprint.img.naturalHeight || imprint.img.height;
      g.drawImage(imprint.img, (srcW * k) / inGroup, 0, srcW / inGroup, srcH, th.canvas.width - sliceMm * s, y * s,
                  sliceMm * s, imprint.h * s);
      th.canvas.dataset.slice = `${k + 1}/${inGroup}`;
    }
  }

  /* ---- submitting ---- */

  function formData() {
    const fd = new FormData();
    fd.append('seal', $('stamp-seal').value);
    for (const [name, id] of [['type', 'stamp-type'], ['purpose', 'stamp-purpose']]) {
      if ($(id).value.trim()) {
        fd.append(name, $(id).value.trim());
      }
    }
    if ($('stamp-page').value) {
      fd.append('page', String(parseInt($('stamp-page').value, 10)));
    }
    if (placed) {
      fd.append('at', `${placed.x},${placed.y}`);
    }
    if ($('stamp-cross').checked) {
      fd.append('cross_page', '1');
    }
    for (const f of batch) {
      fd.append('file', f, f.name);
    }
    return fd;
  }

  /* POST /requests by XMLHttpRequest: fetch does not report an upload's progress. */
  function upload(fd) {
    return new Promise((resolve, reject) => {
      const x = new XMLHttpRequest();
      const bar = $('stamp-upload');
      x.open('POST', '/api/v1/requests');
      x.setRequestHeader('X-CSRF-Token', C.csrf());
      x.responseType = 'json';
      x.upload.onprogress = (ev) => {
        if (ev.lengthComputable) {
          bar.max = ev.total;
          bar.value = ev.loaded;
        }
      };
      x.onload = () => {
        const body = x.response || {};
        if (x.status === 201) {
          bar.value = bar.max;
          resolve(body);
        } else {
          if (x.status === 401) {
            C.expired();
          }
          reject(new C.ApiError(x.status, body.code || '', body.detail || body.title || ''));
        }
      };
      x.onerror = () => reject(new Error(t('console.stamp.network')));
      x.send(fd);
    });
  }

  async function onSubmit(ev) {
    ev.preventDefault();
    showError(null);
    notice('');
    if (batch.length === 0) {
      showError(new Error(t('console.stamp.nofiles')));
      return;
    }
    setState('uploading');
    $('stamp-submit').disabled = true;
    try {
      show(await upload(formData()));
      await loadMine();
    } catch (e) {
      setState('error');
      showError(e);
    }
    $('stamp-submit').disabled = false;
  }

  /* The result card for request `r`: pending, approved (Execute), executed (the downloads). */
  function show(r) {
    current = r;
    $('stamp-result').hidden = false;
    $('stamp-downloads').replaceChildren();
    const bar = $('stamp-progress');
    bar.max = Math.max(r.total || 1, 1);
    bar.value = r.done || 0;
    $('stamp-count').textContent = t('console.stamp.count', {done: r.done || 0, total: r.total || 0});
    $('stamp-execute').hidden = r.status !== 'approved';
    $('stamp-status').textContent = t(`console.stamp.status.${r.status}`, {id: r.id, n: r.total});
    if (r.status === 'pending' || r.status === 'approved') {
      setState(r.status);
    } else if (r.status === 'executed') {
      setState('done');
      links(r);
    } else {
      setState('error');
    }
  }

  /* ---- executing, the progress bar driven by polls ---- */

  async function execute() {
    const r = current;
    if (!r) {
      return;
    }
    showError(null);
    setState('executing');
    $('stamp-execute').disabled = true;
    const bar = $('stamp-progress');
    const seen = [];
    const id = encodeURIComponent(r.id);
    let running = true;
    const poll = async () => {
      const p = await api('GET', `/requests/${id}`);
      bar.max = Math.max(p.total, 1);
      bar.value = p.done;
      seen.push(p.done);
      bar.dataset.polled = seen.join(',');
      $('stamp-count').textContent = t('console.stamp.count', {done: p.done, total: p.total});
      return p;
    };
    /* The polls run beside the execute (the server answers them meanwhile: docs/http-api.md). */
    const polling = (async () => {
      while (running) {
        try {
          await poll();
        } catch (e) {
          /* one poll lost: the next one, or the last one below, says it */
        }
        await new Promise((res) => setTimeout(res, POLL_MS));
      }
    })();
    try {
      await api('POST', `/requests/${id}/execute`);
      running = false;
      await polling;
      show(await poll()); /* the final state, read like the rest of the progress */
      notice(t('console.stamp.done', {n: current.total}));
    } catch (e) {
      running = false;
      setState('error');
      showError(e);
    }
    $('stamp-execute').disabled = false;
    await loadMine();
  }

  /* One link per stamped document, its bytes fetched with the session. */
  async function links(r) {
    const ul = $('stamp-downloads');
    ul.replaceChildren();
    for (const d of r.documents || []) {
      if (!d.document) {
        continue;
      }
      const li = el('li');
      const a = el('a', 'stamp-download', t('console.stamp.download', {name: d.name}));
      const dot = d.name.lastIndexOf('.');
      a.download = dot > 0 ? `${d.name.slice(0, dot)}-stamped${d.name.slice(dot)}` : `${d.name}-stamped`;
      a.dataset.index = String(d.index);
      li.append(a);
      ul.append(li);
      try {
        const res = await fetch(d.document, {credentials: 'same-origin'});
        if (!res.ok) {
          throw new Error(String(res.status));
        }
        a.href = URL.createObjectURL(await res.blob());
      } catch (e) {
        a.textContent = t('console.stamp.download.failed', {name: d.name});
      }
    }
  }

  /* ---- my requests ---- */

  async function loadMine() {
    const list = await api('GET', '/requests?mine=1');
    const ul = $('stamp-mine');
    ul.replaceChildren();
    $('stamp-mine-empty').hidden = list.length > 0;
    for (const r of list) {
      const li = el('li', 'stamp-request');
      li.dataset.id = r.id;
      li.dataset.status = r.status;
      const seal = seals.find((s) => s.esid === r.seal);
      li.append(el('span', 'what', t('console.stamp.row', {id: r.id, n: r.total, seal: seal ? seal.name : r.seal,
                                                            status: t(`console.stamp.state.${r.status}`)})));
      if (r.status === 'approved' || r.status === 'executed') {
        const b = el('button', r.status === 'approved' ? 'mine-execute' : 'mine-open',
                     t(r.status === 'approved' ? 'console.stamp.execute' : 'console.stamp.open'));
        b.type = 'button';
        b.addEventListener('click', async () => {
          try {
            show(await api('GET', `/requests/${encodeURIComponent(r.id)}`));
            $('stamp-result').scrollIntoView({block: 'nearest'});
            if (r.status === 'approved') {
              await execute();
            }
          } catch (e) {
            showError(e);
          }
        });
        li.append(b);
      }
      ul.append(li);
    }
  }

  /* ---- the section ---- */

  function renderSeals() {
    const sel = $('stamp-seal');
    const was = sel.value;
    sel.replaceChildren();
    for (const s of seals.filter((x) => x.state === 'active')) {
      const o = el('option', '', `${s.name} (${s.type})`);
      o.value = s.esid;
      sel.append(o);
    }
    if (was && seals.some((s) => s.esid === was)) {
      sel.value = was;
    }
  }

  async function showStamp() {
    if (!document.body.dataset.stampState) {
      setState('idle');
    }
    seals = await api('GET', '/seals');
    renderSeals();
    await Promise.all([loadImprint().catch(showError), loadMine()]);
  }

  let wired = false;

  function wire() {
    if (wired) {
      return;
    }
    wired = true;
    $('stamp-form').addEventListener('submit', onSubmit);
    $('stamp-files').addEventListener('change', () => takeFiles($('stamp-files').files).catch(showError));
    $('stamp-form').addEventListener('dragover', (ev) => ev.preventDefault());
    $('stamp-form').addEventListener('drop', (ev) => {
      ev.preventDefault();
      takeFiles(ev.dataTransfer.files).catch(showError);
    });
    $('stamp-seal').addEventListener('change', () => loadImprint().then(drawSlices).catch(showError));
    $('stamp-page').addEventListener('change', () => drawPage().catch(showError));
    $('stamp-x').addEventListener('change', onTyped);
    $('stamp-y').addEventListener('change', onTyped);
    $('stamp-cross').addEventListener('change', drawSlices);
    $('stamp-canvas').addEventListener('click', onCanvasClick);
    const im = $('stamp-imprint');
    im.addEventListener('pointerdown', onPointerDown);
    im.addEventListener('pointermove', onPointerMove);
    im.addEventListener('pointerup', onPointerUp);
    im.addEventListener('pointercancel', onPointerUp);
    im.addEventListener('keydown', onKey);
    im.addEventListener('dragstart', (ev) => ev.preventDefault());
    $('stamp-execute').addEventListener('click', execute);
  }

  C.register('stamp', {
    async show() {
      wire();
      await showStamp();
    },
    render() {
      renderSeals();
      if (current) {
        show(current);
      }
      showImprint();
    },
  });
})();
