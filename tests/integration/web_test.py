#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""web_test.py ESEAL: the web pages' routes of `eseal serve` over real HTTP (issue 21, docs/web.md).

A throw-away instance, then `eseal serve` (every resource) and:
  - GET / is web/verify.html byte for byte (text/html), HEAD / answers, POST / is 405;
  - every file of web/ at /assets/<its name under web/>: 200, the same bytes, the content type of
    its extension;
  - every answer of the pages' routes, 200 or 404, carries the Content-Security-Policy of the
    contract (each directive checked), X-Content-Type-Options: nosniff, Referrer-Policy:
    no-referrer and X-Frame-Options: DENY;
  - an unknown asset is 404, and so are the path tricks: "..", "%2e%2e", "..%2f", "./", "//",
    upper case, a NUL, a name of pdf.js's directory other than its two files;
  - /vendor/pdfjs/pdf.js and pdf.worker.js: Debian's files when libjs-pdf is installed; with
    --pdfjs-dir DIR the files of DIR; with a DIR without them a 404 whose text names libjs-pdf;
  - /v/{serial}: web/record.html when the build has it, else a 404 that says so;
  - `eseal serve --no-pages`: / and /assets/... are 404, the API still answers.
TAP output.
"""
import atexit
import http.client
import os
import shutil
import socket
import subprocess
import sys
import tempfile

E = os.path.abspath(sys.argv[1])
SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
WEB = os.path.join(SRC, "web")
T = tempfile.mkdtemp(prefix="eseal-web-")
ENV = dict(os.environ, ESEAL_HOME=os.path.join(T, "home"), ESEAL_PASSPHRASE="web-pages-pass",
           ESEAL_PW_PARAMS="1,8192,1")
DEBIAN_PDFJS = "/usr/share/javascript/pdf/build"
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
       "worker-src 'self' blob:; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8",
         ".css": "text/css; charset=utf-8", ".json": "application/json", ".svg": "image/svg+xml",
         ".png": "image/png", ".woff2": "font/woff2", ".txt": "text/plain; charset=utf-8"}

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api_lib import drain, finish, ok  # noqa: E402  (TAP)


STARTED = []


def _stop_all():
    for p in STARTED:
        if p.poll() is None:
            p.kill()
            p.wait()
    shutil.rmtree(T, ignore_errors=True)


atexit.register(_stop_all)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def serve(*extra):
    port = free_port()
    p = subprocess.Popen([E, "serve", "--listen", f"127.0.0.1:{port}", *extra], env=ENV, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    STARTED.append(p)
    banner = p.stdout.readline()
    if "listening on" not in banner:
        print("Bail out! eseal serve " + " ".join(extra) + ": " + banner + p.stderr.read())
        sys.exit(1)
    drain(p)
    return p, port, banner


def stop(p):
    p.terminate()
    p.wait(timeout=30)


def get(port, path, method="GET"):
    """(status, headers as a lower-case dict, body) for `path` sent exactly as given."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    c.putrequest(method, path, skip_accept_encoding=True)
    c.endheaders()
    r = c.getresponse()
    body = r.read()
    headers = {k.lower(): v for k, v in r.getheaders()}
    c.close()
    return r.status, headers, body


def secure(h):
    """What is wrong with the pages' headers of an answer ("" when nothing)."""
    csp = h.get("content-security-policy", "")
    want = [d.strip() for d in CSP.split(";")]
    have = [d.strip() for d in csp.split(";")]
    missing = [d for d in want if d not in have]
    extra = [d for d in have if d not in want]
    bad = []
    if missing or extra:
        bad.append(f"CSP missing {missing} extra {extra}")
    if h.get("x-content-type-options") != "nosniff":
        bad.append("nosniff: " + str(h.get("x-content-type-options")))
    if h.get("referrer-policy") != "no-referrer":
        bad.append("referrer: " + str(h.get("referrer-policy")))
    if h.get("x-frame-options") != "DENY":
        bad.append("frame: " + str(h.get("x-frame-options")))
    return "; ".join(bad)


def web_files():
    out = []
    for d, _, files in os.walk(WEB):
        for f in files:
            if not f.startswith("."):
                out.append(os.path.relpath(os.path.join(d, f), WEB))
    return sorted(out)


p = subprocess.run([E, "init"], env=ENV, capture_output=True, text=True)
if p.returncode != 0:
    print("Bail out! eseal init: " + p.stderr)
    sys.exit(1)

srv, PORT, banner = serve()
for r in ("GET /", "GET /v/{serial}", "GET /assets/", "GET /vendor/pdfjs/pdf.js", "GET /vendor/pdfjs/pdf.worker.js"):
    ok(r in banner, f"the banner lists {r}", banner[:300])

# ---- the verify page and every embedded file ----
with open(os.path.join(WEB, "verify.html"), "rb") as f:
    page = f.read()
st, h, body = get(PORT, "/")
ok(st == 200 and body == page, "GET / is web/verify.html", f"{st} {body[:80]!r}")
ok(h.get("content-type") == TYPES[".html"], "GET / is text/html", str(h.get("content-type")))
ok(secure(h) == "", "GET / carries the pages' security headers", secure(h))
st, h, body = get(PORT, "/", "HEAD")
ok(st == 200 and body == b"" and secure(h) == "", "HEAD / answers with the headers", f"{st} {secure(h)}")
st, h, body = get(PORT, "/", "POST")
ok(st == 405, "POST / is 405", str(st))

files = web_files()
ok(len(files) >= 7, f"web/ has {len(files)} files", str(files))
for name in files:
    with open(os.path.join(WEB, name), "rb") as f:
        want = f.read()
    st, h, body = get(PORT, "/assets/" + name)
    ext = os.path.splitext(name)[1]
    ok(st == 200 and body == want, f"/assets/{name}: 200, the file's bytes", f"{st} {len(body)} vs {len(want)}")
    ok(h.get("content-type") == TYPES.get(ext), f"/assets/{name}: {TYPES.get(ext)}", str(h.get("content-type")))
    ok(secure(h) == "", f"/assets/{name}: the security headers", secure(h))

# ---- what is not an asset ----
TRICKS = ["/assets/nope.js", "/assets/", "/assets/../verify.html", "/assets/%2e%2e/verify.html",
          "/assets/..%2fverify.html", "/assets/%2E%2E%2Fverify.html", "/assets/./verify.html", "/assets//verify.html",
          "/assets/i18n/../verify.html", "/assets/i18n//en.json", "/assets/VERIFY.HTML",
          "/assets/verify.html/", "/assets/%2fetc%2fpasswd", "/assets/..%5cverify.html", "/assets/web/verify.html",
          "/vendor/pdfjs/pdf.js.map", "/vendor/pdfjs/pdf.sandbox.js", "/vendor/pdfjs/../pdfjs/pdf.js.map",
          "/vendor/pdfjs/%2e%2e/build/pdf.js", "/vendor/pdfjs/", "/verify.html", "/v/", "/v/a/b"]
for path in TRICKS:
    st, h, body = get(PORT, path)
    ok(st == 404, f"{path} is 404", f"{st} {body[:120]!r}")
# libmicrohttpd decodes %00 into the path, which then ends there: still only an embedded name.
st, h, body = get(PORT, "/assets/i18n%00/../../x")
ok(st == 404, "/assets/i18n%00/../../x is 404", str(st))
st, h, body = get(PORT, "/assets/nope.js")
ok(secure(h) == "" and b"not found" in body, "an unknown asset's 404 says so, with the headers", f"{body!r} {secure(h)}")

# ---- pdf.js ----
for js in ("pdf.js", "pdf.worker.js"):
    st, h, body = get(PORT, "/vendor/pdfjs/" + js)
    if os.path.isfile(os.path.join(DEBIAN_PDFJS, js)):
        with open(os.path.join(DEBIAN_PDFJS, js), "rb") as f:
            want = f.read()
        ok(st == 200 and body == want, f"/vendor/pdfjs/{js} is Debian's {js}", f"{st} {len(body)}")
        ok(h.get("content-type") == TYPES[".js"] and secure(h) == "", f"/vendor/pdfjs/{js}: type and headers",
           f"{h.get('content-type')} {secure(h)}")
    else:
        ok(st == 404 and b"libjs-pdf" in body, f"/vendor/pdfjs/{js}: 404 naming libjs-pdf (not installed here)",
           f"{st} {body!r}")
        ok(True, f"/vendor/pdfjs/{js}: (nothing to compare)")

# ---- the record page ----
st, h, body = get(PORT, "/v/0A1B2C3D")
rec = os.path.join(WEB, "record.html")
if os.path.isfile(rec):
    with open(rec, "rb") as f:
        ok(st == 200 and body == f.read() and h.get("content-type") == TYPES[".html"], "/v/{serial} is web/record.html",
           str(st))
else:
    ok(st == 404 and b"record" in body, "/v/{serial} is 404 while the build has no record page", f"{st} {body!r}")
ok(secure(h) == "", "/v/{serial}: the security headers", secure(h))
stop(srv)

# ---- --pdfjs-dir ----
mine = os.path.join(T, "pdfjs")
os.mkdir(mine)
with open(os.path.join(mine, "pdf.js"), "w") as f:
    f.write("/* a pdf.js of the test */\n")
with open(os.path.join(mine, "pdf.worker.js"), "w") as f:
    f.write("/* a worker of the test */\n")
with open(os.path.join(mine, "secret.txt"), "w") as f:
    f.write("not served\n")
srv, PORT, banner = serve("--only", "pages", "--pdfjs-dir", mine)
st, h, body = get(PORT, "/vendor/pdfjs/pdf.js")
ok(st == 200 and body == b"/* a pdf.js of the test */\n", "--pdfjs-dir: its pdf.js is served", f"{st} {body!r}")
st, h, body = get(PORT, "/vendor/pdfjs/pdf.worker.js")
ok(st == 200 and body == b"/* a worker of the test */\n", "--pdfjs-dir: its pdf.worker.js is served", f"{st}")
for path in ("/vendor/pdfjs/secret.txt", "/vendor/pdfjs/..%2fpdfjs%2fsecret.txt", "/vendor/pdfjs/pdf.js/"):
    st, h, body = get(PORT, path)
    ok(st == 404, f"--pdfjs-dir: {path} is 404 (two names only)", f"{st} {body!r}")
ok("/api/v1" not in banner and "GET /," in banner, "--only pages serves the pages alone", banner)
stop(srv)
empty = os.path.join(T, "empty")
os.mkdir(empty)
srv, PORT, banner = serve("--only", "pages", "--pdfjs-dir", empty)
st, h, body = get(PORT, "/vendor/pdfjs/pdf.worker.js")
ok(st == 404 and b"libjs-pdf" in body and b"--pdfjs-dir" in body and empty.encode() in body,
   "a missing pdf.js: 404 whose text names the file, libjs-pdf and --pdfjs-dir", f"{st} {body!r}")
ok(h.get("content-type", "").startswith("text/plain") and secure(h) == "", "the missing pdf.js's 404: text, headers",
   f"{h.get('content-type')} {secure(h)}")
st, h, body = get(PORT, "/")
ok(st == 200, "the page is served without pdf.js", str(st))
stop(srv)

# ---- --no-pages ----
srv, PORT, banner = serve("--no-pages")
for path in ("/", "/assets/verify.js", "/vendor/pdfjs/pdf.js", "/v/0A1B"):
    st, h, body = get(PORT, path)
    ok(st == 404, f"--no-pages: {path} is 404", str(st))
st, h, body = get(PORT, "/api/v1/openapi.json")
ok(st == 200, "--no-pages: the API still answers", str(st))
ok("GET /," not in banner and "/assets" not in banner, "--no-pages: the banner lists no page", banner[:200])
stop(srv)
p = subprocess.run([E, "serve", "--listen", "127.0.0.1:0", "--only", "pages", "--no-pages"], env=ENV,
                   capture_output=True, text=True, timeout=30)
ok(p.returncode == 2, "--only pages --no-pages is a usage error", f"{p.returncode} {p.stderr}")

finish()
