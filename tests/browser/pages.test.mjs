// SPDX-License-Identifier: Apache-2.0
// pages.test.mjs ESEAL: the public pages in Debian's chromium (issue 21, "Must show"; ctest
// browser_pages). One instance made by the CLI: a P-256 certificate, a seal, a stamped PDF (with its
// QR code of <base_url>/v/<serial>, base_url set to the server's address), a stamped OFD, a copy of
// the PDF changed inside its signed range, and a PDF stamped by a second instance this one does not
// trust; `eseal serve --listen 127.0.0.1:0`; then, read from the DOM of the pages' contract:
//   - the verify page: VALID / INVALID / what `eseal verify --json` says of the foreign file / VALID
//     for the OFD, the seal's name and the signer, at desktop and phone size;
//   - the QR path: pdftoppm renders the stamped page, zbarimg decodes the QR code, the browser opens
//     that URL (the server's /v/{serial}): the serial, the log check ok, the compare box's match and
//     mismatch; an unknown serial is notfound;
//   - the record page of a stamp by a seal bound to a SoftHSM2 token: the line "Key held in hardware:
//     PKCS#11 token 'LABEL', serial SERIAL" in en and zh (none for the seal in software); an SKF device
//     with a chip id (the record answer replaced in the page: no SKF device here);
//   - the language switch (and Accept-Language): <html lang> and the verdict's label;
//   - CSRF from the page: a login by fetch, then POST /api/v1/tokens without the token (403 CSRF),
//     with a wrong one (403 CSRF), without the cookie (401), with the token (201);
//   - on every page: no console error, no failed request, no request to another host, the contract's
//     security headers, no sideways scrolling; screenshots at 1280x800 and 390x844 in $ESEAL_BROWSER_OUT;
//   - the watch itself: it catches a console error, a page error, an unexpected 404, a foreign
//     request and a page wider than its viewport (so a page that has them fails).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { Instance, OUT, ROOT, assertClean, assertFitsWidth, assertHeaders, cleanup, launch, makeDocument, openPage, runProgram,
    serve, shot, tamperedCopy, waitState } from './lib.mjs';

const ESEAL = path.resolve(process.argv[2] ?? process.env.ESEAL ?? path.join(ROOT, 'build', 'eseal'));
const SEAL_NAME = 'Browser Test Seal';
const ORG_NAME = 'Browser Test Ltd';
const PASSWORD = 'Correct-Horse-Battery-9071';

const f = {}; // the documents
let A; // the instance
let server;
let browser;
let pdfSerial = '';
let sealId = '';
// A seal bound to a SoftHSM2 token (issue 23 §3) and its stamp, for the record page's hardware line;
// null when SoftHSM2 is not installed (that test is then skipped).
let hw = null;

const SOFTHSM_MODULES = ['/usr/lib/softhsm/libsofthsm2.so', '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so'];

/**
 * A SoftHSM2 token in instance `inst`'s folder with a P-256 key made in software and imported as not
 * extractable (as tests/integration/seal_hardware_test.sh makes one), a certificate for it, a seal bound to
 * it and a stamp of `plain` with that seal: {label, serial, seal, stamp}; null without SoftHSM2.
 */
function boundSeal(inst, plain) {
    if (!SOFTHSM_MODULES.some((m) => fs.existsSync(m)) || runProgram('sh', ['-c', 'command -v softhsm2-util']).rc !== 0) {
        return null;
    }
    const dir = path.join(inst.dir, 'tokens');
    fs.mkdirSync(dir);
    const conf = path.join(inst.dir, 'softhsm2.conf');
    fs.writeFileSync(conf, `directories.tokendir = ${dir}\nobjectstore.backend = file\nlog.level = ERROR\n`);
    const env = { ...process.env, SOFTHSM2_CONF: conf };
    const label = 'record-token';
    const pin = '246810';
    const must = (cmd, args) => {
        const r = runProgram(cmd, args, { env });
        assert.equal(r.rc, 0, `${cmd} ${args.join(' ')}: ${r.err}`);
        return r.out;
    };
    must('softhsm2-util', ['--init-token', '--free', '--label', label, '--pin', pin, '--so-pin', '13579135']);
    const serial = /Serial number:\s*([0-9a-f]+)\s*$/m.exec(must('softhsm2-util', ['--show-slots']))?.[1] ?? '';
    assert.ok(serial !== '', 'the token has a serial');
    const pem = path.join(inst.dir, 'token-key.pem');
    const p8 = path.join(inst.dir, 'token-key.p8');
    must('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', pem]);
    must('openssl', ['pkcs8', '-topk8', '-nocrypt', '-in', pem, '-out', p8]);
    must('softhsm2-util', ['--import', p8, '--token', label, '--label', 'record-key', '--id', '5ea1', '--pin', pin]);
    inst.env.SOFTHSM2_CONF = conf;
    inst.env.ESEAL_TOKEN_PIN = pin;
    const cert = inst.must(['cert', 'issue', '--org', ORG_NAME, '--uscc', '91110000MA01ABCDEX', '--key',
        `pkcs11:token=${label};object=record-key`]);
    const seal = inst.must(['seal', 'make', '--cert', cert, '--type', 'contract', '--name', 'Token Bound Seal']);
    const out = path.join(inst.dir, 'stamped-hw.pdf');
    const stamp = inst.must(['stamp', plain, '-o', out, '--seal', seal, '--page', '1', '--qr']).split(/\s+/)[0];
    return { label, serial, seal, stamp };
}

before(async () => {
    fs.mkdirSync(OUT, { recursive: true });
    A = new Instance(ESEAL, 'a');
    const cert = A.must(['cert', 'issue', '--org', ORG_NAME, '--uscc', '91110000MA01ABCDEX', '--alg', 'p256']);
    sealId = A.must(['seal', 'make', '--cert', cert, '--type', 'contract', '--name', SEAL_NAME]);
    const org = A.must(['org', 'add', '--name', 'Browser Console Ltd', '--uscc', '91110108MA01ABCD2H']);
    A.addUser('ada', org, 'org-admin', PASSWORD);

    server = await serve(A, 'a');
    // The QR code holds <base_url>/v/<serial>: the server's address, known only now (port 0).
    A.setBaseUrl(server.base);

    f.plain = makeDocument('mkpdf.py', path.join(A.dir, 'contract.pdf'), '1');
    f.pdf = path.join(A.dir, 'stamped.pdf');
    pdfSerial = A.must(['stamp', f.plain, '-o', f.pdf, '--seal', sealId, '--page', '1', '--qr']).split(/\s+/)[0];
    makeDocument('mkofd.py', path.join(A.dir, 'in.ofd'));
    f.ofd = path.join(A.dir, 'stamped.ofd');
    A.must(['stamp', path.join(A.dir, 'in.ofd'), '-o', f.ofd, '--seal', sealId, '--page', '1']);
    hw = boundSeal(A, f.plain);
    A.must(['log', 'publish']);

    // The tampered copy: one character of the page's text, inside the first signed byte range.
    f.tampered = tamperedCopy(f.pdf, path.join(A.dir, 'tampered.pdf'));

    // A foreign signer: a second instance, with its own CA, that A does not trust.
    const B = new Instance(ESEAL, 'b');
    const certB = B.must(['cert', 'issue', '--org', 'Foreign Signer Ltd', '--uscc', '91110108MA01ABCD2H', '--alg',
        'p256']);
    const sealB = B.must(['seal', 'make', '--cert', certB, '--type', 'contract', '--name', 'Foreign Seal']);
    f.foreign = path.join(B.dir, 'foreign.pdf');
    B.must(['stamp', f.plain, '-o', f.foreign, '--seal', sealB, '--page', '1']);

    browser = await launch();
});

after(async () => {
    if (browser) {
        await browser.close();
    }
    await cleanup();
});

/** Opens the verify page, checks its headers and its idle state. */
async function openVerify(size, opts = {}) {
    const p = await openPage(browser, server, size, opts);
    const resp = await p.page.goto(`${server.base}/`);
    assert.equal(resp.status(), 200, 'GET / is 200');
    await assertHeaders(resp, 'GET /');
    assert.equal(await waitState(p.page, ['idle']), 'idle', 'the verify page starts idle');
    return p;
}

/** Chooses a file on the verify page and waits for the verdict: {state, verdict, reason, signatures}. */
async function verifyFile(p, file) {
    await p.page.setInputFiles('#file', file);
    const state = await waitState(p.page, ['done', 'error']);
    const error = state === 'error' ? await p.page.textContent('#error') : '';
    assert.equal(state, 'done', `verifying ${path.basename(file)} ends in state done (#error: ${error})`);
    return p.page.evaluate(() => ({
        verdict: document.querySelector('#verdict')?.dataset.verdict ?? null,
        word: document.querySelector('#verdict')?.textContent.trim() ?? '',
        reason: document.querySelector('#reason')?.textContent.trim() ?? '',
        signatures: [...document.querySelectorAll('.signature')].map((s) => ({
            verdict: s.dataset.verdict ?? null,
            seal: s.querySelector('.seal-name')?.textContent.trim() ?? null,
            signer: s.querySelector('.signer')?.textContent.trim() ?? null,
        })),
        thumbs: document.querySelectorAll('canvas.page-thumb, .page-thumb canvas').length,
    }));
}

for (const size of ['desktop', 'phone']) {
    test(`verify page (${size}): a valid stamped PDF is VALID, with the seal's name and the signer`, async () => {
        const p = await openVerify(size);
        await shot(p, 'verify-idle');
        const v = await verifyFile(p, f.pdf);
        assert.equal(v.verdict, 'VALID', '#verdict[data-verdict=VALID]');
        assert.ok(v.word.length > 0, 'the verdict word is shown');
        assert.equal(v.signatures.length, 1, 'one .signature');
        assert.equal(v.signatures[0].verdict, 'VALID', 'the .signature is VALID');
        assert.equal(v.signatures[0].seal, SEAL_NAME, '.seal-name is the seal\'s name');
        assert.ok(v.signatures[0].signer, '.signer is not empty');
        // pdf.js draws the pages (canvases); wait for the first before the screenshot.
        await p.page.waitForSelector('.page-thumb', { timeout: 60000 });
        await shot(p, 'verify-valid');
        await assertFitsWidth(p, `verify page (${size}), valid PDF`);
        assertClean(p.watch, `verify page (${size}), valid PDF`);
        await p.context.close();
    });

    test(`verify page (${size}): a PDF changed inside its signed range is INVALID`, async () => {
        const p = await openVerify(size);
        const v = await verifyFile(p, f.tampered);
        assert.equal(v.verdict, 'INVALID', '#verdict[data-verdict=INVALID]');
        assert.equal(v.verdict, A.verifyJson(f.tampered).verdict, 'the page says what eseal verify --json says');
        assert.ok(v.reason.length > 0, '#reason says why');
        assert.equal(v.signatures.length, 1, 'one .signature');
        assert.equal(v.signatures[0].verdict, 'INVALID', 'the .signature is INVALID');
        assert.equal(v.signatures[0].seal, SEAL_NAME, '.seal-name is still the seal\'s name');
        await shot(p, 'verify-tampered');
        await assertFitsWidth(p, `verify page (${size}), tampered PDF`);
        assertClean(p.watch, `verify page (${size}), tampered PDF`);
        await p.context.close();
    });
}

test('verify page: the seal\'s imprint picture is shown (report version 4, pictures asked for)', async () => {
    const p = await openVerify('desktop');
    const v = await verifyFile(p, f.pdf);
    assert.equal(v.verdict, 'VALID', '#verdict[data-verdict=VALID]');
    const img = await p.page.evaluate(async () => {
        const i = document.querySelector('.signature .imprint');
        if (!i) {
            return null;
        }
        if (i.tagName === 'IMG' && !i.complete) {
            await new Promise((resolve) => i.addEventListener('load', resolve, { once: true }));
        }
        return { tag: i.tagName, src: i.getAttribute('src') ?? '', width: i.naturalWidth ?? 0 };
    });
    assert.ok(img, 'the .signature has an .imprint');
    assert.equal(img.tag, 'IMG', '.imprint is an <img>');
    assert.match(img.src, /^(data:image\/|blob:|\/)/, '.imprint\'s picture is embedded or from the server');
    assert.ok(img.width > 0, 'the picture was decoded and drawn');
    assertClean(p.watch, 'verify page, imprint');
    await p.context.close();
});

test('verify page: a PDF of a foreign signer says what eseal verify --json says (INDETERMINATE)', async () => {
    const cli = A.verifyJson(f.foreign);
    const p = await openVerify('desktop');
    const v = await verifyFile(p, f.foreign);
    assert.equal(v.verdict, cli.verdict, 'the page\'s verdict is the CLI\'s');
    assert.equal(v.verdict, 'INDETERMINATE', 'a signer this instance does not trust is INDETERMINATE');
    assert.deepEqual(v.signatures.map((s) => s.verdict), cli.signatures.map((s) => s.verdict),
        'each .signature\'s verdict is the CLI\'s');
    assert.equal(v.signatures[0].seal, 'Foreign Seal', '.seal-name is the foreign seal\'s name');
    await shot(p, 'verify-foreign');
    assertClean(p.watch, 'verify page, foreign PDF');
    await p.context.close();
});

test('verify page: an OFD stamped by the instance is VALID', async () => {
    const p = await openVerify('desktop');
    const v = await verifyFile(p, f.ofd);
    assert.equal(v.verdict, 'VALID', '#verdict[data-verdict=VALID]');
    assert.equal(v.verdict, A.verifyJson(f.ofd).verdict, 'the page says what eseal verify --json says');
    assert.equal(v.signatures.length, 1, 'one .signature');
    assert.equal(v.signatures[0].seal, SEAL_NAME, '.seal-name is the seal\'s name');
    assert.ok(v.signatures[0].signer, '.signer is not empty');
    await shot(p, 'verify-ofd');
    assertClean(p.watch, 'verify page, OFD');
    await p.context.close();
});

/** The strings of web/i18n/LANG.json (flat key -> string). */
function strings(lang) {
    return JSON.parse(fs.readFileSync(path.join(ROOT, 'web', 'i18n', `${lang}.json`), 'utf8'));
}

test('language: the #lang switch to zh changes <html lang> and the verdict\'s label, and is kept', async () => {
    const p = await openVerify('desktop');
    assert.equal(await p.page.getAttribute('html', 'lang'), 'en', 'an English browser gets <html lang=en>');
    const en = await verifyFile(p, f.pdf);
    assert.ok(Object.values(strings('en')).includes(en.word), `the verdict's label "${en.word}" is from en.json`);
    await p.page.selectOption('#lang', 'zh');
    await p.page.waitForFunction(() => document.documentElement.lang.startsWith('zh'));
    const zhWord = (await p.page.textContent('#verdict')).trim();
    assert.notEqual(zhWord, en.word, 'the verdict\'s label changed');
    assert.match(zhWord, /[\u4e00-\u9fff]/, 'the verdict\'s label is in Chinese');
    assert.ok(Object.values(strings('zh')).includes(zhWord), `the label "${zhWord}" is from zh.json`);
    await shot(p, 'verify-valid-zh');
    // The choice is stored: the page comes back in Chinese.
    await p.page.reload();
    await waitState(p.page, ['idle']);
    // The stored language is applied when its strings have loaded, which may come after "idle" on
    // a loaded machine (one CI run read <html lang> a moment too early): waited for, up to 30 s.
    await p.page.waitForFunction(() => document.documentElement.lang.startsWith('zh'), null, { timeout: 30000 })
        .catch(() => {});
    assert.match(await p.page.getAttribute('html', 'lang'), /^zh/, 'after a reload <html lang> is still zh');
    assertClean(p.watch, 'verify page, language switch');
    await p.context.close();

    // A Chinese browser (navigator.languages, Accept-Language) gets Chinese at once.
    const q = await openVerify('phone', { locale: 'zh-CN' });
    // As after the reload above: the language is applied once its strings have loaded, which on a loaded
    // machine may come after the page is ready (a CI run's PostgreSQL pass read "en" here): waited for.
    await q.page.waitForFunction(() => document.documentElement.lang.startsWith('zh'), null, { timeout: 30000 })
        .catch(() => {});
    assert.match(await q.page.getAttribute('html', 'lang'), /^zh/, 'a zh-CN browser gets <html lang=zh>');
    assert.equal(await q.page.inputValue('#lang'), 'zh', 'and the switch shows zh');
    await shot(q, 'verify-idle-zh');
    assertClean(q.watch, 'verify page in a zh-CN browser');
    await q.context.close();
});

/** The QR code of the stamped PDF's page 1: rendered by pdftoppm at 200 dpi, decoded by zbarimg. */
function qrOf(pdf) {
    const prefix = path.join(path.dirname(pdf), 'qr-page');
    const r = runProgram('pdftoppm', ['-r', '200', '-png', '-f', '1', '-l', '1', pdf, prefix]);
    assert.equal(r.rc, 0, `pdftoppm: ${r.err}`);
    const png = fs.readdirSync(path.dirname(pdf)).find((n) => n.startsWith('qr-page') && n.endsWith('.png'));
    assert.ok(png, 'pdftoppm wrote the page');
    const z = runProgram('zbarimg', ['--raw', '-q', '-Sdisable', '-Sqrcode.enable', path.join(path.dirname(pdf), png)]);
    assert.equal(z.rc, 0, `zbarimg found a QR code: ${z.err}`);
    return z.out.trim();
}

test('QR path: the stamped PDF\'s QR code opens /v/{serial}: serial, log check ok, compare match/mismatch', async () => {
    const url = qrOf(f.pdf);
    assert.equal(url, `${server.base}/v/${pdfSerial}`, 'the QR code holds the server\'s /v/{serial}');
    for (const size of ['desktop', 'phone']) {
        const p = await openPage(browser, server, size);
        const resp = await p.page.goto(url);
        assert.equal(resp.status(), 200, `GET /v/${pdfSerial} is 200`);
        await assertHeaders(resp, 'GET /v/{serial}');
        assert.equal(await waitState(p.page, ['done', 'notfound', 'error']), 'done', 'the record page is done');
        assert.equal((await p.page.textContent('#record .serial')).trim(), pdfSerial, '#record .serial is the serial');
        assert.equal((await p.page.textContent('#record .seal-name')).trim(), SEAL_NAME, '#record .seal-name');
        // a seal in software: no "Key held in hardware" line
        assert.equal(await p.page.locator('#record .seal-hardware li').count(), 0, 'no hardware line for a seal in software');
        assert.equal(await p.page.isHidden('#record .seal-hardware'), true, 'the hardware list is hidden');
        await p.page.waitForSelector('#log-check[data-result]', { timeout: 60000 });
        assert.equal(await p.page.getAttribute('#log-check', 'data-result'), 'ok',
            'the browser checked the inclusion proof against the checkpoint');
        await shot(p, 'record');
        await assertFitsWidth(p, `record page (${size})`);

        await p.page.setInputFiles('#compare-file', f.pdf);
        await p.page.waitForSelector('#compare-result[data-result]', { timeout: 60000 });
        assert.equal(await p.page.getAttribute('#compare-result', 'data-result'), 'match', 'the same PDF matches');
        await shot(p, 'record-match');
        await p.page.setInputFiles('#compare-file', f.tampered);
        // The answer changes from match: wait for it (a page that stays at match fails below).
        await p.page.waitForSelector('#compare-result[data-result=mismatch]', { timeout: 30000 }).catch(() => null);
        assert.equal(await p.page.getAttribute('#compare-result', 'data-result'), 'mismatch',
            'another file does not match');
        await shot(p, 'record-mismatch');
        assertClean(p.watch, `record page (${size})`);
        await p.context.close();
    }
});

test('record page of a seal bound to a token: "Key held in hardware", its label and serial, in en and zh', async (t) => {
    if (hw === null) {
        t.skip('SoftHSM2 is not installed (scripts/deps.sh installs softhsm2)');
        return;
    }
    const want = {
        en: `Key held in hardware: PKCS#11 token '${hw.label}', serial ${hw.serial}`,
        zh: `密钥保存在硬件中：PKCS#11 令牌 '${hw.label}'，序列号 ${hw.serial}`,
    };
    // the strings are the page's: the expected lines are what en.json and zh.json say, filled in
    for (const lang of ['en', 'zh']) {
        const fill = strings(lang)['record.hardware-pkcs11'].replace('{label}', hw.label).replace('{serial}', hw.serial);
        assert.equal(fill, want[lang], `${lang}.json's record.hardware-pkcs11`);
    }
    for (const size of ['desktop', 'phone']) {
        for (const lang of ['en', 'zh']) {
            const p = await openPage(browser, server, size, { locale: lang === 'zh' ? 'zh-CN' : 'en-US' });
            const resp = await p.page.goto(`${server.base}/v/${hw.stamp}`);
            assert.equal(resp.status(), 200, `GET /v/${hw.stamp} is 200`);
            assert.equal(await waitState(p.page, ['done', 'notfound', 'error']), 'done', 'the record page is done');
            assert.match(await p.page.getAttribute('html', 'lang'), lang === 'zh' ? /^zh/ : /^en/, `<html lang> ${lang}`);
            assert.equal((await p.page.textContent('#record .serial')).trim(), hw.stamp, '#record .serial');
            assert.equal(await p.page.isVisible('#record .seal-hardware'), true, 'the hardware list is shown');
            const lines = await p.page.locator('#record .seal-hardware li').allTextContents();
            assert.deepEqual(lines.map((l) => l.trim()), [want[lang]], `the hardware line (${lang}, ${size})`);
            assert.equal(await p.page.getAttribute('#record .seal-hardware li', 'data-kind'), 'pkcs11', 'data-kind');
            await shot(p, `record-hardware-${lang}`);
            await assertFitsWidth(p, `record page, bound seal (${lang}, ${size})`);
            assertClean(p.watch, `record page, bound seal (${lang}, ${size})`);
            await p.context.close();
        }
    }
});

test('record page: an SKF device with a chip id, two bindings, in en and zh (the record answer replaced in the page)', async (t) => {
    if (hw === null) {
        t.skip('SoftHSM2 is not installed (scripts/deps.sh installs softhsm2)');
        return;
    }
    // No SKF device here: the bound stamp's real record with its binding turned into a physical seal's
    // chip on an SKF device, and a second, PKCS#11 one, so that the SKF wording and the chip are drawn.
    const rec = await (await fetch(`${server.base}/api/v1/stamps/${hw.stamp}`)).json();
    const skf = { ...rec.seal.hardware[0], kind: 'skf', label: 'ESEAL-CHIP', serial: 'SKF0001',
        key_id: 'skf:dev=ESEAL-CHIP;app=SEAL;con=k1', chip_id: 'CHIP-42' };
    rec.seal.hardware = [skf, rec.seal.hardware[0]];
    const want = {
        en: ["Key held in hardware: SKF device 'ESEAL-CHIP', serial SKF0001, chip CHIP-42",
            `Key held in hardware: PKCS#11 token '${hw.label}', serial ${hw.serial}`],
        zh: ["密钥保存在硬件中：SKF 设备 'ESEAL-CHIP'，序列号 SKF0001，芯片 CHIP-42",
            `密钥保存在硬件中：PKCS#11 令牌 '${hw.label}'，序列号 ${hw.serial}`],
    };
    for (const lang of ['en', 'zh']) {
        const p = await openPage(browser, server, 'desktop', { locale: lang === 'zh' ? 'zh-CN' : 'en-US' });
        await p.page.route(`${server.base}/api/v1/stamps/${hw.stamp}`, (route) => route.fulfill({ status: 200,
            contentType: 'application/json', body: JSON.stringify(rec) }));
        await p.page.goto(`${server.base}/v/${hw.stamp}`);
        assert.equal(await waitState(p.page, ['done', 'notfound', 'error']), 'done', 'the record page is done');
        const lines = await p.page.locator('#record .seal-hardware li').allTextContents();
        assert.deepEqual(lines.map((l) => l.trim()), want[lang], `the hardware lines (${lang})`);
        assert.deepEqual(await p.page.locator('#record .seal-hardware li').evaluateAll((li) => li.map((e) => e.dataset.kind)),
            ['skf', 'pkcs11'], 'data-kind of each line');
        await shot(p, `record-hardware-skf-${lang}`);
        assertClean(p.watch, `record page, SKF binding (${lang})`);
        await p.context.close();
    }
});

test('record page: an unknown serial is notfound', async () => {
    const p = await openPage(browser, server, 'desktop');
    // The page asks the API for the stamp: that answer is the announced 404.
    p.watch.allow(404, 'ST20000101-000000000000');
    const resp = await p.page.goto(`${server.base}/v/ST20000101-000000000000`);
    assert.ok(resp.status() === 200 || resp.status() === 404, `GET /v/{unknown}: ${resp.status()}`);
    assert.equal(await waitState(p.page, ['done', 'notfound', 'error']), 'notfound', 'the record page says notfound');
    await shot(p, 'record-notfound');
    assertClean(p.watch, 'record page, unknown serial');
    await p.context.close();
});

test('CSRF from the page: a state-changing call with the session cookie needs X-CSRF-Token', async () => {
    const p = await openVerify('desktop');
    p.watch.allow(403, '/api/v1/tokens');
    p.watch.allow(401, '/api/v1/tokens');
    const r = await p.page.evaluate(async (pw) => {
        const call = async (pathname, body, headers, credentials = 'same-origin') => {
            const res = await fetch(pathname, { method: 'POST', credentials,
                headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
            const text = await res.text();
            let doc = null;
            try {
                doc = JSON.parse(text);
            } catch {
                doc = text;
            }
            return { status: res.status, type: res.headers.get('content-type'), doc };
        };
        const login = await call('/api/v1/login', { login: 'ada', password: pw }, {});
        const csrf = login.doc?.csrf ?? '';
        return {
            login,
            noToken: await call('/api/v1/tokens', { scopes: ['verify'] }, {}),
            wrongToken: await call('/api/v1/tokens', { scopes: ['verify'] }, { 'X-CSRF-Token': 'A'.repeat(43) }),
            noCookie: await call('/api/v1/tokens', { scopes: ['verify'] }, { 'X-CSRF-Token': csrf }, 'omit'),
            withToken: await call('/api/v1/tokens', { scopes: ['verify'] }, { 'X-CSRF-Token': csrf }),
        };
    }, PASSWORD);
    assert.equal(r.login.status, 200, 'POST /api/v1/login from the page: 200');
    assert.equal(r.login.doc.csrf.length, 43, 'the login returns a CSRF token');
    // src/server/api.c admit(): with the cookie, any method but GET/HEAD needs the token: 403 CSRF.
    for (const [what, got] of [['without X-CSRF-Token', r.noToken], ['with a wrong X-CSRF-Token', r.wrongToken]]) {
        assert.equal(got.status, 403, `POST /api/v1/tokens ${what}: 403`);
        assert.match(got.type ?? '', /^application\/problem\+json/, `${what}: problem+json`);
        assert.equal(got.doc.code, 'CSRF', `${what}: code CSRF`);
    }
    assert.equal(r.noCookie.status, 401, 'the token without the session cookie: 401');
    assert.equal(r.noCookie.doc.code, 'UNAUTHENTICATED', 'code UNAUTHENTICATED');
    assert.equal(r.withToken.status, 201, 'with the cookie and the token: 201');
    assert.match(r.withToken.doc.token ?? '', /^esk_/, 'the new API token');
    assertClean(p.watch, 'verify page, CSRF calls');
    await p.context.close();
});

// ---- the console's audit section and its users and tokens (issue 21 §2; docs/web.md "Console") ----

const AUDIT_ORG = 'Browser Audit Ltd';
const AUDIT_USCC = '91310115MA1K4AUD14';
const AUDIT_SEAL = 'Browser Audit Seal';
let auditSerial = '';

/** An organisation whose seal stamps (its certificate's USCC is the organisation's) and its admin `oda`, once. */
function auditOrg() {
    if (auditSerial) {
        return auditSerial;
    }
    const org = A.must(['org', 'add', '--name', AUDIT_ORG, '--uscc', AUDIT_USCC]);
    const cert = A.must(['cert', 'issue', '--org', AUDIT_ORG, '--uscc', AUDIT_USCC, '--alg', 'p256']);
    const seal = A.must(['seal', 'make', '--cert', cert, '--type', 'contract', '--name', AUDIT_SEAL]);
    A.addUser('oda', org, 'org-admin', PASSWORD);
    A.addUser('stu', org, 'stamper', PASSWORD);
    const out = path.join(A.dir, 'audit-stamped.pdf');
    auditSerial = A.must(['stamp', f.plain, '-o', out, '--seal', seal, '--page', '1']).split(/\s+/)[0];
    assert.match(auditSerial, /^ST\d{8}-/, 'the CLI answers the stamp\'s serial');
    return auditSerial;
}

/** Opens a console section and logs in through its form as `login`; waits for `ready`. */
async function consoleLogin(size, section, login) {
    const p = await openPage(browser, server, size);
    const resp = await p.page.goto(`${server.base}/console/${section}`);
    assert.equal(resp.status(), 200, `GET /console/${section} is 200`);
    await assertHeaders(resp, `GET /console/${section}`);
    assert.equal(await waitState(p.page, ['login']), 'login', 'the console asks to log in');
    await p.page.fill('#login-user', login);
    await p.page.fill('#login-password', PASSWORD);
    await p.page.click('#login-form button[type=submit]');
    const state = await waitState(p.page, ['ready', 'error']);
    assert.equal(state, 'ready', `logged in as ${login} (#error: ${await p.page.textContent('#error')})`);
    return p;
}

for (const size of ['desktop', 'phone']) {
    test(`console audit (${size}): the stamp made by the test is listed, with its receipt, and the chart has a bar`,
        async () => {
            const serial = auditOrg();
            const p = await consoleLogin(size, 'audit', 'oda');
            const entry = p.page.locator(`#audit-list .entry[data-stamp="${serial}"]`);
            assert.equal(await entry.count(), 1, `the stamp ${serial} is one entry of #audit-list`);
            assert.equal(await entry.getAttribute('data-type'), 'stamp', 'its type is stamp');
            assert.match(await entry.textContent(), new RegExp(AUDIT_SEAL), 'the entry names the seal');
            assert.ok(await p.page.locator('#audit-chart rect').count() >= 1, '#audit-chart has a bar');
            const bar = await p.page.evaluate(() => [...document.querySelectorAll('#audit-chart rect')]
                .reduce((a, r) => a + Number(r.dataset.count), 0));
            assert.equal(bar, await p.page.locator('#audit-list .entry[data-type=stamp]').count(),
                'the bars count the stamps listed');
            assert.ok(await p.page.locator('#audit-table tbody tr').count() >= 1, 'the table beside the chart has a row');
            await entry.locator('details.receipt summary').click();
            await p.page.waitForFunction((s) => document.querySelector(`.entry[data-stamp="${s}"] details.receipt`)
                ?.dataset.result, serial);
            assert.equal(await entry.locator('details.receipt').getAttribute('data-result'), 'ok', 'the receipt is fetched');
            const proof = await entry.locator('pre.receipt-text').textContent();
            assert.match(proof, /^c2sp\.org\/tlog-proof@v1\n/, 'the receipt (a C2SP tlog-proof) is shown');
            const extra = /^extra (\S+)$/m.exec(proof);
            assert.ok(extra && Buffer.from(extra[1], 'base64').toString().includes(`stamp ${serial}\n`),
                'its extra line is the stamp\'s audit entry');
            // The filters go to the server (GET /api/v1/audit?seal=&user=&since=&until=, newest first): what the
            // page lists is what the API gives for the same filters.
            const api = await apiAs('oda');
            const listed = () => p.page.evaluate(() => [...document.querySelectorAll('#audit-list .entry')]
                .map((li) => Number(li.dataset.index)));
            const sealValue = await p.page.locator('#audit-filter-seal option', { hasText: AUDIT_SEAL }).getAttribute('value');
            await p.page.selectOption('#audit-filter-seal', sealValue);
            await waitState(p.page, ['ready']);
            assert.equal(await entry.count(), 1, 'filtered by its seal: still listed');
            const bySeal = (await api('GET', `/audit?order=newest&limit=500&seal=${encodeURIComponent(sealValue)}`)).doc;
            assert.deepEqual(await listed(), bySeal.entries.map((e) => e.index), 'the seal filter lists what the API gives');
            assert.ok(bySeal.entries.length >= 2 && bySeal.entries.every((e) => e.seal === sealValue),
                'the seal\'s entries only (made, stamped...)');
            await p.page.selectOption('#audit-filter-seal', '');
            await waitState(p.page, ['ready']);
            await p.page.fill('#audit-filter-user', 'oda');
            await p.page.press('#audit-filter-user', 'Enter');
            await waitState(p.page, ['ready']);
            await p.page.waitForTimeout(500); /* the typing's own reload (300 ms later) has come and gone */
            await waitState(p.page, ['ready']);
            const byUser = (await api('GET', '/audit?order=newest&limit=500&user=oda')).doc;
            assert.ok(byUser.entries.length >= 1 && byUser.entries.every((e) => e.actor === 'oda'),
                'the API gives oda\'s own entries (its login)');
            assert.deepEqual(await listed(), byUser.entries.map((e) => e.index), 'the user filter lists what the API gives');
            await p.page.fill('#audit-filter-user', 'nobody-here');
            await p.page.press('#audit-filter-user', 'Enter');
            await waitState(p.page, ['ready']);
            await p.page.waitForTimeout(500);
            await waitState(p.page, ['ready']);
            assert.equal(await entry.count(), 0, 'filtered by another user: gone');
            assert.equal(await p.page.locator('#audit-chart rect').count(), 0, 'and no bar');
            await p.page.fill('#audit-filter-user', '');
            await p.page.press('#audit-filter-user', 'Enter');
            await waitState(p.page, ['ready']);
            await p.page.waitForTimeout(500);
            await p.page.fill('#audit-filter-from', '2000-01-01');
            await p.page.fill('#audit-filter-to', '2000-01-02');
            await p.page.dispatchEvent('#audit-filter-to', 'change');
            await waitState(p.page, ['ready']);
            assert.equal(await entry.count(), 0, 'filtered to a day in 2000: gone');
            await p.page.fill('#audit-filter-from', '');
            await p.page.fill('#audit-filter-to', '');
            await p.page.dispatchEvent('#audit-filter-to', 'change');
            await waitState(p.page, ['ready']);
            assert.equal(await entry.count(), 1, 'filters cleared: back');
            // The log audit's status line and "Run the audit now" (POST /api/v1/audit/run; the second size runs it
            // within 60 s of the first: 429, and the line shows the recorded run)
            p.watch.allow(429, '/api/v1/audit/run');
            await p.page.click('#audit-run');
            await p.page.waitForFunction(() => document.querySelector('#audit-status').dataset.result === 'ok' &&
                !document.querySelector('#audit-run').disabled);
            assert.match(await p.page.textContent('#audit-status'), /Log audit OK, .*: \d+ entries re-hashed/,
                'the status line says OK, when, and how many entries');
            assert.equal(await p.page.textContent('#error'), '', 'no error line (a run within 60 s is said on the status line)');
            const status = (await api('GET', '/audit/status')).doc;
            assert.ok(status.last && status.last.ok === true, 'the API has the run recorded as OK');
            await shot(p, 'console-audit');
            await assertFitsWidth(p, `console audit (${size})`);
            assertClean(p.watch, `console audit (${size})`);
            await p.context.close();
        });
}

/** The API as `login` from Node (a session, its CSRF token): (method, path, body) => {status, doc}. */
async function apiAs(login) {
    const r = await fetch(`${server.base}/api/v1/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ login, password: PASSWORD }) });
    assert.equal(r.status, 200, `POST /api/v1/login as ${login}`);
    const csrf = (await r.json()).csrf;
    const cookie = r.headers.get('set-cookie').split(';')[0];
    return async (method, pathname, body) => {
        const res = await fetch(`${server.base}/api/v1${pathname}`, { method,
            headers: { Cookie: cookie, 'X-CSRF-Token': csrf, ...(body ? { 'Content-Type': 'application/json' } : {}) },
            body: body ? JSON.stringify(body) : undefined });
        const text = await res.text();
        return { status: res.status, doc: text ? JSON.parse(text) : null };
    };
}

for (const size of ['desktop', 'phone']) {
    test(`console users (${size}): add a user with roles, change them, disable; make a token (secret once), revoke`,
        async () => {
            auditOrg();
            const p = await consoleLogin(size, 'users', 'oda');
            assert.equal(await p.page.isVisible('#users-denied'), false, 'an org admin is not told it lacks the right');
            assert.ok(await p.page.locator('#user-list .user[data-login="oda"]').count() === 1, 'oda is listed');
            const login = `new-${size}`;
            await p.page.fill('#user-login', login);
            await p.page.fill('#user-name', `New ${size}`);
            await p.page.fill('#user-password', PASSWORD);
            await p.page.check('#user-roles input[value=stamper]');
            await p.page.check('#user-roles input[value=auditor]');
            await p.page.click('#user-form button[type=submit]');
            const row = p.page.locator(`#user-list .user[data-login="${login}"]`);
            await row.waitFor();
            assert.equal(await waitState(p.page, ['ready']), 'ready', 'the user is added');
            const api = await apiAs('oda');
            let u = await api('GET', `/users/${login}`);
            assert.equal(u.status, 200, `GET /users/${login}: the user exists`);
            assert.deepEqual([...u.doc.roles].sort(), ['auditor', 'stamper'], 'with the roles ticked');
            assert.equal(u.doc.status, 'active', 'active');
            // change its roles and disable it, from its row
            await row.locator('input[value=auditor]').uncheck();
            await row.locator('input[value=approver]').check();
            await row.locator('button.user-save').click();
            await p.page.waitForFunction(() => document.body.dataset.state === 'ready' &&
                document.querySelector('#notice')?.textContent.length > 0);
            u = await api('GET', `/users/${login}`);
            assert.deepEqual([...u.doc.roles].sort(), ['approver', 'stamper'], 'roles changed from the page');
            // a token for the new user, limited to verify: its secret shown once
            await p.page.fill('#token-login', login);
            await p.page.check('#token-scopes input[value=verify]');
            await p.page.click('#token-form button[type=submit]');
            await p.page.locator('#token-secret-box:not([hidden])').waitFor();
            const secret = (await p.page.textContent('#token-secret')).trim();
            assert.match(secret, /^esk_[A-Za-z0-9_-]{43}$/, 'the token\'s secret is shown');
            const toks = await api('GET', `/tokens?login=${login}`);
            assert.equal(toks.status, 200, 'GET /tokens');
            const tok = toks.doc.find((k) => k.login === login && !k.revoked);
            assert.ok(tok, 'the token is listed by the API');
            assert.deepEqual(tok.scopes, ['verify'], 'with its scope');
            await p.page.locator(`#token-list .token[data-id="${tok.id}"]`).waitFor(); // the list is drawn after the secret
            await waitState(p.page, ['ready']);
            const list = await p.page.textContent('#token-list');
            assert.ok(!list.includes(secret), 'the list never shows a secret');
            await shot(p, 'console-users');
            p.page.once('dialog', (d) => d.accept());
            await p.page.locator(`#token-list .token[data-id="${tok.id}"] button.token-revoke`).click();
            await p.page.locator(`#token-list .token[data-id="${tok.id}"][data-state=revoked]`).waitFor();
            const after = (await api('GET', `/tokens?login=${login}`)).doc.find((k) => k.id === tok.id);
            assert.ok(after.revoked, 'revoked from the page');
            // and disable the user, from its row
            await p.page.locator(`#user-list .user[data-login="${login}"] button.user-toggle`).click();
            await p.page.locator(`#user-list .user[data-login="${login}"][data-status=disabled]`).waitFor();
            u = await api('GET', `/users/${login}`);
            assert.equal(u.doc.status, 'disabled', 'disabled from the page');
            await assertFitsWidth(p, `console users (${size})`);
            assertClean(p.watch, `console users (${size})`);
            await p.context.close();
        });
}

test('console users: a stamper is told that it lacks the right (the API answers it 403); its own tokens are shown; the audit section shows its 403', async () => {
    auditOrg();
    const p = await consoleLogin('desktop', 'users', 'stu');
    assert.equal(await p.page.isVisible('#users-denied'), true, 'the sentence is shown');
    const api = await apiAs('stu');
    const org = (await api('GET', '/me')).doc.organisation;
    const add = await api('POST', '/users', { login: 'not-made', organisation: org, roles: ['stamper'], password: PASSWORD });
    assert.equal(add.status, 403, 'the API refuses it a new user: 403');
    assert.equal((await api('POST', '/users/oda/disable')).status, 403, 'and a change of another user: 403');
    assert.equal(await p.page.isVisible('#user-form'), false, 'no form to add a user');
    assert.equal(await p.page.isVisible('#token-form'), true, 'its own tokens can be made');
    // the audit section: a stamper may not read it; the API's 403 is the error line, the page stays usable
    p.watch.allow(403, '/api/v1/audit');
    await p.page.goto(`${server.base}/console/audit`);
    assert.equal(await waitState(p.page, ['ready', 'error']), 'ready', 'the audit section opens');
    assert.match(await p.page.textContent('#error'), /^FORBIDDEN: /, 'with the API\'s 403 on the error line');
    assert.equal(await p.page.locator('#audit-list .entry').count(), 0, 'and no entry');
    assertClean(p.watch, 'console users as a stamper');
    await p.context.close();
});

test('the watch catches a console error, a page error, an unexpected 404, a foreign request, a page too wide', async () => {
    const p = await openVerify('desktop');
    await p.page.evaluate(async () => {
        console.error('a console error of the test');
        setTimeout(() => {
            throw new Error('a page error of the test');
        }, 0);
        await fetch(`/assets/no-such-file-${Date.now()}.js`).catch(() => null);
        // .invalid never resolves (RFC 2606); the page's CSP refuses it before anything leaves the browser.
        await fetch('http://foreign.invalid/x.js').catch(() => null);
    });
    await p.page.waitForTimeout(500);
    const seen = p.watch.problems().join('\n');
    assert.match(seen, /console error: a console error of the test/, 'the console error');
    assert.match(seen, /page error: .*a page error of the test/, 'the page error');
    assert.match(seen, /unexpected answer 404 to GET .*no-such-file/, 'the unexpected 404');
    assert.match(seen, /console error: .*foreign\.invalid.*Content Security Policy/, 'the CSP refusal of the foreign request');
    await p.context.close();

    // Without the CSP (a page that lacked it), the route itself aborts the request and names it.
    const q = await openPage(browser, server, 'desktop', { bypassCSP: true });
    await q.page.goto(`${server.base}/`);
    await q.page.evaluate(() => fetch('http://foreign.invalid/x.js').catch(() => null));
    const seen2 = q.watch.problems().join('\n');
    assert.match(seen2, /request to another host: GET http:\/\/foreign\.invalid\/x\.js/, 'the foreign request');
    // And a page wider than its viewport fails the width check.
    await q.page.evaluate(() => {
        const d = document.createElement('div');
        d.style.width = '3000px';
        d.style.height = '1px';
        document.body.appendChild(d);
    });
    await assert.rejects(assertFitsWidth(q, 'a page with a 3000 px element'), /px wide in a 1280 px viewport/,
        'the width check');
    await q.context.close();
});

// Report version 5 on the verify page: each stamp's audit log line, checked in the browser too, and its
// seal's filing; a field renamed to another real serial of the platform is not VALID and its line failed.
let copiedPdf = '';
for (const size of ['desktop', 'phone']) {
    test(`verify page (${size}): the stamp's audit log inclusion and its seal's filing; a copied serial fails`, async () => {
        const rec = await (await fetch(`${server.base}/api/v1/stamps/${pdfSerial}`)).json();
        const p = await openVerify(size);
        const v = await verifyFile(p, f.pdf);
        assert.equal(v.verdict, 'VALID', 'the stamped PDF is VALID');
        await p.page.waitForSelector('.log-inclusion[data-browser]', { timeout: 30000 });
        const got = await p.page.evaluate(() => {
            const l = document.querySelector('.signature .log-inclusion');
            const fl = document.querySelector('.signature .filing');
            const a = fl?.querySelector('a.filing-download');
            return { result: l?.dataset.result, browser: l?.dataset.browser, index: l?.dataset.index,
                text: l?.textContent ?? '', filing: fl?.textContent ?? '', verified: fl?.dataset.verified,
                href: a?.href ?? '', download: a?.download ?? '' };
        });
        assert.equal(got.result, 'ok', '.log-inclusion[data-result=ok]');
        assert.equal(got.browser, 'ok', 'checked in the browser too (Ed25519 in WebCrypto)');
        assert.equal(got.index, String(rec.log.index), 'the index is GET /api/v1/stamps/{serial}\'s');
        assert.ok(got.text.includes(String(rec.log.index)) && got.text.includes(String(rec.log.tree_size)),
            `the line shows the index and the checkpoint's size: ${got.text}`);
        assert.match(got.filing, /\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC/, `.filing shows the date: ${got.filing}`);
        assert.equal(got.verified, 'true', 'the filing receipt verified');
        assert.ok(got.href.startsWith('blob:') && got.download === `${sealId}-filing.der`,
            `the receipt's download: ${got.href} ${got.download}`);
        await shot(p, 'verify-log');
        assertClean(p.watch, `verify page (${size}), log inclusion`);
        // The same field name on another stamp of this platform: that entry records another document.
        if (!copiedPdf) {
            const second = path.join(A.dir, 'stamped2.pdf');
            const serial2 = A.must(['stamp', f.plain, '-o', second, '--seal', sealId, '--page', '1']).split(/\s+/)[0];
            assert.equal(serial2.length, pdfSerial.length, 'serials of one length');
            const bytes = fs.readFileSync(second).toString('latin1').split(serial2).join(pdfSerial);
            copiedPdf = path.join(A.dir, 'copied-serial.pdf');
            fs.writeFileSync(copiedPdf, Buffer.from(bytes, 'latin1'));
        }
        const q = await openVerify(size);
        const w = await verifyFile(q, copiedPdf);
        assert.notEqual(w.signatures[0].verdict, 'VALID', 'the copied serial\'s signature is not VALID');
        assert.notEqual(w.verdict, 'VALID', 'nor the document');
        const bad = await q.page.evaluate(() => document.querySelector('.signature .log-inclusion')?.dataset.result);
        assert.equal(bad, 'failed', '.log-inclusion[data-result=failed]');
        await shot(q, 'verify-log-copied');
        assertClean(q.watch, `verify page (${size}), copied serial`);
        await p.context.close();
        await q.context.close();
    });
}

test('the screenshots are there, at both sizes', () => {
    for (const name of ['verify-idle', 'verify-valid', 'verify-tampered', 'record', 'console-audit', 'console-users',
        'verify-log', 'verify-log-copied']) {
        for (const size of ['desktop', 'phone']) {
            const file = path.join(OUT, `${name}-${size}.png`);
            assert.ok(fs.existsSync(file), `${file} exists`);
            const png = fs.readFileSync(file);
            assert.equal(png.subarray(1, 4).toString(), 'PNG', `${name}-${size} is a PNG`);
            const width = png.readUInt32BE(16);
            assert.equal(width, size === 'desktop' ? 1280 : 780, `${name}-${size} is ${width} pixels wide`);
        }
    }
});

test('the server stops cleanly on SIGTERM, with no sanitizer report in its log', async () => {
    const status = await server.stop();
    assert.equal(status, 0, 'eseal serve exits 0 on SIGTERM');
    const log = fs.readFileSync(server.log, 'utf8');
    assert.doesNotMatch(log, /AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|runtime error:/,
        'no sanitizer report (the suite runs again in the ASan+UBSan build)');
});
