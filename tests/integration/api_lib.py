# SPDX-License-Identifier: Apache-2.0
"""What the real-HTTP tests of the API share (api_test.py, api_seals_test.py, api_more_test.py):
TAP output, running the CLI, a free port, one HTTP exchange whose answer is checked against
docs/openapi.yaml (openapi_check.py), and the shapes of problem+json and credentials.
"""
import http.client
import json
import os
import re
import socket
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import openapi_check  # noqa: E402

_tap = {"n": 0, "failed": 0, "checked": 0}


def ok(cond, what, extra=""):
    """One TAP line; the condition is returned."""
    _tap["n"] += 1
    if cond:
        print(f"ok {_tap['n']} - {what}")
    else:
        _tap["failed"] += 1
        print(f"not ok {_tap['n']} - {what}" + (f"\n# {extra}" if extra else ""))
    return cond


def skip(why):
    """One TAP line for a part that cannot run here ("ok N # SKIP why")."""
    _tap["n"] += 1
    print(f"ok {_tap['n']} # SKIP {why}")


def store_location(home):
    """The instance's store (issue 22): eseal.conf's "store = " line, else HOME/eseal.db."""
    try:
        with open(os.path.join(home, "eseal.conf")) as f:
            for line in f:
                m = re.match(r"\s*store\s*=\s*(.*?)\s*$", line)
                if m:
                    return m.group(1)
    except FileNotFoundError:
        pass
    return os.path.join(home, "eseal.db")


def store_is_pg(home):
    """Whether the instance's store is on PostgreSQL."""
    return store_location(home).startswith(("postgresql://", "postgres://"))


def store_sql(home, sql):
    """Runs SQL on the instance's store with the database's own client (sqlite3 on the file, or psql
    with eseal's "schema=" parameter turned into the search path): its rows, each a list of strings
    (tests/lib/store.sh store_sql, for the python tests; no python PostgreSQL driver is needed)."""
    loc = store_location(home)
    if not store_is_pg(home):
        cmd, env = ["sqlite3", "-bail", "-cmd", ".timeout 10000", loc, sql], None
    else:
        m = re.search(r"[?&]schema=([^&]*)", loc)
        env = dict(os.environ, PGOPTIONS=f"-c search_path={m.group(1) if m else ''}")
        cmd = ["psql", "-X", "-q", "-A", "-t", "-F", "|", "-v", "ON_ERROR_STOP=1", "-d", loc.split("?")[0], "-c", sql]
    r = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"store_sql: {sql}: {r.stderr}")
    return [line.split("|") for line in r.stdout.splitlines()]


def store_blob_sql(home, data):
    """Bytes as a literal of the store's dialect."""
    return f"decode('{data.hex()}', 'hex')" if store_is_pg(home) else f"X'{data.hex()}'"


def store_blob_hex_sql(home, column):
    """An expression that reads a blob column as hex text, in the store's dialect."""
    return f"encode({column}, 'hex')" if store_is_pg(home) else f"hex({column})"


def checked():
    """How many answers were checked against docs/openapi.yaml."""
    return _tap["checked"]


def finish():
    """The plan line, and the exit status: 1 when anything failed."""
    print(f"1..{_tap['n']}")
    sys.exit(1 if _tap["failed"] else 0)


def run(e, env, *args, stdin=None):
    p = subprocess.run([e, *args], env=env, input=stdin, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def last_line(s):
    lines = [l for l in s.splitlines() if l.strip()]
    return lines[-1].strip() if lines else ""


def must(e, env, args, what):
    """Runs the CLI; its last line, or a bail-out when it fails."""
    rc, out, err = run(e, env, *args)
    if not ok(rc == 0, what, err):
        print("Bail out! " + what)
        sys.exit(1)
    return last_line(out)


# The two organisations the API tests share: A and B, by their unified social credit codes.
USCC_A = "91110000MA01ABCDEX"
USCC_B = "91110108MA01ABCD2H"


def two_orgs(e, env):
    """A new instance with organisations A and B and a P-256 certificate of each (the CLI):
    (org_a, org_b, cert_a, cert_b)."""
    must(e, env, ["init"], "init")
    org_a = must(e, env, ["org", "add", "--name", "Alpha Trading Ltd", "--uscc", USCC_A], "org add Alpha (USCC A)")
    org_b = must(e, env, ["org", "add", "--name", "Beta Works Ltd", "--uscc", USCC_B], "org add Beta (USCC B)")
    cert_a = must(e, env, ["cert", "issue", "--org", "Alpha Trading Ltd", "--uscc", USCC_A, "--alg", "p256"],
                  "cert of A")
    cert_b = must(e, env, ["cert", "issue", "--org", "Beta Works Ltd", "--uscc", USCC_B, "--alg", "p256"], "cert of B")
    return org_a, org_b, cert_a, cert_b


def add_users(e, env, tmp, pw, users):
    """The users {login: (org, roles)}, each with password `pw` (read from a 0600 file under tmp)."""
    pwf = os.path.join(tmp, "pw")
    with open(pwf, "w") as f:
        f.write(pw + "\n")
    os.chmod(pwf, 0o600)
    for login_, (org, roles) in users.items():
        must(e, env, ["user", "add", login_, "--org", org, "--role", roles, "--password-file", pwf],
             f"user {login_} ({roles})")


def drain(proc, keep=65536):
    """Reads what a started `eseal serve` goes on writing (its access log on standard error) on
    threads of its own, keeping the last `keep` characters of each stream in proc.tails: a pipe that
    nobody reads fills at 64 KiB, and the server's next write then blocks the request it is
    answering (api_seals_integration hung at GET /metrics after 325 requests). Call it once the
    banner has been read; afterwards read the streams through proc.tails, never directly."""
    proc.tails = {}
    proc.pumps = []

    def pump(name, f):
        for line in iter(f.readline, ""):
            proc.tails[name] = (proc.tails.get(name, "") + line)[-keep:]
        f.close()

    for name in ("stdout", "stderr"):
        f = getattr(proc, name)
        if f is not None:
            proc.tails[name] = ""
            t = threading.Thread(target=pump, args=(name, f), daemon=True)
            t.start()
            proc.pumps.append(t)
    return proc


def tail(proc, name="stderr"):
    """The last of what a drained server wrote on `name`; all of it once the server has exited."""
    if proc.poll() is not None:
        for t in proc.pumps:
            t.join(timeout=5)
    return proc.tails.get(name, "")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def call(port, method, path, body=None, headers=None, ctype="application/json", timeout=60):
    """One request; (status, headers in lower case, body: JSON when it is JSON, else bytes, None when
    empty). The answer is checked against docs/openapi.yaml (a not-ok line when it does not fit; a
    path no route has is the router's 404)."""
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    h = dict(headers or {})
    data = None
    if body is not None:
        data = body if isinstance(body, (bytes, str)) else json.dumps(body)
        if ctype is not None:
            h["Content-Type"] = ctype
    c.request(method, path, body=data, headers=h)
    r = c.getresponse()
    raw = r.read()
    hdrs = {k.lower(): v for k, v in r.getheaders()}
    c.close()
    doc = raw if raw else None
    if raw and hdrs.get("content-type", "").startswith(("application/json", "application/problem+json")):
        try:
            doc = json.loads(raw)
        except ValueError:
            pass
    text = doc
    if isinstance(doc, bytes):  # text as text; a binary body (PNG, PDF) as its bytes' text
        text = doc.decode("utf-8", "replace") if hdrs.get("content-type", "").startswith("text/") else doc.decode("latin-1")
    why = openapi_check.check(method, path, r.status, hdrs.get("content-type"), text)
    if why is not None and not (r.status == 404 and "no such path" in why):
        ok(False, f"the answer to {method} {path} fits docs/openapi.yaml", why)
    _tap["checked"] += 1
    return r.status, hdrs, doc



def login(port, user, pw):
    """A session of `user` (POST /api/v1/login): the headers that carry it, cookie and CSRF token;
    bails out of the test when the login fails."""
    st, h, doc = call(port, "POST", "/api/v1/login", {"login": user, "password": pw})
    m = re.match(r"eseal_session=([^;]+)", h.get("set-cookie", ""))
    if not ok(st == 200 and m is not None, f"login {user}", f"{st} {doc}"):
        print("Bail out! login")
        sys.exit(1)
    return {"Cookie": f"eseal_session={m.group(1)}", "X-CSRF-Token": doc["csrf"]}

def problem(st, h, doc, status, code):
    """An RFC 9457 answer of that status and stable code."""
    return (st == status and h.get("content-type", "").startswith("application/problem+json")
            and isinstance(doc, dict) and doc.get("code") == code and doc.get("status") == status)


def sess(cookie, csrf=None):
    h = {"Cookie": f"eseal_session={cookie}"}
    if csrf is not None:
        h["X-CSRF-Token"] = csrf
    return h


def bearer(tok):
    return {"Authorization": f"Bearer {tok}"}
