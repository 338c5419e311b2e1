// SPDX-License-Identifier: Apache-2.0
// console.test.mjs ESEAL: the console's governance flow in Debian's chromium (issue 21 "Must show";
// ctest browser_console). One instance: organisation Alpha with a P-256 certificate, kim (seal-keeper),
// sam (stamper) and mo (approver); `eseal serve --listen 127.0.0.1:0`. Then:
//   - kim logs in through the console's form, makes a seal with the seal maker: the live preview is
//     drawn (data-version 1, an image that loaded), redrawn when the text changes, and the made seal
//     is listed with its imprint;
//   - kim grants sam the seal after one approval by mo, in the grants form: the draft's sentence and
//     the listed grant's sentence name sam, the seal and mo;
//   - sam submits a stamp request on the console's stamping page (the imprint placed by a click);
//   - mo logs in on /console/approvals, sees the request with its first page drawn by pdf.js and
//     approves it with a comment: the request is approved (read back through the API);
//   - sam executes it from the stamping page's My requests, downloads the stamped document there, and
//     the verify page says VALID with the seal's name;
//   - a console action replayed with kim's session cookie but without the CSRF token is refused
//     (403 CSRF) and with it is accepted;
//   - on every page: no console error, failed request or request to another host, the contract's
//     headers; screenshots (desktop, and the seals page at phone size) in $ESEAL_BROWSER_OUT.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { Instance, OUT, ROOT, assertClean, assertFitsWidth, assertHeaders, cleanup, launch, makeDocument, openPage,
    serve, shot, waitState } from './lib.mjs';

const ESEAL = path.resolve(process.argv[2] ?? process.env.ESEAL ?? path.join(ROOT, 'build', 'eseal'));
const PASSWORD = 'Correct-Horse-Battery-9071';
const ORG = 'Alpha Console Ltd';
const USCC = '91110000MA01ABCDEX';
const SEAL_NAME = 'Console Flow Seal';

let A;
let server;
let browser;
let esid = '';
let requestId = '';
let stamped = '';

/** A JSON API call from node: {status, body} (body parsed when JSON). */
async function api(method, route, { cookie, csrf, json, form } = {}) {
    const headers = {};
    if (cookie) {
        headers.Cookie = cookie;
    }
    if (csrf) {
        headers['X-CSRF-Token'] = csrf;
    }
    let body;
    if (json !== undefined) {
        headers['Content-Type'] = 'application/json';
        body = JSON.stringify(json);
    } else if (form !== undefined) {
        body = form;
    }
    const r = await fetch(`${server.base}${route}`, { method, headers, body });
    const type = r.headers.get('content-type') ?? '';
    const data = type.includes('json') ? await r.json() : Buffer.from(await r.arrayBuffer());
    return { status: r.status, body: data };
}

/** A session of `login` through the API: its cookie and CSRF token. */
async function session(login) {
    const r = await fetch(`${server.base}/api/v1/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ login, password: PASSWORD }) });
    assert.equal(r.status, 200, `login ${login}`);
    const m = /eseal_session=([^;]+)/.exec(r.headers.get('set-cookie') ?? '');
    assert.ok(m, `login ${login}: a session cookie`);
    return { cookie: `eseal_session=${m[1]}`, csrf: (await r.json()).csrf };
}

/** A new page of that size (lib.mjs openPage) at `route`: {context, page, watch, size, response}. */
async function open(size, route) {
    const o = await openPage(browser, server, size);
    o.response = await o.page.goto(`${server.base}${route}`);
    return o;
}

/** Logs in through the console's own form. */
async function consoleLogin(p, login) {
    await p.locator('#login-user').fill(login);
    await p.locator('#login-password').fill(PASSWORD);
    await p.evaluate(() => document.querySelector('#login-form').requestSubmit());
    await p.waitForFunction((who) => (document.querySelector('#whoami')?.textContent ?? '').includes(who), login,
        { timeout: 60000 });
}

before(async () => {
    fs.mkdirSync(OUT, { recursive: true });
    A = new Instance(ESEAL, 'console');
    const org = A.must(['org', 'add', '--name', ORG, '--uscc', USCC]);
    A.must(['cert', 'issue', '--org', ORG, '--uscc', USCC, '--alg', 'p256']);
    A.addUser('kim', org, 'seal-keeper', PASSWORD);
    A.addUser('sam', org, 'stamper', PASSWORD);
    A.addUser('mo', org, 'approver', PASSWORD);
    server = await serve(A, 'console');
    browser = await launch();
});

after(async () => {
    if (browser) {
        await browser.close();
    }
    await cleanup();
});

test('kim makes a seal in the seal maker, with the live preview', async () => {
    const o = await open('desktop', '/console/');
    const { page: p, watch } = o;
    await assertHeaders(o.response, '/console/');
    await consoleLogin(p, 'kim');
    await p.waitForFunction(() => document.querySelector('#seal-cert')?.options.length > 0, null, { timeout: 60000 });
    await p.locator('#seal-name').fill(SEAL_NAME);
    await p.locator('#seal-type').selectOption('contract');
    await p.locator('#seal-text').fill('Alpha Console Ltd');
    await p.waitForFunction(() => Number(document.querySelector('#imprint-preview')?.dataset.version ?? 0) >= 1,
        null, { timeout: 60000 });
    const first = Number(await p.locator('#imprint-preview').getAttribute('data-version'));
    await p.waitForFunction(() => {
        const img = document.querySelector('#imprint-preview');
        return img.complete && img.naturalWidth > 0;
    }, null, { timeout: 30000 });
    await p.locator('#seal-text').fill('Alpha Console Trading Ltd');
    await p.waitForFunction((v) => Number(document.querySelector('#imprint-preview').dataset.version) > v, first,
        { timeout: 60000 });
    await shot(o, 'console-seal-maker');
    await p.evaluate(() => document.querySelector('#seal-form').requestSubmit());
    await p.waitForFunction((name) => [...document.querySelectorAll('#seal-list .seal .seal-name')]
        .some((e) => e.textContent.includes(name)), SEAL_NAME, { timeout: 120000 });
    esid = await p.evaluate((name) => [...document.querySelectorAll('#seal-list .seal')]
        .find((s) => s.querySelector('.seal-name').textContent.includes(name)).dataset.esid, SEAL_NAME);
    assert.match(esid, /^ES/, 'the made seal is listed with its esID');
    await p.waitForFunction((id) => {
        const img = document.querySelector(`#seal-list .seal[data-esid="${id}"] img.imprint`);
        return img && img.complete && img.naturalWidth > 0;
    }, esid, { timeout: 30000 });
    await shot(o, 'console-seals');
    assertClean(watch, '/console/ (kim)');
    await p.context().close();

    const phone = await open('phone', '/console/');
    await consoleLogin(phone.page, 'kim');
    await phone.page.waitForSelector(`#seal-list .seal[data-esid="${esid}"]`, { timeout: 60000 });
    await assertFitsWidth(phone, '/console/ at phone size');
    await shot(phone, 'console-seals');
    assertClean(phone.watch, '/console/ (kim, phone)');
    await phone.page.context().close();
});

test('kim grants sam the seal after one approval by mo; the grant reads as a sentence', async () => {
    assert.ok(esid, 'the seal of the first test');
    const g = await open('desktop', '/console/grants');
    const { page: p, watch } = g;
    await consoleLogin(p, 'kim');
    await p.waitForFunction((id) => [...document.querySelectorAll('#grant-seal option')].some((o) => o.value === id),
        esid, { timeout: 60000 });
    await p.locator('#grant-seal').selectOption(esid);
    await p.locator('#grant-holder-kind').selectOption('user');
    await p.locator('#grant-holder').fill('sam');
    await p.locator('#grant-approval').fill('1:mo');
    await p.waitForFunction(() => /sam/.test(document.querySelector('#grant-sentence')?.textContent ?? '') &&
        /mo/.test(document.querySelector('#grant-sentence').textContent), null, { timeout: 30000 });
    await p.evaluate(() => document.querySelector('#grant-form').requestSubmit());
    await p.waitForFunction(() => [...document.querySelectorAll('#grant-list .grant .sentence')]
        .some((e) => /sam/.test(e.textContent) && /mo/.test(e.textContent)), null, { timeout: 60000 });
    const sentence = await p.evaluate(() => [...document.querySelectorAll('#grant-list .grant .sentence')]
        .map((e) => e.textContent).find((t) => /sam/.test(t)));
    assert.ok(sentence.includes(SEAL_NAME), `the sentence names the seal: ${sentence}`);
    await shot(g, 'console-grants');
    assertClean(watch, '/console/grants (kim)');
    await p.context().close();
});

test('sam submits a request on the stamping page; mo approves it in the inbox; sam executes it from My requests, '
    + 'downloads it, and the verify page says VALID', async () => {
        assert.ok(esid, 'the seal of the first test');
        const plain = makeDocument('mkpdf.py', path.join(A.dir, 'contract.pdf'), '1');
        const st = await open('desktop', '/console/stamp');
        const sp = st.page;
        await consoleLogin(sp, 'sam');
        await sp.waitForFunction((id) => [...document.querySelectorAll('#stamp-seal option')].some((x) => x.value === id),
            esid, { timeout: 60000 });
        await sp.locator('#stamp-seal').selectOption(esid);
        await sp.locator('#stamp-type').fill('contract');
        await sp.locator('#stamp-purpose').fill('the console flow contract');
        await sp.locator('#stamp-files').setInputFiles(plain);
        await sp.waitForFunction(() => document.querySelector('#stamp-canvas').dataset.page === '1', null, { timeout: 60000 });
        // the imprint placed by a click on the page drawn by pdf.js
        await sp.locator('#stamp-canvas').click({ position: { x: 120, y: 160 } });
        await sp.waitForFunction(() => !document.querySelector('#stamp-imprint').hidden, null, { timeout: 30000 });
        await sp.locator('#stamp-submit').click();
        await sp.waitForFunction(() => ['pending', 'approved', 'error'].includes(document.body.dataset.stampState), null,
            { timeout: 120000 });
        assert.equal(await sp.evaluate(() => document.body.dataset.stampState), 'pending', 'the request waits for mo');
        await sp.waitForSelector('#stamp-mine .stamp-request[data-status=pending]', { timeout: 60000 });
        requestId = await sp.evaluate(() => document.querySelector('#stamp-mine .stamp-request[data-status=pending]')
            ?.dataset.id);
        assert.match(requestId ?? '', /^req_/, 'My requests lists it, pending');
        const sam = await session('sam');

        const ap = await open('desktop', '/console/approvals');
        const { page: p, watch } = ap;
        await consoleLogin(p, 'mo');
        const item = `#approval-list .approval[data-id="${requestId}"]`;
        await p.waitForSelector(item, { timeout: 60000 });
        await p.waitForSelector(`${item} canvas.page-thumb[data-pages]`, { timeout: 60000 });
        await shot(ap, 'console-approvals');
        await p.locator(`${item} input.comment`).fill('checked against the purchase order');
        await p.locator(`${item} button[data-decision=approve]`).click();
        await p.waitForSelector(item, { state: 'detached', timeout: 60000 });
        assertClean(watch, '/console/approvals (mo)');
        await p.context().close();

        const after = await api('GET', `/api/v1/requests/${requestId}`, sam);
        assert.equal(after.status, 200);
        assert.equal(after.body.status, 'approved', `approved in the console: ${JSON.stringify(after.body)}`);
        const dec = after.body.decisions ?? [];
        assert.ok(dec.some((d) => d.approver === 'mo' && d.decision === 'approve'), `mo's decision: ${JSON.stringify(dec)}`);

        // sam executes it from My requests (the page reloaded: the approval came from elsewhere) and downloads it
        await sp.reload();
        const row = `#stamp-mine .stamp-request[data-id="${requestId}"][data-status=approved] button.mine-execute`;
        await sp.waitForSelector(row, { timeout: 60000 });
        await sp.locator(row).click();
        await sp.waitForFunction(() => ['done', 'error'].includes(document.body.dataset.stampState), null,
            { timeout: 120000 });
        assert.equal(await sp.evaluate(() => document.body.dataset.stampState), 'done', 'executed from My requests');
        const link = sp.locator('#stamp-downloads a.stamp-download').first();
        await sp.waitForFunction(() => document.querySelector('#stamp-downloads a.stamp-download')?.href, null,
            { timeout: 60000 });
        const [dl] = await Promise.all([sp.waitForEvent('download'), link.click()]);
        const bytes = fs.readFileSync(await dl.path());
        assert.equal(bytes.subarray(0, 5).toString('latin1'), '%PDF-', 'the stamped document downloads');
        await shot(st, 'console-flow-stamped');
        assertClean(st.watch, '/console/stamp (sam)');
        await sp.context().close();
        stamped = path.join(A.dir, 'stamped-by-request.pdf');
        fs.writeFileSync(stamped, bytes);
        assert.equal(A.verifyJson(stamped).verdict, 'VALID', 'the CLI says VALID');

        const v = await open('desktop', '/');
        await v.page.locator('#file').setInputFiles(stamped);
        await waitState(v.page, ['done', 'error']);
        assert.equal(await v.page.locator('#verdict').getAttribute('data-verdict'), 'VALID');
        assert.ok((await v.page.locator('.signature .seal-name').first().textContent()).includes(SEAL_NAME));
        await shot(v, 'console-flow-verified');
        assertClean(v.watch, '/ (the request\'s stamped document)');
        await v.page.context().close();
    });

test('a console action replayed without the CSRF token is refused; with it, done', async () => {
    assert.ok(esid, 'the seal of the first test');
    const { page: p, watch } = await open('desktop', '/console/');
    await consoleLogin(p, 'kim');
    const cookies = await p.context().cookies();
    const c = cookies.find((k) => k.name === 'eseal_session');
    assert.ok(c && c.httpOnly, 'the console\'s session cookie is HttpOnly');
    const csrf = await p.evaluate(() => Object.values(sessionStorage).find((v) => /^[A-Za-z0-9_-]{40,}$/.test(v)));
    assert.ok(csrf, 'the page keeps its CSRF token in sessionStorage');
    const cookie = `eseal_session=${c.value}`;
    const route = `/api/v1/seals/${esid}/suspend`;
    const no = await api('POST', route, { cookie, json: { reason: 'replayed without the token' } });
    assert.equal(no.status, 403, `without the token: ${JSON.stringify(no.body)}`);
    assert.equal(no.body.code, 'CSRF');
    const wrong = await api('POST', route, { cookie, csrf: 'x'.repeat(43), json: { reason: 'a wrong token' } });
    assert.equal(wrong.status, 403);
    assert.equal(wrong.body.code, 'CSRF');
    const seal = await api('GET', `/api/v1/seals/${esid}`, { cookie });
    assert.equal(seal.body.state ?? seal.body.status, 'active', 'the refused calls changed nothing');
    const yes = await api('POST', route, { cookie, csrf, json: { reason: 'the page\'s own token' } });
    assert.equal(yes.status, 200, `with the token: ${JSON.stringify(yes.body)}`);
    assertClean(watch, '/console/ (kim, CSRF)');
    await p.context().close();
});
