#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""serve_race_test.py ESEAL: four `eseal serve` processes on ONE instance (issue 22 §2, "Race tests across
processes"): one home (keys, eseal.conf), one store (SQLite, or whatever ESEAL_STORE names when `eseal init`
runs: the test takes the store from the environment and runs unchanged on PostgreSQL).

A throw-away instance with one organisation, two seals and three users (made by the CLI), then four
`eseal serve --only api` processes, each on its own port, and with Python's http.client (answers checked
against docs/openapi.yaml):
  - what lives in the store is seen by every process: a session opened on server 1 works on the other
    three and a logout on server 2 ends it on all; three wrong passwords spread over servers 1-3 make
    server 4 refuse even the right one (429); a seal suspended through server 1 is refused by server 4
    (409 SEAL_NOT_ACTIVE: no process stamps from a stale copy), and stamps again once resumed;
  - 200 B-T stamps at once (32 threads, spread round-robin over the four servers): every one 200 with
    its serial; the log, read whole by a platform administrator (GET /api/v1/audit), has indices
    0..size-1 each exactly once, size the store's checkpoint; every stamp serial is in exactly one
    `stamp` entry, none has a `stamp.failed`; `eseal log audit` passes; every stamp's receipt
    (GET /api/v1/audit/receipts/SERIAL, spread over the servers) verifies offline with
    `eseal log verify-receipt --key --doc` against the document that server returned; every document
    verifies VALID through POST /api/v1/verify with its log inclusion `passed`; the RFC 3161 serials of
    the 200 signature time-stamps (the reports' time.serial, made by four processes' TSAs) are all
    different;
  - a single-use grant (max_uses 1) used by all four processes at once (12 stamps, three per server, sent
    together): exactly one 200, the other eleven 403 QUOTA_EXHAUSTED; the grant says uses 1; the log has
    exactly one stamp of that seal;
  - one of the stamped documents, changed after stamping, verified on each of the four servers: one alert
    queued (one per serial per hour, whichever process verifies), not four;
  - HOME/log/checkpoint, read over and over during the 200 stamps, never goes back to a smaller checkpoint.
TAP output.
"""
import atexit
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import api_lib  # noqa: E402  (TAP, the CLI, one exchange checked against docs/openapi.yaml)
from api_lib import ok, problem  # noqa: E402

E = os.path.abspath(sys.argv[1])
R = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources")
T = tempfile.mkdtemp(prefix="eseal-serve-race-")
HOME = os.path.join(T, "home")
# TMPDIR: the servers' private stamping folders land under T (removed at the end).
ENV = dict(os.environ, ESEAL_HOME=HOME, ESEAL_PASSPHRASE="serve-race-pass", ESEAL_PW_PARAMS="1,8192,1", TMPDIR=T)
PW = "Correct-Horse-Battery-9071"
N_SERVERS = 4
N_STAMPS = 200
N_THREADS = 32
N_QUOTA = 12


def must(args, what):
    return api_lib.must(E, ENV, args, what)


must(["init"], "init (store: %s)" % (os.environ.get("ESEAL_STORE") or "sqlite, the default"))
ORG = must(["org", "add", "--name", "Alpha Trading Ltd", "--uscc", api_lib.USCC_A], "org add Alpha")
CERT = must(["cert", "issue", "--org", "Alpha Trading Ltd", "--uscc", api_lib.USCC_A, "--alg", "p256"], "cert")
SEAL = must(["seal", "make", "--cert", CERT, "--type", "contract", "--name", "Alpha Contract Seal"], "seal")
SEAL_Q = must(["seal", "make", "--cert", CERT, "--type", "finance", "--name", "Alpha Single Use"], "single-use seal")
api_lib.add_users(E, ENV, T, PW, {"root": (ORG, "platform-admin"), "kim": (ORG, "seal-keeper"),
                                  "sam": (ORG, "stamper"), "quinn": (ORG, "stamper"), "tess": (ORG, "stamper")})
must(["grant", "add", "--seal", SEAL, "--user", "sam"], "sam may stamp with the seal")
G_Q = must(["grant", "add", "--seal", SEAL_Q, "--user", "quinn", "--max-uses", "1"], "quinn may stamp once")
TOK_SAM = must(["token", "create", "sam", "--scope", "stamp,verify,audit:read"], "sam's token")
TOK_Q = must(["token", "create", "quinn", "--scope", "stamp"], "quinn's token")
subprocess.run([sys.executable, os.path.join(R, "mkpdf.py"), os.path.join(T, "in.pdf"), "1"], check=True)
PDF = open(os.path.join(T, "in.pdf"), "rb").read()
VKEY = must(["log", "key"], "the log's verifier key")

SERVERS = []


def _stop():
    for p in SERVERS:
        if p.poll() is None:
            p.kill()
            p.wait()
    shutil.rmtree(T, ignore_errors=True)


atexit.register(_stop)  # whatever happens below, no server is left running


def serve():
    port = api_lib.free_port()
    p = subprocess.Popen([E, "serve", "--listen", f"127.0.0.1:{port}", "--only", "api,log", "--threads", "8"], env=ENV,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    SERVERS.append(p)
    banner = p.stdout.readline()
    if not ok("listening on" in banner, f"server {len(SERVERS)}: serve --only api,log listens on {port}", banner):
        print("Bail out! a server did not start")
        sys.exit(1)
    return port


PORTS = [serve() for _ in range(N_SERVERS)]


def call(port, method, path, body=None, headers=None, ctype="application/json"):
    return api_lib.call(port, method, path, body, headers, ctype, timeout=120)


def stamp(port, token, seal, level="B-T"):
    return call(port, "POST", f"/api/v1/stamp?seal={seal}&page=1&level={level}", PDF, api_lib.bearer(token),
                "application/pdf")


# ---- what lives in the store, seen by every process ----
st, h, doc = call(PORTS[0], "POST", "/api/v1/login", {"login": "kim", "password": PW})
m = re.match(r"eseal_session=([^;]+)", h.get("set-cookie", ""))
ok(st == 200 and m is not None, "kim logs in on server 1", f"{st} {doc}")
KIM = api_lib.sess(m.group(1) if m else "none", doc.get("csrf") if isinstance(doc, dict) else None)
seen = [call(p, "GET", "/api/v1/me", headers=KIM)[0] for p in PORTS]
ok(seen == [200] * N_SERVERS, "the session opened on server 1 is valid on all four", str(seen))
st, h, doc = call(PORTS[2], "POST", f"/api/v1/seals/{SEAL}/suspend", {"reason": "race test"}, KIM)
ok(st == 200 and doc.get("state") == "suspended", "kim suspends the seal through server 3", f"{st} {doc}")
st, h, doc = stamp(PORTS[3], TOK_SAM, SEAL, "B-B")
ok(problem(st, h, doc, 409, "SEAL_NOT_ACTIVE"), "server 4 refuses to stamp with it: 409 SEAL_NOT_ACTIVE", f"{st} {doc}")
st, h, doc = call(PORTS[0], "POST", f"/api/v1/seals/{SEAL}/resume", {"reason": "race test over"}, KIM)
ok(st == 200 and doc.get("state") == "active", "kim resumes it through server 1", f"{st} {doc}")
st, h, doc = call(PORTS[1], "POST", "/api/v1/logout", None, KIM)
ok(st in (200, 204), "kim logs out on server 2", f"{st} {doc}")
seen = [call(p, "GET", "/api/v1/me", headers=KIM)[0] for p in PORTS]
ok(seen == [401] * N_SERVERS, "the session is over on all four", str(seen))
for i in range(3):
    st, h, doc = call(PORTS[i], "POST", "/api/v1/login", {"login": "tess", "password": "not-" + PW})
    ok(problem(st, h, doc, 401, "UNAUTHORIZED") or st == 401, f"tess: a wrong password on server {i + 1}", f"{st} {doc}")
st, h, doc = call(PORTS[3], "POST", "/api/v1/login", {"login": "tess", "password": PW})
ok(problem(st, h, doc, 429, "RATE_LIMITED"), "server 4 counts the three failures of the others: even the right "
   "password waits (429)", f"{st} {doc}")

# ---- 200 stamps at once over the four servers ----
lock = threading.Lock()
results = {}


def one(i):
    port = PORTS[i % N_SERVERS]
    try:
        st, h, doc = stamp(port, TOK_SAM, SEAL)
    except OSError as e:
        st, h, doc = 0, {}, str(e).encode()
    with lock:
        results[i] = (port, st, h.get("eseal-stamp-serial"), doc)


# Meanwhile HOME/log/checkpoint (the newest checkpoint, kept outside the store against a restored older
# store) is read over and over: written by four processes' publishers and stamps, it must never go back.
seen_sizes = []
watching = threading.Event()


def watch():
    path = os.path.join(HOME, "log", "checkpoint")
    while not watching.is_set():
        try:
            with open(path) as f:
                lines = f.read().splitlines()
            if len(lines) > 1 and lines[1].isdigit():
                seen_sizes.append(int(lines[1]))
        except OSError:
            pass
        time.sleep(0.002)


watcher = threading.Thread(target=watch)
watcher.start()
t0 = time.monotonic()
with concurrent.futures.ThreadPoolExecutor(N_THREADS) as ex:
    list(ex.map(one, range(N_STAMPS)))
secs = time.monotonic() - t0
watching.set()
watcher.join()
back = [(a, b) for a, b in zip(seen_sizes, seen_sizes[1:]) if b < a]
ok(len(seen_sizes) > 10 and not back, f"HOME/log/checkpoint never went back while the four wrote it ({len(seen_sizes)} "
   f"reads, {len(set(seen_sizes))} sizes)", str(back[:5]))
good = {i: r for i, r in results.items() if r[1] == 200 and r[2] and isinstance(r[3], bytes)}
bad = [(i, r[1], r[3] if not isinstance(r[3], bytes) else r[3][:200]) for i, r in results.items() if i not in good]
ok(len(good) == N_STAMPS, f"{N_STAMPS} stamps over {N_SERVERS} servers, {N_THREADS} at a time: all 200 with a serial "
   f"({secs:.1f} s)", str(bad[:5]))
serials = [r[2] for r in good.values()]
ok(len(set(serials)) == len(serials), "every stamp has its own serial")
per_server = {p: sum(1 for r in good.values() if r[0] == p) for p in PORTS}
ok(all(n == N_STAMPS // N_SERVERS for n in per_server.values()), "each server stamped its quarter", str(per_server))

# ---- the single-use grant, used by the four processes at once ----
barrier = threading.Barrier(N_QUOTA)


def quota(i):
    barrier.wait()
    return stamp(PORTS[i % N_SERVERS], TOK_Q, SEAL_Q, "B-B")


with concurrent.futures.ThreadPoolExecutor(N_QUOTA) as ex:
    qres = list(ex.map(quota, range(N_QUOTA)))
won = [r for r in qres if r[0] == 200]
lost = [r for r in qres if problem(r[0], r[1], r[2], 403, "QUOTA_EXHAUSTED")]
ok(len(won) == 1 and len(lost) == N_QUOTA - 1, f"a max-uses-1 grant used {N_QUOTA} times at once over "
   f"{N_SERVERS} servers: one stamp, {N_QUOTA - 1}x 403 QUOTA_EXHAUSTED",
   str([(r[0], r[2] if isinstance(r[2], dict) else "") for r in qres if r[0] != 403]))
ROOT = api_lib.login(PORTS[0], "root", PW)
st, h, g = call(PORTS[1], "GET", f"/api/v1/grants/{G_Q}", headers=ROOT)
ok(st == 200 and g.get("uses") == 1 and g.get("max_uses") == 1, "the grant says uses 1 of 1", f"{st} {g}")

# ---- a tampered copy verified on all four: one alert (one per serial per hour, whichever process) ----
st, h, doc = call(PORTS[0], "POST", "/api/v1/webhooks", {"url": "http://127.0.0.1:9/eseal-race", "events": ["alert"]},
                  ROOT)
ok(st == 201 and isinstance(doc, dict), "a webhook for alerts (its receiver never answers: the deliveries stay queued)",
   f"{st} {doc}")
HOOK = doc.get("id", "none") if isinstance(doc, dict) else "none"
one_serial, one_doc = next(iter((r[2], r[3]) for r in good.values()))
marker = b"Contract no. 2026-001"
tampered = one_doc.replace(marker, b"Contract no. 2026-009", 1)
verdicts = [call(p, "POST", "/api/v1/verify", tampered, ctype="application/pdf") for p in PORTS]
ok(marker in one_doc and all(v[0] == 200 and v[2].get("verdict") == "INVALID" for v in verdicts),
   "a stamped document changed after stamping verifies INVALID on each of the four servers",
   str([(v[0], v[2].get("verdict") if isinstance(v[2], dict) else v[2]) for v in verdicts]))
st, h, dl = call(PORTS[3], "GET", f"/api/v1/webhooks/{HOOK}/deliveries", headers=ROOT)
alerts = [d for d in dl if d.get("event") == "alert" and '"verification.failed"' in d.get("body", "")] \
    if st == 200 and isinstance(dl, list) else []
ok(len(alerts) == 1 and one_serial in alerts[0].get("body", ""), "one alert queued for it, not one per server",
   f"{st} {[(d.get('event'), d.get('body', '')[:120]) for d in alerts]}")

# ---- the log: every entry once, gap-free ----
entries, cursor = [], 0
while True:
    st, h, doc = call(PORTS[len(entries) // 1000 % N_SERVERS], "GET", f"/api/v1/audit?from={cursor}&limit=1000",
                      headers=ROOT)
    if not ok(st == 200, f"the platform administrator reads the log from {cursor}", f"{st} {doc}"):
        break
    entries += doc["entries"]
    if doc["next"] == cursor or not doc["entries"]:
        break
    cursor = doc["next"]
indices = [e["index"] for e in entries]
ok(indices == list(range(len(indices))) and len(indices) >= N_STAMPS + 1,
   f"the log read whole: indices 0..{len(indices) - 1}, each once, in order",
   str([i for n, i in enumerate(indices) if i != n][:5]))


def checkpoint_size():
    rc, out, err = api_lib.run(E, ENV, "log", "checkpoint")
    return int(out.splitlines()[1]) if rc == 0 and len(out.splitlines()) > 1 else -1


# The four publishers (one a server, --only log) each sign within 250 ms of an append by any process, so
# the newest checkpoint covers the whole log within a few intervals of the last append.
t0 = time.monotonic()
cp_size = checkpoint_size()
while cp_size < len(indices) and time.monotonic() - t0 < 10:
    time.sleep(0.1)
    cp_size = checkpoint_size()
ok(cp_size == len(indices), f"the servers' publishers signed a checkpoint of the whole log ({cp_size}) within "
   f"{time.monotonic() - t0:.1f} s")
stamps = {}
failed = []
for e in entries:
    if e.get("type") == "stamp":
        stamps.setdefault(e.get("stamp"), []).append(e["index"])
    elif e.get("type") == "stamp.failed":
        failed.append(e)
once = [s for s in serials if len(stamps.get(s, [])) == 1]
ok(len(once) == N_STAMPS, f"each of the {N_STAMPS} serials is in exactly one stamp entry",
   str([(s, stamps.get(s)) for s in serials if len(stamps.get(s, [])) != 1][:5]))
q_entries = [e for e in entries if e.get("type") == "stamp" and e.get("seal") == SEAL_Q]
ok(len(q_entries) == 1 and len(won) == 1 and q_entries[0].get("stamp") == won[0][1].get("eseal-stamp-serial"),
   "the log has exactly one stamp of the single-use seal: the one answered 200", str(q_entries))
ok(len(stamps) == N_STAMPS + 1 and not failed, f"no other stamp entry, no stamp.failed ({len(stamps)} stamps)",
   str(failed[:3]))
rc, out, err = api_lib.run(E, ENV, "log", "audit")
ok(rc == 0, "eseal log audit passes", out + err)

# ---- every receipt verifies offline; every document verifies, with its own time-stamp serial ----
work = os.path.join(T, "work")
os.makedirs(work)


def check(item):
    i, (port, st, serial, doc) = item
    other = PORTS[(i + 1) % N_SERVERS]  # the receipt and the report from another server than the stamp's
    pdf = os.path.join(work, f"{serial}.pdf")
    with open(pdf, "wb") as f:
        f.write(doc)
    st, h, rec = call(other, "GET", f"/api/v1/audit/receipts/{serial}", headers=api_lib.bearer(TOK_SAM))
    if st != 200:
        return serial, f"receipt: {st} {rec}", None
    rpath = os.path.join(work, f"{serial}.receipt")
    with open(rpath, "wb") as f:
        f.write(rec if isinstance(rec, bytes) else str(rec).encode())
    rc, out, err = api_lib.run(E, ENV, "log", "verify-receipt", rpath, "--key", VKEY, "--doc", pdf)
    if rc != 0:
        return serial, f"verify-receipt: {rc} {out} {err}", None
    st, h, rep = call(other, "POST", "/api/v1/verify", doc, api_lib.bearer(TOK_SAM), "application/pdf")
    if st != 200 or rep.get("verdict") != "VALID":
        return serial, f"verify: {st} {str(rep)[:300]}", None
    sig = rep["signatures"][-1]
    checks = {c.get("id"): c.get("status") for c in sig.get("checks", [])}
    if checks.get("log_inclusion") != "passed" or sig["signature"].get("id") != f"eseal-{serial}":
        return serial, f"{sig['signature'].get('id')}: log_inclusion: {checks.get('log_inclusion')}", None
    return serial, None, (sig.get("time") or {}).get("serial")


with concurrent.futures.ThreadPoolExecutor(4) as ex:
    checked = list(ex.map(check, sorted(good.items())))
problems = [(s, why) for s, why, _ in checked if why is not None]
ok(not problems, f"all {len(checked)} receipts verify offline (eseal log verify-receipt --doc)"
   " and all documents verify VALID with log_inclusion passed", str(problems[:3]))
ts = [t for _, why, t in checked if why is None]
ok(len(ts) == N_STAMPS and all(isinstance(t, str) and re.fullmatch(r"[0-9A-F]+", t) for t in ts),
   f"every report names its signature time-stamp's serial ({len(ts)})", str(ts[:3]))
ok(len(set(ts)) == len(ts), f"the {len(ts)} time-stamp serials, made by {N_SERVERS} processes, are all different")

print(f"# {api_lib.checked()} answers checked against docs/openapi.yaml")
api_lib.finish()
