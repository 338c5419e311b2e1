#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""api_more_test.py ESEAL: the instance, certificates, seal making and signing routes of
`eseal serve`'s JSON API over real HTTP (issue 19 §2, src/server/api_more.c).

A throw-away instance with two organisations (each with its USCC), a certificate of each made by
the CLI, users per role; then `eseal serve --only api` and, with Python's http.client:
  - GET /instance (the log, the CA hierarchies and their certificates, the TSAs) and
    GET /ca/{id}.pem (the same PEM as the certificate's record; a non-CA id is 404);
  - POST /certs: an organisation administrator issues a certificate for its organisation, which
    carries the organisation's USCC (`openssl x509 -subject`); another organisation's is 404, a
    seal keeper 403, bad input 400; the platform administrator names any organisation;
    POST /certs/{id}/revoke (revoked; another organisation's 404; a platform CA 400);
  - POST /seals: a seal keeper makes a seal (201) that `eseal seal verify` finds valid; a stamper
    403, another organisation's certificate 404, bad input 400; POST /seals/{esid}/renew;
  - POST /sign: a stamper signs a file; `eseal verify X.p7s --data FILE` says VALID, and INVALID
    for another file; another organisation's certificate 404, a seal keeper 403;
  - the authorisation matrix of these routes x callers (a route of api_more.c without a row fails);
  - every answer is checked against docs/openapi.yaml (openapi_check.py).
TAP output.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import api_lib  # noqa: E402  (TAP, the CLI, one exchange checked against docs/openapi.yaml)
from api_lib import bearer, last_line, ok, problem, sess  # noqa: E402,F401

E = os.path.abspath(sys.argv[1])
T = tempfile.mkdtemp(prefix="eseal-api-more-")
HOME = os.path.join(T, "home")
ENV = dict(os.environ, ESEAL_HOME=HOME, ESEAL_PASSPHRASE="api-more-pass", ESEAL_PW_PARAMS="1,8192,1")
PW = "Correct-Horse-Battery-9071"
USCC_A, USCC_B = api_lib.USCC_A, api_lib.USCC_B
# The routes this test owns (api_test.py and api_seals_test.py leave them to it: their MORE_OWN).
MORE_OWN = ("GET /api/v1/instance", "GET /api/v1/ca/{id}.pem", "POST /api/v1/certs", "POST /api/v1/certs/{id}/revoke",
            "POST /api/v1/seals", "POST /api/v1/seals/{esid}/renew", "POST /api/v1/sign")

def run(*args):
    return api_lib.run(E, ENV, *args)


def must(args, what):
    return api_lib.must(E, ENV, args, what)


# ---- the instance: two organisations, a certificate each, users (the CLI) ----
ORG_A, ORG_B, CERT_A, CERT_B = api_lib.two_orgs(E, ENV)
SEAL_B = must(["seal", "make", "--cert", CERT_B, "--type", "contract", "--name", "Beta Contract Seal"], "seal of B")
USERS = {
    "root": (ORG_A, "platform-admin"),
    "ada": (ORG_A, "org-admin"),
    "kim": (ORG_A, "seal-keeper"),
    "sam": (ORG_A, "stamper"),
    "zed": (ORG_A, "auditor"),
    "mo": (ORG_A, "approver"),  # a member with no role of these routes
    "bob": (ORG_B, "org-admin"),
}
api_lib.add_users(E, ENV, T, PW, USERS)

sock = socket.socket()
sock.bind(("127.0.0.1", 0))
PORT = sock.getsockname()[1]
sock.close()
srv = subprocess.Popen([E, "serve", "--listen", f"127.0.0.1:{PORT}", "--only", "api"], env=ENV,
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
banner = srv.stdout.readline()
ok("listening on" in banner, "serve --only api listens", banner)


def call(method, path, body=None, headers=None, ctype="application/json"):
    return api_lib.call(PORT, method, path, body, headers, ctype)


def login(user):
    return api_lib.login(PORT, user, PW)


S = {u: login(u) for u in USERS}
st, h, doc = call("POST", "/api/v1/tokens", {"scopes": ["verify"]}, headers=S["sam"])
ok(st == 201, "a token of sam with the scope verify only", f"{st} {doc}")
NOSCOPE = {"Authorization": f"Bearer {doc['token']}"}
st, h, doc = call("POST", "/api/v1/tokens", {"scopes": ["stamp"]}, headers=S["sam"])
ok(st == 201, "a token of sam with the scope stamp", f"{st} {doc}")
STAMP_TOKEN = {"Authorization": f"Bearer {doc['token']}"}

# ---- GET /instance, GET /ca/{id}.pem ----
rc, pub, err = run("log", "publish")
ok(rc == 0 and "checkpoint:" in pub, "a signed checkpoint of the log (the CLI)", pub + err)
st, h, inst = call("GET", "/api/v1/instance", headers=S["mo"])
ok(st == 200 and isinstance(inst, dict), "GET /instance as a member", f"{st} {inst}")
hier = inst.get("hierarchies", {}) if isinstance(inst, dict) else {}
ok(set(hier) >= {"sm2", "p256", "rsa"}, "the instance lists the sm2, p256 and rsa hierarchies", str(list(hier)))
sm2_roles = {c["role"] for c in hier.get("sm2", []) if c["status"] == "current"}
ok(sm2_roles >= {"root-ca", "issuing-ca", "seal-maker"}, "sm2: a current root, issuing CA and seal maker",
   str(sm2_roles))
ok(CERT_A not in {c["id"] for v in hier.values() for c in v}, "an organisation's certificate is not the instance's")
ok(sorted(inst.get("tsa", [])) == ["p256", "sm2"], "the TSA hierarchies: sm2 and p256 (rsa has none)",
   str(inst.get("tsa")))
rc, out, err = run("cert", "list")
cli_ids = {l.split()[0]: (l.split()[1], l.split()[2], l.split()[5]) for l in out.splitlines()[1:]
           if len(l.split()) > 5 and l.split()[1] in ("root-ca", "issuing-ca", "seal-maker", "tsa", "ocsp")}
api_ids = {c["id"]: (c["role"], h_, c["status"]) for h_, v in hier.items() for c in v}
ok(rc == 0 and len(cli_ids) > 10 and api_ids == cli_ids,
   "the instance's certificates are the platform's of `eseal cert list` (id, role, hierarchy, status)",
   f"{sorted(set(api_ids) ^ set(cli_ids))} {err}")
lg = inst.get("log", {}) if isinstance(inst, dict) else {}
rc, out, err = run("log", "checkpoint")
ok(rc == 0 and out.splitlines()[0] == lg.get("origin"), "the log's origin is the checkpoint's first line",
   f"{lg} / {out[:120]!r} {err}")
m = re.search(r"size (\d+)", pub)
ok(isinstance(lg.get("size"), int) and m is not None and lg["checkpoint_size"] == int(m.group(1)) and
   0 < lg["checkpoint_size"] <= lg["size"], "the log's size and its newest checkpoint's (eseal log publish)",
   f"{lg} / {pub}")
ROOT = next((c["id"] for c in hier.get("sm2", []) if c["role"] == "root-ca"), "none")
st, h, pem = call("GET", f"/api/v1/ca/{ROOT}.pem", headers=S["mo"])
st2, h2, rec = call("GET", f"/api/v1/certs/{ROOT}", headers=S["root"])
ok(st == 200 and h.get("content-type") == "application/x-pem-file" and st2 == 200 and pem.decode() == rec["pem"],
   "GET /ca/{id}.pem is the CA certificate's PEM", f"{st} {st2} {pem[:80]!r}")
p = subprocess.run(["openssl", "x509", "-noout", "-subject"], input=pem, capture_output=True)
ok(p.returncode == 0 and b"CN" in p.stdout, "openssl reads the CA's PEM", f"{p.stdout!r} {p.stderr!r}")
for path in (f"/api/v1/ca/{CERT_A}.pem", "/api/v1/ca/0123456789abcdef.pem", f"/api/v1/ca/{ROOT}",
             f"/api/v1/ca/{ROOT[:6]}.pem"):
    st, h, doc = call("GET", path, headers=S["root"])
    ok(problem(st, h, doc, 404, "NOT_FOUND"), f"GET {path}: 404 (a CA's whole id and .pem only)", f"{st} {doc}")
st, h, doc = call("GET", "/api/v1/instance")
ok(problem(st, h, doc, 401, "UNAUTHENTICATED"), "GET /instance anonymous: 401", f"{st} {doc}")


def subject_of(pem_text):
    p = subprocess.run(["openssl", "x509", "-noout", "-subject", "-nameopt", "RFC2253"], input=pem_text.encode(),
                       capture_output=True, text=False)
    return p.stdout.decode()


# ---- POST /certs, POST /certs/{id}/revoke ----
st, h, c1 = call("POST", "/api/v1/certs", {"alg": "p256"}, headers=S["ada"])
ok(st == 201 and c1["organisation"] == ORG_A and c1["role"] == "org" and c1["alg"] == "p256" and c1["revoked"] is None,
   "an org admin issues a certificate for its organisation (201)", f"{st} {c1}")
NEW_A = c1.get("id", "none") if isinstance(c1, dict) else "none"
subj = subject_of(c1.get("pem", "") if isinstance(c1, dict) else "")
ok(f"NTRCN-{USCC_A}" in subj and "Alpha Trading Ltd" in subj, "openssl: the certificate carries A's USCC and name",
   subj)
st, h, doc = call("GET", "/api/v1/certs", headers=S["mo"])
ok(st == 200 and NEW_A in [c["id"] for c in doc], "A's members see the new certificate", f"{st}")
st, h, doc = call("POST", "/api/v1/certs", {"org": ORG_A, "alg": "sm2", "name": "Alpha Trading Ltd Shanghai"},
                  headers=S["ada"])
ok(st == 201 and doc["alg"] == "sm2" and "Alpha Trading Ltd Shanghai" in subject_of(doc["pem"]) and
   f"NTRCN-{USCC_A}" in subject_of(doc["pem"]), "an SM2 certificate of A with a name of its own", f"{st} {doc}")
st, h, doc = call("POST", "/api/v1/certs", {"org": ORG_B}, headers=S["ada"])
ok(problem(st, h, doc, 404, "NOT_FOUND"), "A's org admin names B: 404", f"{st} {doc}")
st, h, doc = call("POST", "/api/v1/certs", {"org": USCC_B}, headers=S["ada"])
ok(problem(st, h, doc, 404, "NOT_FOUND"), "A's org admin names B by its USCC: 404", f"{st} {doc}")
st, h, doc = call("POST", "/api/v1/certs", {}, headers=S["kim"])
ok(problem(st, h, doc, 403, "FORBIDDEN"), "a seal keeper may not issue certificates (403)", f"{st} {doc}")
st, h, doc = call("POST", "/api/v1/certs", {"org": ORG_B, "alg": "p256"}, headers=S["root"])
ok(st == 201 and doc["organisation"] == ORG_B and f"NTRCN-{USCC_B}" in subject_of(doc["pem"]),
   "the platform admin issues one for B", f"{st} {doc}")
NEW_B = doc.get("id", "none") if isinstance(doc, dict) else "none"
for body, what in (({"alg": "dsa"}, "an unknown alg"), ({"alg": 7}, "alg not a string"), ({"colour": "red"},
                   "an unknown field"), ("[1]", "not an object"), ("{", "not JSON")):
    st, h, doc = call("POST", "/api/v1/certs", body, headers=S["ada"])
    ok(problem(st, h, doc, 400, "BAD_INPUT"), f"POST /certs with {what}: 400", f"{st} {doc}")
st, h, doc = call("POST", "/api/v1/certs", "{}", headers=S["ada"], ctype="text/plain")
ok(problem(st, h, doc, 415, "UNSUPPORTED") or st == 415, "POST /certs not JSON: 415", f"{st} {doc}")
st, h, doc = call("POST", f"/api/v1/certs/{NEW_B}/revoke", {"reason": "keyCompromise"}, headers=S["ada"])
ok(problem(st, h, doc, 404, "NOT_FOUND"), "A's org admin revokes B's certificate: 404", f"{st} {doc}")
st, h, doc = call("POST", f"/api/v1/certs/{NEW_A}/revoke", {"reason": "sometime"}, headers=S["ada"])
ok(problem(st, h, doc, 400, "BAD_INPUT"), "a reason that is no RFC 5280 name: 400", f"{st} {doc}")
st, h, doc = call("POST", f"/api/v1/certs/{NEW_A}/revoke", {"reason": "superseded"}, headers=S["kim"])
ok(problem(st, h, doc, 403, "FORBIDDEN"), "a seal keeper may not revoke (403)", f"{st} {doc}")
st, h, doc = call("POST", f"/api/v1/certs/{NEW_A}/revoke", {"reason": "superseded"}, headers=S["ada"])
ok(st == 200 and doc["id"] == NEW_A and doc["revoked"] is not None, "A's org admin revokes A's certificate",
   f"{st} {doc}")
rc, out, err = run("cert", "show", NEW_A)
ok(rc == 0 and "revoked" in (out + err).lower(), "the CLI sees it revoked", out + err)
st, h, doc = call("POST", f"/api/v1/certs/{NEW_A}/revoke", {"reason": "superseded"}, headers=S["ada"])
ok(st in (409,) and doc.get("code") in ("WRONG_STATE", "CONFLICT"), "revoking it again: 409", f"{st} {doc}")
st, h, doc = call("POST", f"/api/v1/certs/{ROOT}/revoke", {"reason": "keyCompromise"}, headers=S["root"])
ok(problem(st, h, doc, 400, "BAD_INPUT"), "a platform CA is not revoked here (400)", f"{st} {doc}")

# ---- POST /seals, POST /seals/{esid}/renew ----
SEAL_REQ = {"cert": CERT_A, "name": "Alpha Contract Seal", "type": "contract", "valid_days": 30}
st, h, s1 = call("POST", "/api/v1/seals", SEAL_REQ, headers=S["kim"])
ok(st == 201 and s1["state"] == "active" and s1["organisation"] == ORG_A and s1["certificates"] == [CERT_A] and
   s1["type"] == "contract" and s1["name"] == "Alpha Contract Seal", "a seal keeper makes a seal of A (201)",
   f"{st} {s1}")
SEAL_A = s1.get("esid", "none") if isinstance(s1, dict) else "none"
esl = os.path.join(T, "a.esl")
rc, out, err = run("seal", "export", SEAL_A, "-o", esl)
rc2, out2, err2 = run("seal", "verify", esl)
ok(rc == 0 and rc2 == 0 and "VALID" in out2 and "INVALID" not in out2, "the made seal verifies (eseal seal verify)",
   f"{rc} {err} / {rc2} {out2} {err2}")
st, h, doc = call("POST", "/api/v1/seals", SEAL_REQ, headers=S["sam"])
ok(problem(st, h, doc, 403, "FORBIDDEN"), "a stamper making a seal: 403", f"{st} {doc}")
st, h, doc = call("POST", "/api/v1/seals", dict(SEAL_REQ, cert=CERT_B), headers=S["kim"])
ok(problem(st, h, doc, 404, "NOT_FOUND"), "a seal with another organisation's certificate: 404", f"{st} {doc}")
for body, what in ((dict(SEAL_REQ, type="castle"), "an unknown type"), ({"cert": CERT_A, "type": "contract"},
                   "no name"), (dict(SEAL_REQ, valid_days=0), "valid_days 0"),
                   (dict(SEAL_REQ, valid_days="30"), "valid_days a string"), (dict(SEAL_REQ, colour=1), "an unknown field")):
    st, h, doc = call("POST", "/api/v1/seals", body, headers=S["kim"])
    ok(problem(st, h, doc, 400, "BAD_INPUT"), f"POST /seals with {what}: 400", f"{st} {doc}")
st, h, s2 = call("POST", f"/api/v1/seals/{SEAL_A}/renew", {"reason": "new year"}, headers=S["kim"])
ok(st == 201 and s2["generation"] == s1["generation"] + 1 and s2["previous"] == SEAL_A and s2["state"] == "active",
   "a seal keeper renews the seal (the next generation)", f"{st} {s2}")
st, h, old = call("GET", f"/api/v1/seals/{SEAL_A}", headers=S["kim"])
ok(st == 200 and old["state"] == "cancelled" and old["next"] == s2.get("esid"), "the old seal is cancelled, linked",
   f"{st} {old}")
st, h, doc = call("POST", f"/api/v1/seals/{s2.get('esid')}/renew", {}, headers=S["sam"])
ok(problem(st, h, doc, 403, "FORBIDDEN"), "a stamper renewing: 403", f"{st} {doc}")
st, h, doc = call("POST", f"/api/v1/seals/{SEAL_B}/renew", {}, headers=S["kim"])
ok(problem(st, h, doc, 404, "NOT_FOUND"), "renewing B's seal from A: 404", f"{st} {doc}")

J_ = "application/json"

# ---- POST /sign ----
DATA = b"An invoice of Alpha Trading Ltd\n" + bytes(range(256)) * 64
st, h, sig = call("POST", f"/api/v1/sign?cert={CERT_A}", DATA, headers=S["sam"], ctype="application/octet-stream")
if not isinstance(sig, bytes):
    sig = json.dumps(sig).encode()
ok(st == 200 and h.get("content-type") == "application/pkcs7-signature" and sig[:1] == b"\x30",
   "a stamper signs a file with A's certificate", f"{st} {sig[:200]!r}")
p7s, dataf, other = os.path.join(T, "d.p7s"), os.path.join(T, "d.bin"), os.path.join(T, "o.bin")
open(p7s, "wb").write(sig)
open(dataf, "wb").write(DATA)
open(other, "wb").write(DATA + b"!")
rc, out, err = run("verify", p7s, "--data", dataf)
ok(rc == 0 and re.search(r"\bVALID\b", out) and "INVALID" not in out, "eseal verify X.p7s --data FILE: VALID",
   f"{rc} {out} {err}")
rc, out, err = run("verify", p7s, "--data", other)
ok(rc != 0 and "INVALID" in out, "the signature of another file: INVALID", f"{rc} {out} {err}")
st, h, sig2 = call("POST", f"/api/v1/sign?cert={CERT_A}", DATA, headers=STAMP_TOKEN, ctype="text/plain")
ok(st == 200 and h.get("content-type") == "application/pkcs7-signature", "with a token of scope stamp, any media type",
   f"{st}")
st, h, doc = call("POST", f"/api/v1/sign?cert={CERT_B}", DATA, headers=S["sam"], ctype="application/octet-stream")
ok(problem(st, h, doc, 404, "NOT_FOUND"), "signing with another organisation's certificate: 404", f"{st} {doc}")
st, h, doc = call("POST", f"/api/v1/sign?cert={CERT_A}", DATA, headers=S["kim"], ctype="application/octet-stream")
ok(problem(st, h, doc, 403, "FORBIDDEN"), "a seal keeper signing: 403", f"{st} {doc}")
st, h, doc = call("POST", "/api/v1/sign", DATA, headers=S["sam"], ctype="application/octet-stream")
ok(problem(st, h, doc, 400, "BAD_INPUT"), "no ?cert: 400", f"{st} {doc}")
st, h, doc = call("POST", f"/api/v1/sign?cert={dataf}", DATA, headers=S["root"], ctype="application/octet-stream")
ok(problem(st, h, doc, 404, "NOT_FOUND"), "a file path is no certificate reference: 404", f"{st} {doc}")

# ---- timings (TAP comments, no check: the machine is shared) ----
import time  # noqa: E402
for what, method, path, body, hdrs, ct in (
        ("POST /certs sm2", "POST", "/api/v1/certs", {"alg": "sm2"}, S["ada"], J_),
        ("POST /certs p256", "POST", "/api/v1/certs", {"alg": "p256"}, S["ada"], J_),
        ("POST /certs rsa", "POST", "/api/v1/certs", {"alg": "rsa"}, S["ada"], J_),
        ("POST /seals", "POST", "/api/v1/seals", {"cert": CERT_A, "name": "Timed", "type": "contract"}, S["kim"], J_),
        ("POST /sign 1 MiB", "POST", f"/api/v1/sign?cert={CERT_A}", os.urandom(1 << 20), S["sam"], None),
        ("POST /sign 16 MiB", "POST", f"/api/v1/sign?cert={CERT_A}", os.urandom(16 << 20), S["sam"], None),
        ("GET /instance", "GET", "/api/v1/instance", None, S["mo"], None)):
    t0 = time.monotonic()
    st, h, doc = call(method, path, body, headers=hdrs, ctype=ct or "application/octet-stream")
    print(f"# {what}: {st} in {(time.monotonic() - t0) * 1000:.0f} ms")

# ---- the authorisation matrix ----
COLS = ["anon", "padmin", "admin", "keeper", "stamper", "auditor", "member", "other", "noscope"]
CALLERS = {"anon": {}, "padmin": S["root"], "admin": S["ada"], "keeper": S["kim"], "stamper": S["sam"],
           "auditor": S["zed"], "member": S["mo"], "other": S["bob"], "noscope": NOSCOPE}
fresh_n = [0]


def fresh_cert():
    return must(["cert", "issue", "--org", "Alpha Trading Ltd", "--uscc", USCC_A, "--alg", "p256"], "a fresh cert of A")


def fresh_seal():
    fresh_n[0] += 1
    return must(["seal", "make", "--cert", CERT_A, "--name", f"Matrix Seal {fresh_n[0]}"], "a fresh seal of A")


J = "application/json"
# route -> (path maker, body maker, content type, expected status per caller)
#                     anon padmin admin keeper stamper auditor member other noscope
MATRIX = {
    "GET /api/v1/instance": (lambda: "/api/v1/instance", None, None, [401, 200, 200, 200, 200, 200, 200, 200, 200]),
    "GET /api/v1/ca/{id}.pem": (lambda: f"/api/v1/ca/{ROOT}.pem", None, None,
                                [401, 200, 200, 200, 200, 200, 200, 200, 200]),
    "POST /api/v1/certs": (lambda: "/api/v1/certs", lambda: {"org": ORG_A, "alg": "p256"}, J,
                           [401, 201, 201, 403, 403, 403, 403, 404, 403]),
    "POST /api/v1/certs/{id}/revoke": (lambda: f"/api/v1/certs/{fresh_cert()}/revoke",
                                       lambda: {"reason": "cessationOfOperation"}, J,
                                       [401, 200, 200, 403, 403, 403, 403, 404, 403]),
    "POST /api/v1/seals": (lambda: "/api/v1/seals", lambda: {"cert": CERT_A, "name": "Matrix", "type": "finance"}, J,
                           [401, 201, 403, 201, 403, 403, 403, 404, 403]),
    "POST /api/v1/seals/{esid}/renew": (lambda: f"/api/v1/seals/{fresh_seal()}/renew", lambda: {"reason": "matrix"},
                                        J, [401, 201, 403, 201, 403, 403, 403, 404, 403]),
    "POST /api/v1/sign": (lambda: f"/api/v1/sign?cert={CERT_A}", lambda: DATA, "application/octet-stream",
                          [401, 200, 403, 403, 200, 403, 403, 404, 403]),
}
routes = [r for r in re.findall(r"(?:GET|POST) /api/v1/[^,;\s]*", banner) if r in MORE_OWN]
ok(len(routes) == len(MORE_OWN), f"the banner lists the {len(MORE_OWN)} routes of api_more.c", str(routes))
for r in MORE_OWN:
    ok(r in MATRIX, f"the matrix has a row for {r}")
for r in MATRIX:
    ok(r in routes, f"the server has the route {r} of the matrix")
for r, (path, body, ctype, want) in MATRIX.items():
    method = r.split()[0]
    for col, status in zip(COLS, want):
        p = path()
        b = body() if body is not None else (b"" if method == "POST" else None)
        st, h, doc = call(method, p, b, headers=CALLERS[col], ctype=ctype)
        good = st == status
        if st >= 400:
            good = good and h.get("content-type", "").startswith("application/problem+json")
        ok(good, f"{r} as {col}: {status}", f"got {st} {doc if st >= 400 else ''}")
ok(api_lib.checked() > 100, f"{api_lib.checked()} answers checked against docs/openapi.yaml")

srv.send_signal(signal.SIGTERM)
try:
    srv.wait(timeout=30)
    ok(srv.returncode == 0, "serve stops cleanly on SIGTERM", str(srv.returncode))
except subprocess.TimeoutExpired:
    srv.kill()
    ok(False, "serve stops on SIGTERM")
shutil.rmtree(T, ignore_errors=True)
api_lib.finish()
