// SPDX-License-Identifier: Apache-2.0
// stamp.test.mjs ESEAL: the console's stamping page /console/stamp in Debian's chromium (session 26,
// h-stamp; ctest browser_stamp). One instance: organisation Alpha, a P-256 certificate, a seal, kim
// (seal-keeper), sam (stamper), mo (approver); `eseal serve --listen 127.0.0.1:0`. Then:
//   - sam, under a grant needing no approval, chooses TWO PDFs (3 pages each) on the page: pdf.js draws
//     the last page; a click on the canvas puts the imprint there (centred on the click), a drag moves
//     it by as many millimetres as the pointer moved, the arrow keys by 1 mm; the cross-page box draws
//     a slice on each page's thumbnail; sam submits (upload progress), the request is approved at once,
//     sam executes: the progress bar, driven by polls of GET /requests/{id}, ends at 2 of 2; both stamped
//     documents download (%PDF, not the originals), and one verifies VALID through POST /api/v1/verify
//     with its widget on the chosen page at the chosen place (within 2 mm);
//   - under a grant needing mo's approval the page says the request waits; mo approves through the API;
//     sam's "My requests" executes it and shows its download;
//   - an OFD: no page drawn (pdf.js reads PDF only), the page and place typed, stamped, downloaded (a
//     package) and VALID through POST /api/v1/verify;
//   - no console error, failed or foreign request; screenshots (desktop and phone) of the placed imprint
//     and of the finished batch in $ESEAL_BROWSER_OUT.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { Instance, OUT, ROOT, assertClean, assertFitsWidth, assertHeaders, cleanup, launch, makeDocument, openPage,
    serve, shot } from './lib.mjs';

const ESEAL = path.resolve(process.argv[2] ?? process.env.ESEAL ?? path.join(ROOT, 'build', 'eseal'));
const PASSWORD = 'Correct-Horse-Battery-9071';
const ORG = 'Alpha Stamping Ltd';
const USCC = '91110000MA01ABCDEX';
const PAGE_H_PT = 841.89; /* tests/resources/mkpdf.py's MediaBox */
const MM_PER_PT = 25.4 / 72;

let A;
let server;
let browser;
let esid = '';
let esidApproval = '';
let pdfs = [];

/** A JSON API call from node: {status, body}. */
async function api(method, route, { cookie, csrf, json, body: raw, type } = {}) {
    const headers = {};
    if (cookie) {
        headers.Cookie = cookie;
    }
    if (csrf) {
        headers['X-CSRF-Token'] = csrf;
    }
    let body = raw;
    if (json !== undefined) {
        headers['Content-Type'] = 'application/json';
        body = JSON.stringify(json);
    } else if (type) {
        headers['Content-Type'] = type;
    }
    const r = await fetch(`${server.base}${route}`, { method, headers, body });
    const ct = r.headers.get('content-type') ?? '';
    return { status: r.status, body: ct.includes('json') ? await r.json() : Buffer.from(await r.arrayBuffer()) };
}

async function session(login) {
    const r = await fetch(`${server.base}/api/v1/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ login, password: PASSWORD }) });
    assert.equal(r.status, 200, `login ${login}`);
    const m = /eseal_session=([^;]+)/.exec(r.headers.get('set-cookie') ?? '');
    return { cookie: `eseal_session=${m[1]}`, csrf: (await r.json()).csrf };
}

async function consoleLogin(p, login) {
    await p.locator('#login-user').fill(login);
    await p.locator('#login-password').fill(PASSWORD);
    await p.evaluate(() => document.querySelector('#login-form').requestSubmit());
    await p.waitForFunction((who) => (document.querySelector('#whoami')?.textContent ?? '').includes(who), login,
        { timeout: 60000 });
}

async function stampState(p, states, timeout = 120000) {
    await p.waitForFunction((s) => s.includes(document.body.dataset.stampState), states, { timeout });
    return p.evaluate(() => document.body.dataset.stampState);
}

async function imprintAt(p) {
    return p.evaluate(() => {
        const im = document.querySelector('#stamp-imprint');
        return { x: Number(im.dataset.xMm), y: Number(im.dataset.yMm), page: Number(im.dataset.page), hidden: im.hidden };
    });
}

/** What a download link of the page gives when clicked (a blob: URL made from the API's answer): bytes and name. */
async function linkBytes(p, index) {
    const [dl] = await Promise.all([p.waitForEvent('download'),
        p.locator('#stamp-downloads a.stamp-download').nth(index).click()]);
    const file = await dl.path();
    return { bytes: fs.readFileSync(file), name: dl.suggestedFilename() };
}

before(async () => {
    fs.mkdirSync(OUT, { recursive: true });
    A = new Instance(ESEAL, 'stamp');
    const org = A.must(['org', 'add', '--name', ORG, '--uscc', USCC]);
    const cert = A.must(['cert', 'issue', '--org', ORG, '--uscc', USCC, '--alg', 'p256']);
    esid = A.must(['seal', 'make', '--cert', cert, '--type', 'contract', '--name', 'Alpha Contract Seal']);
    esidApproval = A.must(['seal', 'make', '--cert', cert, '--type', 'finance', '--name', 'Alpha Finance Seal']);
    A.addUser('kim', org, 'seal-keeper', PASSWORD);
    A.addUser('sam', org, 'stamper', PASSWORD);
    A.addUser('mo', org, 'approver', PASSWORD);
    pdfs = ['first.pdf', 'second.pdf'].map((n) => makeDocument('mkpdf.py', path.join(A.dir, n), '3'));
    server = await serve(A, 'stamp');
    browser = await launch();
    const kim = await session('kim');
    for (const g of [{ seal: esid, user: 'sam' }, { seal: esidApproval, user: 'sam', approval: '1:mo' }]) {
        const r = await api('POST', '/api/v1/grants', { ...kim, json: g });
        assert.equal(r.status, 201, `grant ${JSON.stringify(g)}: ${JSON.stringify(r.body)}`);
    }
});

after(async () => {
    if (browser) {
        await browser.close();
    }
    await cleanup();
});

/** sam on /console/stamp with both PDFs chosen and the preview drawn. */
async function ready(size, seal) {
    const o = await openPage(browser, server, size);
    o.response = await o.page.goto(`${server.base}/console/stamp`);
    const p = o.page;
    await consoleLogin(p, 'sam');
    await p.waitForFunction((id) => [...document.querySelectorAll('#stamp-seal option')].some((x) => x.value === id),
        seal, { timeout: 60000 });
    await p.locator('#stamp-seal').selectOption(seal);
    await p.locator('#stamp-files').setInputFiles(pdfs);
    await p.waitForFunction(() => document.querySelector('#stamp-canvas').dataset.page === '3', null, { timeout: 60000 });
    return o;
}

test('sam places the imprint on the page, stamps two PDFs with a progress bar, downloads and verifies them', async () => {
    const o = await ready('desktop', esid);
    const { page: p, watch } = o;
    await assertHeaders(o.response, '/console/stamp');
    assert.equal(await p.locator('#nav-stamp').getAttribute('href'), '/console/stamp', 'the nav links the page');
    assert.equal(await p.evaluate(() => document.body.dataset.stampState), 'idle');
    assert.equal(await p.locator('#stamp-page').inputValue(), '3', 'the last page by default');

    // a click on the canvas: the imprint centred there
    const box = await p.locator('#stamp-canvas').boundingBox();
    const pxPerMm = box.width / (595.28 * MM_PER_PT);
    await p.locator('#stamp-canvas').click({ position: { x: box.width * 0.5, y: box.height * 0.5 } });
    await p.waitForFunction(() => !document.querySelector('#stamp-imprint').hidden, null, { timeout: 30000 });
    const at1 = await imprintAt(p);
    const im = await p.locator('#stamp-imprint').boundingBox();
    const wMm = im.width / pxPerMm;
    const hMm = im.height / pxPerMm;
    assert.ok(wMm > 20 && wMm < 60, `the imprint at its real size (${wMm.toFixed(1)} mm wide)`);
    assert.ok(Math.abs(at1.x - (box.width * 0.5 / pxPerMm - wMm / 2)) < 1 &&
        Math.abs(at1.y - (box.height * 0.5 / pxPerMm - hMm / 2)) < 1,
    `the imprint is centred on the click: ${JSON.stringify(at1)}`);
    assert.equal(at1.page, 3, 'on the drawn page');

    // a drag: 40 px right and 60 px down
    const cx = im.x + im.width / 2;
    const cy = im.y + im.height / 2;
    await p.mouse.move(cx, cy);
    await p.mouse.down();
    await p.mouse.move(cx + 20, cy + 30, { steps: 4 });
    await p.mouse.move(cx + 40, cy + 60, { steps: 4 });
    await p.mouse.up();
    const at2 = await imprintAt(p);
    assert.ok(Math.abs(at2.x - at1.x - 40 / pxPerMm) < 0.6 && Math.abs(at2.y - at1.y - 60 / pxPerMm) < 0.6,
        `dragged by 40,60 px = ${(40 / pxPerMm).toFixed(1)},${(60 / pxPerMm).toFixed(1)} mm: ${JSON.stringify(at1)} -> ` +
        JSON.stringify(at2));
    // the keyboard: ArrowLeft twice, ArrowUp once (1 mm each)
    await p.locator('#stamp-imprint').focus();
    await p.keyboard.press('ArrowLeft');
    await p.keyboard.press('ArrowLeft');
    await p.keyboard.press('ArrowUp');
    const at = await imprintAt(p);
    assert.ok(Math.abs(at.x - (at2.x - 2)) < 0.11 && Math.abs(at.y - (at2.y - 1)) < 0.11,
        `the arrow keys move it by 1 mm: ${JSON.stringify(at)}`);
    assert.equal(await p.locator('#stamp-x').inputValue(), String(at.x), 'the typed fields follow');

    // cross-page: a slice on each page's thumbnail (3 pages: slices 1/3, 2/3, 3/3)
    await p.locator('#stamp-cross').check();
    await p.waitForFunction(() => document.querySelectorAll('#stamp-thumbs canvas.stamp-thumb[data-slice]').length === 3,
        null, { timeout: 60000 });
    const slices = await p.evaluate(() => [...document.querySelectorAll('#stamp-thumbs canvas.stamp-thumb')].map((c) => {
        // red imprint pixels in the rightmost fifth of the thumbnail, none in the rest of its left half
        const g = c.getContext('2d');
        const red = (x0, x1) => {
            const d = g.getImageData(x0, 0, x1 - x0, c.height).data;
            let n = 0;
            for (let i = 0; i < d.length; i += 4) {
                n += d[i] > 120 && d[i] > d[i + 1] + 50 && d[i] > d[i + 2] + 50 ? 1 : 0;
            }
            return n;
        };
        return { slice: c.dataset.slice, edge: red(Math.floor(c.width * 0.8), c.width), left: red(0, c.width >> 1) };
    }));
    await shot(o, 'stamp-placed');
    assert.deepEqual(slices.map((s) => s.slice), ['1/3', '2/3', '3/3'], 'one slice per page');
    assert.ok(slices.every((s) => s.edge > 10 && s.left === 0),
        `the slices are drawn on the right edges: ${JSON.stringify(slices)}`);
    await p.locator('#stamp-cross').uncheck();

    // submit: approved at once; execute: the progress bar driven by the polls
    await p.locator('#stamp-submit').click();
    assert.equal(await stampState(p, ['approved', 'pending', 'error']), 'approved', 'the request is approved at once');
    const up = await p.evaluate(() => ({ v: document.querySelector('#stamp-upload').value,
        m: document.querySelector('#stamp-upload').max }));
    assert.ok(up.m > 1 && up.v === up.m, `the upload bar is full: ${JSON.stringify(up)}`);
    await p.locator('#stamp-execute').click();
    assert.equal(await stampState(p, ['done', 'error']), 'done', 'executed');
    const bar = await p.evaluate(() => {
        const b = document.querySelector('#stamp-progress');
        return { value: b.value, max: b.max, polled: b.dataset.polled ?? '' };
    });
    const seen = bar.polled.split(',').filter((x) => x !== '').map(Number);
    assert.ok(seen.length >= 1 && seen[seen.length - 1] === 2 && seen.every((v, i) => i === 0 || v >= seen[i - 1]),
        `the polls saw ${bar.polled}, ending at 2`);
    assert.equal(bar.value, 2, 'the bar ends at 2');
    assert.equal(bar.max, 2, 'of 2');
    await p.waitForFunction(() => [...document.querySelectorAll('#stamp-downloads a.stamp-download')].filter((a) => a.href)
        .length === 2, null, { timeout: 60000 });
    await shot(o, 'stamp-done');

    const results = [await linkBytes(p, 0), await linkBytes(p, 1)];
    for (const [i, r] of results.entries()) {
        assert.equal(r.bytes.subarray(0, 4).toString('latin1'), '%PDF', `download ${i} is a PDF`);
        assert.ok(!r.bytes.equals(fs.readFileSync(pdfs[i])), `download ${i} is not the original`);
        assert.match(r.name, /-stamped\.pdf$/, `download ${i} has a sensible name: ${r.name}`);
    }
    const v = await api('POST', '/api/v1/verify', { body: results[0].bytes, type: 'application/pdf' });
    assert.equal(v.status, 200);
    assert.equal(v.body.verdict, 'VALID', `VALID: ${JSON.stringify(v.body).slice(0, 400)}`);
    const ap = v.body.signatures[0].signature.appearance;
    assert.equal(ap.page, 3, 'the signature on the chosen page');
    const xMm = ap.rect[0] * MM_PER_PT;
    const yMm = (PAGE_H_PT - ap.rect[3]) * MM_PER_PT;
    assert.ok(Math.abs(xMm - at.x) < 2 && Math.abs(yMm - at.y) < 2,
        `the widget at ${xMm.toFixed(1)},${yMm.toFixed(1)} mm, chosen ${at.x},${at.y}`);
    assertClean(watch, '/console/stamp (sam)');
    await p.context().close();

    // the phone: the same page usable, the imprint placed, no sideways scroll
    const ph = await ready('phone', esid);
    const pb = await ph.page.locator('#stamp-canvas').boundingBox();
    await ph.page.locator('#stamp-canvas').tap({ position: { x: pb.width * 0.6, y: pb.height * 0.7 } });
    await ph.page.waitForFunction(() => !document.querySelector('#stamp-imprint').hidden, null, { timeout: 30000 });
    const wide = await ph.page.evaluate(() => [...document.querySelectorAll('body *')].filter((e) =>
        e.getBoundingClientRect().right > document.documentElement.clientWidth + 1).map((e) =>
        `${e.tagName}#${e.id}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`).slice(0, 12));
    await assertFitsWidth(ph, `/console/stamp at phone size (${wide.join('; ')})`);
    await shot(ph, 'stamp-placed');
    await ph.page.locator('#stamp-submit').click();
    assert.equal(await stampState(ph.page, ['approved', 'error']), 'approved');
    await ph.page.locator('#stamp-execute').click();
    assert.equal(await stampState(ph.page, ['done', 'error']), 'done');
    await ph.page.waitForFunction(() => [...document.querySelectorAll('#stamp-downloads a.stamp-download')]
        .filter((a) => a.href).length === 2, null, { timeout: 60000 });
    await assertFitsWidth(ph, '/console/stamp at phone size, done');
    await shot(ph, 'stamp-done');
    assertClean(ph.watch, '/console/stamp (sam, phone)');
    await ph.page.context().close();
});

test('a request needing approval waits; approved by mo through the API, My requests executes it', async () => {
    const o = await ready('desktop', esidApproval);
    const { page: p, watch } = o;
    await p.locator('#stamp-submit').click();
    assert.equal(await stampState(p, ['pending', 'approved', 'error']), 'pending', 'the page says it waits');
    const status = await p.locator('#stamp-status').textContent();
    assert.match(status, /waits for approval/, status);
    await p.waitForSelector('#stamp-mine .stamp-request[data-status=pending]', { timeout: 60000 });
    const id = await p.evaluate(() => document.querySelector('#stamp-mine .stamp-request[data-status=pending]')?.dataset.id);
    assert.match(id ?? '', /^req_/, 'My requests lists it, pending');

    const mo = await session('mo');
    const r = await api('POST', `/api/v1/requests/${id}/approve`, { ...mo, json: {} });
    assert.equal(r.status, 200, `mo approves: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.status, 'approved');

    await p.reload();
    const row = `#stamp-mine .stamp-request[data-id="${id}"][data-status=approved] button.mine-execute`;
    await p.waitForSelector(row, { timeout: 60000 });
    await p.locator(row).click();
    assert.equal(await stampState(p, ['done', 'error']), 'done', 'executed from My requests');
    await p.waitForFunction(() => [...document.querySelectorAll('#stamp-downloads a.stamp-download')].filter((a) => a.href)
        .length === 2, null, { timeout: 60000 });
    const got = await linkBytes(p, 1);
    assert.equal(got.bytes.subarray(0, 4).toString('latin1'), '%PDF');
    await p.waitForSelector(`#stamp-mine .stamp-request[data-id="${id}"][data-status=executed]`, { timeout: 60000 });
    assertClean(watch, '/console/stamp (sam, approval)');
    await p.context().close();
});

test('an OFD: no preview, the page and the place typed; stamped, downloaded and VALID', async () => {
    const ofd = makeDocument('mkofd.py', path.join(A.dir, 'letter.ofd'));
    const o = await openPage(browser, server, 'desktop');
    o.response = await o.page.goto(`${server.base}/console/stamp`);
    const p = o.page;
    await consoleLogin(p, 'sam');
    await p.waitForFunction((id) => [...document.querySelectorAll('#stamp-seal option')].some((x) => x.value === id),
        esid, { timeout: 60000 });
    await p.locator('#stamp-seal').selectOption(esid);
    await p.locator('#stamp-files').setInputFiles(ofd);
    // pdf.js cannot draw an OFD: the page says so and nothing is drawn
    await p.waitForFunction(() => /OFD/.test(document.querySelector('#stamp-hint')?.textContent ?? ''), null,
        { timeout: 60000 });
    assert.equal(await p.evaluate(() => document.querySelector('#stamp-canvas').dataset.page ?? ''), '',
        'no page drawn for an OFD');
    await p.locator('#stamp-page').fill('1');
    await p.locator('#stamp-x').fill('30');
    await p.locator('#stamp-x').press('Tab');
    await p.locator('#stamp-y').fill('40');
    await p.locator('#stamp-y').press('Tab');
    await p.locator('#stamp-submit').click();
    assert.equal(await stampState(p, ['approved', 'pending', 'error']), 'approved', 'approved at once');
    await p.locator('#stamp-execute').click();
    assert.equal(await stampState(p, ['done', 'error']), 'done', 'executed');
    await p.waitForFunction(() => [...document.querySelectorAll('#stamp-downloads a.stamp-download')].filter((a) => a.href)
        .length === 1, null, { timeout: 60000 });
    const got = await linkBytes(p, 0);
    assert.equal(got.bytes.subarray(0, 2).toString('latin1'), 'PK', 'the stamped OFD is a package');
    assert.ok(!got.bytes.equals(fs.readFileSync(ofd)), 'not the original');
    const v = await api('POST', '/api/v1/verify', { body: got.bytes, type: 'application/ofd' });
    assert.equal(v.status, 200);
    assert.equal(v.body.verdict, 'VALID', `VALID: ${JSON.stringify(v.body).slice(0, 400)}`);
    assertClean(o.watch, '/console/stamp (sam, OFD)');
    await p.context().close();
});
