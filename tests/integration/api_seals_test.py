#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""api_seals_test.py ESEAL: the seals' routes of `eseal serve`'s JSON API over real HTTP (issue 19 §2).

A throw-away instance with two organisations (each with its USCC), a certificate carrying each
USCC (`eseal cert issue --org NAME --uscc CODE`) and a seal of each, a third, German organisation
identified by its VAT number (`org add --id VATDE-...`) with a certificate issued with that
identifier (`cert issue --org-id VATDE-... --country DE`) and a seal of it, a certificate of
another VAT number, made by the CLI (the local operator), users per role; then
`eseal serve --only api` and, with Python's http.client:
  - ownership: each organisation's users see their own seals and certificates only; another
    organisation's seal or certificate is 404 everywhere (read, imprint, lifecycle, stamp);
  - ownership by an organisation identifier: the German organisation's user lists the seal and
    certificate of its VAT identifier; another organisation's user gets 404 for them; the
    certificate of another VAT number is nobody's; organisations carry `identifier` (POST
    /api/v1/orgs takes it; NTRCN, both, a bad LEI are 400, a taken one 409);
  - stamping: a stamper stamps a PDF with its organisation's seal (the answer is a PDF that
    `eseal verify` finds VALID, its serial in Eseal-Stamp-Serial), an OFD as well, and is refused
    404 with the other organisation's seal;
  - the lifecycle: a seal keeper suspends and resumes its seal, an organisation administrator
    may not (403);
  - imprints: the PNG is a PNG (magic bytes), the SVG an SVG;
  - the registry (public): a seal's state at a time before a suspension, during it and after;
  - the audit trail: an auditor of A sees A's stamp entry and not B's; the stamp's receipt;
  - the authorisation matrix of these routes: every route x anonymous, a platform admin, each
    role of the owning organisation, a user of the other one, a token without the route's scope;
    each cell's expected status in MATRIX below; a route of these without a row fails the test.
TAP output.
"""
import base64
import datetime
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
import api_lib  # noqa: E402  (TAP, the CLI, one exchange checked against docs/openapi.yaml)
from api_lib import bearer, last_line, ok, problem, sess  # noqa: E402,F401

E = os.path.abspath(sys.argv[1])
R = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources")
T = tempfile.mkdtemp(prefix="eseal-api-seals-")
HOME = os.path.join(T, "home")
ENV = dict(os.environ, ESEAL_HOME=HOME, ESEAL_PASSPHRASE="api-seals-pass", ESEAL_PW_PARAMS="1,8192,1")
PW = "Correct-Horse-Battery-9071"
USCC_A, USCC_B = api_lib.USCC_A, api_lib.USCC_B
VAT_D = "VATDE-811569869"
# The routes this test owns (api_test.py leaves them to it).
OWN = ("/api/v1/seals", "/api/v1/certs", "/api/v1/stamp", "/api/v1/registry", "/api/v1/audit")
# Routes below those paths that api_more_test.py owns (its matrix covers them).
MORE_OWN = ("POST /api/v1/certs", "POST /api/v1/certs/{id}/revoke", "POST /api/v1/seals", "POST /api/v1/seals/{esid}/renew")

def run(*args):
    return api_lib.run(E, ENV, *args)


def must(args, what):
    return api_lib.must(E, ENV, args, what)


# ---- the instance: two organisations, a certificate and a seal each, users (the CLI) ----
ORG_A, ORG_B, CERT_A, CERT_B = api_lib.two_orgs(E, ENV)
SEAL_A = must(["seal", "make", "--cert", CERT_A, "--type", "contract", "--name", "Alpha Contract Seal"], "seal of A")
SEAL_B = must(["seal", "make", "--cert", CERT_B, "--type", "contract", "--name", "Beta Contract Seal"], "seal of B")
ORG_D = must(["org", "add", "--name", "Deutsche Siegel GmbH", "--id", VAT_D], "org add Deutsche Siegel (VAT id)")
CERT_D = must(["cert", "issue", "--org", "Deutsche Siegel GmbH", "--org-id", VAT_D, "--country", "DE", "--alg", "p256"],
              "cert of D (--org-id VATDE-...)")
CERT_X = must(["cert", "issue", "--org", "Andere GmbH", "--org-id", "VATDE-811569868", "--country", "DE", "--alg",
               "p256"], "cert of another VAT number (no organisation has it)")
SEAL_D = must(["seal", "make", "--cert", CERT_D, "--type", "contract", "--name", "Siegel Vertrag"], "seal of D")
# Users stamp under grants (docs/grants.md): A's stampers with A's seal, B's with B's, contracts only.
GRANT_A = must(["grant", "add", "--seal", SEAL_A, "--role", "stamper"], "grant A's seal to A's stampers")
GRANT_B = must(["grant", "add", "--seal", SEAL_B, "--role", "stamper", "--type", "contract"],
               "grant B's seal to B's stampers, for contracts")
USERS = {
    "root": (ORG_A, "platform-admin"),
    "ada": (ORG_A, "org-admin"),
    "kim": (ORG_A, "seal-keeper"),
    "sam": (ORG_A, "stamper"),
    "zed": (ORG_A, "auditor"),
    "mo": (ORG_A, "approver"),  # a member with no role of these routes
    "bob": (ORG_B, "org-admin"),
    "bea": (ORG_B, "stamper"),
    "bzed": (ORG_B, "auditor"),
    "dora": (ORG_D, "seal-keeper"),
    "dirk": (ORG_D, "org-admin"),
}
api_lib.add_users(E, ENV, T, PW, USERS)

mkpdf = os.path.join(R, "mkpdf.py")
mkofd = os.path.join(R, "mkofd.py")
subprocess.run([sys.executable, mkpdf, os.path.join(T, "in.pdf"), "2"], check=True)
subprocess.run([sys.executable, mkofd, os.path.join(T, "in.ofd"), "1"], check=True)
PDF = open(os.path.join(T, "in.pdf"), "rb").read()
OFD = open(os.path.join(T, "in.ofd"), "rb").read()

sock = socket.socket()
sock.bind(("127.0.0.1", 0))
PORT = sock.getsockname()[1]
sock.close()
srv = subprocess.Popen([E, "serve", "--listen", f"127.0.0.1:{PORT}", "--only", "api"], env=ENV,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
banner = srv.stdout.readline()
api_lib.drain(srv)
ok("listening on" in banner, "serve --only api listens", banner)


def call(method, path, body=None, headers=None, ctype="application/json"):
    return api_lib.call(PORT, method, path, body, headers, ctype)


def login(user):
    return api_lib.login(PORT, user, PW)


S = {u: login(u) for u in USERS}
st, h, doc = call("POST", "/api/v1/tokens", {"scopes": ["verify"]}, headers=S["sam"])
ok(st == 201, "a token of sam with the scope verify only", f"{st} {doc}")
NOSCOPE = {"Authorization": f"Bearer {doc['token']}"}


def stamp(who, seal, body=PDF, query=""):
    return call("POST", f"/api/v1/stamp?seal={seal}{query}", body, headers=S[who] if isinstance(who, str) else who,
                ctype="application/pdf" if body[:4] == b"%PDF" else "application/ofd")


# ---- ownership: lists and reads ----
st, h, doc = call("GET", "/api/v1/seals", headers=S["mo"])
ok(st == 200 and [s["esid"] for s in doc] == [SEAL_A], "a member of A lists A's seal only", f"{st} {doc}")
ok(st == 200 and doc[0]["organisation"] == ORG_A and doc[0]["state"] == "active" and doc[0]["certificates"] == [CERT_A],
   "the seal carries its organisation, state and certificate", str(doc))
st, h, doc = call("GET", "/api/v1/seals", headers=S["bob"])
ok(st == 200 and [s["esid"] for s in doc] == [SEAL_B], "B's org admin lists B's seal only", f"{st} {doc}")
st, h, doc = call("GET", "/api/v1/seals", headers=S["root"])
ok(st == 200 and {SEAL_A, SEAL_B} <= {s["esid"] for s in doc}, "the platform admin lists every seal", f"{st} {doc}")
st, h, doc = call("GET", "/api/v1/certs", headers=S["ada"])
ok(st == 200 and [c["id"] for c in doc] == [CERT_A] and doc[0]["organisation"] == ORG_A,
   "A's org admin lists A's certificate only (not the platform's, not B's)", f"{st} {doc}")
st, h, doc = call("GET", "/api/v1/certs", headers=S["root"])
ok(st == 200 and {CERT_A, CERT_B} <= {c["id"] for c in doc} and len(doc) > 2,
   "the platform admin lists every certificate (the CAs' as well)", f"{st} {len(doc) if isinstance(doc, list) else doc}")
PLATFORM_CERT = next((c["id"] for c in doc if c["role"] == "issuing-ca" and c["organisation"] is None), "none")
st, h, doc = call("GET", f"/api/v1/certs/{PLATFORM_CERT}", headers=S["ada"])
ok(problem(st, h, doc, 403, "FORBIDDEN"), "a certificate of no organisation (the platform's CA) is refused (403)",
   f"{PLATFORM_CERT} {st} {doc}")
st, h, doc = call("GET", f"/api/v1/certs/{CERT_A}", headers=S["kim"])
ok(st == 200 and doc["id"] == CERT_A and f"NTRCN-{USCC_A}" in doc["subject"] and doc["pem"].startswith("-----BEGIN"),
   "GET /certs/{id} of its organisation", f"{st} {doc}")
for path in (f"/api/v1/seals/{SEAL_B}", f"/api/v1/seals/{SEAL_B}/imprint.png", f"/api/v1/seals/{SEAL_B}/imprint.svg",
             f"/api/v1/certs/{CERT_B}"):
    st, h, doc = call("GET", path, headers=S["ada"])
    ok(problem(st, h, doc, 404, "NOT_FOUND"), f"another organisation's object is 404: GET {path}", f"{st} {doc}")
st, h, doc = call("GET", "/api/v1/seals/ESNOSUCHSEAL000", headers=S["ada"])
ok(problem(st, h, doc, 404, "NOT_FOUND"), "a missing seal is 404 too", f"{st} {doc}")
for act in ("suspend", "resume", "revoke"):
    st, h, doc = call("POST", f"/api/v1/seals/{SEAL_B}/{act}", {"reason": "not mine"}, headers=S["kim"])
    ok(problem(st, h, doc, 404, "NOT_FOUND"), f"A's seal keeper cannot {act} B's seal: 404", f"{st} {doc}")
st, h, doc = call("GET", f"/api/v1/seals/{SEAL_B}", headers=S["root"])
ok(st == 200 and doc["state"] == "active", "B's seal is still active", f"{st} {doc}")

# ---- ownership by an organisation identifier (ETSI EN 319 412-1): the German organisation ----
st, h, doc = call("GET", "/api/v1/seals", headers=S["dora"])
ok(st == 200 and [s["esid"] for s in doc] == [SEAL_D] and doc[0]["organisation"] == ORG_D,
   "a user of the German organisation lists the seal of its VAT certificate, and only it", f"{st} {doc}")
st, h, doc = call("GET", f"/api/v1/seals/{SEAL_D}", headers=S["dora"])
ok(st == 200 and doc["esid"] == SEAL_D and doc["organisation"] == ORG_D, "and reads it", f"{st} {doc}")
st, h, doc = call("GET", "/api/v1/certs", headers=S["dora"])
ok(st == 200 and [c["id"] for c in doc] == [CERT_D] and doc[0]["organisation"] == ORG_D and VAT_D in doc[0]["subject"],
   "its certificates: the one issued with its identifier", f"{st} {doc}")
for who in ("ada", "bob"):
    for path in (f"/api/v1/seals/{SEAL_D}", f"/api/v1/seals/{SEAL_D}/imprint.png", f"/api/v1/certs/{CERT_D}"):
        st, h, doc = call("GET", path, headers=S[who])
        ok(problem(st, h, doc, 404, "NOT_FOUND"), f"a user of another organisation ({who}) gets 404: GET {path}",
           f"{st} {doc}")
    st, h, doc = call("GET", "/api/v1/seals", headers=S[who])
    ok(st == 200 and SEAL_D not in [s["esid"] for s in doc], f"{who} does not list the German seal", f"{st} {doc}")
st, h, doc = call("POST", f"/api/v1/seals/{SEAL_D}/suspend", {"reason": "not mine"}, headers=S["kim"])
ok(problem(st, h, doc, 404, "NOT_FOUND"), "A's seal keeper cannot suspend the German seal: 404", f"{st} {doc}")
st, h, doc = call("GET", f"/api/v1/certs/{CERT_X}", headers=S["root"])
ok(st == 200 and doc["organisation"] is None and "VATDE-811569868" in doc["subject"],
   "a certificate of another VAT number belongs to no organisation", f"{st} {doc}")
st, h, doc = call("GET", f"/api/v1/certs/{CERT_X}", headers=S["dora"])
ok(problem(st, h, doc, 403, "FORBIDDEN"), "so the German user may not read it (403, the platform's)", f"{st} {doc}")
# its administrator issues the organisation's own certificate over the API: it carries the identifier
st, h, doc = call("POST", "/api/v1/certs", {"alg": "p256"}, headers=S["dirk"])
ok(st == 201 and doc.get("organisation") == ORG_D and f"organizationIdentifier={VAT_D}" in doc.get("subject", "")
   and "C=DE" in doc.get("subject", ""),
   "the German organisation's administrator issues its certificate (POST /certs): its identifier, country DE, owned",
   f"{st} {doc}")
st, h, doc = call("GET", f"/api/v1/orgs/{VAT_D}", headers=S["root"])
ok(st == 200 and doc["id"] == ORG_D and doc["identifier"] == VAT_D and doc["uscc"] is None,
   "GET /orgs/{identifier}: the organisation, its identifier, no USCC", f"{st} {doc}")
st, h, doc = call("GET", f"/api/v1/orgs/{ORG_A}", headers=S["root"])
ok(st == 200 and doc["identifier"] is None and doc["uscc"] == USCC_A, "an organisation of a USCC: identifier null",
   f"{st} {doc}")
st, h, doc = call("GET", "/api/v1/orgs/vatde-811569869", headers=S["root"])
ok(problem(st, h, doc, 404, "NOT_FOUND"), "another case of the identifier is no organisation", f"{st} {doc}")
st, h, doc = call("POST", "/api/v1/orgs", {"name": "Lei Holdings", "identifier": "LEIXG-5493001KJTIIGC8Y1R12"},
                  headers=S["root"])
ok(st == 201 and doc["identifier"] == "LEIXG-5493001KJTIIGC8Y1R12" and doc["uscc"] is None,
   "POST /orgs with an identifier", f"{st} {doc}")
for body, why in (({"name": "China Ltd", "identifier": "NTRCN-" + USCC_A}, "NTRCN as an identifier"),
                  ({"name": "Lei Bad", "identifier": "LEIXG-5493001KJTIIGC8Y1R13"}, "a bad LEI check"),
                  ({"name": "Both Ltd", "uscc": "91350100M000100Y43", "identifier": "VATFR-12345678901"}, "both")):
    st, h, doc = call("POST", "/api/v1/orgs", body, headers=S["root"])
    ok(problem(st, h, doc, 400, "BAD_INPUT"), f"POST /orgs refuses {why}: 400", f"{st} {doc}")
st, h, doc = call("POST", "/api/v1/orgs", {"name": "Andere GmbH", "identifier": VAT_D}, headers=S["root"])
ok(problem(st, h, doc, 409, "CONFLICT"), "POST /orgs with a taken identifier: 409", f"{st} {doc}")

# ---- imprints ----
st, h, doc = call("GET", f"/api/v1/seals/{SEAL_A}/imprint.png", headers=S["sam"])
ok(st == 200 and h.get("content-type") == "image/png" and doc[:8] == b"\x89PNG\r\n\x1a\n", "the imprint PNG is a PNG",
   f"{st} {h.get('content-type')} {doc[:16]!r}")
st, h, doc = call("GET", f"/api/v1/seals/{SEAL_A}/imprint.svg", headers=S["sam"])
ok(st == 200 and h.get("content-type") == "image/svg+xml" and b"<svg" in doc[:400] and doc.rstrip().endswith(b"</svg>"),
   "the imprint SVG is an SVG", f"{st} {h.get('content-type')} {doc[:80]!r}")

# ---- stamping ----
st, h, doc = stamp("sam", SEAL_A, query="&page=1&x=20&y=30&qr=1")
serial_a = h.get("eseal-stamp-serial", "")
ok(st == 200 and h.get("content-type") == "application/pdf" and doc[:5] == b"%PDF-" and len(doc) > len(PDF),
   "a stamper stamps a PDF with its organisation's seal: the stamped PDF", f"{st} {h} {doc[:200]!r}")
ok(re.fullmatch(r"[A-Z0-9-]{8,40}", serial_a) is not None, "the stamp serial in Eseal-Stamp-Serial", str(h))
out_pdf = os.path.join(T, "stamped.pdf")
with open(out_pdf, "wb") as f:
    f.write(doc if isinstance(doc, bytes) else b"")
rc, out, err = run("verify", out_pdf)
ok(rc == 0 and "VALID" in out, "the stamped PDF verifies VALID (eseal verify)", f"rc {rc}: {out} {err}")
st, h, doc = stamp("sam", SEAL_B)
ok(problem(st, h, doc, 404, "NOT_FOUND"), "the stamper is refused (404) with the other organisation's seal",
   f"{st} {doc}")
st, h, doc = stamp("ada", SEAL_A)
ok(problem(st, h, doc, 403, "NO_GRANT") and "no grant" in doc.get("detail", ""),
   "an org admin, who holds no grant of the seal, may not stamp (403 NO_GRANT)", f"{st} {doc}")
st, h, doc = stamp("sam", SEAL_A, body=OFD)
serial_ofd = h.get("eseal-stamp-serial", "")
ok(st == 200 and h.get("content-type") == "application/ofd" and doc[:4] == b"PK\x03\x04" and serial_ofd != "",
   "an OFD stamp: the stamped package and its serial", f"{st} {h} {doc[:100]!r}")
out_ofd = os.path.join(T, "stamped.ofd")
with open(out_ofd, "wb") as f:
    f.write(doc if isinstance(doc, bytes) else b"")
rc, out, err = run("verify", out_ofd)
ok(rc == 0, "the stamped OFD verifies", f"rc {rc}: {out} {err}")
for q, what in (("", "no type declared"), ("&type=invoice", "an invoice")):
    st, h, doc = stamp("bea", SEAL_B, query=q)
    ok(problem(st, h, doc, 403, "DOCUMENT_TYPE_NOT_ALLOWED") and "allows documents of type contract" in doc.get("detail", ""),
       f"B's grant is for contracts: {what} is refused (403 DOCUMENT_TYPE_NOT_ALLOWED)", f"{st} {doc}")
st, h, doc = stamp("bea", SEAL_B, query="&type=contract")
serial_b = h.get("eseal-stamp-serial", "")
ok(st == 200 and serial_b != "", "B's stamper stamps a contract with B's seal", f"{st} {doc if st != 200 else ''}")
st, h, doc = stamp("sam", SEAL_A, body=b"not a document at all")
ok(problem(st, h, doc, 400, "BAD_INPUT"), "a body that is no PDF or OFD: 400", f"{st} {doc}")
st, h, doc = stamp("sam", SEAL_A, query="&level=B-LTA")
ok(problem(st, h, doc, 400, "BAD_INPUT"), "a level other than B-B or B-T: 400", f"{st} {doc}")
st, h, doc = stamp("sam", SEAL_A, query="&page=x")
ok(problem(st, h, doc, 400, "BAD_INPUT"), "a page that is not a number: 400", f"{st} {doc}")
st, h, doc = call("POST", "/api/v1/stamp", PDF, headers=S["sam"], ctype="application/pdf")
ok(problem(st, h, doc, 400, "BAD_INPUT"), "no seal named: 400", f"{st} {doc}")
st, h, doc = stamp("sam", SEAL_A, body=b"%PDF-1.7\n" + b"0" * (48 << 20))
ok(problem(st, h, doc, 413, "TOO_LARGE"), "a document over 48 MiB: 413 TOO_LARGE", f"{st} {doc}")


# ---- the lifecycle and the registry at a time ----
def rfc3339_now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


time.sleep(1.1)
before = rfc3339_now()
time.sleep(1.1)
st, h, doc = call("POST", f"/api/v1/seals/{SEAL_A}/suspend", {"reason": "key holder on leave"}, headers=S["ada"])
ok(problem(st, h, doc, 403, "FORBIDDEN"), "an org admin cannot suspend its seal (403)", f"{st} {doc}")
st, h, doc = call("POST", f"/api/v1/seals/{SEAL_A}/suspend", {"reason": "key holder on leave"}, headers=S["kim"])
ok(st == 200 and doc["state"] == "suspended", "the seal keeper suspends its seal", f"{st} {doc}")
st, h, doc = call("POST", f"/api/v1/seals/{SEAL_A}/suspend", {"reason": "again"}, headers=S["kim"])
ok(problem(st, h, doc, 409, "WRONG_STATE"), "suspending a suspended seal: 409 WRONG_STATE", f"{st} {doc}")
st, h, doc = call("POST", f"/api/v1/seals/{SEAL_A}/suspend", {}, headers=S["kim"])
ok(problem(st, h, doc, 400, "BAD_INPUT"), "a transition without a reason: 400", f"{st} {doc}")
st, h, doc = stamp("sam", SEAL_A)
ok(problem(st, h, doc, 409, "SEAL_NOT_ACTIVE"), "no stamp with a suspended seal (409 SEAL_NOT_ACTIVE)", f"{st} {doc}")
time.sleep(1.1)
during = rfc3339_now()
time.sleep(1.1)
st, h, doc = call("POST", f"/api/v1/seals/{SEAL_A}/resume", {"reason": "back"}, headers=S["ada"])
ok(problem(st, h, doc, 403, "FORBIDDEN"), "an org admin cannot resume its seal (403)", f"{st} {doc}")
st, h, doc = call("POST", f"/api/v1/seals/{SEAL_A}/resume", {"reason": "back"}, headers=S["kim"])
ok(st == 200 and doc["state"] == "active", "the seal keeper resumes its seal", f"{st} {doc}")
for at, want in ((before, "active"), (during, "suspended"), (None, "active")):
    q = f"?at={at}" if at else ""
    st, h, doc = call("GET", f"/api/v1/registry/{SEAL_A}{q}")
    ok(st == 200 and doc["state"] == want and doc["esid"] == SEAL_A,
       f"the registry (anonymous) at {at or 'now'}: {want}", f"{st} {doc}")
st, h, doc = call("GET", f"/api/v1/registry/{SEAL_A}?at=1999-01-01T00:00:00Z")
ok(st == 200 and doc["state"] == "none", "the registry before the seal existed: none", f"{st} {doc}")
st, h, doc = call("GET", f"/api/v1/registry/{SEAL_A}?at=yesterday")
ok(problem(st, h, doc, 400, "BAD_INPUT"), "the registry with a time that is none: 400", f"{st} {doc}")
st, h, doc = call("GET", f"/api/v1/registry/{SEAL_A[:-2]}")
ok(problem(st, h, doc, 404, "NOT_FOUND"), "the registry answers for a whole esID only", f"{st} {doc}")

# ---- the audit trail ----
st, h, doc = call("GET", "/api/v1/audit?from=0&limit=1000", headers=S["zed"])
ent = doc.get("entries", []) if isinstance(doc, dict) else []
stamps = {e.get("stamp") for e in ent if e.get("type") == "stamp"}
ok(st == 200 and serial_a in stamps and serial_ofd in stamps, "A's auditor sees A's stamp entries", f"{st} {stamps}")
ok(serial_b not in stamps and serial_b != "", "A's auditor does not see B's stamp entry", str(stamps))
sa = [e for e in ent if e.get("type") == "stamp" and e.get("stamp") == serial_a]
ok(len(sa) == 1 and sa[0].get("policy_rule") == "grant" and sa[0].get("detail") == f"under grant {GRANT_A}",
   "the stamp's entry says it was made under A's grant", str(sa))
ok(len(ent) > 0 and all(e.get("organisation") == ORG_A for e in ent), "every entry A's auditor sees is A's",
   str([e for e in ent if e.get("organisation") != ORG_A][:3]))
ok(any(e.get("type") == "seal.suspended" and e.get("seal") == SEAL_A for e in ent) or
   any(e.get("seal") == SEAL_A and "suspended" in (e.get("detail") or "") for e in ent),
   "the suspension is on A's trail", str([e["type"] for e in ent]))
st, h, doc = call("GET", "/api/v1/audit?from=0&limit=1000", headers=S["bzed"])
bst = {e.get("stamp") for e in doc.get("entries", []) if e.get("type") == "stamp"} if st == 200 else set()
ok(st == 200 and serial_b in bst and serial_a not in bst, "B's auditor sees B's stamp, not A's", f"{st} {bst}")
st, h, doc = call("GET", "/api/v1/audit?from=0&limit=1000", headers=S["root"])
allst = {e.get("stamp") for e in doc.get("entries", []) if e.get("type") == "stamp"} if st == 200 else set()
ok(st == 200 and {serial_a, serial_b} <= allst, "the platform admin sees every entry", f"{st} {allst}")
st, h, doc = call("GET", "/api/v1/audit?from=0&limit=2", headers=S["root"])
ok(st == 200 and len(doc["entries"]) == 2 and doc["next"] == doc["entries"][1]["index"] + 1,
   "limit pages the trail; next says where to go on", f"{st} {doc}")
st, h, doc = call("GET", "/api/v1/audit?limit=0", headers=S["root"])
ok(problem(st, h, doc, 400, "BAD_INPUT"), "limit 0: 400", f"{st} {doc}")
st, h, doc = call("GET", "/api/v1/audit", headers=S["kim"])
ok(problem(st, h, doc, 403, "FORBIDDEN"), "a seal keeper may not read the trail (403)", f"{st} {doc}")
st, h, doc = call("GET", f"/api/v1/audit/receipts/{serial_a}", headers=S["zed"])
extra = re.search(rb"^extra ([A-Za-z0-9+/=]+)$", doc if isinstance(doc, bytes) else b"", re.M)
entry = base64.b64decode(extra.group(1)) if extra else b""
ok(st == 200 and doc.startswith(b"c2sp.org/tlog-proof@v1\n") and b"\ntype stamp\n" in entry and
   f"\nstamp {serial_a}\n".encode() in entry and f"\nseal {SEAL_A}\n".encode() in entry,
   "the receipt of A's stamp (a tlog-proof whose entry is that stamp's)", f"{st} {doc[:300]!r} {entry!r}")
st, h, doc = call("GET", f"/api/v1/audit/receipts/{serial_a}", headers=S["bzed"])
ok(problem(st, h, doc, 404, "NOT_FOUND"), "B's auditor: A's receipt is 404", f"{st} {doc}")
st, h, doc = call("GET", "/api/v1/audit/receipts/ST20000101-0000000000", headers=S["zed"])
ok(problem(st, h, doc, 404, "NOT_FOUND"), "an unknown serial: 404", f"{st} {doc}")

# ---- the audit trail filtered in the server (issue 21 §2) ----
def audit_all(who, query):
    """Every entry of `query` for `who`, following `next` while `more` (pages of 3)."""
    got, cursor, pages = [], None, 0
    while pages < 1000:
        st, h, doc = call("GET", f"/api/v1/audit?limit=3&{query}" + (f"&cursor={cursor}" if cursor is not None else ""),
                          headers=S[who])
        if st != 200:
            return st, got
        got += doc["entries"]
        pages += 1
        if not doc["more"]:
            return st, got
        cursor = doc["next"]
    return 0, got


st, every = audit_all("root", "")
st_s, by_seal = audit_all("root", f"seal={SEAL_A}")
ok(st_s == 200 and len(by_seal) > 0 and [e["index"] for e in by_seal] == [e["index"] for e in every
                                                                      if e.get("seal") == SEAL_A],
   "seal=: exactly the entries of that seal", f"{st_s} {len(by_seal)}")
st_u, by_user = audit_all("root", "user=sam")
ok(st_u == 200 and len(by_user) > 0 and all(e.get("actor") == "sam" for e in by_user) and
   [e["index"] for e in by_user] == [e["index"] for e in every if e.get("actor") == "sam"],
   "user=: exactly the entries sam acted in", f"{st_u} {[e['type'] for e in by_user]}")
st_t, by_type = audit_all("root", "type=stamp")
ok(st_t == 200 and {e["stamp"] for e in by_type} >= {serial_a, serial_b} and all(e["type"] == "stamp" for e in by_type),
   "type=stamp: the stamps", f"{st_t} {len(by_type)}")
st_f, fam = audit_all("root", "type=seal.")
ok(st_f == 200 and len(fam) > 0 and all(e["type"].startswith("seal.") for e in fam), "type=seal.: the seal family",
   f"{st_f} {len(fam)}")
st_n, newest = audit_all("root", f"seal={SEAL_A}&order=newest")
ok(st_n == 200 and [e["index"] for e in newest] == [e["index"] for e in reversed(by_seal)],
   "order=newest: the same entries, newest first", f"{st_n}")
mid = by_type[len(by_type) // 2]["time"] if by_type else "2000-01-01T00:00:00Z"
st_a, after = audit_all("root", f"type=stamp&since={mid}")
st_b, before = audit_all("root", f"type=stamp&until={mid}")
ok(st_a == 200 and st_b == 200 and len(after) + len(before) == len(by_type) and all(e["time"] >= mid for e in after)
   and all(e["time"] < mid for e in before), "since (inclusive) and until (exclusive) split the stamps",
   f"{mid} {len(after)} {len(before)} {len(by_type)}")
st_z, zs = audit_all("zed", f"seal={SEAL_B}")
ok(st_z == 200 and zs == [], "A's auditor asking for B's seal gets nothing", f"{st_z} {zs[:2]}")
st_z, zs = audit_all("zed", f"seal={SEAL_A}&type=stamp&user=sam")
ok(st_z == 200 and serial_a in {e.get("stamp") for e in zs} and all(e["organisation"] == ORG_A for e in zs),
   "A's auditor: A's seal, stamps, by sam (the filters combined)", f"{st_z} {len(zs)}")
st_z, zs = audit_all("bzed", "user=sam")
ok(st_z == 200 and zs == [], "B's auditor asking for A's user gets nothing", f"{st_z} {zs[:2]}")
st, h, doc = call("GET", "/api/v1/audit?from=0&limit=2", headers=S["root"])
ok(st == 200 and len(doc["entries"]) == 2 and doc["more"] is True and doc["next"] == doc["entries"][1]["index"] + 1,
   "from and limit still work, with more", f"{st} {doc}")
for q, why in (("since=yesterday", "a since that is no time"), ("until=2026-13-01T00:00:00Z", "a month 13"),
               ("since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z", "since after until"),
               ("order=sideways", "an unknown order"), ("cursor=x", "a cursor that is no number"),
               ("from=1&cursor=2", "from and cursor both"), ("seal=" + "A" * 65, "a seal too long"),
               ("user=a%20b", "a user with a space"), ("type=STAMP!", "a type with a bad character"),
               ("from=0&order=newest", "from with newest first")):
    st, h, doc = call("GET", f"/api/v1/audit?{q}", headers=S["root"])
    ok(problem(st, h, doc, 400, "BAD_INPUT"), f"{why}: 400", f"{q}: {st} {doc}")

# ---- the log audit's status and a run (issue 21 §2) ----
st, h, doc = call("GET", "/api/v1/audit/status", headers=S["zed"])
ok(st == 200 and doc["last"] is None and doc["size"] > 0 and doc["checkpoint"] <= doc["size"],
   "before any audit: no recorded one, the log's size and checkpoint", f"{st} {doc}")
st, h, run1 = call("POST", "/api/v1/audit/run", b"", headers=S["zed"])
ok(st == 200 and run1["ok"] is True and run1["entries"] == doc["size"] and run1["problem"] is None
   and run1["by"] == "zed", "A's auditor runs the audit: OK, every entry", f"{st} {run1}")
st, h, doc = call("GET", "/api/v1/audit/status", headers=S["bzed"])
ok(st == 200 and doc["last"] == {k: v for k, v in run1.items() if k not in ("alerted", "by")} | {"by": None},
   "after it: the recorded one for B's auditor too, without A's login", f"{st} {doc}")
st, h, doc = call("GET", "/api/v1/audit/status", headers=S["zed"])
ok(st == 200 and doc["last"]["by"] == "zed", "A's auditor sees who of A ran it", f"{st} {doc}")
st, h, doc = call("POST", "/api/v1/audit/run", b"", headers=S["root"])
ok(problem(st, h, doc, 429, "RATE_LIMITED") and doc.get("last", {}).get("time") == run1["time"]
   and int(h.get("retry-after", "0")) > 0, "a second run within 60 s: 429 with the recorded one", f"{st} {h} {doc}")
st, h, doc = call("POST", "/api/v1/audit/run", b"", headers=S["kim"])
ok(problem(st, h, doc, 403, "FORBIDDEN"), "a seal keeper may not run it (403)", f"{st} {doc}")
r = run("log", "audit")
st, h, doc = call("GET", "/api/v1/audit/status", headers=S["zed"])
ok(r[0] == 0 and st == 200 and doc["last"]["ok"] is True and doc["last"]["by"] not in ("zed", None),
   "eseal log audit (the CLI) is recorded too", f"{r} {st} {doc}")

# ---- the authorisation matrix ----
COLS = ["anon", "padmin", "admin", "keeper", "stamper", "auditor", "member", "other", "noscope"]
CALLERS = {"anon": {}, "padmin": S["root"], "admin": S["ada"], "keeper": S["kim"], "stamper": S["sam"],
           "auditor": S["zed"], "member": S["mo"], "other": S["bob"], "noscope": NOSCOPE}


def seal_state(want):
    """Puts A's seal in state `want` (the CLI, as the operator) before a cell."""
    st, h, doc = call("GET", f"/api/v1/seals/{SEAL_A}", headers=S["root"])
    if doc["state"] != want:
        run("seal", "resume" if want == "active" else "suspend", SEAL_A, "--reason", "matrix")


fresh_n = [0]


def fresh_seal():
    fresh_n[0] += 1
    return must(["seal", "make", "--cert", CERT_A, "--name", f"Matrix Seal {fresh_n[0]}"], "a fresh seal of A")


R_BODY = {"reason": "the matrix"}
# route -> (path maker, body maker, content type, expected status per caller)
#                     anon padmin admin keeper stamper auditor member other noscope
MATRIX = {
    "GET /api/v1/seals": (lambda: "/api/v1/seals", None, None, [401, 200, 200, 200, 200, 200, 200, 200, 403]),
    "GET /api/v1/seals/{esid}": (lambda: f"/api/v1/seals/{SEAL_A}", None, None,
                                 [401, 200, 200, 200, 200, 200, 200, 404, 403]),
    "POST /api/v1/seals/{esid}/suspend": (lambda: (seal_state("active"), f"/api/v1/seals/{SEAL_A}/suspend")[1],
                                          lambda: R_BODY, "application/json",
                                          [401, 200, 403, 200, 403, 403, 403, 404, 403]),
    "POST /api/v1/seals/{esid}/resume": (lambda: (seal_state("suspended"), f"/api/v1/seals/{SEAL_A}/resume")[1],
                                         lambda: R_BODY, "application/json",
                                         [401, 200, 403, 200, 403, 403, 403, 404, 403]),
    "POST /api/v1/seals/{esid}/revoke": (lambda: f"/api/v1/seals/{fresh_seal()}/revoke", lambda: R_BODY,
                                         "application/json", [401, 200, 403, 200, 403, 403, 403, 404, 403]),
    "GET /api/v1/seals/{esid}/imprint.png": (lambda: f"/api/v1/seals/{SEAL_A}/imprint.png", None, None,
                                             [401, 200, 200, 200, 200, 200, 200, 404, 403]),
    "GET /api/v1/seals/{esid}/imprint.svg": (lambda: f"/api/v1/seals/{SEAL_A}/imprint.svg", None, None,
                                             [401, 200, 200, 200, 200, 200, 200, 404, 403]),
    "GET /api/v1/seals/{esid}/receipt": (lambda: f"/api/v1/seals/{SEAL_A}/receipt", None, None,
                                         [401, 200, 200, 200, 200, 200, 200, 404, 403]),
    "GET /api/v1/certs": (lambda: "/api/v1/certs", None, None, [401, 200, 200, 200, 200, 200, 200, 200, 403]),
    "GET /api/v1/certs/{id}": (lambda: f"/api/v1/certs/{CERT_A}", None, None,
                               [401, 200, 200, 200, 200, 200, 200, 404, 403]),
    "POST /api/v1/stamp": (lambda: (seal_state("active"), f"/api/v1/stamp?seal={SEAL_A}")[1], lambda: PDF,
                           "application/pdf", [401, 403, 403, 403, 200, 403, 403, 404, 403]),
    "GET /api/v1/registry/{esid}": (lambda: f"/api/v1/registry/{SEAL_A}", None, None,
                                    [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    "GET /api/v1/registry/{esid}/answer": (lambda: f"/api/v1/registry/{SEAL_A}/answer", None, None,
                                           [200, 200, 200, 200, 200, 200, 200, 200, 200]),
    "GET /api/v1/audit": (lambda: "/api/v1/audit?limit=5", None, None, [401, 200, 200, 403, 403, 200, 403, 200, 403]),
    "GET /api/v1/audit/receipts/{serial}": (lambda: f"/api/v1/audit/receipts/{serial_a}", None, None,
                                            [401, 200, 200, 403, 200, 200, 403, 404, 403]),
    "GET /api/v1/audit/status": (lambda: "/api/v1/audit/status", None, None,
                                 [401, 200, 200, 403, 403, 200, 403, 200, 403]),
    # the CLI audits just before each cell: whoever may run it is told 429 (too soon), the others 401/403
    "POST /api/v1/audit/run": (lambda: (run("log", "audit"), "/api/v1/audit/run")[1], None, None,
                               [401, 429, 429, 403, 403, 429, 403, 429, 403]),
}
routes = [r for r in re.findall(r"(?:GET|POST) /api/v1/[^,;\s]*", banner)
          if any(r.split()[1] == p or r.split()[1].startswith(p + "/") for p in OWN) and r not in MORE_OWN]
ok(len(routes) == 17, "the banner lists the 17 seals routes", str(routes))
for r in routes:
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

# Every stamp the API made is counted in /metrics (api_ops.c).
st, h, doc = call("GET", "/metrics")
m = re.search(r"^eseal_stamps_total (\d+)$", doc.decode() if isinstance(doc, bytes) else str(doc), re.M)
ok(st == 200 and m is not None and int(m.group(1)) >= 2, "GET /metrics counts the API's stamps (eseal_stamps_total)",
   f"{st} {m.group(0) if m else doc}")

srv.send_signal(signal.SIGTERM)
try:
    srv.wait(timeout=30)
    ok(srv.returncode == 0, "serve stops cleanly on SIGTERM", str(srv.returncode))
except subprocess.TimeoutExpired:
    srv.kill()
    ok(False, "serve stops on SIGTERM")
shutil.rmtree(T, ignore_errors=True)
api_lib.finish()
