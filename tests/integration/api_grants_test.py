#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""api_grants_test.py ESEAL: grants and templates over `eseal serve`'s JSON API (issue 20).

A throw-away instance with two organisations, a certificate and a seal each and users per role
(the CLI, as the local operator, makes no grant), then `eseal serve --only api` and, with
Python's http.client (every answer checked against docs/openapi.yaml):
  - a seal keeper of A grants A's seal to the role stamper, for two document types, within a
    window, delegable (201, the Grant's every field); a stamper then stamps with ?type= (200) and
    without (403 DOCUMENT_TYPE_NOT_ALLOWED); members read the grant (list, ?seal=, by id);
  - templates: registered through the API (201, its SHA-256), again (409 CONFLICT naming it), a
    body that is no PDF (400), another media type (415), no name (400), over 64 MiB (413); an OFD;
    listed by members of A, not by B; then a template grant to one user: the template stamps (200),
    so does the stamped template (a new signature only), another document is 403
    DOCUMENT_NOT_ALLOWED;
  - approvers with k become the canonical policy ("2:mo,zed"); a stamp under it is 403
    APPROVAL_REQUIRED;
  - delegation by the holder over the API: narrowed 201 (parent, created_by the holder), widened
    403 FORBIDDEN;
  - the refusals of a bad body: an unknown key, a bad approval policy, a bad time, both user and
    role, neither, types not an array, max_uses 0, approval and approvers, k alone, a missing seal;
  - another organisation: its grant is 404 (read, revoke), its seal too (grant, list by seal), its
    templates' organisation too;
  - a change (POST /grants/{id}/change): absent keeps, null clears, a value replaces; a window
    ended by a change refuses mo's next stamp at once, reopened it allows it; a delegated grant is
    not widened (403), max_uses not below the uses (400), the holder, the seal, the parent, an
    unknown key, nothing to change are 400; the holder may not (403), another organisation 404, a
    revoked grant 409 WRONG_STATE;
  - revocation: 200 with `revoked` set, the next stamp 403 NO_GRANT, again 409 WRONG_STATE, no
    reason 400;
  - the authorisation matrix of these routes: every route x anonymous, a platform admin, each role
    of the owning organisation, a user of the other one, a token without the route's scope; each
    cell's expected status in MATRIX below; a route of these without a row fails the test.
TAP output.
"""
import atexit
import datetime
import hashlib
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
from api_lib import ok, problem  # noqa: E402

E = os.path.abspath(sys.argv[1])
R = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources")
T = tempfile.mkdtemp(prefix="eseal-api-grants-")
HOME = os.path.join(T, "home")
ENV = dict(os.environ, ESEAL_HOME=HOME, ESEAL_PASSPHRASE="api-grants-pass", ESEAL_PW_PARAMS="1,8192,1")
PW = "Correct-Horse-Battery-9071"
USCC_A, USCC_B = api_lib.USCC_A, api_lib.USCC_B
# The routes this test owns (api_test.py leaves them to it: its GRANTS_OWN).
OWN = ("/api/v1/grants", "/api/v1/templates")


def run(*args):
    return api_lib.run(E, ENV, *args)


def must(args, what):
    return api_lib.must(E, ENV, args, what)


ORG_A, ORG_B, CERT_A, CERT_B = api_lib.two_orgs(E, ENV)
SEAL_A = must(["seal", "make", "--cert", CERT_A, "--type", "contract", "--name", "Alpha Seal"], "seal of A")
SEAL_B = must(["seal", "make", "--cert", CERT_B, "--type", "contract", "--name", "Beta Seal"], "seal of B")
USERS = {
    "root": (ORG_A, "platform-admin"),
    "ada": (ORG_A, "org-admin"),
    "kim": (ORG_A, "seal-keeper"),
    "sam": (ORG_A, "stamper"),
    "zed": (ORG_A, "auditor"),
    "mo": (ORG_A, "approver"),  # a member with no role of these routes
    "bob": (ORG_B, "org-admin"),
    "bea": (ORG_B, "stamper"),
}
api_lib.add_users(E, ENV, T, PW, USERS)

subprocess.run([sys.executable, os.path.join(R, "mkpdf.py"), os.path.join(T, "in.pdf"), "1"], check=True)
subprocess.run([sys.executable, os.path.join(R, "mkform.py"), os.path.join(T, "form.pdf")], check=True)
PDF = open(os.path.join(T, "in.pdf"), "rb").read()
FORM = open(os.path.join(T, "form.pdf"), "rb").read()
FORM_SHA = hashlib.sha256(FORM).hexdigest()
subprocess.run([sys.executable, os.path.join(R, "mkofd.py"), os.path.join(T, "in.ofd"), "1"], check=True)
OFD = open(os.path.join(T, "in.ofd"), "rb").read()
OFD_SHA = hashlib.sha256(OFD).hexdigest()

sock = socket.socket()
sock.bind(("127.0.0.1", 0))
PORT = sock.getsockname()[1]
sock.close()
srv = subprocess.Popen([E, "serve", "--listen", f"127.0.0.1:{PORT}", "--only", "api"], env=ENV,
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def _stop_server():
    if srv.poll() is None:
        srv.kill()
        srv.wait()
    shutil.rmtree(T, ignore_errors=True)


atexit.register(_stop_server)  # whatever happens below, no server is left running
banner = srv.stdout.readline()
ok("listening on" in banner, "serve --only api listens", banner)


def call(method, path, body=None, headers=None, ctype="application/json"):
    return api_lib.call(PORT, method, path, body, headers, ctype)


def login(user):
    return api_lib.login(PORT, user, PW)


S = {u: login(u) for u in USERS}
st, h, doc = call("POST", "/api/v1/tokens", {"scopes": ["verify"]}, headers=S["kim"])
ok(st == 201, "a token of kim with the scope verify only", f"{st} {doc}")
NOSCOPE = {"Authorization": f"Bearer {doc['token']}"}
st, h, doc = call("POST", "/api/v1/tokens", {"scopes": ["seals:read"]}, headers=S["kim"])
ok(st == 201, "a token of kim with the scope seals:read only", f"{st} {doc}")
READONLY = {"Authorization": f"Bearer {doc['token']}"}


def stamp(who, seal, body=PDF, query=""):
    return call("POST", f"/api/v1/stamp?seal={seal}{query}", body, headers=S[who], ctype="application/pdf")


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%S.000Z")


NOW = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
FROM = iso(NOW - datetime.timedelta(minutes=5))
UNTIL = iso(NOW + datetime.timedelta(days=30))

# ---- no grant yet: no stamp ----
st, h, doc = stamp("sam", SEAL_A, query="&type=contract")
ok(problem(st, h, doc, 403, "NO_GRANT"), "before any grant, the stamper may not stamp (403 NO_GRANT)", f"{st} {doc}")

# ---- a seal keeper grants A's seal to A's stampers ----
G1_BODY = {"seal": SEAL_A, "role": "stamper", "types": ["contract", "invoice"], "not_before": FROM,
           "not_after": UNTIL, "delegable": True, "note": "the sales team"}
st, h, g1 = call("POST", "/api/v1/grants", G1_BODY, headers=S["kim"])
ok(st == 201 and re.fullmatch(r"grt_[0-9a-f]{16}", g1.get("id", "")) is not None, "a seal keeper grants: 201",
   f"{st} {g1}")
G1 = g1.get("id", "none")
ok(g1.get("organisation") == ORG_A and g1.get("seal") == SEAL_A and g1.get("user") is None
   and g1.get("role") == "stamper" and g1.get("types") == ["contract", "invoice"] and g1.get("templates") == []
   and g1.get("not_before") == FROM and g1.get("not_after") == UNTIL and g1.get("max_uses") is None
   and g1.get("uses") == 0 and g1.get("approval") is None and g1.get("delegable") is True
   and g1.get("parent") is None and g1.get("created_by") == "user:kim" and g1.get("revoked") is None
   and g1.get("created") is not None,
   "the Grant: organisation, seal, role, types, window, no limit of uses, no approval, delegable", str(g1))
st, h, doc = stamp("sam", SEAL_A, query="&type=contract")
ok(st == 200 and doc[:5] == b"%PDF-" and h.get("eseal-stamp-serial", "") != "",
   "the stamper stamps a contract under the grant (200)", f"{st} {doc if st != 200 else ''}")
st, h, doc = stamp("sam", SEAL_A)
ok(problem(st, h, doc, 403, "DOCUMENT_TYPE_NOT_ALLOWED"), "without ?type=: 403 DOCUMENT_TYPE_NOT_ALLOWED",
   f"{st} {doc}")
st, h, doc = stamp("sam", SEAL_A, query="&type=memo")
ok(problem(st, h, doc, 403, "DOCUMENT_TYPE_NOT_ALLOWED"), "another type: 403 DOCUMENT_TYPE_NOT_ALLOWED", f"{st} {doc}")
st, h, doc = call("GET", f"/api/v1/grants/{G1}", headers=S["mo"])
ok(st == 200 and doc.get("id") == G1 and doc.get("uses") == 1, "a member reads the grant: one use counted",
   f"{st} {doc}")
st, h, doc = call("GET", "/api/v1/grants", headers=S["zed"])
ok(st == 200 and [g["id"] for g in doc] == [G1], "an auditor lists A's grants", f"{st} {doc}")
st, h, doc = call("GET", f"/api/v1/grants?seal={SEAL_A}", headers=S["sam"])
ok(st == 200 and [g["id"] for g in doc] == [G1], "?seal= lists the seal's grants", f"{st} {doc}")
st, h, doc = call("GET", "/api/v1/grants?seal=", headers=S["sam"])
ok(problem(st, h, doc, 400, "BAD_INPUT"), "?seal= empty: 400", f"{st} {doc}")
st, h, doc = call("GET", "/api/v1/grants/grt_0000000000000000", headers=S["kim"])
ok(problem(st, h, doc, 404, "NOT_FOUND"), "a missing grant: 404", f"{st} {doc}")

# ---- templates ----
TPL = "/api/v1/templates?name=Application%20form"
st, h, t = call("POST", TPL, FORM, headers=S["kim"], ctype="application/pdf")
ok(st == 201 and t.get("sha256") == FORM_SHA and t.get("organisation") == ORG_A and t.get("name") == "Application form"
   and t.get("format") == "pdf" and t.get("size") == len(FORM) and t.get("created_by") == "user:kim",
   "a seal keeper registers a template: 201, its SHA-256, organisation, name, format, size", f"{st} {t}")
st, h, doc = call("POST", "/api/v1/templates?name=Again", FORM, headers=S["ada"], ctype="application/octet-stream")
ok(problem(st, h, doc, 409, "CONFLICT") and FORM_SHA in doc.get("detail", ""),
   "registered again: 409 CONFLICT, the existing template's SHA-256 in the detail", f"{st} {doc}")
st, h, doc = call("POST", TPL, b"not a document at all", headers=S["kim"], ctype="application/pdf")
ok(problem(st, h, doc, 400, "BAD_INPUT"), "a body that is no PDF or OFD: 400", f"{st} {doc}")
st, h, doc = call("POST", TPL, FORM, headers=S["kim"], ctype="text/plain")
ok(problem(st, h, doc, 415, "UNSUPPORTED"), "another media type: 415", f"{st} {doc}")
st, h, doc = call("POST", "/api/v1/templates", FORM, headers=S["kim"], ctype="application/pdf")
ok(problem(st, h, doc, 400, "BAD_INPUT"), "no name: 400", f"{st} {doc}")
st, h, doc = call("POST", TPL, b"%PDF-1.7\n" + b"0" * (64 << 20), headers=S["kim"], ctype="application/pdf")
ok(problem(st, h, doc, 413, "TOO_LARGE"), "a template over 64 MiB: 413 TOO_LARGE", f"{st} {doc}")
st, h, doc = call("POST", TPL, FORM, headers=S["sam"], ctype="application/pdf")
ok(problem(st, h, doc, 403, "FORBIDDEN"), "a stamper may not register a template (403)", f"{st} {doc}")
st, h, t = call("POST", "/api/v1/templates?name=OFD%20form", OFD, headers=S["kim"], ctype="application/ofd")
ok(st == 201 and t.get("sha256") == OFD_SHA and t.get("format") == "ofd" and t.get("size") == len(OFD),
   "an OFD template (application/ofd): 201, format ofd", f"{st} {t}")
st, h, doc = call("GET", "/api/v1/templates", headers=S["mo"])
ok(st == 200 and [x["sha256"] for x in doc] == [FORM_SHA, OFD_SHA], "a member of A lists A's templates, oldest first",
   f"{st} {doc}")
st, h, doc = call("GET", "/api/v1/templates", headers=S["bob"])
ok(st == 200 and doc == [], "B lists no template of A", f"{st} {doc}")
st, h, doc = call("GET", f"/api/v1/templates?org={ORG_A}", headers=S["bob"])
ok(problem(st, h, doc, 404, "NOT_FOUND"), "B asking for A's templates: 404", f"{st} {doc}")
st, h, doc = call("GET", f"/api/v1/templates?org={ORG_B}", headers=S["root"])
ok(st == 200 and doc == [], "the platform admin lists B's (none)", f"{st} {doc}")
st, h, doc = call("POST", "/api/v1/grants", {"seal": SEAL_A, "user": "mo", "templates": [FORM_SHA]}, headers=S["ada"])
ok(st == 201 and doc.get("user") == "mo" and doc.get("role") is None and doc.get("templates") == [FORM_SHA],
   "an org admin grants A's seal to mo for the template only", f"{st} {doc}")
G_TPL = doc.get("id", "none") if isinstance(doc, dict) else "none"
st, h, doc = stamp("mo", SEAL_A, body=FORM)
ok(st == 200 and doc[:5] == b"%PDF-", "mo stamps the template (200)", f"{st} {doc if st != 200 else ''}")
STAMPED_FORM = doc if st == 200 else b""
st, h, doc = stamp("mo", SEAL_A, body=STAMPED_FORM)
ok(st == 200 and doc[:5] == b"%PDF-" and len(doc) > len(STAMPED_FORM),
   "and stamps it again: the stamped form derives from the template (a new signature only)",
   f"{st} {doc if st != 200 else ''}")
st, h, doc = stamp("mo", SEAL_A, body=PDF)
ok(problem(st, h, doc, 403, "DOCUMENT_NOT_ALLOWED"), "mo stamps another document: 403 DOCUMENT_NOT_ALLOWED",
   f"{st} {doc}")
st, h, doc = call("POST", "/api/v1/grants", {"seal": SEAL_A, "user": "mo", "templates": ["ab" * 32]}, headers=S["kim"])
ok(problem(st, h, doc, 404, "NOT_FOUND"), "a template the organisation did not register: 404", f"{st} {doc}")

# ---- approvers with k ----
st, h, doc = call("POST", "/api/v1/grants", {"seal": SEAL_A, "user": "zed", "approvers": ["mo", "kim"], "k": 2},
                  headers=S["kim"])
ok(st == 201 and doc.get("approval") == "2:mo,kim", "approvers with k: the canonical policy 2:mo,kim", f"{st} {doc}")
st, h, doc = stamp("zed", SEAL_A)
ok(problem(st, h, doc, 403, "APPROVAL_REQUIRED"), "a stamp under it: 403 APPROVAL_REQUIRED", f"{st} {doc}")
st, h, doc = call("POST", "/api/v1/grants", {"seal": SEAL_A, "role": "auditor", "approval": "1:@approver"},
                  headers=S["kim"])
ok(st == 201 and doc.get("approval") == "1:@approver" and doc.get("role") == "auditor",
   "an approval policy as text", f"{st} {doc}")

# ---- delegation by the holder ----
narrow = {"seal": SEAL_A, "user": "mo", "types": ["contract"], "not_after": iso(NOW + datetime.timedelta(days=1)),
          "max_uses": 5, "parent": G1, "note": "while I am away"}
st, h, doc = call("POST", "/api/v1/grants", narrow, headers=S["sam"])
ok(st == 201 and doc.get("parent") == G1 and doc.get("created_by") == "user:sam" and doc.get("types") == ["contract"]
   and doc.get("max_uses") == 5 and doc.get("delegable") is False,
   "the holder (a stamper) delegates its grant, narrowed: 201", f"{st} {doc}")
G_DEL = doc.get("id", "none") if isinstance(doc, dict) else "none"
st, h, doc = stamp("mo", SEAL_A, query="&type=contract")
ok(st == 200, "mo stamps a contract under the delegated grant (200)", f"{st} {doc if st != 200 else ''}")
st, h, doc = call("GET", f"/api/v1/grants/{G_DEL}", headers=S["kim"])
ok(st == 200 and doc.get("uses") == 1, "the delegated grant counted the use", f"{st} {doc}")
st, h, doc = call("GET", f"/api/v1/grants/{G1}", headers=S["kim"])
ok(st == 200 and doc.get("uses") == 2, "and so did its parent", f"{st} {doc}")
for change, why in (({"types": ["contract", "memo"]}, "a type the parent does not allow"),
                    ({"not_after": None}, "no end where the parent has one"),
                    ({"not_after": iso(NOW + datetime.timedelta(days=60))}, "an end after the parent's")):
    st, h, doc = call("POST", "/api/v1/grants", dict(narrow, **change), headers=S["sam"])
    ok(problem(st, h, doc, 403, "FORBIDDEN"), f"a delegation wider than its parent ({why}): 403", f"{st} {doc}")
st, h, doc = call("POST", "/api/v1/grants", dict(narrow, parent=G_TPL), headers=S["sam"])
ok(problem(st, h, doc, 403, "FORBIDDEN"), "a stamper may not delegate a grant it does not hold (403)", f"{st} {doc}")
st, h, doc = call("POST", "/api/v1/grants", {"seal": SEAL_A, "user": "mo"}, headers=S["sam"])
ok(problem(st, h, doc, 403, "FORBIDDEN"), "a stamper may not grant (403)", f"{st} {doc}")

# ---- bad bodies ----
BAD = [
    ({"seal": SEAL_A, "role": "stamper", "colour": "red"}, "an unknown key"),
    ({"seal": SEAL_A, "role": "stamper", "approval": "0:@approver"}, "an approval policy with k 0"),
    ({"seal": SEAL_A, "role": "stamper", "approval": "1:"}, "an approval step without members"),
    ({"seal": SEAL_A, "role": "stamper", "not_after": "tomorrow"}, "a time that is none"),
    ({"seal": SEAL_A, "role": "stamper", "not_before": "2026-13-01T00:00:00Z"}, "month 13"),
    ({"seal": SEAL_A, "role": "stamper", "not_before": UNTIL, "not_after": FROM}, "an end before the start"),
    ({"seal": SEAL_A, "user": "sam", "role": "stamper"}, "both user and role"),
    ({"seal": SEAL_A}, "neither user nor role"),
    ({"seal": SEAL_A, "role": "stamper", "types": "contract"}, "types not an array"),
    ({"seal": SEAL_A, "role": "stamper", "types": ["Contract!"]}, "a type of odd characters"),
    ({"seal": SEAL_A, "role": "stamper", "types": ["a,b"]}, "a type with a comma"),
    ({"seal": SEAL_A, "role": "stamper", "templates": ["xyz"]}, "a template that is no SHA-256"),
    ({"seal": SEAL_A, "role": "stamper", "max_uses": 0}, "max_uses 0"),
    ({"seal": SEAL_A, "role": "stamper", "max_uses": "3"}, "max_uses a string"),
    ({"seal": SEAL_A, "role": "stamper", "approval": "1:mo", "approvers": ["mo"]}, "approval and approvers"),
    ({"seal": SEAL_A, "role": "stamper", "approval": None, "approvers": ["mo"]}, "approval null beside approvers"),
    ({"seal": SEAL_A, "role": "stamper", "k": 2}, "k without approvers"),
    ({"seal": SEAL_A, "role": "stamper", "approvers": ["mo"], "k": 2}, "k above the approvers"),
    ({"seal": SEAL_A, "role": "stamper", "approvers": ["mo;1:kim"]}, "an approver with a separator"),
    ({"seal": SEAL_A, "role": "stamper", "delegable": "yes"}, "delegable not a boolean"),
    ({"role": "stamper"}, "no seal"),
    ([SEAL_A], "an array"),
]
for body, why in BAD:
    st, h, doc = call("POST", "/api/v1/grants", body, headers=S["kim"])
    ok(problem(st, h, doc, 400, "BAD_INPUT"), f"POST /grants refuses {why}: 400", f"{st} {doc}")
st, h, doc = call("POST", "/api/v1/grants", b"{not json", headers=S["kim"])
ok(problem(st, h, doc, 400, "BAD_INPUT"), "POST /grants refuses a body that is not JSON: 400", f"{st} {doc}")
st, h, doc = call("POST", "/api/v1/grants", {"seal": SEAL_A, "user": "nobody"}, headers=S["kim"])
ok(problem(st, h, doc, 404, "NOT_FOUND"), "a holder who is no user of the organisation: 404", f"{st} {doc}")
st, h, doc = call("POST", "/api/v1/grants", {"seal": SEAL_A, "user": "bea"}, headers=S["kim"])
ok(problem(st, h, doc, 404, "NOT_FOUND"), "a user of another organisation as the holder: 404", f"{st} {doc}")
st, h, doc = call("POST", "/api/v1/grants", {"seal": SEAL_A, "role": "stamper"}, headers=READONLY)
ok(problem(st, h, doc, 403, "FORBIDDEN"), "a token with seals:read only may not grant (403)", f"{st} {doc}")
st, h, doc = call("GET", "/api/v1/grants", headers=READONLY)
ok(st == 200 and G1 in [g["id"] for g in doc], "but lists the grants", f"{st} {doc}")

# ---- another organisation ----
st, h, doc = call("GET", f"/api/v1/grants/{G1}", headers=S["bob"])
ok(problem(st, h, doc, 404, "NOT_FOUND"), "B's org admin: A's grant is 404", f"{st} {doc}")
st, h, doc = call("POST", f"/api/v1/grants/{G1}/revoke", {"reason": "not mine"}, headers=S["bob"])
ok(problem(st, h, doc, 404, "NOT_FOUND"), "B's org admin cannot revoke A's grant: 404", f"{st} {doc}")
st, h, doc = call("GET", "/api/v1/grants", headers=S["bob"])
ok(st == 200 and doc == [], "B's org admin lists none of A's grants", f"{st} {doc}")
st, h, doc = call("GET", f"/api/v1/grants?seal={SEAL_A}", headers=S["bob"])
ok(problem(st, h, doc, 404, "NOT_FOUND"), "B's org admin listing by A's seal: 404", f"{st} {doc}")
st, h, doc = call("POST", "/api/v1/grants", {"seal": SEAL_A, "role": "stamper"}, headers=S["bob"])
ok(problem(st, h, doc, 404, "NOT_FOUND"), "B's org admin granting A's seal: 404", f"{st} {doc}")
st, h, doc = call("POST", "/api/v1/grants", {"seal": SEAL_B, "role": "stamper"}, headers=S["kim"])
ok(problem(st, h, doc, 404, "NOT_FOUND"), "A's seal keeper granting B's seal: 404", f"{st} {doc}")
st, h, doc = call("POST", "/api/v1/grants", {"seal": SEAL_A, "role": "stamper", "parent": G1}, headers=S["bea"])
ok(problem(st, h, doc, 404, "NOT_FOUND"), "B's stamper delegating A's grant: 404", f"{st} {doc}")
st, h, doc = call("POST", "/api/v1/grants", {"seal": SEAL_B, "role": "stamper", "types": ["invoice"]},
                  headers=S["bob"])
ok(st == 201 and doc.get("organisation") == ORG_B, "B's org admin grants B's seal", f"{st} {doc}")
G_B = doc.get("id", "none") if isinstance(doc, dict) else "none"
st, h, doc = call("GET", f"/api/v1/grants/{G_B}", headers=S["kim"])
ok(problem(st, h, doc, 404, "NOT_FOUND"), "and A's seal keeper cannot read it: 404", f"{st} {doc}")
st, h, doc = call("GET", "/api/v1/grants", headers=S["root"])
ok(st == 200 and {G1, G_B} <= {g["id"] for g in doc}, "the platform admin lists both organisations' grants",
   f"{st} {doc}")

# ---- a change: absent keeps, null clears, a value replaces; the next stamp obeys it ----
st, h, doc = call("POST", f"/api/v1/grants/{G_DEL}/change", {"max_uses": 3, "reason": "fewer"}, headers=S["kim"])
ok(st == 200 and doc.get("id") == G_DEL and doc.get("max_uses") == 3 and doc.get("types") == ["contract"]
   and doc.get("user") == "mo" and doc.get("parent") == G1 and doc.get("uses") == 1,
   "a seal keeper changes the delegated grant's uses: 200, the rest kept", f"{st} {doc}")
st, h, doc = call("POST", f"/api/v1/grants/{G_DEL}/change",
                  {"not_before": FROM, "not_after": iso(NOW - datetime.timedelta(minutes=1)), "reason": "over"},
                  headers=S["ada"])
ok(st == 200 and doc.get("not_after") == iso(NOW - datetime.timedelta(minutes=1)),
   "an org admin ends its window a minute ago: 200", f"{st} {doc}")
st, h, doc = stamp("mo", SEAL_A, query="&type=contract")
ok(st == 403, "mo's next stamp is refused at once (403)", f"{st} {doc}")
st, h, doc = call("POST", f"/api/v1/grants/{G_DEL}/change",
                  {"not_after": iso(NOW + datetime.timedelta(days=1)), "reason": "back"}, headers=S["kim"])
ok(st == 200, "its window reopened: 200", f"{st} {doc}")
st, h, doc = stamp("mo", SEAL_A, query="&type=contract")
ok(st == 200, "mo stamps again (200)", f"{st} {doc if st != 200 else ''}")
st, h, doc = call("POST", f"/api/v1/grants/{G1}/change", {"types": None, "reason": "any type"}, headers=S["kim"])
ok(st == 200 and doc.get("types") == [] and doc.get("not_after") == UNTIL and doc.get("delegable") is True,
   "\"types\": null clears the types, the rest kept", f"{st} {doc}")
for change, why in (({"not_after": None}, "no end where the parent has one"),
                    ({"approval": "1:@approver"}, "another approval policy than its parent's"),
                    ({"not_after": iso(NOW + datetime.timedelta(days=60))}, "an end after the parent's")):
    st, h, doc = call("POST", f"/api/v1/grants/{G_DEL}/change", change, headers=S["kim"])
    ok(problem(st, h, doc, 403, "FORBIDDEN"), f"a change widening a delegated grant ({why}): 403", f"{st} {doc}")
st, h, doc = call("POST", f"/api/v1/grants/{G_DEL}/change", {"max_uses": 1}, headers=S["kim"])
ok(problem(st, h, doc, 400, "BAD_INPUT") and "used 2 times" in doc.get("detail", ""),
   "max_uses below the uses made: 400, saying so", f"{st} {doc}")
for body, why in (({"user": "zed"}, "a new holder"), ({"seal": SEAL_B}, "a new seal"), ({"parent": G_TPL}, "a parent"),
                  ({"colour": "red"}, "an unknown key"), ({"max_uses": 0}, "max_uses 0"),
                  ({"not_after": "soon"}, "a time that is none"), ({}, "nothing to change"),
                  ({"approval": "1:mo", "approvers": ["mo"]}, "approval and approvers"),
                  ({"approval": None, "approvers": ["mo"]}, "approval null beside approvers")):
    st, h, doc = call("POST", f"/api/v1/grants/{G_DEL}/change", body, headers=S["kim"])
    ok(problem(st, h, doc, 400, "BAD_INPUT"), f"a change of {why}: 400", f"{st} {doc}")
st, h, doc = call("POST", f"/api/v1/grants/{G1}/change", {"max_uses": 9}, headers=S["sam"])
ok(problem(st, h, doc, 403, "FORBIDDEN"), "the holder (a stamper) may not change it (403)", f"{st} {doc}")
st, h, doc = call("POST", f"/api/v1/grants/{G1}/change", {"max_uses": 9}, headers=S["bob"])
ok(problem(st, h, doc, 404, "NOT_FOUND"), "B's org admin cannot change A's grant: 404", f"{st} {doc}")
st, h, doc = call("GET", f"/api/v1/grants/{G_DEL}", headers=S["mo"])
ok(st == 200 and doc.get("max_uses") == 3 and doc.get("approval") is None and doc.get("uses") == 2,
   "the refused changes changed nothing", f"{st} {doc}")

# ---- revocation ----
st, h, doc = call("POST", f"/api/v1/grants/{G1}/revoke", {}, headers=S["kim"])
ok(problem(st, h, doc, 400, "BAD_INPUT"), "a revocation without a reason: 400", f"{st} {doc}")
st, h, doc = call("POST", f"/api/v1/grants/{G1}/revoke", {"reason": "the team left"}, headers=S["sam"])
ok(problem(st, h, doc, 403, "FORBIDDEN"), "the holder may not revoke it (403)", f"{st} {doc}")
st, h, doc = call("POST", f"/api/v1/grants/{G1}/revoke", {"reason": "the team left"}, headers=S["kim"])
ok(st == 200 and doc.get("id") == G1 and doc.get("revoked") is not None, "the seal keeper revokes it: 200, revoked",
   f"{st} {doc}")
st, h, doc = stamp("sam", SEAL_A, query="&type=contract")
ok(problem(st, h, doc, 403, "NO_GRANT"), "the next stamp under it: 403 NO_GRANT", f"{st} {doc}")
st, h, doc = call("POST", f"/api/v1/grants/{G1}/revoke", {"reason": "again"}, headers=S["kim"])
ok(problem(st, h, doc, 409, "WRONG_STATE"), "revoked again: 409 WRONG_STATE", f"{st} {doc}")
st, h, doc = call("POST", f"/api/v1/grants/{G1}/change", {"max_uses": 9}, headers=S["kim"])
ok(problem(st, h, doc, 409, "WRONG_STATE"), "a revoked grant does not change: 409 WRONG_STATE", f"{st} {doc}")
st, h, doc = call("GET", f"/api/v1/grants/{G1}", headers=S["mo"])
ok(st == 200 and doc.get("revoked") is not None, "a revoked grant is still read, with its revocation", f"{st} {doc}")
st, h, doc = call("POST", "/api/v1/grants", dict(narrow, user="zed"), headers=S["sam"])
ok(problem(st, h, doc, 403, "FORBIDDEN"), "a revoked grant is delegated no more (403)", f"{st} {doc}")

# ---- the authorisation matrix ----
COLS = ["anon", "padmin", "admin", "keeper", "stamper", "auditor", "member", "other", "noscope"]
CALLERS = {"anon": {}, "padmin": S["root"], "admin": S["ada"], "keeper": S["kim"], "stamper": S["sam"],
           "auditor": S["zed"], "member": S["mo"], "other": S["bob"], "noscope": NOSCOPE}
fresh_n = [0]


def fresh_grant():
    """A grant of A's seal made by the CLI (the operator), to be revoked by a cell."""
    return must(["grant", "add", "--seal", SEAL_A, "--role", "stamper"], "a fresh grant of A's seal")


def fresh_pdf():
    """A template no organisation has registered: the PDF with a comment line after its end."""
    fresh_n[0] += 1
    return PDF + b"%% matrix %d\n" % fresh_n[0]


MATRIX = {
    # route: (path maker, body maker, content type, expected status per caller)
    #                    anon padmin admin keeper stamper auditor member other noscope
    "GET /api/v1/grants": (lambda: "/api/v1/grants", None, None, [401, 200, 200, 200, 200, 200, 200, 200, 403]),
    "GET /api/v1/grants/{id}": (lambda: f"/api/v1/grants/{G_TPL}", None, None,
                                [401, 200, 200, 200, 200, 200, 200, 404, 403]),
    "POST /api/v1/grants": (lambda: "/api/v1/grants", lambda: {"seal": SEAL_A, "role": "stamper"}, "application/json",
                            [401, 201, 201, 201, 403, 403, 403, 404, 403]),
    "POST /api/v1/grants/{id}/change": (lambda: f"/api/v1/grants/{fresh_grant()}/change",
                                        lambda: {"max_uses": 7, "reason": "the matrix"}, "application/json",
                                        [401, 200, 200, 200, 403, 403, 403, 404, 403]),
    "POST /api/v1/grants/{id}/revoke": (lambda: f"/api/v1/grants/{fresh_grant()}/revoke",
                                        lambda: {"reason": "the matrix"}, "application/json",
                                        [401, 200, 200, 200, 403, 403, 403, 404, 403]),
    "GET /api/v1/templates": (lambda: "/api/v1/templates", None, None, [401, 200, 200, 200, 200, 200, 200, 200, 403]),
    "POST /api/v1/templates": (lambda: f"/api/v1/templates?name=matrix&org={ORG_A}", fresh_pdf, "application/pdf",
                               [401, 201, 201, 201, 403, 403, 403, 404, 403]),
}
routes = [r for r in re.findall(r"(?:GET|POST) /api/v1/[^,;\s]*", banner)
          if any(r.split()[1] == p or r.split()[1].startswith(p + "/") for p in OWN)]
ok(len(routes) == 7, "the banner lists the 7 routes of grants and templates", str(routes))
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

srv.send_signal(signal.SIGTERM)
try:
    srv.wait(timeout=30)
    ok(srv.returncode == 0, "serve stops cleanly on SIGTERM", str(srv.returncode))
except subprocess.TimeoutExpired:
    srv.kill()
    ok(False, "serve stops on SIGTERM")
api_lib.finish()
