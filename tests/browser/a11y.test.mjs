// SPDX-License-Identifier: Apache-2.0
// a11y.test.mjs ESEAL: the pages are accessible (issue 21 §1: "accessible (labels, contrast, keyboard)";
// ctest browser_a11y). One instance made by the CLI: an organisation with a P-256 certificate, a seal,
// a stamped PDF and a copy changed inside its signed range, its org-admin ada (who approves) and a
// stamper sam whose request waits in ada's inbox; `eseal serve --listen 127.0.0.1:0`. Then:
//   - axe-core (tests/browser/node_modules, pinned in package-lock.json), the WCAG 2.0/2.1 A and AA
//     rules, in English and Chinese, at desktop and phone size, on: the verify page idle, with a VALID
//     and with an INVALID report; the stamp record page /v/{serial} done and not found; the console's
//     login form, then as ada each section (seals with the seal maker, grants, approvals with a
//     request waiting, audit, users). Any violation fails, printed as rule id, impact, the target's
//     selectors and axe's help;
//   - the keyboard, with real key presses and no click: on the verify page Tab reaches the drop zone,
//     Enter and Space open the file chooser (a file chosen so is verified), the language switch is
//     reached and changes the language with the arrow keys; links and buttons show their focus
//     (:focus-visible has an outline or a box-shadow); the console's login is login → password →
//     submit in Tab order and Enter logs in; its nav links are reached by Tab and Enter follows them;
//     the skip link of each page is the first Tab stop and moves the focus to the main content.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { Instance, OUT, ROOT, assertClean, cleanup, launch, makeDocument, openPage, serve, shot,
    tamperedCopy, waitState } from './lib.mjs';

const ESEAL = path.resolve(process.argv[2] ?? process.env.ESEAL ?? path.join(ROOT, 'build', 'eseal'));
const AXE = path.join(path.dirname(fileURLToPath(import.meta.url)), 'node_modules', 'axe-core', 'axe.min.js');
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
const PASSWORD = 'Correct-Horse-Battery-9071';
const ORG = 'Accessible Seal Ltd';
const USCC = '91110000MA01ABCDEX';
const SEAL_NAME = 'Accessible Seal';
const LOCALES = { en: 'en-US', zh: 'zh-CN' };
const SECTIONS = ['', 'stamp', 'grants', 'approvals', 'audit', 'users'];

const f = {}; // the documents
let A;
let server;
let browser;
let serial = '';
let esid = '';

/** A JSON or form call from node as `sess` ({cookie, csrf}): {status, body}. */
async function api(method, route, sess, { json, form } = {}) {
    const headers = { Cookie: sess.cookie, 'X-CSRF-Token': sess.csrf };
    let body;
    if (json !== undefined) {
        headers['Content-Type'] = 'application/json';
        body = JSON.stringify(json);
    } else {
        body = form;
    }
    const r = await fetch(`${server.base}/api/v1${route}`, { method, headers, body });
    const text = await r.text();
    return { status: r.status, body: text ? JSON.parse(text) : null };
}

/** A session of `login` through the API: its cookie and CSRF token. */
async function session(login) {
    const r = await fetch(`${server.base}/api/v1/login`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ login, password: PASSWORD }) });
    assert.equal(r.status, 200, `login ${login}`);
    return { cookie: r.headers.get('set-cookie').split(';')[0], csrf: (await r.json()).csrf };
}

before(async () => {
    fs.mkdirSync(OUT, { recursive: true });
    assert.ok(fs.existsSync(AXE), `${AXE} is missing (scripts/browser-deps.sh: npm ci in tests/browser)`);
    A = new Instance(ESEAL, 'a11y');
    const org = A.must(['org', 'add', '--name', ORG, '--uscc', USCC]);
    const cert = A.must(['cert', 'issue', '--org', ORG, '--uscc', USCC, '--alg', 'p256']);
    esid = A.must(['seal', 'make', '--cert', cert, '--type', 'contract', '--name', SEAL_NAME]);
    A.addUser('ada', org, 'org-admin,approver', PASSWORD);
    A.addUser('sam', org, 'stamper', PASSWORD);
    A.must(['grant', 'add', '--seal', esid, '--user', 'sam', '--type', 'contract', '--approvers', 'ada'], 'grant add');

    f.plain = makeDocument('mkpdf.py', path.join(A.dir, 'contract.pdf'), '1');
    f.pdf = path.join(A.dir, 'stamped.pdf');
    serial = A.must(['stamp', f.plain, '-o', f.pdf, '--seal', esid, '--page', '1']).split(/\s+/)[0];
    A.must(['log', 'publish']);
    // The tampered copy: one character of the page's text, inside the first signed byte range.
    f.tampered = tamperedCopy(f.pdf, path.join(A.dir, 'tampered.pdf'));

    server = await serve(A, 'a11y');
    // sam's request waits for ada: the approvals section has an item (checkbox, comment, buttons) to check.
    const sam = await session('sam');
    const form = new FormData();
    form.append('seal', esid);
    form.append('type', 'contract');
    form.append('purpose', 'the accessibility test\'s contract');
    form.append('page', '1');
    form.append('file', new Blob([fs.readFileSync(f.plain)], { type: 'application/pdf' }), 'contract.pdf');
    const sub = await api('POST', '/requests', sam, { form });
    assert.equal(sub.status, 201, `sam's request: ${JSON.stringify(sub.body)}`);
    browser = await launch();
});

after(async () => {
    fs.writeFileSync(path.join(OUT, 'a11y-axe.txt'), `${undecided.join('\n')}\n`);
    if (browser) {
        await browser.close();
    }
    await cleanup();
});

/**
 * A page of that size and language. The pages' Content-Security-Policy refuses any script but their own
 * files, and axe-core must be injected into the page to read its DOM and computed styles: only these
 * contexts bypass the CSP (browser_pages checks the CSP itself on every page).
 */
async function open(size, lang, route) {
    const p = await openPage(browser, server, size, { locale: LOCALES[lang], bypassCSP: true });
    p.lang = lang;
    const resp = await p.page.goto(`${server.base}${route}`);
    assert.ok(resp, `GET ${route}: an answer`);
    return p;
}

/**
 * The page is in its language: <html lang> says so (axe checks that the attribute is valid). The
 * strings are fetched after the page is up, so a loaded machine may show the state before the
 * language: it is waited for (up to 30 s), then asserted with what it is.
 */
async function assertLang(p, what) {
    await p.page.waitForFunction((want) => document.documentElement.lang.startsWith(want), p.lang,
        { timeout: 30000 }).catch(() => {});
    const l = await p.page.getAttribute('html', 'lang');
    assert.ok(l.startsWith(p.lang), `${what}: <html lang="${l}"> is ${p.lang}`);
}

/**
 * What axe could not decide (its "incomplete": a colour over a picture, say), page by page, written to
 * OUT/a11y-axe.txt for a person to look at: it is no failure.
 */
const undecided = [];

/** axe-core's WCAG 2.0/2.1 A and AA rules on the page as it is now: one line per violating node. */
async function axe(p, what) {
    if (!(await p.page.evaluate(() => typeof window.axe === 'object'))) {
        await p.page.addScriptTag({ path: AXE });
    }
    const r = await p.page.evaluate((tags) => window.axe.run(document, { runOnly: { type: 'tag', values: tags },
        resultTypes: ['violations'] }), AXE_TAGS);
    undecided.push(`${what}: ${r.passes.length} rules passed; undecided: ${r.incomplete.map((v) =>
        `${v.id} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`).join('; ') || 'none'}`);
    return r.violations.flatMap((v) => v.nodes.map((n) =>
        `${what}: ${v.id} (${v.impact}) at ${n.target.join(' ')}: ${v.help} [${n.failureSummary?.replace(/\s+/g, ' ')}]`));
}

/** Fails with every violation found on the pages of one test. */
function assertNoViolation(found, what) {
    assert.deepEqual(found, [], `${what}: ${found.length} accessibility violation(s):\n${found.join('\n')}`);
}

for (const lang of ['en', 'zh']) {
    for (const size of ['desktop', 'phone']) {
        test(`axe, verify page (${lang}, ${size}): idle, a VALID report, an INVALID report`, async () => {
            const found = [];
            for (const [name, file, verdict] of [['idle', null, null], ['valid', f.pdf, 'VALID'],
                ['tampered', f.tampered, 'INVALID']]) {
                const p = await open(size, lang, '/');
                assert.equal(await waitState(p.page, ['idle']), 'idle', 'the verify page starts idle');
                await assertLang(p, `verify page, ${name}`);
                if (file) {
                    await p.page.setInputFiles('#file', file);
                    assert.equal(await waitState(p.page, ['done', 'error']), 'done', `verifying ${name}`);
                    assert.equal(await p.page.getAttribute('#verdict', 'data-verdict'), verdict, `${name}: ${verdict}`);
                    await p.page.waitForSelector('.page-thumb', { timeout: 60000 });
                }
                found.push(...await axe(p, `verify page ${name} (${lang}, ${size})`));
                await shot(p, `a11y-verify-${name}-${lang}`);
                assertClean(p.watch, `verify page ${name} (${lang}, ${size})`);
                await p.context.close();
            }
            assertNoViolation(found, `verify page (${lang}, ${size})`);
        });

        test(`axe, stamp record page (${lang}, ${size}): done, and an unknown serial`, async () => {
            const found = [];
            const p = await open(size, lang, `/v/${serial}`);
            assert.equal(await waitState(p.page, ['done', 'notfound', 'error']), 'done', 'the record page is done');
            await p.page.waitForSelector('#log-check[data-result]', { timeout: 60000 });
            await assertLang(p, 'record page');
            found.push(...await axe(p, `record page (${lang}, ${size})`));
            await shot(p, `a11y-record-${lang}`);
            assertClean(p.watch, `record page (${lang}, ${size})`);
            await p.context.close();

            const unknown = 'ST20000101-000000000000';
            const q = await openPage(browser, server, size, { locale: LOCALES[lang], bypassCSP: true });
            q.lang = lang;
            q.watch.allow(404, unknown); // the page asks the API for the stamp: the announced 404
            await q.page.goto(`${server.base}/v/${unknown}`);
            assert.equal(await waitState(q.page, ['done', 'notfound', 'error']), 'notfound', 'an unknown serial');
            await assertLang(q, 'record page, not found');
            found.push(...await axe(q, `record page not found (${lang}, ${size})`));
            assertClean(q.watch, `record page not found (${lang}, ${size})`);
            await q.context.close();
            assertNoViolation(found, `record page (${lang}, ${size})`);
        });

        test(`axe, console (${lang}, ${size}): the login form, then as ada each section and the seal maker`,
            async () => {
                const found = [];
                const p = await open(size, lang, '/console/');
                assert.equal(await waitState(p.page, ['login']), 'login', 'the console asks to log in');
                await assertLang(p, 'console login');
                found.push(...await axe(p, `console login (${lang}, ${size})`));
                await p.page.fill('#login-user', 'ada');
                await p.page.fill('#login-password', PASSWORD);
                await p.page.evaluate(() => document.querySelector('#login-form').requestSubmit());
                assert.equal(await waitState(p.page, ['ready', 'error']), 'ready', 'ada is logged in');
                for (const section of SECTIONS) {
                    const name = section || 'seals';
                    if (section) {
                        await p.page.goto(`${server.base}/console/${section}`);
                        assert.equal(await waitState(p.page, ['ready', 'error']), 'ready', `/console/${section}`);
                    }
                    // Each section with something in it: the seal (and the maker's preview), the grant, the
                    // request waiting, the stamp's audit entry, the users.
                    const filled = {
                        seals: `#seal-list .seal[data-esid="${esid}"]`,
                        stamp: `#stamp-seal:has(option[value="${esid}"])`,
                        grants: '#grant-list .grant',
                        approvals: '#approval-list .approval canvas.page-thumb[data-pages]',
                        audit: '#audit-list .entry',
                        users: '#user-list .user[data-login="sam"]',
                    }[name];
                    await p.page.waitForSelector(filled, { timeout: 60000 });
                    if (name === 'seals') {
                        // the seal maker with its live preview drawn
                        await p.page.fill('#seal-name', 'Preview Seal');
                        await p.page.fill('#seal-text', ORG);
                        await p.page.waitForFunction(() => Number(document.querySelector('#imprint-preview')
                            ?.dataset.version ?? 0) >= 1, null, { timeout: 60000 });
                        // the last keystroke's preview too (it is asked for 250 ms after): a request cut short by
                        // the next section's load would fail the watch
                        await p.page.waitForTimeout(700);
                        await p.page.waitForFunction(() => !document.querySelector('#imprint-preview')
                            .classList.contains('stale'), null, { timeout: 60000 });
                    }
                    await waitState(p.page, ['ready']);
                    await assertLang(p, `console ${name}`);
                    found.push(...await axe(p, `console ${name} (${lang}, ${size})`));
                    await shot(p, `a11y-console-${name}-${lang}`);
                }
                assertClean(p.watch, `console (${lang}, ${size})`);
                await p.context.close();
                assertNoViolation(found, `console (${lang}, ${size})`);
            });
    }
}

// ---- the keyboard: real key presses, no click ----

/** Presses Tab (Shift+Tab with `back`) until the focus is on `selector`; the stops passed, in order. */
async function tabTo(page, selector, { back = false, max = 40 } = {}) {
    const stops = [];
    for (let i = 0; i < max; i++) {
        await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
        const at = await page.evaluate((sel) => {
            const a = document.activeElement;
            return { hit: !!a && a.matches(sel), name: a ? (a.id ? `#${a.id}` : a.tagName.toLowerCase()) : '' };
        }, selector);
        stops.push(at.name);
        if (at.hit) {
            return stops;
        }
    }
    assert.fail(`${selector} is not reached by ${max} presses of ${back ? 'Shift+Tab' : 'Tab'}: ${stops.join(' ')}`);
    return stops;
}

/** The focused element shows its focus: it matches :focus-visible, with an outline or a box-shadow. */
async function assertFocusVisible(page, what) {
    const s = await page.evaluate(() => {
        const a = document.activeElement;
        const cs = getComputedStyle(a);
        return { visible: a.matches(':focus-visible'), outline: cs.outlineStyle, width: parseFloat(cs.outlineWidth),
            shadow: cs.boxShadow };
    });
    assert.ok(s.visible, `${what}: the focus is :focus-visible`);
    assert.ok((s.outline !== 'none' && s.width > 0) || s.shadow !== 'none',
        `${what}: an outline or a box-shadow shows the focus (outline ${s.outline} ${s.width}px, box-shadow ${s.shadow})`);
}

/**
 * The header is quick to pass: at most `max` Tab stops before the first control of <main> (the verify and
 * record pages: the language switch only, so they need no skip link; a header that grows fails here).
 */
async function assertShortHeader(page, what, max = 1) {
    const stops = [];
    for (let i = 0; i <= max + 1; i++) {
        await page.keyboard.press('Tab');
        const at = await page.evaluate(() => ({ inMain: !!document.activeElement.closest('main'),
            name: document.activeElement.id || document.activeElement.tagName.toLowerCase() }));
        if (at.inMain) {
            assert.ok(stops.length <= max, `${what}: ${stops.length} Tab stops before <main>: ${stops.join(' ')}`);
            return;
        }
        stops.push(at.name);
    }
    assert.fail(`${what}: more than ${max} Tab stops before <main> and no skip link: ${stops.join(' ')}`);
}

/** The first Tab stop is the skip link, seen; Enter on it puts the focus in <main>. */
async function assertSkipLink(p, what) {
    const { page } = p;
    await page.keyboard.press('Tab');
    const first = await page.evaluate(() => ({ cls: document.activeElement.className,
        href: document.activeElement.getAttribute('href'), text: document.activeElement.textContent.trim() }));
    assert.equal(first.href, '#main', `${what}: the first Tab stop is the skip link (${JSON.stringify(first)})`);
    assert.ok(first.text.length > 0, `${what}: the skip link says what it does`);
    await assertFocusVisible(page, `${what}, skip link`);
    const box = await page.evaluate(() => document.activeElement.getBoundingClientRect().height);
    assert.ok(box > 0, `${what}: the skip link is seen when it has the focus`);
    await shot(p, 'a11y-skip-link');
    await page.keyboard.press('Enter');
    const inMain = await page.evaluate(() => document.activeElement.id === 'main' ||
        !!document.activeElement.closest('main'));
    assert.ok(inMain, `${what}: Enter on the skip link moves the focus to the main content`);
}

test('keyboard, verify page: a short header; Tab reaches the drop zone; Enter and Space open the file chooser', async () => {
    const p = await open('desktop', 'en', '/');
    const { page } = p;
    await waitState(page, ['idle']);
    await assertShortHeader(page, 'verify page');
    await page.evaluate(() => document.activeElement.blur());
    // The choosers are intercepted from here on (a listener set once, before any key: enabling the
    // interception is a round trip of its own), and #file's clicks are counted, so that a chooser
    // that does not come says whether the key reached the button at all. The wait is long: one CI
    // run, under load, saw no chooser within 10 s.
    const choosers = [];
    page.on('filechooser', (fc) => choosers.push(fc));
    await page.evaluate(() => {
        const input = document.getElementById('file');
        const click = input.click.bind(input);
        window.fileClicks = 0;
        input.click = () => {
            window.fileClicks += 1;
            click();
        };
    });
    const chooserBy = async (key) => {
        const had = choosers.length;
        await page.keyboard.press(key);
        const deadline = Date.now() + 30000;
        while (choosers.length === had && Date.now() < deadline) {
            await page.waitForTimeout(50);
        }
        const clicks = await page.evaluate(() => window.fileClicks);
        assert.ok(choosers.length > had, `${JSON.stringify(key)} on the drop zone opens the file chooser ` +
            `(#file clicked ${clicks} times so far, ${choosers.length} choosers)`);
        return choosers[choosers.length - 1];
    };
    await tabTo(page, '#drop');
    await assertFocusVisible(page, 'the drop zone (a button)');
    const byEnter = await chooserBy('Enter');
    assert.ok(byEnter.isMultiple(), 'Enter opens the chooser of #file (several files: a .p7s and its data)');
    const bySpace = await chooserBy(' ');
    await bySpace.setFiles(f.pdf);
    assert.equal(await waitState(page, ['done', 'error']), 'done', 'the file chosen by the keyboard is verified');
    assert.equal(await page.getAttribute('#verdict', 'data-verdict'), 'VALID', 'and is VALID');
    // The file input itself is reachable too (a second way to choose).
    await page.focus('#drop');
    await tabTo(page, '#file');
    assertClean(p.watch, 'verify page, keyboard');
    await p.context.close();
});

test('keyboard, verify page: the language switch is reached by Tab and changes the language with the arrows',
    async () => {
        const p = await open('desktop', 'en', '/');
        const { page } = p;
        await waitState(page, ['idle']);
        await tabTo(page, '#lang');
        await assertFocusVisible(page, 'the language switch');
        const before = (await page.textContent('h1')).trim();
        await page.keyboard.press('ArrowDown');
        await page.waitForFunction(() => document.documentElement.lang.startsWith('zh'), null, { timeout: 10000 });
        const zh = (await page.textContent('h1')).trim();
        assert.notEqual(zh, before, 'the title changed');
        assert.match(zh, /[\u4e00-\u9fff]/, 'the title is in Chinese');
        await page.keyboard.press('ArrowUp');
        await page.waitForFunction(() => document.documentElement.lang === 'en', null, { timeout: 10000 });
        assert.equal((await page.textContent('h1')).trim(), before, 'and back in English');
        assertClean(p.watch, 'verify page, language by keyboard');
        await p.context.close();
    });

test('keyboard, stamp record page: a short header; the print button shows its focus', async () => {
    const p = await open('desktop', 'en', `/v/${serial}`);
    const { page } = p;
    assert.equal(await waitState(page, ['done', 'notfound', 'error']), 'done');
    await assertShortHeader(page, 'record page');
    await tabTo(page, '#compare-file');
    await tabTo(page, '#print');
    await assertFocusVisible(page, 'the print button');
    assertClean(p.watch, 'record page, keyboard');
    await p.context.close();
});

test('keyboard, console: login → password → submit in Tab order, Enter logs in; the skip link; the nav by keyboard',
    async () => {
        // The grants section: the seals section's maker asks for a preview, which a reload would cut short.
        const p = await open('desktop', 'en', '/console/grants');
        const { page } = p;
        assert.equal(await waitState(page, ['login']), 'login');
        // The login form is all there is to do: the console puts the focus in its first field.
        assert.equal(await page.evaluate(() => document.activeElement.id), 'login-user', 'the focus is on the login');
        await assertFocusVisible(page, 'the login field');
        await page.keyboard.type('ada');
        await page.keyboard.press('Tab');
        assert.equal(await page.evaluate(() => document.activeElement.id), 'login-password', 'then the password');
        await page.keyboard.type(PASSWORD);
        await page.keyboard.press('Tab');
        assert.ok(await page.evaluate(() => document.activeElement.matches('#login-form button[type=submit]')),
            'then the submit button');
        await assertFocusVisible(page, 'the submit button');
        await page.keyboard.press('Shift+Tab');
        await page.keyboard.press('Enter'); // in the password field: the form is submitted
        assert.equal(await waitState(page, ['ready', 'error']), 'ready', 'Enter logged ada in');
        assert.match(await page.textContent('#whoami'), /ada/, 'as ada');

        // Logged in, from the top of the page (a reload: the session stays): the skip link passes the header.
        await page.reload();
        assert.equal(await waitState(page, ['ready', 'error']), 'ready');
        await assertSkipLink(p, 'console');

        // The nav: every link reached by Tab from the top, in order, each showing its focus; Enter follows one.
        await page.reload();
        assert.equal(await waitState(page, ['ready', 'error']), 'ready');
        for (const x of ['seals', 'grants', 'approvals', 'audit', 'users']) {
            await tabTo(page, `#nav-${x}`);
            await assertFocusVisible(page, `the nav link ${x}`);
        }
        await tabTo(page, '#nav-approvals', { back: true });
        await page.keyboard.press('Enter');
        await page.waitForURL(/\/console\/approvals$/, { timeout: 30000 });
        assert.equal(await waitState(page, ['ready', 'error']), 'ready', 'Enter on the approvals link opens them');
        assert.equal(await page.isVisible('#approvals'), true, 'the approvals section is shown');
        await page.waitForSelector('#approval-list .approval canvas.page-thumb[data-pages]', { timeout: 60000 });
        assertClean(p.watch, 'console, keyboard');
        await p.context.close();
    });

test('the checker itself: axe reports an unlabelled field and faint text (so a page that has them fails)', async () => {
    const p = await open('desktop', 'en', '/');
    await waitState(p.page, ['idle']);
    assert.deepEqual(await axe(p, 'before'), [], 'the verify page passes');
    await p.page.evaluate(() => {
        const main = document.querySelector('main');
        main.appendChild(document.createElement('input')).id = 'unlabelled';
        const faint = main.appendChild(document.createElement('p'));
        faint.id = 'faint';
        faint.textContent = 'text too faint to read';
        faint.style.color = '#c8c8c8';
    });
    const found = await axe(p, 'after');
    assert.ok(found.some((l) => /: label \((critical|serious)\) at #unlabelled: /.test(l)), `the unlabelled field: ${found}`);
    assert.ok(found.some((l) => /: color-contrast \(serious\) at #faint: /.test(l)), `the faint text: ${found}`);
    await p.context.close();
});
