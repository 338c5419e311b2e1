// SPDX-License-Identifier: Apache-2.0
// The harness of the browser tests (tests/browser/pages.test.mjs; docs/testing.md, "Browser tests"):
// throw-away eseal instances driven by the CLI, `eseal serve --listen 127.0.0.1:0` with the port
// read from its banner, Debian's chromium driven by playwright-core, and a watch on every page
// that turns console errors, page errors, failed requests, unexpected answers >= 400 and any
// request to a host other than the server into a test failure. Screenshots go to
// $ESEAL_BROWSER_OUT (the CTest sets build/test-output/browser).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '..', '..');
export const RESOURCES = path.join(ROOT, 'tests', 'resources');
export const OUT = process.env.ESEAL_BROWSER_OUT || path.join(ROOT, 'build', 'test-output', 'browser');
export const CHROMIUM = process.env.ESEAL_CHROMIUM || '/usr/bin/chromium';

// The contract's headers of every page and asset (docs: the pages' contract, session 25).
export const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; " +
    "connect-src 'self'; worker-src 'self' blob:; font-src 'self'; form-action 'self'; frame-ancestors 'none'; " +
    "base-uri 'none'";

// The two screen sizes every page is looked at in.
export const SIZES = {
    desktop: { viewport: { width: 1280, height: 800 } },
    phone: { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 },
};

const scratch = [];
const servers = [];

/** A scratch folder, removed by cleanup(). */
export function tmpdir(prefix) {
    const d = fs.mkdtempSync(path.join(os.tmpdir(), `eseal-browser-${prefix}-`));
    scratch.push(d);
    return d;
}

/** Runs a program; {rc, out, err}. */
export function runProgram(cmd, args, opts = {}) {
    const p = spawnSync(cmd, args, { encoding: opts.encoding ?? 'utf8', env: opts.env ?? process.env,
        input: opts.input, maxBuffer: 64 << 20 });
    if (p.error) {
        throw new Error(`${cmd}: ${p.error.message}`);
    }
    return { rc: p.status, out: p.stdout, err: p.stderr };
}

/** A test PDF or OFD of tests/resources (mkpdf.py, mkofd.py). */
export function makeDocument(script, out, ...args) {
    const r = runProgram('python3', [path.join(RESOURCES, script), out, ...args]);
    assert.equal(r.rc, 0, `${script} ${out}: ${r.err}`);
    return out;
}

/**
 * A tampered copy of the stamped PDF `stamped` at `out`: one character of the page's text ("2026-001"
 * made "2026-009", as mkpdf.py writes it), inside the first signed byte range. Returns `out`.
 */
export function tamperedCopy(stamped, out) {
    const bytes = fs.readFileSync(stamped);
    const br = /\/ByteRange\s*\[\s*0\s+(\d+)/.exec(bytes.toString('latin1'));
    const at = bytes.indexOf('2026-001');
    assert.ok(br && at > 0 && at < Number(br[1]), 'the text to change is inside the signed range');
    const changed = Buffer.from(bytes);
    changed.write('2026-009', at, 'latin1');
    fs.writeFileSync(out, changed);
    return out;
}

/**
 * A new eseal instance in a scratch folder: `eseal init`, run with its own ESEAL_HOME and passphrase
 * (and cheap password hashing, as the other integration tests use).
 */
export class Instance {
    constructor(eseal, name) {
        this.eseal = eseal;
        this.dir = tmpdir(name);
        this.home = path.join(this.dir, 'home');
        this.env = { ...process.env, ESEAL_HOME: this.home, ESEAL_PASSPHRASE: `browser-${name}-passphrase`,
            ESEAL_PW_PARAMS: '1,8192,1' };
        this.must(['init'], 'init');
    }

    run(args, input) {
        return runProgram(this.eseal, args, { env: this.env, input });
    }

    /** Runs the CLI, which must succeed; its last line of output. */
    must(args, what) {
        const r = this.run(args);
        assert.equal(r.rc, 0, `eseal ${what ?? args.join(' ')}: exit ${r.rc}: ${r.err}`);
        const lines = r.out.split('\n').map((l) => l.trim()).filter((l) => l !== '');
        return lines.length ? lines[lines.length - 1] : '';
    }

    /** `eseal verify --json FILE` of this instance: the report. */
    verifyJson(file) {
        const r = this.run(['verify', '--json', file]);
        assert.ok(r.rc <= 1, `eseal verify --json ${file}: exit ${r.rc}: ${r.err}`);
        return JSON.parse(r.out);
    }

    /** Sets eseal.conf's base_url (the QR code's <base_url>/v/<serial>), for the CLI runs after it. */
    setBaseUrl(url) {
        const conf = path.join(this.home, 'eseal.conf');
        const text = fs.readFileSync(conf, 'utf8');
        const line = `base_url = ${url}`;
        const next = /^base_url *=.*$/m.test(text) ? text.replace(/^base_url *=.*$/m, line) : `${text}\n${line}\n`;
        fs.writeFileSync(conf, next);
    }

    /** A user with a password (read from a 0600 file), as the API tests add them. */
    addUser(login, org, roles, password) {
        const pw = path.join(this.dir, `pw-${login}`);
        fs.writeFileSync(pw, `${password}\n`, { mode: 0o600 });
        this.must(['user', 'add', login, '--org', org, '--role', roles, '--password-file', pw], `user add ${login}`);
    }
}

/**
 * `eseal serve --listen 127.0.0.1:0` of an instance: {port, base, log, stop()}. The port is read from the
 * banner ("listening on ... (port N)"); the server's standard error goes to OUT/server-NAME.log (`log`).
 * stop() resolves to its exit status.
 */
export async function serve(inst, name, extra = []) {
    fs.mkdirSync(OUT, { recursive: true });
    const logFile = path.join(OUT, `server-${name}.log`);
    const log = fs.openSync(logFile, 'w');
    const proc = spawn(inst.eseal, ['serve', '--listen', '127.0.0.1:0', ...extra], { env: inst.env,
        stdio: ['ignore', 'pipe', log] });
    const srv = { proc, port: 0, base: '', banner: '', log: logFile };
    servers.push(srv);
    srv.port = await new Promise((resolve, reject) => {
        let text = '';
        const timer = setTimeout(() => reject(new Error(`eseal serve: no banner in 60 s: ${text}`)), 60000);
        proc.stdout.on('data', (d) => {
            text += d.toString();
            const m = /\(port (\d+)\)/.exec(text);
            if (m) {
                clearTimeout(timer);
                srv.banner = text;
                resolve(Number(m[1]));
            }
        });
        proc.on('exit', (code) => {
            clearTimeout(timer);
            reject(new Error(`eseal serve exited (${code}) before listening: ${text}`));
        });
    });
    proc.stdout.resume(); // the banner is all we read; the rest must not fill the pipe
    srv.base = `http://127.0.0.1:${srv.port}`;
    srv.stop = () => stopServer(srv);
    return srv;
}

/** SIGTERM (SIGKILL after 20 s); the exit status, or the signal's name when it was killed. */
function stopServer(srv) {
    if (srv.proc.exitCode !== null || srv.proc.signalCode !== null) {
        return Promise.resolve(srv.proc.exitCode ?? srv.proc.signalCode);
    }
    return new Promise((resolve) => {
        const timer = setTimeout(() => srv.proc.kill('SIGKILL'), 20000);
        srv.proc.on('exit', (code, signal) => {
            clearTimeout(timer);
            resolve(code ?? signal);
        });
        srv.proc.kill('SIGTERM');
    });
}

/** Stops every server this harness started and removes the scratch folders. */
export async function cleanup() {
    await Promise.all(servers.map(stopServer));
    for (const d of scratch) {
        fs.rmSync(d, { recursive: true, force: true });
    }
}

/** Debian's chromium, headless, through playwright-core (no browser of playwright's own). */
export async function launch() {
    let pw;
    try {
        pw = await import('playwright-core');
    } catch (e) {
        throw new Error(`playwright-core is not installed in tests/browser/node_modules (run scripts/deps.sh): ${e.message}`);
    }
    assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing (scripts/deps.sh installs Debian's chromium)`);
    // Chromium's sandbox refuses to start as root (CI and the development machines run as root).
    const args = process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : [];
    return pw.chromium.launch({ executablePath: CHROMIUM, headless: true, args });
}

/**
 * What went wrong on one page: console errors, uncaught exceptions, failed requests, answers >= 400
 * that the test did not announce with allow(), and requests to any host but the server (aborted).
 */
export class Watch {
    constructor(base) {
        this.base = base;
        this.console = [];
        this.pageErrors = [];
        this.failed = [];
        this.responses = [];
        this.foreign = [];
        this.allowed = [];
    }

    /** Announces an answer of that status to a URL matching `pattern` (a RegExp or a substring of the path). */
    allow(status, pattern) {
        this.allowed.push({ status, pattern });
    }

    isAllowed(status, url) {
        const p = url.startsWith(this.base) ? url.slice(this.base.length) : url;
        return this.allowed.some((a) => a.status === status &&
            (a.pattern instanceof RegExp ? a.pattern.test(p) : p.includes(a.pattern)));
    }

    /** Every problem seen, one line each. */
    problems() {
        const out = [];
        for (const c of this.console) {
            // Chromium logs every answer >= 400 as "Failed to load resource"; an announced one is no problem.
            const m = /Failed to load resource: the server responded with a status of (\d+)/.exec(c.text);
            if (m && this.isAllowed(Number(m[1]), c.url)) {
                continue;
            }
            out.push(`console error: ${c.text} (${c.url})`);
        }
        for (const e of this.pageErrors) {
            out.push(`page error: ${e}`);
        }
        for (const f of this.failed) {
            out.push(`failed request: ${f}`);
        }
        for (const r of this.responses) {
            if (!this.isAllowed(r.status, r.url)) {
                out.push(`unexpected answer ${r.status} to ${r.method} ${r.url}`);
            }
        }
        for (const f of this.foreign) {
            out.push(`request to another host: ${f}`);
        }
        return out;
    }
}

/**
 * A new browser context of that size with the watch installed, and a page in it:
 * {context, page, watch, size}. opts.locale sets navigator.languages and Accept-Language; opts.bypassCSP
 * (the harness's own test only, and a11y.test.mjs, which injects axe-core) lets a page's request reach the
 * route that aborts foreign requests, and an injected script run.
 */
export async function openPage(browser, server, size, opts = {}) {
    const context = await browser.newContext({ ...SIZES[size], locale: opts.locale ?? 'en-US',
        bypassCSP: opts.bypassCSP ?? false });
    context.setDefaultTimeout(60000);
    const watch = new Watch(server.base);
    await context.route('**/*', (route) => {
        const url = route.request().url();
        let origin = '';
        try {
            origin = new URL(url).origin;
        } catch {
            origin = '';
        }
        if (origin === server.base) {
            return route.continue();
        }
        watch.foreign.push(`${route.request().method()} ${url}`);
        return route.abort('blockedbyclient');
    });
    const page = await context.newPage();
    page.on('console', (m) => {
        if (m.type() === 'error') {
            watch.console.push({ text: m.text(), url: m.location().url ?? '' });
        }
    });
    page.on('pageerror', (e) => watch.pageErrors.push(String(e)));
    page.on('requestfailed', (r) => {
        // A request aborted here because it went to another host is already in watch.foreign.
        if (!watch.foreign.some((f) => f.endsWith(r.url()))) {
            watch.failed.push(`${r.method()} ${r.url()}: ${r.failure()?.errorText ?? '?'}`);
        }
    });
    page.on('response', (r) => {
        if (r.status() >= 400) {
            watch.responses.push({ status: r.status(), url: r.url(), method: r.request().method() });
        }
    });
    return { context, page, watch, size };
}

/** Fails the test with every problem the watch saw on the page. */
export function assertClean(watch, what) {
    assert.deepEqual(watch.problems(), [], `${what}: no console error, failed or foreign request`);
}

/** The contract's security headers on a page's or asset's answer. */
export async function assertHeaders(response, what) {
    assert.ok(response, `${what}: an answer`);
    const h = await response.allHeaders();
    assert.equal(h['content-security-policy'], CSP, `${what}: the Content-Security-Policy of the contract`);
    assert.equal(h['x-content-type-options'], 'nosniff', `${what}: X-Content-Type-Options`);
    assert.equal(h['referrer-policy'], 'no-referrer', `${what}: Referrer-Policy`);
    assert.equal(h['x-frame-options'], 'DENY', `${what}: X-Frame-Options`);
}

/** The page fits its width (a phone scrolls down, never sideways): no element wider than the viewport. */
export async function assertFitsWidth(p, what) {
    const w = await p.page.evaluate(() => ({ scroll: document.documentElement.scrollWidth,
        view: document.documentElement.clientWidth }));
    assert.ok(w.scroll <= w.view + 1, `${what}: the page is ${w.scroll} px wide in a ${w.view} px viewport`);
}

/** A full-page screenshot: OUT/NAME-SIZE.png. */
export async function shot(p, name) {
    fs.mkdirSync(OUT, { recursive: true });
    const file = path.join(OUT, `${name}-${p.size}.png`);
    await p.page.screenshot({ path: file, fullPage: true });
    return file;
}

/** Waits until document.body.dataset.state is one of `states`; the state. */
export async function waitState(page, states, timeout = 120000) {
    await page.waitForFunction((s) => document.body && s.includes(document.body.dataset.state), states, { timeout });
    return page.evaluate(() => document.body.dataset.state);
}
