#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""api_pub_test.py ESEAL: the public routes and the operations of `eseal serve` over real HTTP
(issue 19 §2; the routes' authorisation rows are in api_test.py's MATRIX).

A throw-away instance, a certificate, a seal, a stamped PDF and a stamped OFD made by the CLI;
then `eseal serve --only api --max-upload 24000000 --access-log FILE` and, with http.client:
  - POST /api/v1/verify of the PDF and of the OFD: 200 and the JSON of `eseal verify --json` of
    the same file (equal but for validation_time); ?pictures=1 carries the seal's picture (report
    version 4: seal.picture.data, base64, null without); multipart/form-data with a .p7s and its data
    is `eseal verify X.p7s --data Y`; a text file: 400 BAD_INPUT; a body over
    --max-upload: 413 TOO_LARGE (announced, and sent in chunks without a length);
  - a 20 MB upload does not raise the server's peak RSS (VmHWM) by 20 MB, and HOME/tmp (0700) is
    empty after every request;
  - GET /api/v1/openapi.json: the JSON of docs/openapi.yaml;
  - /healthz, /readyz (200; 503 problem+json from a server whose passphrase is wrong), /metrics
    (the Prometheus text format; the counters move);
  - the access log: one JSON line per request with time, request_id, principal, method, route,
    status, duration_ms; X-Request-Id echoed (a sane one kept, an odd one replaced); a token sent
    as Bearer and the session cookie never in it.
Every answer is checked against docs/openapi.yaml (openapi_check.py). TAP output.
"""
import atexit
import base64
import hashlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import openapi_check  # noqa: E402
from api_lib import drain, tail  # noqa: E402  (a server's output read while it runs)

E = os.path.abspath(sys.argv[1])
R = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources")
T = tempfile.mkdtemp(prefix="eseal-apipub-")
HOME = os.path.join(T, "home")
ENV = dict(os.environ, ESEAL_HOME=HOME, ESEAL_PASSPHRASE="api-pub-pass", ESEAL_PW_PARAMS="1,8192,1")
PW = "Correct-Horse-Battery-9071"
MAX_UPLOAD = 24_000_000

n = 0
failed = 0


def ok(cond, what, extra=""):
    global n, failed
    n += 1
    if cond:
        print(f"ok {n} - {what}")
    else:
        failed += 1
        print(f"not ok {n} - {what}" + (f"\n# {extra}" if extra else ""))
    return cond


def run(*args, env=None):
    p = subprocess.run([E, *args], env=env or ENV, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


def bail(why):
    print("Bail out! " + why)
    shutil.rmtree(T, ignore_errors=True)
    sys.exit(1)


# ---- the instance, a seal and two stamped documents (the CLI) ----
rc, out, err = run("init")
if rc != 0:
    bail("eseal init: " + err)
rc, cert, err = run("cert", "issue", "--org", "Public Route Ltd", "--uscc", "91110000MA01ABCDEX", "--alg", "sm2")
ok(rc == 0, "cert issue", err)
rc, seal, err = run("seal", "make", "--cert", cert.strip(), "--type", "contract", "--name", "Public Route Seal")
ok(rc == 0, "seal make", err)
SEAL = seal.strip()
env_py = dict(ENV, PYTHONPATH=R + (":" + os.environ["PYTHONPATH"] if "PYTHONPATH" in os.environ else ""))
subprocess.run(["python3", os.path.join(R, "mkpdf.py"), os.path.join(T, "in.pdf"), "1"], env=env_py, check=True)
subprocess.run(["python3", os.path.join(R, "mkofd.py"), os.path.join(T, "in.ofd")], env=env_py, check=True)
rc, out, err = run("stamp", os.path.join(T, "in.pdf"), "-o", os.path.join(T, "s.pdf"), "--seal", SEAL, "--page", "1")
ok(rc == 0, "stamp a PDF", err)
PDF_SERIAL = out.split()[0] if out.split() else ""
rc, out, err = run("stamp", os.path.join(T, "in.ofd"), "-o", os.path.join(T, "s.ofd"), "--seal", SEAL, "--page", "1")
ok(rc == 0, "stamp an OFD", err)
# 20 MB of a real stamped PDF (a padded content stream): the memory test verifies it.
subprocess.run(["python3", os.path.join(R, "mkpdf.py"), os.path.join(T, "big.pdf"), "1", "--pad", "20000000"],
               env=env_py, check=True)
rc, out, err = run("stamp", os.path.join(T, "big.pdf"), "-o", os.path.join(T, "sbig.pdf"), "--seal", SEAL, "--page",
                   "1")
ok(rc == 0, "stamp a 20 MB PDF", err)
rc, out, err = run("org", "add", "--name", "Logging Ltd")
ORG = out.strip().splitlines()[-1] if out.strip() else ""
pwf = os.path.join(T, "pw")
with open(pwf, "w") as f:
    f.write(PW + "\n")
os.chmod(pwf, 0o600)
rc, out, err = run("user", "add", "lia", "--org", ORG, "--role", "org-admin", "--password-file", pwf)
ok(rc == 0, "user add lia", err)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


STARTED = []


def _kill_left():  # whatever happens, no server of this test is left running
    for p in STARTED:
        if p.poll() is None:
            p.kill()
            p.wait()


atexit.register(_kill_left)


def start(extra, env=None):
    port = free_port()
    p = subprocess.Popen([E, "serve", "--listen", f"127.0.0.1:{port}", "--only", "api", *extra], env=env or ENV,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    STARTED.append(p)
    banner = p.stdout.readline()
    drain(p)
    return p, port, banner


def stop(p):
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=20)
        return p.returncode
    except subprocess.TimeoutExpired:
        p.kill()
        return None


ACCESS = os.path.join(T, "access.log")
srv, PORT, banner = start(["--max-upload", str(MAX_UPLOAD), "--access-log", ACCESS])
if not ok("listening on" in banner, "serve --only api listens", banner):
    bail("no server")
for r in ("POST /api/v1/verify", "GET /api/v1/openapi.json", "GET /healthz", "GET /readyz", "GET /metrics"):
    ok(r in banner, f"the banner lists {r}", banner)


def call(method, path, body=None, headers=None, ctype=None, port=None, chunked=False):
    c = http.client.HTTPConnection("127.0.0.1", port or PORT, timeout=60)
    h = dict(headers or {})
    if ctype is not None:
        h["Content-Type"] = ctype
    if chunked:
        c.request(method, path, body=body, headers=h, encode_chunked=True)
    else:
        c.request(method, path, body=body, headers=h)
    r = c.getresponse()
    raw = r.read()
    hdrs = {k.lower(): v for k, v in r.getheaders()}
    c.close()
    ct = hdrs.get("content-type", "")
    doc = raw
    if ct.startswith("application/json") or ct.startswith("application/problem+json"):
        try:
            doc = json.loads(raw)
        except ValueError:
            pass
    body_for_check = doc.decode("utf-8", "replace") if isinstance(doc, bytes) else doc
    why = openapi_check.check(method, path, r.status, ct, body_for_check)
    if why is not None and not (r.status == 404 and "no such path" in why):
        ok(False, f"the answer to {method} {path} fits docs/openapi.yaml", why)
    return r.status, hdrs, doc, raw


def problem(st, h, doc, status, code):
    return (st == status and h.get("content-type", "").startswith("application/problem+json")
            and isinstance(doc, dict) and doc.get("code") == code and doc.get("status") == status)


def tmp_empty():
    d = os.path.join(HOME, "tmp")
    return os.path.isdir(d) and os.listdir(d) == []


def strip_time(v, t=None):
    """The report without its validation time: the member validation_time, and that time where a
    text quotes it ("3 certificates at <time>"): what two runs of the same verification differ in."""
    if t is None and isinstance(v, dict):
        t = v.get("validation_time")
    if isinstance(v, dict):
        return {k: strip_time(x, t) for k, x in v.items() if k != "validation_time"}
    if isinstance(v, list):
        return [strip_time(x, t) for x in v]
    if isinstance(v, str) and t:
        return v.replace(t, "<validation time>")
    return v


def metric(text, name, labels=None):
    total = None
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        m = re.match(r"^([a-z_]+)(\{[^}]*\})? ([0-9.e+-]+)$", line)
        if not m or m.group(1) != name:
            continue
        if labels and not all(f'{k}="{v}"' in (m.group(2) or "") for k, v in labels.items()):
            continue
        total = (total or 0) + float(m.group(3))
    return total


st, h, doc, raw = call("GET", "/metrics")
ok(st == 200 and h.get("content-type", "").startswith("text/plain; version=0.0.4"), "GET /metrics: 200 text 0.0.4",
   f"{st} {h}")
M0 = raw.decode()
ok("# TYPE eseal_http_requests_total counter" in M0 and "# TYPE eseal_http_request_duration_seconds histogram" in M0
   and "# TYPE eseal_verifications_total counter" in M0 and "# TYPE eseal_log_size gauge" in M0,
   "the four metric families are declared", M0[:400])
ok(metric(M0, "eseal_verifications_total") == 0, "no verification yet", M0)
log_size0 = metric(M0, "eseal_log_size")
ok(log_size0 is not None and log_size0 >= 2, "eseal_log_size counts the stamps' entries", str(log_size0))

# ---- memory: a 20 MB upload is spooled, not held ----
def hwm_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return None


def rss_anon_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("RssAnon:"):
                return int(line.split()[1])
    return 0


def upload_watch(data, ctype):
    """Sends `data` while sampling the server's private memory (RssAnon) every millisecond: the
    answer and the largest RssAnon seen. VmHWM also counts the pages of the spool file's mapping
    that the verifier reads: they are the file's page cache, shared, not a copy of the body."""
    import threading
    peak = [rss_anon_kb(srv.pid)]
    done = threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_anon_kb(srv.pid))
            time.sleep(0.001)

    th = threading.Thread(target=sample)
    th.start()
    try:
        res = call("POST", "/api/v1/verify", data, ctype=ctype)
    finally:
        done.set()
        th.join()
    return res, peak[0]


before = hwm_kb(srv.pid)
twenty = b"just text, 20 MB of it\n" * (20_000_000 // 23)
(st, h, doc, raw), _ = upload_watch(twenty, "application/octet-stream")
after = hwm_kb(srv.pid)
ok(problem(st, h, doc, 400, "BAD_INPUT"), "a 20 MB text upload: 400 BAD_INPUT", f"{st} {raw[:200]}")
ok(before is not None and after is not None and after - before < 10_000,
   f"a 20 MB upload raises the peak RSS by {after - before} KiB (< 10 MB)", f"{before} -> {after}")
with open(os.path.join(T, "sbig.pdf"), "rb") as f:
    pdf20 = f.read()
before = hwm_kb(srv.pid)
anon0 = rss_anon_kb(srv.pid)
(st, h, doc, raw), anon_peak = upload_watch(pdf20, "application/pdf")
after = hwm_kb(srv.pid)
ok(st == 200 and isinstance(doc, dict) and doc.get("verdict") == "VALID" and len(pdf20) > 20_000_000,
   f"a stamped PDF of {len(pdf20)} bytes: 200 VALID", f"{st} {raw[:200]}")
ok(anon_peak - anon0 < 10_000, f"verifying it raises the server's private memory (RssAnon) by at most "
   f"{anon_peak - anon0} KiB (< 10 MB; VmHWM, with the mapping's file pages, by {after - before} KiB)",
   f"{anon0} -> {anon_peak}")
ok(tmp_empty(), "HOME/tmp is empty after the 20 MB uploads")

# ---- POST /verify ----
for kind, name, ctype in (("PDF", "s.pdf", "application/pdf"), ("OFD", "s.ofd", "application/ofd")):
    path = os.path.join(T, name)
    with open(path, "rb") as f:
        data = f.read()
    st, h, doc, raw = call("POST", "/api/v1/verify", data, ctype=ctype)
    ok(st == 200 and h.get("content-type") == "application/json", f"verify the stamped {kind}: 200 JSON",
       f"{st} {raw[:300]}")
    rc, out, err = run("verify", path, "--json")
    ok(rc == 0, f"eseal verify --json of the {kind}: VALID", err)
    try:
        cli = json.loads(out)
    except ValueError:
        cli = None
    ok(isinstance(doc, dict) and doc.get("verdict") == "VALID", f"the API's verdict of the {kind} is VALID",
       str(doc)[:300])
    ok(isinstance(doc, dict) and cli is not None and strip_time(doc) == strip_time(cli),
       f"the API's report of the {kind} is the CLI's (but validation_time)",
       json.dumps(doc)[:300] + " vs " + json.dumps(cli)[:300])
    ok(tmp_empty(), f"HOME/tmp is empty after the {kind}")

st, h, doc, raw = call("POST", "/api/v1/verify", b"%PDF-1.7\nthis is no PDF at all\n", ctype="application/pdf")
ok(problem(st, h, doc, 400, "BAD_INPUT") and "not a valid PDF" in doc.get("detail", ""),
   "a damaged PDF: 400 BAD_INPUT saying so (the CLI cannot verify it either)", f"{st} {raw[:300]}")
st, h, doc, raw = call("POST", "/api/v1/verify", b"just some text\n", ctype="text/plain")
ok(problem(st, h, doc, 400, "BAD_INPUT"), "a text file: 400 BAD_INPUT", f"{st} {raw[:300]}")
st, h, doc, raw = call("POST", "/api/v1/verify", b"", ctype="application/pdf")
ok(problem(st, h, doc, 400, "BAD_INPUT"), "an empty body: 400 BAD_INPUT", f"{st} {raw[:300]}")
big = b"%PDF-1.7\n" + b"0" * (MAX_UPLOAD + 1)
st, h, doc, raw = call("POST", "/api/v1/verify", big, ctype="application/pdf")
ok(problem(st, h, doc, 413, "TOO_LARGE"), "a body over --max-upload: 413 TOO_LARGE", f"{st} {raw[:300]}")
st, h, doc, raw = call("POST", "/api/v1/verify", iter([big[i:i + (1 << 20)] for i in range(0, len(big), 1 << 20)]),
                       ctype="application/pdf", chunked=True)
ok(problem(st, h, doc, 413, "TOO_LARGE"), "the same in chunks, without a length: 413 TOO_LARGE", f"{st} {raw[:300]}")
ok(tmp_empty(), "HOME/tmp is empty after the refusals")
mode = stat.S_IMODE(os.stat(os.path.join(HOME, "tmp")).st_mode)
ok(mode == 0o700, "HOME/tmp is 0700", oct(mode))


# ---- stamps/{serial} ----
st, h, doc, raw = call("GET", f"/api/v1/stamps/{PDF_SERIAL}")
ok(st == 200 and isinstance(doc, dict) and doc.get("serial") == PDF_SERIAL, f"GET /stamps/{PDF_SERIAL}: 200",
   f"{st} {raw[:300]}")
if isinstance(doc, dict) and st == 200:
    with open(os.path.join(T, "s.pdf"), "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    ok(doc["seal"] == {"esid": SEAL, "name": "Public Route Seal", "hardware": []},
       "its seal: the esID and name, and hardware [] (its key is in software)", str(doc["seal"]))
    ok(doc["organisation"] == "Public Route Ltd", "its organisation: the seal's owner", doc["organisation"])
    ok(doc["document_sha256"] == digest, "its document_sha256 is the stamped file's", doc["document_sha256"])
    ok(doc["format"] == "pdf" and doc["time_source"] in ("entry", "clock", "signature")
       and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", doc["time"]) is not None,
       "format, an RFC 3339 time and its source", str(doc))
    ok(doc["status"] == {"seal_state": "active", "seal_valid_at_time": True}, "the seal is active, valid then",
       str(doc["status"]))
    ok(isinstance(doc["log"]["index"], int) and doc["log"]["index"] >= 0, "its log entry's index", str(doc["log"]))
    ok(doc.get("approvals", 0) is None, "made under no stamp request: approvals null", str(doc.get("approvals", "absent")))
rc, out, err = run("seal", "suspend", SEAL, "--reason", "keeper on leave")
if rc == 0:
    st, h, doc, raw = call("GET", f"/api/v1/stamps/{PDF_SERIAL}")
    ok(st == 200 and doc["status"] == {"seal_state": "suspended", "seal_valid_at_time": True},
       "after the seal is suspended: suspended now, valid at the stamp's time", str(doc.get("status")))
    # Resumed again, and checked: a seal left suspended would make verifications below INVALID (a CI run's
    # ASan pass found the OFD SEAL_SUSPENDED there, when the resume's status was not read).
    for _ in range(10):
        rc, out, err = run("seal", "resume", SEAL, "--reason", "back")
        if rc == 0:
            break
        time.sleep(0.5)
    ok(rc == 0, "the seal is resumed", err)
else:
    ok(False, "seal suspend", err)
st, h, doc, raw = call("GET", "/api/v1/stamps/ST20990101-00000000AA")
ok(problem(st, h, doc, 404, "NOT_FOUND"), "an unknown serial: 404 NOT_FOUND", f"{st} {raw[:200]}")
st, h, doc, raw = call("GET", "/api/v1/stamps/st2026'x")
ok(problem(st, h, doc, 400, "BAD_INPUT"), "a serial of odd characters: 400 BAD_INPUT", f"{st} {raw[:200]}")

# ---- openapi.json ----
st, h, doc, raw = call("GET", "/api/v1/openapi.json")
ok(st == 200 and doc == openapi_check.OA, "GET /api/v1/openapi.json is docs/openapi.yaml as JSON", f"{st}")

# ---- healthz, readyz, metrics ----
st, h, doc, raw = call("GET", "/healthz")
ok(st == 200 and raw == b"ok\n", "GET /healthz: 200 ok", f"{st} {raw}")
st, h, doc, raw = call("GET", "/readyz")
ok(st == 200 and raw == b"ready\n", "GET /readyz: 200 ready", f"{st} {raw}")
st, h, doc, raw = call("GET", "/metrics")
M1 = raw.decode()
ok(metric(M1, "eseal_verifications_total") == 3, "eseal_verifications_total counts the reports answered (3)",
   str(metric(M1, "eseal_verifications_total")))
ok(metric(M1, "eseal_http_requests_total", {"route": "POST /api/v1/verify", "status": "200"}) == 3,
   "requests_total{POST /api/v1/verify, 200} is 3", M1)
ok(metric(M1, "eseal_http_requests_total", {"route": "POST /api/v1/verify", "status": "400"}) == 4,
   "requests_total{POST /api/v1/verify, 400} is 4", M1)
ok(metric(M1, "eseal_http_requests_total", {"route": "POST /api/v1/verify", "status": "413"}) == 2,
   "requests_total{POST /api/v1/verify, 413} is 2 (refused before the router)", M1)
ok(metric(M1, "eseal_http_request_duration_seconds_count", {"route": "POST /api/v1/verify"}) == 9,
   "the duration histogram counts the 9 verify requests", M1)
ok(metric(M1, "eseal_http_request_duration_seconds_bucket", {"route": "POST /api/v1/verify", "le": "+Inf"}) == 9,
   "its +Inf bucket is its count", M1)
st, h, doc, raw = call("GET", "/nothing-here")
st, h, doc, raw = call("GET", "/metrics")
ok(metric(raw.decode(), "eseal_http_requests_total", {"route": "-", "status": "404"}) == 1,
   "a path no route has is counted under route \"-\"", raw.decode())

# ---- POST /verify?digests= (after the counts above): `eseal verify --digests` ----
with open(os.path.join(T, "s.pdf"), "rb") as f:
    sdata = f.read()
want_sha = hashlib.sha256(sdata).hexdigest()
for q, sha, sm3_null in (("sha256", want_sha, True), ("sm3", None, False), ("sm3,sha256", want_sha, False)):
    st, h, doc, raw = call("POST", f"/api/v1/verify?digests={q}", sdata, ctype="application/pdf")
    d = doc.get("document", {}) if isinstance(doc, dict) else {}
    ok(st == 200 and doc.get("verdict") == "VALID" and d.get("sha256") == sha and (d.get("sm3") is None) == sm3_null,
       f"verify?digests={q}: VALID, document.sha256 {'the file' if sha else 'null'}, "
       f"document.sm3 {'null' if sm3_null else 'present'}", f"{st} {json.dumps(d)[:300]}")
    rc, out, err = run("verify", os.path.join(T, "s.pdf"), "--json", "--digests", q)
    try:
        cli = json.loads(out)
    except ValueError:
        cli = None
    ok(cli is not None and strip_time(doc) == strip_time(cli), f"verify?digests={q} is `eseal verify --digests {q}`",
       json.dumps(doc)[:200] + " vs " + out[:200])
for q in ("md5", "sha256,sha256", "", "sha256,"):
    st, h, doc, raw = call("POST", f"/api/v1/verify?digests={q}", sdata, ctype="application/pdf")
    ok(problem(st, h, doc, 400, "BAD_INPUT") and "digests" in doc.get("detail", ""),
       f"verify?digests={q!r}: 400 BAD_INPUT naming the parameter", f"{st} {raw[:300]}")

# ---- POST /verify?pictures=1 (report version 4): each seal's picture, base64; null without ----
rc, out, err = run("seal", "show", SEAL, "--imprint", os.path.join(T, "imprint.png"))
with open(os.path.join(T, "imprint.png"), "rb") as f:
    IMPRINT = f.read()
ok(rc == 0 and IMPRINT[:8] == b"\x89PNG\r\n\x1a\n", "seal show --imprint: the seal's picture", err)
for kind, path, ctype in (("PDF", "s.pdf", "application/pdf"), ("OFD", "s.ofd", "application/ofd")):
    with open(os.path.join(T, path), "rb") as f:
        data = f.read()
    st, h, doc, raw = call("POST", "/api/v1/verify?pictures=1", data, ctype=ctype)
    pic = (doc.get("signatures") or [{}])[0].get("seal", {}).get("picture", {}) if isinstance(doc, dict) else {}
    got = base64.b64decode(pic.get("data") or "")
    ok(st == 200 and doc.get("report_version") == 6 and doc.get("verdict") == "VALID" and got == IMPRINT
       and pic.get("bytes") == len(IMPRINT), f"verify?pictures=1 of the {kind}: seal.picture.data is the seal's picture",
       f"{st} {len(got)} vs {len(IMPRINT)} {raw[:200]}")
    rc, out, err = run("verify", os.path.join(T, path), "--json", "--pictures")
    try:
        cli = json.loads(out)
    except ValueError:
        cli = None
    ok(cli is not None and strip_time(doc) == strip_time(cli), f"verify?pictures=1 of the {kind} is `eseal verify "
       f"--json --pictures`", out[:200])
    for q in ("", "?pictures=0"):
        st, h, doc, raw = call("POST", "/api/v1/verify" + q, data, ctype=ctype)
        pic = (doc.get("signatures") or [{}])[0].get("seal", {}).get("picture", {}) if isinstance(doc, dict) else {}
        ok(st == 200 and "data" in pic and pic["data"] is None and pic.get("bytes") == len(IMPRINT),
           f"verify{q} of the {kind}: seal.picture.data is null", f"{st} {json.dumps(pic)[:200]}")
rc, out, err = run("verify", os.path.join(T, "s.pdf"), "--json")
ok(rc == 0 and json.loads(out)["signatures"][0]["seal"]["picture"]["data"] is None,
   "eseal verify --json without --pictures: seal.picture.data is null", out[:200])
st, h, doc, raw = call("POST", "/api/v1/verify?pictures=yes", sdata, ctype="application/pdf")
ok(problem(st, h, doc, 400, "BAD_INPUT") and "pictures" in doc.get("detail", ""),
   "verify?pictures=yes: 400 BAD_INPUT naming the parameter", f"{st} {raw[:300]}")

# ---- POST /verify (report version 5): the stamp's audit log inclusion and its seal's filing receipt ----
st, h, rec, raw = call("GET", f"/api/v1/stamps/{PDF_SERIAL}")
for kind, name, ctype in (("PDF", "s.pdf", "application/pdf"), ("OFD", "s.ofd", "application/ofd")):
    with open(os.path.join(T, name), "rb") as f:
        st, h, doc, raw = call("POST", "/api/v1/verify", f.read(), ctype=ctype)
    sig = doc["signatures"][0] if st == 200 and doc.get("signatures") else {}
    lg = sig.get("signature", {}).get("log") or {}
    chk = {c["id"]: c for c in sig.get("checks", [])}
    ok(chk.get("log_inclusion", {}).get("status") == "passed" and sig.get("verdict") == "VALID",
       f"verify the {kind}: log_inclusion passed, VALID", json.dumps(chk.get("log_inclusion")))
    ok(isinstance(lg.get("proof"), list) and lg.get("checkpoint", "").count("\n") >= 3 and lg.get("key"),
       f"the {kind}'s signature.log: proof, the checkpoint as lines, the key", json.dumps(lg)[:300])
    if kind == "PDF":
        rl = rec.get("log", {}) if isinstance(rec, dict) else {}
        ok(lg.get("serial") == PDF_SERIAL and lg.get("index") == rl.get("index")
           and lg.get("tree_size") == rl.get("tree_size") and lg.get("root") == rl.get("root")
           and lg.get("leaf_hash") == rl.get("leaf_hash") and lg.get("key") == rl.get("key"),
           "its index, tree_size, root, leaf hash and key are GET /stamps/{serial}'s", json.dumps([lg, rl])[:400])
    fl = (sig.get("seal") or {}).get("filing") or {}
    ok(fl.get("verified") is True and re.fullmatch(r"\d{4}-\d\d-\d\dT.*Z", fl.get("filed_at", "")) is not None
       and len(base64.b64decode(fl.get("receipt", ""))) > 100,
       f"the {kind}'s seal.filing: filed_at, the receipt, verified", json.dumps(fl)[:300])
    ok((sig.get("signer") or {}).get("uscc") == "91110000MA01ABCDEX", f"the {kind}'s signer.uscc",
       json.dumps(sig.get("signer"))[:300])
# The field of a second stamp renamed to the first's serial: that entry records another document.
rc, out, err = run("stamp", os.path.join(T, "in.pdf"), "-o", os.path.join(T, "s2.pdf"), "--seal", SEAL, "--page", "1")
SERIAL2 = out.split()[0] if out.split() else ""
ok(rc == 0 and len(SERIAL2) == len(PDF_SERIAL) and SERIAL2 != PDF_SERIAL, "stamp a second PDF", err)
with open(os.path.join(T, "s2.pdf"), "rb") as f:
    copied = f.read().replace(SERIAL2.encode(), PDF_SERIAL.encode())
st, h, doc, raw = call("POST", "/api/v1/verify", copied, ctype="application/pdf")
sig = doc["signatures"][0] if st == 200 and doc.get("signatures") else {}
chk = {c["id"]: c for c in sig.get("checks", [])}
ok(chk.get("log_inclusion", {}).get("status") == "failed" and sig.get("verdict") != "VALID"
   and any(r["code"] == "LOG_INCLUSION_FAILURE" for r in sig.get("reasons", [])),
   "a field renamed to another real serial: log_inclusion failed, not VALID", json.dumps(sig)[:400])

# ---- POST /verify as multipart/form-data: a detached .p7s and its data (`eseal verify X.p7s --data Y`) ----
DATA = os.path.join(T, "contract.txt")
with open(DATA, "wb") as f:
    f.write("采购合同 purchase contract, 12 pages\n".encode() * 200)
rc, out, err = run("sign", DATA, "--cert", cert.strip(), "-o", os.path.join(T, "contract.p7s"))
ok(rc == 0, "eseal sign a data file: a detached .p7s", err)
with open(os.path.join(T, "contract.p7s"), "rb") as f:
    P7S = f.read()
with open(DATA, "rb") as f:
    DDATA = f.read()


def multipart(parts):
    """parts: (name, filename or None, bytes) -> (body, content type)"""
    b = "eseal-test-boundary-7d41"
    out = b""
    for name, filename, data in parts:
        disp = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        out += (f"--{b}\r\nContent-Disposition: {disp}\r\nContent-Type: application/octet-stream\r\n\r\n").encode()
        out += data + b"\r\n"
    out += f"--{b}--\r\n".encode()
    return out, f"multipart/form-data; boundary={b}"


body, ct = multipart([("signature", "contract.p7s", P7S), ("document", "contract.txt", DDATA)])
st, h, doc, raw = call("POST", "/api/v1/verify", body, ctype=ct)
rc, out, err = run("verify", os.path.join(T, "contract.p7s"), "--data", DATA, "--json")
try:
    cli = json.loads(out)
except ValueError:
    cli = None
ok(st == 200 and isinstance(doc, dict) and doc.get("format") == "cms" and doc.get("verdict") == "VALID",
   "multipart signature + document: 200, a cms report, VALID", f"{st} {raw[:300]}")
ok(cli is not None and strip_time(doc) == strip_time(cli), "multipart verify is `eseal verify X.p7s --data Y --json`",
   json.dumps(doc)[:200] + " vs " + out[:200])
ok(tmp_empty(), "HOME/tmp is empty after a multipart verification")
body, ct = multipart([("document", "contract.txt", DDATA[:-1] + b"!"), ("signature", "contract.p7s", P7S)])
st, h, doc, raw = call("POST", "/api/v1/verify", body, ctype=ct)
ok(st == 200 and isinstance(doc, dict) and doc.get("verdict") == "INVALID"
   and any(r.get("code") == "HASH_FAILURE" for r in doc.get("reasons", [])),
   "multipart with a changed document (parts in either order): INVALID, HASH_FAILURE", f"{st} {raw[:300]}")
for what, parts, word in (
        ("no document", [("signature", "contract.p7s", P7S)], "document"),
        ("no signature", [("document", "contract.txt", DDATA)], "signature"),
        ("an unknown part", [("signature", "a.p7s", P7S), ("document", "d", DDATA), ("extra", "x", b"x")], "extra"),
        ("the signature twice", [("signature", "a.p7s", P7S), ("signature", "b.p7s", P7S), ("document", "d", DDATA)],
         "twice"),
        ("a signature that is a PDF", [("signature", "s.pdf", sdata), ("document", "d", DDATA)], "CMS"),
        ("the signature as a field", [("signature", None, b"MIIB"), ("document", "d", DDATA)], "signature")):
    body, ct = multipart(parts)
    st, h, doc, raw = call("POST", "/api/v1/verify", body, ctype=ct)
    ok(problem(st, h, doc, 400, "BAD_INPUT") and word in doc.get("detail", ""),
       f"multipart with {what}: 400 BAD_INPUT saying so", f"{st} {raw[:300]}")
st, h, doc, raw = call("POST", "/api/v1/verify", P7S, ctype="application/pkcs7-signature")
ok(problem(st, h, doc, 400, "BAD_INPUT") and "multipart" in doc.get("detail", ""),
   "a .p7s alone as the body: 400 BAD_INPUT pointing to multipart", f"{st} {raw[:300]}")
ok(tmp_empty(), "HOME/tmp is empty after the refused multipart verifications")

# ---- request ids and the access log ----
st, h, doc, raw = call("GET", "/healthz", headers={"X-Request-Id": "trace-42.a_b"})
ok(h.get("x-request-id") == "trace-42.a_b", "a sane X-Request-Id is echoed", str(h))
st, h, doc, raw = call("GET", "/healthz", headers={"X-Request-Id": "bad id\"{}"})
ok(re.fullmatch(r"[0-9a-f]{32}", h.get("x-request-id", "")) is not None, "an odd X-Request-Id is replaced",
   str(h))
st, h, doc, raw = call("GET", "/healthz")
ok(re.fullmatch(r"[0-9a-f]{32}", h.get("x-request-id", "")) is not None, "a request without one gets one", str(h))

lbody = json.dumps({"login": "lia", "password": PW})
st, h, doc, raw = call("POST", "/api/v1/login", lbody, ctype="application/json")
ok(st == 200, "login lia", f"{st} {raw[:200]}")
cookie = re.match(r"eseal_session=([^;]+)", h.get("set-cookie", "")).group(1) if st == 200 else "none"
csrf = doc.get("csrf", "none") if isinstance(doc, dict) else "none"
st, h, doc, raw = call("POST", "/api/v1/tokens", json.dumps({"scopes": ["verify"]}), ctype="application/json",
                       headers={"Cookie": f"eseal_session={cookie}", "X-CSRF-Token": csrf})
ok(st == 201, "a token for lia", f"{st} {raw[:200]}")
TOKEN = doc.get("token", "esk_none") if isinstance(doc, dict) else "esk_none"
with open(os.path.join(T, "s.pdf"), "rb") as f:
    st, h, doc, raw = call("POST", "/api/v1/verify", f.read(), ctype="application/pdf",
                           headers={"Authorization": f"Bearer {TOKEN}", "X-Request-Id": "with-token-1"})
ok(st == 200, "verify with the token as Bearer: 200", f"{st}")
st, h, doc, raw = call("GET", "/api/v1/me", headers={"Authorization": f"Bearer {TOKEN}x"})
ok(st == 401, "a wrong token: 401", f"{st}")

time.sleep(0.2)
with open(ACCESS, encoding="utf-8") as f:
    text = f.read()
lines = [line for line in text.splitlines() if line]
entries = []
bad = []
for line in lines:
    try:
        entries.append(json.loads(line))
    except ValueError:
        bad.append(line)
ok(not bad and len(entries) >= 20, f"the access log is {len(entries)} lines of JSON", "\n".join(bad[:3]))
keys = {"time", "request_id", "principal", "method", "route", "status", "duration_ms"}
ok(all(set(e) == keys for e in entries), "each line has time, request_id, principal, method, route, status, "
   "duration_ms and nothing else", str([e for e in entries if set(e) != keys][:2]))
ok(all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", e["time"]) for e in entries),
   "time is RFC 3339 UTC", str(entries[:1]))
ok(all(isinstance(e["duration_ms"], (int, float)) and e["duration_ms"] >= 0 for e in entries),
   "duration_ms is a number")
tok = [e for e in entries if e["request_id"] == "with-token-1"]
ok(len(tok) == 1 and tok[0]["principal"] == "lia" and tok[0]["route"] == "POST /api/v1/verify"
   and tok[0]["status"] == 200, "the token's request: its id, principal lia, the route's pattern, 200", str(tok))
ok(any(e["route"] == "POST /api/v1/verify" and e["status"] == 413 for e in entries),
   "a request refused before the router (413) is logged too")
ok(all(e["principal"] == "-" for e in entries if e["route"] == "GET /healthz"), "an anonymous caller is \"-\"")
ok(TOKEN not in text and TOKEN[4:] not in text, "the Bearer token never appears in the access log")
ok(cookie not in text and csrf not in text, "the session cookie and its CSRF token never appear in it")
ok(PW not in text, "the password never appears in it")
ok(tmp_empty(), "HOME/tmp is empty at the end")
ok(stop(srv) == 0, "serve stops cleanly on SIGTERM")

# ---- /readyz of a server whose keys do not open ----
env_bad = dict(ENV, ESEAL_PASSPHRASE="not-the-passphrase")
srv2, port2, banner2 = start([], env=env_bad)
if "listening on" in banner2:
    st, h, doc, raw = call("GET", "/readyz", port=port2)
    ok(problem(st, h, doc, 503, "UNAVAILABLE"), "GET /readyz with a wrong passphrase: 503 UNAVAILABLE",
       f"{st} {raw[:200]}")
    st, h, doc, raw = call("GET", "/healthz", port=port2)
    ok(st == 200, "its /healthz is still 200", f"{st}")
    stop(srv2)
else:
    err2 = tail(srv2) if srv2.poll() is not None else ""
    ok(False, "serve --only api starts with a wrong passphrase (the API unlocks no key)", banner2 + err2)
    stop(srv2)

shutil.rmtree(T, ignore_errors=True)
print(f"1..{n}")
sys.exit(1 if failed else 0)
