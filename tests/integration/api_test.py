#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""api_test.py ESEAL: the JSON API of `eseal serve` over real HTTP (issue 19).

A throw-away instance with two organisations and users made by the CLI (the local operator),
then `eseal serve --only api` and, with Python's http.client:
  - login: 200 with the session cookie (HttpOnly, SameSite=Strict) and the CSRF token; a wrong
    password and an unknown login answered alike (401 UNAUTHENTICATED); the third failure of a
    login makes the next attempt wait (429 RATE_LIMITED with Retry-After), even with the right
    password; a new login gives a new session (rotation); logout ends it; a change of roles
    ends the user's sessions;
  - CSRF: an unsafe request with the cookie and without X-CSRF-Token is 403 CSRF;
  - tokens: made with the session, used as Bearer, their scopes enforced, revoked;
  - problem+json for what is wrong with a request: wrong content type (415), broken JSON, an
    unknown field, a missing field (400 BAD_INPUT), an oversized body (413 TOO_LARGE), an unknown
    route (404 NOT_FOUND), another method (405 with Allow);
  - the authorisation matrix: every API route the server lists (its banner) x every caller
    (anonymous, a platform admin, an org admin of the object's organisation and of another one,
    a stamper of it, a token without the route's scope, a revoked token, a cookie without CSRF),
    each cell's expected status in MATRIX below; a route without a row fails the test.
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
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import api_lib  # noqa: E402  (TAP, the CLI, one exchange checked against docs/openapi.yaml)
from api_lib import bearer, last_line, ok, problem, sess  # noqa: E402,F401

E = os.path.abspath(sys.argv[1])
T = tempfile.mkdtemp(prefix="eseal-api-")
HOME = os.path.join(T, "home")
ENV = dict(os.environ, ESEAL_HOME=HOME, ESEAL_PASSPHRASE="api-test-pass", ESEAL_PW_PARAMS="1,8192,1")
PW = "Correct-Horse-Battery-9071"

def run(*args, stdin=None):
    return api_lib.run(E, ENV, *args, stdin=stdin)


def pwfile(name, text):
    path = os.path.join(T, name)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.write(fd, (text + "\n").encode())
    os.close(fd)
    return path


# ---- the instance, its organisations and users (the CLI: the local operator) ----
rc, out, err = run("init")
if rc != 0:
    print("Bail out! eseal init: " + err)
    sys.exit(1)
rc, out, err = run("org", "add", "--name", "Alpha Trading Ltd", "--uscc", "91110000MA01ABCDEX")
ok(rc == 0, "org add Alpha", err)
ORG_A = last_line(out)
rc, out, err = run("org", "add", "--name", "Beta Works")
ok(rc == 0, "org add Beta", err)
ORG_B = last_line(out)
pwf = pwfile("pw", PW)
USERS = {
    "root": (ORG_A, "platform-admin"),
    "ada": (ORG_A, "org-admin"),
    "sam": (ORG_A, "stamper"),
    "kim": (ORG_A, "seal-keeper"),
    "bob": (ORG_B, "org-admin"),
    "zed": (ORG_A, "auditor"),
}
for login, (org, roles) in USERS.items():
    rc, out, err = run("user", "add", login, "--org", org, "--role", roles, "--password-file", pwf)
    ok(rc == 0, f"user add {login} ({roles})", err)

sock = socket.socket()
sock.bind(("127.0.0.1", 0))
PORT = sock.getsockname()[1]
sock.close()
# The access log to a file: on standard error (a pipe nobody reads here) it would fill the pipe.
srv = subprocess.Popen([E, "serve", "--listen", f"127.0.0.1:{PORT}", "--only", "api", "--access-log",
                        os.path.join(T, "access.log")], env=ENV,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
import atexit


def _stop_server():
    if srv.poll() is None:
        srv.kill()
        srv.wait()
    shutil.rmtree(T, ignore_errors=True)


atexit.register(_stop_server)  # whatever happens below, no server is left running
banner = srv.stdout.readline()
api_lib.drain(srv)
ok("listening on" in banner, "serve --only api listens", banner)


def call(method, path, body=None, headers=None, ctype="application/json"):
    return api_lib.call(PORT, method, path, body, headers, ctype)


def login(user, password=PW, addr=None):
    st, h, doc = call("POST", "/api/v1/login", {"login": user, "password": password})
    cookie = None
    m = re.match(r"eseal_session=([^;]+)", h.get("set-cookie", ""))
    if m:
        cookie = m.group(1)
    return st, h, doc, cookie


# ---- login and sessions ----
st, h, doc, ck = login("ada")
ok(st == 200 and ck is not None, "login: 200 and a session cookie", f"{st} {h} {doc}")
sc = h.get("set-cookie", "")
ok("HttpOnly" in sc and "SameSite=Strict" in sc and "Path=/" in sc, "the cookie is HttpOnly, SameSite=Strict", sc)
ok(isinstance(doc, dict) and len(doc.get("csrf", "")) == 43, "the login returns a CSRF token", str(doc))
ok(isinstance(doc, dict) and doc.get("organisation") == ORG_A and doc.get("roles") == ["org-admin"],
   "the login says who: organisation and roles", str(doc))
CSRF_ADA = doc["csrf"]
st, h, me = call("GET", "/api/v1/me", headers=sess(ck))
ok(st == 200 and me["login"] == "ada" and me["via"] == "session", "GET /me with the cookie", str(me))
st2, h2, doc2, ck2 = login("ada")
ok(st2 == 200 and ck2 != ck and doc2["csrf"] != CSRF_ADA, "a new login is a new session (rotation)")
st, h, doc = call("POST", "/api/v1/logout", body=b"", headers=sess(ck2, doc2["csrf"]), ctype=None)
ok(st == 204, "logout: 204", f"{st} {doc}")
st, h, doc = call("GET", "/api/v1/me", headers=sess(ck2))
ok(problem(st, h, doc, 401, "UNAUTHENTICATED"), "the logged-out session is refused (401)", f"{st} {doc}")
ok("www-authenticate" in h, "401 carries WWW-Authenticate")

st, h, doc, _ = login("ada", "wrong-password-1")
ok(problem(st, h, doc, 401, "UNAUTHENTICATED"), "a wrong password: 401 UNAUTHENTICATED", f"{st} {doc}")
wrong_detail = doc.get("detail") if isinstance(doc, dict) else None
st, h, doc, _ = login("nobody", "wrong-password-1")
ok(problem(st, h, doc, 401, "UNAUTHENTICATED") and doc.get("detail") == wrong_detail,
   "an unknown login: the same answer as a wrong password", f"{doc} vs {wrong_detail}")

# ---- CSRF ----
st, h, doc = call("POST", "/api/v1/tokens", {"scopes": ["verify"]}, headers=sess(ck))
ok(problem(st, h, doc, 403, "CSRF"), "an unsafe request with the cookie and no X-CSRF-Token: 403 CSRF", f"{st} {doc}")
st, h, doc = call("POST", "/api/v1/tokens", {"scopes": ["verify"]}, headers=sess(ck, "A" * 43))
ok(problem(st, h, doc, 403, "CSRF"), "a wrong X-CSRF-Token: 403 CSRF", f"{st} {doc}")

# ---- tokens ----
st, h, doc = call("POST", "/api/v1/tokens", {"scopes": ["users:read"]}, headers=sess(ck, CSRF_ADA))
ok(st == 201 and doc["token"].startswith("esk_") and len(doc["token"]) == 47, "POST /tokens: 201 and the token once",
   f"{st} {doc}")
TOK_READ = doc["token"]
TOK_READ_ID = doc["id"]
st, h, doc = call("GET", "/api/v1/me", headers=bearer(TOK_READ))
ok(st == 200 and doc["via"] == "token" and doc["scopes"] == ["users:read"], "GET /me with the token", str(doc))
st, h, doc = call("GET", "/api/v1/tokens", headers=bearer(TOK_READ))
ok(st == 200 and all("token" not in t for t in doc) and TOK_READ not in json.dumps(doc),
   "GET /tokens never shows a token", str(doc))
st, h, doc = call("POST", "/api/v1/users/sam/disable", b"", headers=bearer(TOK_READ), ctype=None)
ok(problem(st, h, doc, 403, "FORBIDDEN"), "a token without users:write cannot change a user (403)", f"{st} {doc}")
st, h, doc = call("GET", "/api/v1/me", headers=bearer("esk_" + "x" * 43))
ok(problem(st, h, doc, 401, "UNAUTHENTICATED"), "an unknown token: 401", f"{st} {doc}")
st, h, doc = call("GET", "/api/v1/me", headers={"Authorization": "Basic YWRhOnB3"})
ok(problem(st, h, doc, 401, "UNAUTHENTICATED"), "another scheme than Bearer: 401", f"{st} {doc}")

# ---- problem+json on bad input ----
st, h, doc = call("POST", "/api/v1/login", "login=ada", ctype="application/x-www-form-urlencoded")
ok(problem(st, h, doc, 415, "UNSUPPORTED"), "a form body where JSON is taken: 415", f"{st} {doc}")
st, h, doc = call("POST", "/api/v1/login", '{"login": "ada", "password": ')
ok(problem(st, h, doc, 400, "BAD_INPUT"), "broken JSON: 400 BAD_INPUT", f"{st} {doc}")
st, h, doc = call("POST", "/api/v1/login", {"login": "ada", "password": PW, "admin": True})
ok(problem(st, h, doc, 400, "BAD_INPUT") and "admin" in doc.get("detail", ""), "an unknown field: 400 naming it",
   f"{st} {doc}")
st, h, doc = call("POST", "/api/v1/login", {"login": "ada"})
ok(problem(st, h, doc, 400, "BAD_INPUT"), "a missing field: 400", f"{st} {doc}")
st, h, doc = call("POST", "/api/v1/login", '{"login": "ada", "password": "' + "x" * 70000 + '"}')
ok(st == 413, "a body over the route's cap: 413", f"{st} {doc}")
ok(problem(st, h, doc, 413, "TOO_LARGE"), "413 as problem+json TOO_LARGE", f"{st} {h.get('content-type')} {doc}")
st, h, doc = call("GET", "/api/v1/nothing-here")
ok(problem(st, h, doc, 404, "NOT_FOUND"), "an unknown route: 404 problem+json", f"{st} {doc}")
st, h, doc = call("GET", "/api/v1/login")
ok(problem(st, h, doc, 405, "METHOD_NOT_ALLOWED") and h.get("allow") == "POST", "GET on a POST route: 405 with Allow",
   f"{st} {h} {doc}")
st, h, doc = call("GET", "/api/v1/users/../orgs")
ok(st in (400, 404), "a path with dot segments is not resolved to another route", f"{st} {doc}")

# ---- throttling ----
for i in range(3):
    login("sam", f"not-the-password-{i}")
st, h, doc, _ = login("sam")
ok(problem(st, h, doc, 429, "RATE_LIMITED"), "after 3 failures even the right password waits: 429", f"{st} {doc}")
ok(h.get("retry-after", "").isdigit() and int(h["retry-after"]) >= 1, "429 carries Retry-After", str(h))
time.sleep(int(h.get("retry-after", "1")) + 0.2)
st, h, doc, ck_sam = login("sam")
ok(st == 200, "after the wait the right password is taken", f"{st} {doc}")

# ---- a change of roles ends the user's sessions ----
st, h, doc, ck_kim = login("kim")
csrf_kim = doc["csrf"]
st, h, doc = call("POST", "/api/v1/users/kim/roles", {"roles": ["seal-keeper", "stamper"]}, headers=sess(ck, CSRF_ADA))
ok(st == 200 and doc["roles"] == ["seal-keeper", "stamper"], "an org admin changes a user's roles", f"{st} {doc}")
st, h, doc = call("GET", "/api/v1/me", headers=sess(ck_kim))
ok(problem(st, h, doc, 401, "UNAUTHENTICATED"), "the user's session ended with the change", f"{st} {doc}")

# ---- the audit trail of A's accounts, for A's auditor (the entries' org line) ----
st, h, doc, ck_root0 = login("root")  # a platform administrator, member of A, adds a user to B
st, h, doc = call("POST", "/api/v1/users", {"login": "bert", "organisation": ORG_B, "roles": ["stamper"], "password": PW},
                  headers=sess(ck_root0, doc["csrf"]))
ok(st == 201 and doc["organisation"] == ORG_B, "a platform admin of A adds bert to B", f"{st} {doc}")
st, h, doc, ck_zed = login("zed")
ok(st == 200, "A's auditor logs in", f"{st} {doc}")
st, h, doc = call("GET", "/api/v1/audit?from=0&limit=1000", headers=sess(ck_zed))
ent = doc.get("entries", []) if st == 200 and isinstance(doc, dict) else []


def entries(es, type_, detail_prefix=None, actor=None):
    return [e for e in es if e.get("type") == type_ and (detail_prefix is None or (e.get("detail") or "").startswith(detail_prefix))
            and (actor is None or e.get("actor") == actor)]


ok(st == 200 and len(entries(ent, "user.added", f"sam of {ORG_A}")) == 1,
   "A's auditor sees the user.added of A's user sam (by the local operator)", f"{st} {[e['type'] for e in ent]}")
ok(len(entries(ent, "org.added", ORG_A)) == 1, "... and the org.added of A", str([e["type"] for e in ent]))
ok(len(entries(ent, "user.roles", "kim: seal-keeper -> seal-keeper,stamper")) == 1, "... kim's change of roles",
   str([e.get("detail") for e in ent if e.get("type") == "user.roles"]))
ok(len(entries(ent, "auth.failed", "login refused: wrong password", "sam")) >= 3 and
   len(entries(ent, "auth.throttled", None, "sam")) >= 1, "... sam's failed and throttled logins",
   str([(e["type"], e.get("actor")) for e in ent if e["type"].startswith("auth.")]))
ok(len(ent) > 0 and all(e.get("organisation") == ORG_A for e in ent), "every entry A's auditor sees is A's",
   str([e for e in ent if e.get("organisation") != ORG_A][:3]))
ok(not entries(ent, "user.added", "bob of") and not entries(ent, "user.added", "bert of") and
   not entries(ent, "org.added", ORG_B) and not entries(ent, "auth.failed", None, "nobody"),
   "A's auditor sees nothing of B's accounts (bob, bert added by A's member) nor the unknown login's failure",
   str([(e["type"], e.get("actor"), e.get("detail")) for e in ent if ORG_B in (e.get("detail") or "")
        or e.get("actor") == "nobody"]))
st, h, doc = call("GET", "/api/v1/audit?from=0&limit=1000", headers=sess(ck_root0))
allent = doc.get("entries", []) if st == 200 and isinstance(doc, dict) else []
nob = entries(allent, "auth.failed", "login refused: no such login", "nobody")
bert = entries(allent, "user.added", f"bert of {ORG_B}", "root")
ok(len(nob) >= 1 and all(e.get("organisation") is None for e in nob),
   "the platform admin sees the unknown login's failure, of no organisation", f"{st} {nob}")
ok(len(bert) == 1 and bert[0].get("organisation") == ORG_B, "bert's user.added is B's, not its actor's (A)",
   f"{st} {bert}")

# ---- the authorisation matrix ----
# Callers: each gives the headers of a request (None: no credentials).
st, h, doc, ck_root = login("root")
csrf_root = doc["csrf"]
st, h, doc, ck_ada = login("ada")
csrf_ada = doc["csrf"]
st, h, doc, ck_sam = login("sam")
csrf_sam = doc["csrf"]
st, h, doc, ck_bob = login("bob")
csrf_bob = doc["csrf"]
st, h, doc, ck_ada2 = login("ada")  # a session of its own for the cookie without CSRF
st, h, doc = call("POST", "/api/v1/tokens", {"scopes": ["verify"]}, headers=sess(ck_ada, csrf_ada))
tok_noscope = doc["token"]
st, h, doc = call("POST", "/api/v1/tokens", {}, headers=sess(ck_ada, csrf_ada))
tok_revoked = doc["token"]
st, h, doc = call("POST", f"/api/v1/tokens/{doc['id']}/revoke", b"", headers=sess(ck_ada, csrf_ada), ctype=None)
ok(st == 204, "a token revoked for the matrix", f"{st} {doc}")
CALLERS = {
    "anon": {},
    "padmin": sess(ck_root, csrf_root),
    "admin": sess(ck_ada, csrf_ada),
    "stamper": sess(ck_sam, csrf_sam),
    "other": sess(ck_bob, csrf_bob),
    "noscope": bearer(tok_noscope),
    "revoked": bearer(tok_revoked),
    "nocsrf": sess(ck_ada2),
}
# A fresh victim per row that changes a user; tokens made by ada's session for the revoke row.
counter = [0]


def fresh_user():
    counter[0] += 1
    login_ = f"u{counter[0]}"
    rc, out, err = run("user", "add", login_, "--org", ORG_A, "--role", "stamper", "--password-file", pwf)
    return login_


def fresh_token():
    st, h, doc = call("POST", "/api/v1/tokens", {"login": "sam"}, headers=sess(ck_ada, csrf_ada))
    return doc["id"]


NEWPW = "Another-Long-Passphrase-4411"
# route -> (method, path maker, body maker, expected status per caller)
#          anon padmin admin stamper other noscope revoked nocsrf
COLS = ["anon", "padmin", "admin", "stamper", "other", "noscope", "revoked", "nocsrf"]
MATRIX = {
    "POST /api/v1/login": (lambda: "/api/v1/login", lambda: {"login": "zed", "password": PW},
                           [200, 200, 200, 200, 200, 200, 401, 403]),
    "GET /api/v1/me": (lambda: "/api/v1/me", None, [401, 200, 200, 200, 200, 200, 401, 200]),
    "GET /api/v1/orgs": (lambda: "/api/v1/orgs", None, [401, 200, 200, 200, 200, 403, 401, 200]),
    "POST /api/v1/orgs": (lambda: "/api/v1/orgs", lambda: {"name": f"Org {time.time_ns()}"},
                          [401, 201, 403, 403, 403, 403, 401, 403]),
    "GET /api/v1/orgs/{ref}": (lambda: f"/api/v1/orgs/{ORG_A}", None, [401, 200, 200, 200, 404, 403, 401, 200]),
    "GET /api/v1/users": (lambda: "/api/v1/users", None, [401, 200, 200, 200, 200, 403, 401, 200]),
    "POST /api/v1/users": (lambda: "/api/v1/users",
                           lambda: {"login": f"n{time.time_ns() % 10**9}", "organisation": ORG_A,
                                    "roles": ["stamper"], "password": PW},
                           [401, 201, 201, 403, 404, 403, 401, 403]),
    "GET /api/v1/users/{login}": (lambda: "/api/v1/users/kim", None, [401, 200, 200, 403, 404, 403, 401, 200]),
    "POST /api/v1/users/{login}/disable": (lambda: f"/api/v1/users/{fresh_user()}/disable", None,
                                           [401, 200, 200, 403, 404, 403, 401, 403]),
    "POST /api/v1/users/{login}/enable": (lambda: "/api/v1/users/zed/enable", None,
                                          [401, 409, 409, 403, 404, 403, 401, 403]),
    "POST /api/v1/users/{login}/roles": (lambda: f"/api/v1/users/{fresh_user()}/roles", lambda: {"roles": ["auditor"]},
                                         [401, 200, 200, 403, 404, 403, 401, 403]),
    "POST /api/v1/users/{login}/password": (lambda: f"/api/v1/users/{fresh_user()}/password",
                                            lambda: {"password": NEWPW}, [401, 204, 204, 403, 404, 403, 401, 403]),
    "GET /api/v1/tokens": (lambda: "/api/v1/tokens", None, [401, 200, 200, 200, 200, 403, 401, 200]),
    "POST /api/v1/tokens": (lambda: "/api/v1/tokens", lambda: {"login": "sam", "scopes": ["verify"]},
                            [401, 201, 201, 201, 404, 403, 401, 403]),
    "POST /api/v1/tokens/{id}/revoke": (lambda: f"/api/v1/tokens/{fresh_token()}/revoke", None,
                                        [401, 204, 204, 204, 404, 403, 401, 403]),
    # The public routes (api_pub_test.py tests what they answer): anyone; a dead credential is 401, a
    # cookie without CSRF on a POST 403. A JSON body is no PDF: 400 once the caller is let in.
    "POST /api/v1/verify": (lambda: "/api/v1/verify", lambda: {"not": "a document"},
                            [400, 400, 400, 400, 400, 400, 401, 403]),
    "GET /api/v1/stamps/{serial}": (lambda: "/api/v1/stamps/ST20990101-00000000AA", None,
                                    [404, 404, 404, 404, 404, 404, 401, 404]),
    "POST /api/v1/verify/report": (lambda: "/api/v1/verify/report", lambda: {"not": "a document"},
                                   [400, 400, 400, 400, 400, 400, 401, 403]),
    "GET /api/v1/stamps/{serial}/imprint.svg": (lambda: "/api/v1/stamps/ST20990101-00000000AA/imprint.svg", None,
                                                [404, 404, 404, 404, 404, 404, 401, 404]),
    "GET /api/v1/stamps/{serial}/imprint.png": (lambda: "/api/v1/stamps/ST20990101-00000000AA/imprint.png", None,
                                                [404, 404, 404, 404, 404, 404, 401, 404]),
    "GET /api/v1/openapi.json": (lambda: "/api/v1/openapi.json", None, [200, 200, 200, 200, 200, 200, 401, 200]),
    # The device protocol (issue 23 §4; docs/devices.md): public, a chip's signature is the credential. A body
    # that is no ask nor report is 400 once the caller is let in (devices_api_test.py tests the protocol).
    "POST /api/v1/devices/unlock": (lambda: "/api/v1/devices/unlock", lambda: {"not": "a device"},
                                    [400, 400, 400, 400, 400, 400, 401, 403]),
    "POST /api/v1/devices/impressions": (lambda: "/api/v1/devices/impressions", lambda: {"not": "a device"},
                                         [400, 400, 400, 400, 400, 400, 401, 403]),
    # Last: it ends the sessions of the callers it is asked by.
    "POST /api/v1/logout": (lambda: "/api/v1/logout", None, [401, 204, 204, 204, 204, 204, 401, 403]),
}
# The seals' routes (seals, certs, stamp, registry, audit) have their matrix in api_seals_test.py.
SEALS_OWN = ("/api/v1/seals", "/api/v1/certs", "/api/v1/stamp", "/api/v1/registry", "/api/v1/audit")
# The grants' and templates' routes have theirs in api_grants_test.py.
GRANTS_OWN = ("/api/v1/grants", "/api/v1/templates")
def seals_own(path):  # api_seals_test.py's and api_grants_test.py's routes: these paths and what is below them
    return any(path == p or path.startswith(p + "/") for p in SEALS_OWN + GRANTS_OWN)


# The instance, certificates' issue and revocation, seal making and renewal, signing: api_more_test.py.
MORE_OWN = ("GET /api/v1/instance", "GET /api/v1/ca/{id}.pem", "POST /api/v1/certs", "POST /api/v1/certs/{id}/revoke",
            "POST /api/v1/seals", "POST /api/v1/seals/{esid}/renew", "POST /api/v1/sign")


# The webhooks' routes (webhooks, deliveries): webhooks_test.py.
WEBHOOKS_OWN = ("/api/v1/webhooks", "/api/v1/deliveries/")


# The stamp requests' routes (requests, approvals): api_requests_test.py.
REQUESTS_OWN = ("/api/v1/requests", "/api/v1/approvals")


# The console's imprint preview (issue 21 §2): api_console_test.py.
CONSOLE_OWN = ("POST /api/v1/imprints/preview",)


routes = [r for r in re.findall(r"(?:GET|POST) /api/v1/[^,;\s]*", banner)
          if not seals_own(r.split()[1]) and r not in MORE_OWN and not r.split()[1].startswith(WEBHOOKS_OWN)
          and not r.split()[1].startswith(REQUESTS_OWN) and r not in CONSOLE_OWN]
ok(len(routes) > 0, "the banner lists the API's routes", banner)
for r in routes:
    ok(r in MATRIX, f"the matrix has a row for {r}")
for r in MATRIX:
    ok(r in routes, f"the server has the route {r} of the matrix")
for r, (path, body, want) in MATRIX.items():
    method = r.split()[0]
    for col, status in zip(COLS, want):
        p = path()
        b = body() if body is not None else b""
        st, h, doc = call(method, p, b if method == "POST" else None, headers=CALLERS[col],
                          ctype="application/json" if body is not None else None)
        good = st == status
        if st >= 400:
            good = good and h.get("content-type", "").startswith("application/problem+json")
        ok(good, f"{r} as {col}: {status}", f"got {st} {doc}")
        # A login as anon/padmin...: the cookie of that new session is not used further.

ok(api_lib.checked() > 100, f"{api_lib.checked()} answers checked against docs/openapi.yaml")

srv.send_signal(signal.SIGTERM)
try:
    srv.wait(timeout=20)
    ok(srv.returncode == 0, "serve stops cleanly on SIGTERM", str(srv.returncode))
except subprocess.TimeoutExpired:
    srv.kill()
    ok(False, "serve stops on SIGTERM")
shutil.rmtree(T, ignore_errors=True)
api_lib.finish()
