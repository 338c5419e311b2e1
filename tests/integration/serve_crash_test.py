#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""serve_crash_test.py ESEAL [KILLS]: SIGKILL of `eseal serve` processes during a stamp stream (issue 22, "Crash
test"). One instance (its store from ESEAL_STORE when set, as `eseal init` takes it; SQLite otherwise), four
`eseal serve --only api,log` processes on it, and a stream of B-T stamps (POST /api/v1/stamp, 4 client threads,
each to a server picked at random). KILLS times (default 25), at a random moment 0.2-0.9 s apart, a random
server is killed with SIGKILL and another started in its place (on a new port) once the kill is reaped.

A stamp is acknowledged when its answer is 200 with its serial and the stamped document (the server returns
only after the stamp's entry, its publication and the commit that forgets the pending publication; see
docs/audit-log.md, "A stamp in four phases"); anything else (a refused connection, a reset, a 5xx) is not.
After the stream (and one more stamp, which settles what the killed processes left pending: the first stamp
that finds no other stamping process does, src/service/stamp.c stamp_lock):
  - the log, read whole by a platform administrator, has indices 0..size-1 each once;
  - every acknowledged serial is in exactly one `stamp` entry and in no `stamp.failed` entry: none is lost,
    none is recorded twice; no serial is in two stamp entries at all;
  - every stamp entry that was not acknowledged either has its `stamp.failed` or was published (a kill after
    the commit, before the answer): counted and printed, not judged;
  - `eseal log audit` passes;
  - the receipt of every acknowledged stamp (GET /api/v1/audit/receipts/SERIAL) verifies offline against the
    document the client got (`eseal log verify-receipt --key --doc`).
TAP output.
"""
import atexit
import concurrent.futures
import http.client
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import api_lib  # noqa: E402  (TAP, the CLI, one exchange checked against docs/openapi.yaml)
from api_lib import ok  # noqa: E402

E = os.path.abspath(sys.argv[1])
KILLS = int(sys.argv[2]) if len(sys.argv) > 2 else 25
R = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources")
T = tempfile.mkdtemp(prefix="eseal-serve-crash-")
HOME = os.path.join(T, "home")
# TMPDIR: the servers' private stamping folders (a killed server leaves its own) land under T.
ENV = dict(os.environ, ESEAL_HOME=HOME, ESEAL_PASSPHRASE="serve-crash-pass", ESEAL_PW_PARAMS="1,8192,1", TMPDIR=T)
PW = "Correct-Horse-Battery-9071"
N_SERVERS = 4
N_CLIENTS = 4


def must(args, what):
    return api_lib.must(E, ENV, args, what)


must(["init"], "init (store: %s)" % (os.environ.get("ESEAL_STORE") or "sqlite, the default"))
ORG = must(["org", "add", "--name", "Alpha Trading Ltd", "--uscc", api_lib.USCC_A], "org add Alpha")
CERT = must(["cert", "issue", "--org", "Alpha Trading Ltd", "--uscc", api_lib.USCC_A, "--alg", "p256"], "cert")
SEAL = must(["seal", "make", "--cert", CERT, "--type", "contract", "--name", "Alpha Contract Seal"], "seal")
api_lib.add_users(E, ENV, T, PW, {"root": (ORG, "platform-admin"), "sam": (ORG, "stamper")})
must(["grant", "add", "--seal", SEAL, "--user", "sam"], "sam may stamp with the seal")
TOKEN = must(["token", "create", "sam", "--scope", "stamp,audit:read"], "sam's token")
VKEY = must(["log", "key"], "the log's verifier key")
subprocess.run([sys.executable, os.path.join(R, "mkpdf.py"), os.path.join(T, "in.pdf"), "1"], check=True)
PDF = open(os.path.join(T, "in.pdf"), "rb").read()

ALL = []  # every server process started, for the clean-up


def _stop():
    for p in ALL:
        if p.poll() is None:
            p.kill()
            p.wait()
    shutil.rmtree(T, ignore_errors=True)


atexit.register(_stop)  # whatever happens below, no server is left running


def serve():
    """A new server on a free port: (process, port), once it listens; None when it did not start."""
    port = api_lib.free_port()
    p = subprocess.Popen([E, "serve", "--listen", f"127.0.0.1:{port}", "--only", "api,log", "--threads", "4"],
                         env=ENV, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    ALL.append(p)
    banner = p.stdout.readline()
    return (p, port) if "listening on" in banner else None


live = [serve() for _ in range(N_SERVERS)]
ok(all(s is not None for s in live), f"{N_SERVERS} servers listen on one home")
if None in live:
    print("Bail out! a server did not start")
    sys.exit(1)
live_lock = threading.Lock()
stop = threading.Event()
acked = {}  # serial -> the stamped document
unacked = {"refused": 0, "broken": 0, "status": 0}
statuses = {}
res_lock = threading.Lock()


def client(n):
    rnd = random.Random(n)
    while not stop.is_set():
        with live_lock:
            port = rnd.choice(live)[1]
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            c.request("POST", f"/api/v1/stamp?seal={SEAL}&page=1&level=B-T", body=PDF,
                      headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/pdf"})
            r = c.getresponse()
            body = r.read()
            serial = r.getheader("Eseal-Stamp-Serial")
            c.close()
        except ConnectionRefusedError:
            with res_lock:
                unacked["refused"] += 1
            continue
        except (OSError, http.client.HTTPException):
            with res_lock:
                unacked["broken"] += 1
            continue
        with res_lock:
            if r.status == 200 and serial and body.startswith(b"%PDF"):
                if serial in acked:
                    statuses["duplicate serial " + serial] = statuses.get("duplicate serial " + serial, 0) + 1
                acked[serial] = body
            else:
                unacked["status"] += 1
                statuses[r.status] = statuses.get(r.status, 0) + 1


threads = [threading.Thread(target=client, args=(n,)) for n in range(N_CLIENTS)]
for t in threads:
    t.start()
rnd = random.Random()
kills = 0
restart_failed = 0
t0 = time.monotonic()
for k in range(KILLS):
    time.sleep(rnd.uniform(0.2, 0.9))
    i = rnd.randrange(N_SERVERS)
    with live_lock:
        p, port = live[i]
    p.send_signal(signal.SIGKILL)
    p.wait()
    kills += 1 if p.returncode == -signal.SIGKILL else 0
    s = serve()
    if s is None:
        restart_failed += 1
        s = serve()
    if s is None:
        break
    with live_lock:
        live[i] = s
stop.set()
for t in threads:
    t.join()
secs = time.monotonic() - t0
ok(kills == KILLS and restart_failed == 0, f"{kills} servers killed with SIGKILL during the stream, each replaced "
   f"({restart_failed} restarts failed)")
with res_lock:
    n_acked = len(acked)
print(f"# {secs:.1f} s: {n_acked} stamps acknowledged; not acknowledged: {unacked}, statuses {statuses}")
ok(n_acked >= 100, f"the stream went on through the kills: {n_acked} stamps acknowledged")
ok(not any(str(k).startswith("duplicate") for k in statuses), "no serial was acknowledged twice", str(statuses))
ok(all(k in (500, 503) for k in statuses), "the only failed answers are 500/503 (a server going down)", str(statuses))

# One stamp with no other stamping process: it settles what the killed processes left pending.
port = live[0][1]
st, h, doc = api_lib.call(port, "POST", f"/api/v1/stamp?seal={SEAL}&page=1&level=B-T", PDF, api_lib.bearer(TOKEN),
                          "application/pdf", timeout=120)
ok(st == 200 and h.get("eseal-stamp-serial"), "a stamp after the stream (it settles what the kills left)", f"{st}")
if st == 200 and h.get("eseal-stamp-serial"):
    acked[h["eseal-stamp-serial"]] = doc

# ---- the log ----
ROOT = api_lib.login(port, "root", PW)
entries, cursor = [], 0
while True:
    st, h, doc = api_lib.call(port, "GET", f"/api/v1/audit?from={cursor}&limit=1000", headers=ROOT)
    if not ok(st == 200, f"the platform administrator reads the log from {cursor}", f"{st} {doc}"):
        break
    entries += doc["entries"]
    if doc["next"] == cursor or not doc["entries"]:
        break
    cursor = doc["next"]
indices = [e["index"] for e in entries]
ok(indices == list(range(len(indices))), f"the log read whole: indices 0..{len(indices) - 1}, each once, in order",
   str([i for n, i in enumerate(indices) if i != n][:5]))
stamp_at = {}
failed_for = {}
for e in entries:
    if e.get("type") == "stamp":
        stamp_at.setdefault(e.get("stamp"), []).append(e["index"])
    elif e.get("type") == "stamp.failed":
        failed_for.setdefault(e.get("stamp"), []).append(e["index"])
lost = [s for s in acked if len(stamp_at.get(s, [])) != 1]
ok(not lost, f"every acknowledged stamp ({len(acked)}) is in exactly one stamp entry",
   str([(s, stamp_at.get(s)) for s in lost[:5]]))
marked = [s for s in acked if s in failed_for]
ok(not marked, "no acknowledged stamp has a stamp.failed entry", str([(s, failed_for[s]) for s in marked[:5]]))
dup = [s for s, at in stamp_at.items() if len(at) != 1]
ok(not dup, f"no serial is in two stamp entries ({len(stamp_at)} stamp entries)", str(dup[:5]))
twice = [s for s, at in failed_for.items() if len(at) != 1 or s not in stamp_at]
ok(not twice, f"each stamp.failed ({len(failed_for)}) names one stamp entry of its own", str(twice[:5]))
quiet = [s for s in stamp_at if s not in acked and s not in failed_for]
print(f"# {len(stamp_at)} stamp entries: {len(acked)} acknowledged, {len(failed_for)} recorded as failed (killed "
      f"between record and publish), {len(quiet)} published but not acknowledged (killed before the answer)")
rc, out, err = api_lib.run(E, ENV, "log", "audit")
ok(rc == 0, "eseal log audit passes after the kills", out + err)

# ---- every acknowledged stamp's receipt verifies against the document the client got ----
work = os.path.join(T, "work")
os.makedirs(work)


def check(item):
    n, (serial, doc) = item
    st, h, rec = api_lib.call(live[n % N_SERVERS][1], "GET", f"/api/v1/audit/receipts/{serial}",
                              headers=api_lib.bearer(TOKEN))
    if st != 200 or not isinstance(rec, bytes):
        return f"{serial}: receipt: {st} {rec}"
    pdf, rpath = os.path.join(work, serial + ".pdf"), os.path.join(work, serial + ".receipt")
    with open(pdf, "wb") as f:
        f.write(doc)
    with open(rpath, "wb") as f:
        f.write(rec)
    rc, out, err = api_lib.run(E, ENV, "log", "verify-receipt", rpath, "--key", VKEY, "--doc", pdf)
    return None if rc == 0 else f"{serial}: verify-receipt {rc}: {out.strip()} {err.strip()}"


with concurrent.futures.ThreadPoolExecutor(2) as ex:
    bad = [b for b in ex.map(check, enumerate(sorted(acked.items()))) if b is not None]
ok(not bad, f"the receipts of all {len(acked)} acknowledged stamps verify offline against their documents", str(bad[:3]))
api_lib.finish()
