#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""devices_api_test.py ESEAL: the device protocol of smart physical seals over `eseal serve` (issue 23 §4).

A throw-away instance, a seal of organisation A, a P-256 chip key made by openssl (its signatures by
`openssl dgst -sha256 -sign`, as a chip's: DER ECDSA over the canonical bytes of docs/devices.md),
a device registered by the CLI, an approved and a pending request submitted over the API, then:
  - an unlock for the approved request: 201, the token's bytes as docs/devices.md writes them, its
    signature verifying with the seal maker's certificate it carries (openssl), valid 5 minutes;
  - two impressions reported: 201 each, listed in GET /api/v1/requests/{id} with their audit entries;
  - refused with their code (403), each a device.refused audit entry and an `alert` delivery of the
    organisation's webhook: another chip's signature, a replayed ask, a stale ask, a pending request,
    an unknown device, more impressions than a request of 3 documents has left (REQUEST_IMPRESSIONS_EXCEEDED),
    a report without an unlock of the device, struck after the unlock expired, a
    third impression of a two-impression unlock, a replayed report;
  - the impressions' receipts verify (`eseal log receipt --index N`, `eseal log verify-receipt`).
TAP output.
"""
import atexit
import base64
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import api_lib  # noqa: E402
from api_lib import ok, problem  # noqa: E402

E = os.path.abspath(sys.argv[1])
R = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources")
T = tempfile.mkdtemp(prefix="eseal-devices-api-")
HOME = os.path.join(T, "home")
ENV = dict(os.environ, ESEAL_HOME=HOME, ESEAL_PASSPHRASE="devices-api-pass", ESEAL_PW_PARAMS="1,8192,1")
PW = "Correct-Horse-Battery-9071"
PHOTO = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"


def must(args, what):
    return api_lib.must(E, ENV, args, what)


ORG_A, ORG_B, CERT_A, CERT_B = api_lib.two_orgs(E, ENV)
SEAL = must(["seal", "make", "--cert", CERT_A, "--name", "Alpha Seal"], "seal of A")
api_lib.add_users(E, ENV, T, PW, {"kim": (ORG_A, "seal-keeper"), "sam": (ORG_A, "stamper"),
                                  "pat": (ORG_A, "stamper"), "ada": (ORG_A, "org-admin"),
                                  "zed": (ORG_A, "auditor")})
for name in ("chip", "other"):
    subprocess.run(["openssl", "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out",
                    os.path.join(T, name + ".key")], check=True)
subprocess.run(["openssl", "ec", "-in", os.path.join(T, "chip.key"), "-pubout", "-out", os.path.join(T, "chip.pub")],
               check=True, stderr=subprocess.DEVNULL)
DEV = must(["device", "add", "--seal", SEAL, "--device-key", os.path.join(T, "chip.pub"), "--chip-id", "CHIP-0001"],
           "device add")
subprocess.run([sys.executable, os.path.join(R, "mkpdf.py"), os.path.join(T, "in.pdf"), "1"], check=True)
PDF = open(os.path.join(T, "in.pdf"), "rb").read()

port = api_lib.free_port()
srv = subprocess.Popen([E, "serve", "--listen", f"127.0.0.1:{port}", "--only", "api"], env=ENV,
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)


def _stop():
    if srv.poll() is None:
        srv.kill()
        srv.wait()
    shutil.rmtree(T, ignore_errors=True)


atexit.register(_stop)
ok("listening on" in srv.stdout.readline(), "serve --only api listens")


def call(method, path, body=None, headers=None, ctype="application/json"):
    return api_lib.call(port, method, path, body, headers, ctype)


S = {u: api_lib.login(port, u, PW) for u in ("kim", "sam", "pat", "ada", "zed")}


def submit(who, docs=1):
    """A request of `docs` copies of the PDF: it allows as many impressions (docs/devices.md)."""
    b = "eseal" + uuid.uuid4().hex
    part = (f"--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"c.pdf\"\r\n"
            f"Content-Type: application/pdf\r\n\r\n").encode() + PDF + b"\r\n"
    body = (f"--{b}\r\nContent-Disposition: form-data; name=\"seal\"\r\n\r\n{SEAL}\r\n".encode() + part * docs
            + f"--{b}--\r\n".encode())
    st, h, r = call("POST", "/api/v1/requests", body, headers=S[who], ctype=f"multipart/form-data; boundary={b}")
    ok(st == 201 and r.get("total") == docs, f"{who} submits a request of {docs} documents", f"{st} {r}")
    return r


for body in ({"seal": SEAL, "user": "sam"}, {"seal": SEAL, "user": "pat", "approval": "1:ada"}):
    st, h, g = call("POST", "/api/v1/grants", body, headers=S["kim"])
    ok(st == 201, f"grant {body}", f"{st} {g}")
REQ = submit("sam", 3)
ok(REQ.get("status") == "approved", "sam's request is approved at once", str(REQ))
PENDING = submit("pat")
ok(PENDING.get("status") == "pending", "pat's request waits for ada", str(PENDING))
st, h, hook = call("POST", "/api/v1/webhooks", {"url": "http://127.0.0.1:9/hook", "events": ["alert"]},
                   headers=S["ada"])
ok(st == 201, "ada adds a webhook for alerts", f"{st} {hook}")


def sign(key, text):
    p = subprocess.run(["openssl", "dgst", "-sha256", "-sign", os.path.join(T, key + ".key")], input=text.encode(),
                       stdout=subprocess.PIPE, check=True)
    return base64.b64encode(p.stdout).decode()


nonces = [0]


def ask(key="chip", dev=DEV, req=REQ["id"], n=2, t=None, nonce=None):
    if nonce is None:
        nonces[0] += 1
        nonce = "%032x" % (nonces[0] + 0x1000)
    t = t if t is not None else int(time.time() * 1000)
    text = (f"eseal-device-unlock-ask/v1\ndevice: {dev}\nrequest: {req}\nimpressions: {n}\nnonce: {nonce}\n"
            f"time: {t}\n")
    body = {"device": dev, "request": req, "impressions": n, "nonce": nonce, "time": t, "signature": sign(key, text)}
    return call("POST", "/api/v1/devices/unlock", body), body


def report(unlock, seq, t, key="chip", dev=DEV):
    op = "Zhang Wei (badge 0042)"
    text = (f"eseal-device-impression/v1\ndevice: {dev}\nunlock: {unlock}\nseq: {seq}\ntime: {t}\nlat: 31.2304\n"
            f"lon: 121.4737\nphoto-sha256: {PHOTO}\noperator: {op}\n")
    body = {"device": dev, "unlock": unlock, "seq": seq, "time": t, "lat": "31.2304", "lon": "121.4737",
            "photo_sha256": PHOTO, "operator": op, "signature": sign(key, text)}
    return call("POST", "/api/v1/devices/impressions", body)


def alerts():
    st, h, d = call("GET", f"/api/v1/webhooks/{hook['id']}/deliveries", headers=S["ada"])
    return [json.loads(x["body"])["data"]["code"] for x in d if x["event"] == "alert"] if st == 200 else None


def refusals():
    st, h, doc = call("GET", "/api/v1/audit?type=device.refused&limit=1000", headers=S["zed"])
    return len(doc.get("entries", [])) if st == 200 else -1


def refused(resp, code, what):
    (st, h, doc) = resp
    before_alerts = len(alerts_seen)
    ok(problem(st, h, doc, 403, code), f"{what}: 403 {code}", f"{st} {doc}")
    a = alerts()
    ok(a is not None and len(a) == before_alerts + 1 and code in a, f"{what}: an alert queued for the webhook",
       str(a))
    alerts_seen[:] = a or []
    n = refusals()
    ok(n == len(alerts_seen), f"{what}: a device.refused audit entry", f"{n} entries, {len(alerts_seen)} alerts")


alerts_seen = []
(r, _) = ask(key="other")
refused(r, "DEVICE_BAD_SIGNATURE", "an ask signed by another chip")
(r, _) = ask(t=int(time.time() * 1000) - 600000)
refused(r, "DEVICE_ASK_STALE", "an ask ten minutes old")
(r, _) = ask(req=PENDING["id"])
refused(r, "REQUEST_NOT_APPROVED", "an unlock for a pending request")
(r, _) = ask(dev="dev_00000000000000ff")
refused(r, "DEVICE_UNKNOWN", "an unlock for a device not registered")

(st, h, u), asked = ask()
ok(st == 201 and u["unlock"]["impressions"] == 2 and u["unlock"]["expires"] - u["unlock"]["issued"] == 300000,
   "the unlock: 201, two impressions, five minutes", f"{st} {u}")
UNL = u["unlock"]["id"] if st == 201 else "unl_0000000000000000"
want = (f"eseal-device-unlock/v1\nunlock: {UNL}\ndevice: {DEV}\nchip: CHIP-0001\nrequest: {REQ['id']}\nseal: {SEAL}\n"
        f"impressions: 2\nissued: {u['unlock']['issued']}\nexpires: {u['unlock']['expires']}\nnonce: {asked['nonce']}\n")
ok(u.get("token") == want, "the token is the bytes docs/devices.md writes", repr(u.get("token")))
open(os.path.join(T, "token"), "w").write(u.get("token", ""))
open(os.path.join(T, "token.sig"), "wb").write(base64.b64decode(u.get("signature", "")))
open(os.path.join(T, "signer.pem"), "w").write(u.get("signer", ""))
subprocess.run(["openssl", "x509", "-in", os.path.join(T, "signer.pem"), "-pubkey", "-noout", "-out",
                os.path.join(T, "signer.pub")], check=False)
v = subprocess.run(["openssl", "dgst", "-sha256", "-verify", os.path.join(T, "signer.pub"), "-signature",
                    os.path.join(T, "token.sig"), os.path.join(T, "token")], stdout=subprocess.PIPE, text=True)
ok(v.returncode == 0 and "Verified OK" in v.stdout, "the token's signature verifies with the seal maker's certificate",
   v.stdout)
r = call("POST", "/api/v1/devices/unlock", asked)
refused(r, "UNLOCK_REPLAYED", "the same ask again")
# the request of 3 documents allows 3 impressions over all its unlocks: the live one holds 2
(r, _) = ask(n=2)
refused(r, "REQUEST_IMPRESSIONS_EXCEEDED", "2 more impressions of a request of 3 with 2 held")
ok("has 1 left, 2 asked" in r[2].get("detail", ""), "the refusal says how many are left", str(r[2]))

now = int(time.time() * 1000)
refused(report(UNL, 1, now, key="other"), "DEVICE_BAD_SIGNATURE", "a report signed by another chip")
refused(report("unl_00000000000000ff", 1, now), "NO_VALID_UNLOCK", "an impression without an unlock")
refused(report(UNL, 1, u["unlock"]["expires"] + 1), "UNLOCK_EXPIRED", "an impression after the unlock expired")
st, h, m1 = report(UNL, 1, now)
ok(st == 201 and m1["impression"]["seq"] == 1, "impression 1: 201", f"{st} {m1}")
refused(report(UNL, 1, now), "REPORT_REPLAYED", "impression 1 again")
st, h, m2 = report(UNL, 2, now + 1000)
ok(st == 201 and m2["impression"]["seq"] == 2, "impression 2: 201", f"{st} {m2}")
refused(report(UNL, 3, now + 2000), "UNLOCK_EXHAUSTED", "a third impression of a two-impression unlock")

st, h, full = call("GET", f"/api/v1/requests/{REQ['id']}", headers=S["sam"])
imps = full.get("impressions", []) if st == 200 else []
ok([(i["seq"], i["photo_sha256"], i["operator"], i["unlock"]) for i in imps]
   == [(1, PHOTO, "Zhang Wei (badge 0042)", UNL), (2, PHOTO, "Zhang Wei (badge 0042)", UNL)],
   "the request's record lists both impressions", str(imps))

# the receipts of the impressions' entries verify with the log's key
must(["log", "publish"], "log publish")
for m in (m1, m2):
    idx = str(m["impression"]["log_index"])
    rp = os.path.join(T, f"receipt-{idx}")
    rc = subprocess.run([E, "log", "receipt", "--index", idx, "-o", rp], env=ENV, stdout=subprocess.DEVNULL,
                        stderr=subprocess.PIPE, text=True)
    ok(rc.returncode == 0, f"the receipt of entry {idx}", rc.stderr)
    vr = subprocess.run([E, "log", "verify-receipt", rp], env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                        text=True)
    ok(vr.returncode == 0, f"the receipt of entry {idx} verifies", vr.stdout)
    sh = subprocess.run([E, "log", "show", idx], env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    ok("type device.impression" in sh.stdout and PHOTO in sh.stdout, f"entry {idx} is the impression's", sh.stdout)

# `eseal device simulate` plays the device end to end, and the bad cases: four unlocks of 2, each live to the end
REQ2 = submit("sam", 8)


def simulate(*extra):
    return subprocess.run([E, "device", "simulate", "--device-key", os.path.join(T, "chip.key"), "--server",
                           f"http://127.0.0.1:{port}", "--request", REQ2["id"], "--impressions", "2", *extra],
                          env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


p = simulate()
ok(p.returncode == 0 and "unlock: 201" in p.stdout and "impression 1: 201" in p.stdout
   and "impression 2: 201" in p.stdout, "device simulate: an unlock and two impressions accepted", p.stdout)
p = simulate("--replay-unlock", "--replay-report", "--extra")
ok(p.returncode == 1 and "unlock replayed: 403 UNLOCK_REPLAYED" in p.stdout and "impression 1: 403 REPORT_REPLAYED"
   in p.stdout and "impression 3: 403 UNLOCK_EXHAUSTED" in p.stdout,
   "device simulate --replay-unlock --replay-report --extra: each refused with its code", p.stdout)
p = simulate("--other-key", os.path.join(T, "other.key"))
ok(p.returncode == 1 and "impression 1: 403 DEVICE_BAD_SIGNATURE" in p.stdout,
   "device simulate --other-key: reports signed by another key refused", p.stdout)
p = simulate("--late")
ok(p.returncode == 1 and "impression 1: 403 UNLOCK_EXPIRED" in p.stdout,
   "device simulate --late: an impression after the unlock expired refused", p.stdout)
st, h, full = call("GET", f"/api/v1/requests/{REQ2['id']}", headers=S["sam"])
ok(st == 200 and len(full.get("impressions", [])) == 4, "the simulated request's record: the four accepted impressions",
   str(full.get("impressions")))

srv.send_signal(15)
try:
    srv.wait(timeout=20)
except subprocess.TimeoutExpired:
    srv.kill()
api_lib.finish()
