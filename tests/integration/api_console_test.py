#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""api_console_test.py ESEAL: the API side of the console's seal maker (issue 21 §2,
src/server/api_more.c imprints_preview; docs/http-api.md "Imprint preview") over real HTTP.

A throw-away instance with two organisations and users per role, `eseal serve --only api`, then:
  - POST /imprints/preview answers image/svg+xml; the same fields draw the same bytes, and each
    field changed (text, code, width, type) changes the drawing in the way it should;
  - the preview is the imprint the seal gets: POST /seals with the same fields (now also `code`,
    `width_mm`) makes a seal whose GET /seals/{esid}/imprint.svg is the preview, path for path;
  - GET /seals/{esid}/receipt: the filing receipt, VALID for the seal's SHA-256; another
    organisation's seal 404, a seal never filed 404, no session 401;
  - a bad spec is 400 BAD_INPUT (unknown type, no text, a text too long for the arc, a character
    the font lacks, a size out of 10..100 mm or not a number, a code on a personal seal, an
    unknown field, not JSON); no session is 401, a session without its CSRF token 403 CSRF, a
    token without seals:write 403; a token with it, and every logged-in user, 200;
  - every answer is checked against docs/openapi.yaml (openapi_check.py);
  - the console's pages: /console/, /console/grants, /console/approvals, /console/audit and /console/users with
    the pages' CSP, a 404 below them, the
    DOM contract's ids, no inline script or style, no innerHTML, the CSRF token sent, the same
    console.* keys (and placeholders) in en.json and zh.json, every key the page names present.
TAP output.
"""
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import api_lib  # noqa: E402
from api_lib import ok, problem  # noqa: E402

E = os.path.abspath(sys.argv[1])
T = tempfile.mkdtemp(prefix="eseal-api-console-")
HOME = os.path.join(T, "home")
ENV = dict(os.environ, ESEAL_HOME=HOME, ESEAL_PASSPHRASE="api-console-pass", ESEAL_PW_PARAMS="1,8192,1")
PW = "Correct-Horse-Battery-9071"

ORG_A, ORG_B, CERT_A, CERT_B = api_lib.two_orgs(E, ENV)
USERS = {"kim": (ORG_A, "seal-keeper"), "sam": (ORG_A, "stamper"), "mo": (ORG_A, "approver"),
         "bob": (ORG_B, "org-admin")}
api_lib.add_users(E, ENV, T, PW, USERS)

sock = socket.socket()
sock.bind(("127.0.0.1", 0))
PORT = sock.getsockname()[1]
sock.close()
srv = subprocess.Popen([E, "serve", "--listen", f"127.0.0.1:{PORT}", "--only", "api,pages"], env=ENV,
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
banner = srv.stdout.readline()
ok("listening on" in banner, "serve --only api,pages listens", banner)
ok("POST /api/v1/imprints/preview" in banner, "the banner lists POST /api/v1/imprints/preview")


def call(method, path, body=None, headers=None, ctype="application/json"):
    return api_lib.call(PORT, method, path, body, headers, ctype)


def login(user):
    return api_lib.login(PORT, user, PW)


S = {u: login(u) for u in USERS}
st, h, doc = call("POST", "/api/v1/tokens", {"scopes": ["seals:read"]}, headers=S["kim"])
ok(st == 201, "a token of kim with seals:read only", f"{st} {doc}")
READ_TOKEN = api_lib.bearer(doc["token"])
st, h, doc = call("POST", "/api/v1/tokens", {"scopes": ["seals:write"]}, headers=S["kim"])
ok(st == 201, "a token of kim with seals:write", f"{st} {doc}")
WRITE_TOKEN = api_lib.bearer(doc["token"])

PREVIEW = "/api/v1/imprints/preview"
BASE = {"type": "contract", "text": "北京示例科技有限公司", "code": "1101080012345"}


def svg(body, who="kim", what=""):
    """The preview's SVG text, or None (with a not-ok line) when it is not a 200 SVG."""
    st, h, doc = call("POST", PREVIEW, body, headers=S[who] if isinstance(who, str) else who)
    good = st == 200 and h.get("content-type") == "image/svg+xml" and isinstance(doc, bytes) and b"<svg" in doc
    ok(good, f"preview {what or body}: 200 image/svg+xml", f"{st} {h.get('content-type')} {str(doc)[:300]}")
    return doc.decode() if good else None


def same(a, b):
    """Two SVGs are the same drawing: equal but for cairo's surface ids ("surface2", "surface8"), a
    counter of the drawing process, not of the drawing."""
    norm = lambda s: re.sub(r"surface\d+", "surface", s)  # noqa: E731
    return a is not None and b is not None and norm(a) == norm(b)


def size_mm(s):
    m = re.search(r'<svg[^>]*\bwidth="([0-9.]+)mm"[^>]*\bheight="([0-9.]+)mm"', s or "")
    return (float(m.group(1)), float(m.group(2))) if m else None


# ---- a changed field changes the drawing ----
t0 = time.monotonic()
base = svg(BASE, what="of a contract seal")
print(f"# one preview: {(time.monotonic() - t0) * 1000:.0f} ms")
again = svg(BASE, what="of the same fields again")
ok(same(base, again), "the same fields draw the same paths")
ok(size_mm(base) == (40.0, 40.0), "a contract seal is round, 40 mm (its template)", str(size_mm(base)))
other_text = svg(dict(BASE, text="上海示例贸易有限公司"), what="with another arc text")
ok(None not in (base, other_text) and not same(other_text, base) and size_mm(other_text) == size_mm(base),
   "another arc text: another drawing of the same size")
no_code = svg({"type": "contract", "text": BASE["text"]}, what="without the code")
ok(None not in (base, no_code) and not same(no_code, base) and len(no_code) < len(base),
   "without the code the drawing has fewer paths (the lower arc is gone)", f"{len(no_code or '')} vs {len(base or '')}")
wide = svg(dict(BASE, width_mm=45), what="45 mm wide")
ok(size_mm(wide) == (45.0, 45.0), "width_mm 45: a 45 mm imprint", str(size_mm(wide)))
official = svg(dict(BASE, type="official"), what="as an official seal")
ok(None not in (base, official) and not same(official, base) and size_mm(official) == (42.0, 42.0),
   "type official: another drawing (no centre line), 42 mm", str(size_mm(official)))
invoice = svg({"type": "invoice", "text": BASE["text"], "code": "91110000MA01ABCDEX"}, what="of an invoice seal")
ok(size_mm(invoice) == (40.0, 30.0), "an invoice seal is an oval 40 x 30 mm", str(size_mm(invoice)))
personal = svg({"type": "personal", "text": "张三"}, what="of a personal seal")
ok(personal is not None and size_mm(personal) is not None and size_mm(personal)[0] < 30, "a personal seal is small and square",
   str(size_mm(personal)))
legal = svg({"type": "legal-representative", "text": "李四"}, what="of a legal-rep seal by its long name")
ok(legal is not None, "the type's long alias is taken")

# ---- the preview is the imprint the seal gets ----
MADE = dict(BASE, width_mm=42)
preview = svg(MADE, what="of the seal about to be made")
st, h, seal = call("POST", "/api/v1/seals", dict(MADE, cert=CERT_A, name="Alpha Contract Seal"), headers=S["kim"])
ok(st == 201 and isinstance(seal, dict) and seal.get("type") == "contract", "POST /seals with code and width_mm: 201",
   f"{st} {seal}")
esid = seal.get("esid", "none") if isinstance(seal, dict) else "none"
st, h, made = call("GET", f"/api/v1/seals/{esid}/imprint.svg", headers=S["kim"])
ok(st == 200 and isinstance(made, bytes) and same(made.decode(), preview),
   "the made seal's imprint.svg is its preview, path for path", f"{st} {len(made or b'')} vs {len(preview or '')}")
ok(size_mm(made.decode() if isinstance(made, bytes) else "") == (42.0, 42.0), "the seal was drawn 42 mm wide")
# ---- the seal's filing receipt (the console shows it under the seal) ----
st, h, rc = call("GET", f"/api/v1/seals/{esid}/receipt", headers=S["sam"])
ok(st == 200 and isinstance(rc, dict) and rc.get("esid") == esid and rc.get("verdict") == "VALID" and
   rc.get("seal_sha256") == seal.get("sha256") and rc.get("serial", 0) >= 1 and rc.get("filed") is not None,
   "GET /seals/{esid}/receipt: the filing receipt of that seal, VALID, for its SHA-256", f"{st} {rc} {seal}")
SEAL_B = api_lib.must(E, ENV, ["seal", "make", "--cert", CERT_B, "--type", "official", "--name", "Beta"], "seal of B")
st, h, doc = call("GET", f"/api/v1/seals/{SEAL_B}/receipt", headers=S["kim"])
ok(problem(st, h, doc, 404, "NOT_FOUND"), "another organisation's seal's receipt: 404", f"{st} {doc}")
st, h, doc = call("GET", f"/api/v1/seals/{SEAL_B}/receipt", headers=S["bob"])
ok(st == 200 and doc.get("esid") == SEAL_B and doc.get("verdict") == "VALID", "its own organisation reads it",
   f"{st} {doc}")
UNFILED = api_lib.must(E, ENV, ["seal", "make", "--cert", CERT_A, "--type", "official", "--name", "Unfiled",
                                "--no-file"], "a seal made but not filed")
st, h, doc = call("GET", f"/api/v1/seals/{UNFILED}/receipt", headers=S["kim"])
ok(problem(st, h, doc, 404, "NOT_FOUND") and "not filed" in doc.get("detail", ""),
   "a seal never filed has no receipt: 404", f"{st} {doc}")
st, h, doc = call("GET", f"/api/v1/seals/{esid}/receipt")
ok(problem(st, h, doc, 401, "UNAUTHENTICATED"), "the receipt without a session: 401", f"{st} {doc}")

st, h, doc = call("POST", "/api/v1/seals", {"cert": CERT_A, "name": "Zhang", "type": "personal", "text": "张三",
                                             "code": "123"}, headers=S["kim"])
ok(problem(st, h, doc, 400, "BAD_INPUT"), "POST /seals: a code on a personal seal is 400", f"{st} {doc}")
st, h, doc = call("POST", "/api/v1/seals", dict(MADE, cert=CERT_A, name="Tiny", width_mm=5), headers=S["kim"])
ok(problem(st, h, doc, 400, "BAD_INPUT"), "POST /seals: width_mm 5 is 400", f"{st} {doc}")

# ---- a bad spec is 400 ----
for body, what in (
        (dict(BASE, type="castle"), "an unknown type"),
        ({"type": "contract"}, "no text"),
        (dict(BASE, text=""), "an empty text"),
        (dict(BASE, text="北" * 41), "41 characters on the arc"),
        (dict(BASE, text="x" * 300), "a text over 256 bytes"),
        (dict(BASE, text="示例\U0001F600公司"), "a character the font lacks"),
        (dict(BASE, width_mm=5), "width_mm 5"),
        (dict(BASE, width_mm=101), "width_mm 101"),
        (dict(BASE, width_mm="40"), "width_mm a string"),
        ({"type": "personal", "text": "张三", "code": "1"}, "a code on a personal seal"),
        (dict(BASE, colour="#000"), "an unknown field"),
        ("not json", "a body that is not JSON"),
        ([BASE], "an array")):
    st, h, doc = call("POST", PREVIEW, body, headers=S["kim"])
    ok(problem(st, h, doc, 400, "BAD_INPUT"), f"preview with {what}: 400 BAD_INPUT", f"{st} {doc}")
    if what == "41 characters on the arc" and isinstance(doc, dict):
        ok("arc" in doc.get("detail", ""), "the refusal names the arc text", doc.get("detail", ""))

# ---- who may ----
st, h, doc = call("POST", PREVIEW, BASE)
ok(problem(st, h, doc, 401, "UNAUTHENTICATED"), "no session: 401", f"{st} {doc}")
st, h, doc = call("POST", PREVIEW, BASE, headers={"Cookie": S["kim"]["Cookie"]})
ok(problem(st, h, doc, 403, "CSRF"), "a session without its CSRF token: 403 CSRF", f"{st} {doc}")
st, h, doc = call("POST", PREVIEW, BASE, headers=dict(S["kim"], **{"X-CSRF-Token": "x" * 43}))
ok(problem(st, h, doc, 403, "CSRF"), "a session with a wrong CSRF token: 403 CSRF", f"{st} {doc}")
st, h, doc = call("POST", PREVIEW, BASE, headers=READ_TOKEN)
ok(problem(st, h, doc, 403, "FORBIDDEN"), "a token with seals:read only: 403", f"{st} {doc}")
svg(BASE, who=WRITE_TOKEN, what="with a token of seals:write")
for u in ("sam", "mo", "bob"):
    svg(BASE, who=u, what=f"as {u} ({USERS[u][1]})")
st, h, doc = call("POST", PREVIEW, BASE, headers={"Cookie": "eseal_session=" + "A" * 43, "X-CSRF-Token": "A" * 43})
ok(problem(st, h, doc, 401, "UNAUTHENTICATED"), "a dead session: 401", f"{st} {doc}")
st, h, doc = call("POST", PREVIEW, b"type=contract", headers=S["kim"], ctype="application/x-www-form-urlencoded")
ok(st == 415, "a form body (not JSON): 415", f"{st} {doc}")
ok(api_lib.checked() > 40, f"{api_lib.checked()} answers checked against docs/openapi.yaml")

# ---- the console's pages (docs/web.md "Console"): served with the pages' headers, the DOM contract ----
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; "
       "worker-src 'self' blob:; font-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")


def page(path):
    c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
    c.request("GET", path)
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, body


html = b""
for path in ("/console/", "/console/grants", "/console/approvals", "/console/audit", "/console/users"):
    st, h, body = page(path)
    ok(st == 200 and h.get("content-type", "").startswith("text/html") and h.get("content-security-policy") == CSP and
       h.get("x-frame-options") == "DENY" and b'id="login-form"' in body, f"GET {path}: the console, with the CSP",
       f"{st} {h}")
    html = body if st == 200 else html
st, h, body = page("/console/settings")
ok(st == 404 and h.get("content-security-policy") == CSP, "GET /console/settings: 404, with the CSP", f"{st} {h}")
text = html.decode("utf-8", "replace")
for id_ in ("login-form", "login-user", "login-password", "logout", "seal-list", "seal-form", "seal-type", "seal-text",
            "seal-code", "seal-width", "imprint-preview", "grant-form", "grant-list", "grant-sentence", "lang",
            "approval-list", "approval-comment", "approve-selected", "reject-selected", "nav-approvals",
            # the audit section and users, roles and tokens (docs/web.md "Console")
            "nav-audit", "nav-users", "audit-filter-seal", "audit-filter-user", "audit-filter-from", "audit-filter-to",
            "audit-list", "audit-chart", "audit-table", "user-form", "user-list", "user-roles", "users-denied",
            "token-form", "token-list", "token-secret", "token-scopes"):
    ok(f'id="{id_}"' in text, f"console.html has #{id_} (the DOM contract)")
ok(re.search(r'id="imprint-preview"[^>]*data-version="0"', text) is not None, "#imprint-preview starts at data-version 0")
ok(re.search(r"<script(?![^>]*\bsrc=)", text) is None and "<style" not in text and " style=" not in text and
   re.search(r"\son[a-z]+=", text) is None, "no inline script, style or event handler (the CSP forbids them)")
js = page("/assets/console.js")[2].decode()
ok("innerHTML" not in js and "insertAdjacentHTML" not in js and "document.write" not in js,
   "console.js builds the DOM with textContent, never HTML")
ok("X-CSRF-Token" in js, "console.js sends the CSRF token")
ok(re.search(r'<svg id="audit-chart"[^>]*role="img"', text) is not None and '<table id="audit-table"' in text,
   "#audit-chart is an SVG image with a table beside it (for screen readers)")
ok("createElementNS(SVG_NS" in js and "'http://www.w3.org/2000/svg'" in js, "console.js draws the chart with createElementNS")
for path in ("/console/audit/x", "/console/user", "/console/usersx"):
    st, h, body = page(path)
    ok(st == 404, f"GET {path}: 404 (only the sections are pages)", str(st))
strings = {}
for lang in ("en", "zh"):
    st, h, body = page(f"/assets/i18n/{lang}.json")
    strings[lang] = {k: v for k, v in json.loads(body).items() if k.startswith("console.")} if st == 200 else {}
ok(len(strings["en"]) > 80 and set(strings["en"]) == set(strings["zh"]), "en.json and zh.json have the same console.* keys",
   str(set(strings["en"]) ^ set(strings["zh"])))
used = set(re.findall(r"'(console\.[a-z0-9.-]+)'", js)) | set(re.findall(r'data-i18n="(console\.[a-z0-9.-]+)"', text))
ok(used and used <= set(strings["en"]), f"every console.* key the page names is in the strings ({len(used)})",
   str(used - set(strings["en"])))
for k, v in strings["en"].items():
    zh = strings["zh"].get(k, "")
    ok(set(re.findall(r"\{[a-z_]+\}", v)) == set(re.findall(r"\{[a-z_]+\}", zh)), f"{k}: the same placeholders in en and zh",
       f"{v!r} / {zh!r}") if "{" in v + zh else None

srv.send_signal(signal.SIGTERM)
try:
    srv.wait(timeout=30)
    ok(srv.returncode == 0, "serve stops cleanly on SIGTERM", str(srv.returncode))
except subprocess.TimeoutExpired:
    srv.kill()
    ok(False, "serve stops on SIGTERM")
shutil.rmtree(T, ignore_errors=True)
api_lib.finish()
