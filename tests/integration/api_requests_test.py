#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""api_requests_test.py ESEAL: stamp requests and their approvals over `eseal serve`'s JSON API (issue 20 §2).

A throw-away instance with two organisations, seals made by the CLI and users per role, then
`eseal serve --only api` (and a second server on the same home for the races), and with Python's
http.client (every answer checked against docs/openapi.yaml):
  - a grant with a 2-step approval ("1:alice;1:bob"): sam submits two documents (a PDF and an OFD)
    as multipart/form-data → 201 pending, each document's SHA-256 as sent; alice's inbox has it, bob's
    not yet; the documents as submitted are readable (?original=1), the stamped ones 404; execute
    before the approvals is 403 APPROVAL_REQUIRED; sam approving its own request is 403
    SELF_APPROVAL; a user of the other organisation gets 404; bob before his step 403
    NOT_AN_APPROVER; alice approves (step 1), bob approves (approved); execute → two stamps, the
    documents downloadable, each VALID through POST /api/v1/verify with its approvals counted; the
    stamps' audit entries carry the request and both approvals; executing again changes nothing;
  - a disabled approver is refused and decides nothing;
  - a document changed in the home after its approval: execute 403 DOCUMENT_CHANGED_AFTER_APPROVAL;
  - reject → rejected, execute 403 APPROVAL_REJECTED;
  - a grant without approval: "approved" at once; a batch of 25 documents executed whole; 1,001
    documents refused (413);
  - a batch approval of two requests in one POST /api/v1/approvals; a batch with one request not
    decidable decides none;
  - bad forms: not multipart (415), no document, an unknown field, a bad `at`, a non-PDF part (400);
  - races: 50 concurrent executes of 50 approved one-document requests under a grant with max-uses 1
    give exactly one stamp (the rest 403 QUOTA_EXHAUSTED), on one server and on two servers of the
    same home; 20 concurrent approvals (threads, over both servers) of a 2-of-3 step by its three
    approvers give exactly two decisions and one transition (one "request.approved" audit entry
    saying the request became approved).
TAP output.
"""
import atexit
import base64
import concurrent.futures
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import api_lib  # noqa: E402  (TAP, the CLI, one exchange checked against docs/openapi.yaml)
from api_lib import ok, problem  # noqa: E402

E = os.path.abspath(sys.argv[1])
R = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "resources")
T = tempfile.mkdtemp(prefix="eseal-api-requests-")
HOME = os.path.join(T, "home")
ENV = dict(os.environ, ESEAL_HOME=HOME, ESEAL_PASSPHRASE="api-requests-pass", ESEAL_PW_PARAMS="1,8192,1")
PW = "Correct-Horse-Battery-9071"


def must(args, what):
    return api_lib.must(E, ENV, args, what)


ORG_A, ORG_B, CERT_A, CERT_B = api_lib.two_orgs(E, ENV)
SEAL_A = must(["seal", "make", "--cert", CERT_A, "--type", "contract", "--name", "Alpha Seal"], "seal of A")
SEAL_R1 = must(["seal", "make", "--cert", CERT_A, "--type", "finance", "--name", "Alpha Race One"], "race seal 1")
SEAL_R2 = must(["seal", "make", "--cert", CERT_A, "--type", "finance", "--name", "Alpha Race Two"], "race seal 2")
SEAL_K = must(["seal", "make", "--cert", CERT_A, "--type", "official", "--name", "Alpha Official"], "2-of-3 seal")
USERS = {
    "kim": (ORG_A, "seal-keeper"),
    "sam": (ORG_A, "stamper"),
    "rita": (ORG_A, "stamper"),
    "alice": (ORG_A, "approver"),
    "bob": (ORG_A, "approver"),
    "carol": (ORG_A, "approver"),
    "dan": (ORG_A, "approver"),
    "zed": (ORG_A, "auditor"),
    "bea": (ORG_B, "approver"),
}
api_lib.add_users(E, ENV, T, PW, USERS)

subprocess.run([sys.executable, os.path.join(R, "mkpdf.py"), os.path.join(T, "in.pdf"), "2"], check=True)
subprocess.run([sys.executable, os.path.join(R, "mkofd.py"), os.path.join(T, "in.ofd"), "1"], check=True)
PDF = open(os.path.join(T, "in.pdf"), "rb").read()
OFD = open(os.path.join(T, "in.ofd"), "rb").read()

SERVERS = []
BANNER = ""


def serve():
    port = api_lib.free_port()
    p = subprocess.Popen([E, "serve", "--listen", f"127.0.0.1:{port}", "--only", "api"], env=ENV,
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    SERVERS.append(p)
    banner = p.stdout.readline()
    ok("listening on" in banner, f"serve --only api listens on {port}", banner)
    global BANNER
    BANNER = banner
    return port


def _stop():
    for p in SERVERS:
        if p.poll() is None:
            p.kill()
            p.wait()
    shutil.rmtree(T, ignore_errors=True)


atexit.register(_stop)  # whatever happens below, no server is left running
PORT = serve()


def call(method, path, body=None, headers=None, ctype="application/json", port=None):
    return api_lib.call(port or PORT, method, path, body, headers, ctype)


def login(user):
    return api_lib.login(PORT, user, PW)


S = {u: login(u) for u in USERS}


def form(fields, files):
    """A multipart/form-data body (RFC 7578): fields {name: value}, files [(filename, bytes, type)]."""
    b = "eseal" + uuid.uuid4().hex
    out = b""
    for k, v in fields.items():
        out += (f"--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").encode()
    for name, data, ctype in files:
        out += (f"--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n"
                f"Content-Type: {ctype}\r\n\r\n").encode() + data + b"\r\n"
    out += f"--{b}--\r\n".encode()
    return out, f"multipart/form-data; boundary={b}"


def submit(who, seal, files, port=None, **fields):
    body, ctype = form(dict(seal=seal, **fields), files)
    return call("POST", "/api/v1/requests", body, headers=S[who], ctype=ctype, port=port)


def grant(body):
    st, h, g = call("POST", "/api/v1/grants", body, headers=S["kim"])
    ok(st == 201, f"a grant {body}", f"{st} {g}")
    return g.get("id", "none") if isinstance(g, dict) else "none"


def decide(who, rid, verb, comment=None, port=None):
    body = {"comment": comment} if comment is not None else None
    return call("POST", f"/api/v1/requests/{rid}/{verb}", body, headers=S[who], port=port)


def audit_all():
    """Every audit entry zed (an auditor of A) may read."""
    entries, frm = [], 0
    while True:
        st, h, doc = call("GET", f"/api/v1/audit?from={frm}&limit=1000", headers=S["zed"])
        if st != 200:
            ok(False, "the auditor reads the audit log", f"{st} {doc}")
            return entries
        entries += doc["entries"]
        if doc["next"] == frm or not doc["entries"]:
            return entries
        frm = doc["next"]


PDF_SHA, OFD_SHA = hashlib.sha256(PDF).hexdigest(), hashlib.sha256(OFD).hexdigest()

# ---- a 2-step approval: submit, inbox, refusals, approvals, execute ----
G2 = grant({"seal": SEAL_A, "user": "sam", "approval": "1:alice;1:bob", "types": ["contract"]})
st, h, r = submit("sam", SEAL_A, [("contract.pdf", PDF, "application/pdf"), ("annex.ofd", OFD, "application/ofd")],
                  type="contract", purpose="the Q4 supply contract", page="1", at="20,30", level="B-B", qr="1")
ok(st == 201 and re.fullmatch(r"req_[0-9a-f]{16}", r.get("id", "")) is not None and r.get("status") == "pending",
   "sam submits two documents (multipart): 201, pending", f"{st} {r}")
RID = r.get("id", "none") if isinstance(r, dict) else "none"
docs = r.get("documents", []) if isinstance(r, dict) else []
ok([(d["index"], d["name"], d["format"], d["sha256"], d["size"]) for d in docs]
   == [(0, "contract.pdf", "pdf", PDF_SHA, len(PDF)), (1, "annex.ofd", "ofd", OFD_SHA, len(OFD))],
   "the documents: in order, their names, formats, SHA-256s and sizes as sent", str(docs))
ok(isinstance(r, dict) and r.get("grant") == G2 and r.get("approval") == "1:alice;1:bob" and r.get("type") == "contract"
   and r.get("purpose") == "the Q4 supply contract" and r.get("page") == 1 and r.get("at") == [20, 30]
   and r.get("qr") is True and r.get("requester") == "sam" and r.get("step") == 0 and r.get("total") == 2
   and r.get("done") == 0 and r.get("decisions") == [] and all(d["stamped"] is None for d in docs),
   "the request: its grant, policy, type, purpose, placement, requester, step 0, nothing stamped", str(r))
st, h, doc = call("GET", "/api/v1/approvals", headers=S["alice"])
ok(st == 200 and [x["id"] for x in doc] == [RID], "alice's inbox has it", f"{st} {doc}")
st, h, doc = call("GET", "/api/v1/approvals", headers=S["bob"])
ok(st == 200 and doc == [], "bob's inbox is empty (his is the second step)", f"{st} {doc}")
st, h, doc = call("GET", f"/api/v1/requests/{RID}/documents/1?original=1", headers=S["alice"])
ok(st == 200 and h.get("content-type") == "application/ofd" and doc == OFD,
   "alice opens the OFD as submitted (?original=1)", f"{st}")
st, h, doc = call("GET", f"/api/v1/requests/{RID}/documents/0", headers=S["alice"])
ok(problem(st, h, doc, 404, "NOT_FOUND"), "the stamped document before it is stamped: 404", f"{st} {doc}")
st, h, doc = call("GET", f"/api/v1/requests/{RID}/documents/7?original=1", headers=S["alice"])
ok(problem(st, h, doc, 404, "NOT_FOUND"), "a document the request does not have: 404", f"{st} {doc}")
st, h, doc = call("POST", f"/api/v1/requests/{RID}/execute", None, headers=S["sam"])
ok(problem(st, h, doc, 403, "APPROVAL_REQUIRED"), "execute while pending: 403 APPROVAL_REQUIRED", f"{st} {doc}")
st, h, doc = decide("sam", RID, "approve")
ok(problem(st, h, doc, 403, "SELF_APPROVAL"), "sam approves its own request: 403 SELF_APPROVAL", f"{st} {doc}")
st, h, doc = decide("bea", RID, "approve")
ok(problem(st, h, doc, 404, "NOT_FOUND"), "an approver of the other organisation: 404", f"{st} {doc}")
st, h, doc = call("GET", f"/api/v1/requests/{RID}", headers=S["bea"])
ok(problem(st, h, doc, 404, "NOT_FOUND"), "the other organisation does not see it: 404", f"{st} {doc}")
st, h, doc = decide("bob", RID, "approve")
ok(problem(st, h, doc, 403, "NOT_AN_APPROVER"), "bob before his step: 403 NOT_AN_APPROVER", f"{st} {doc}")
st, h, doc = decide("alice", RID, "approve", "looks right")
ok(st == 200 and doc.get("status") == "pending" and doc.get("step") == 1 and len(doc.get("decisions", [])) == 1,
   "alice approves: step 2 of 2, still pending", f"{st} {doc}")
st, h, doc = decide("alice", RID, "approve")
ok(problem(st, h, doc, 403, "NOT_AN_APPROVER") or problem(st, h, doc, 409, "WRONG_STATE"),
   "alice again: refused", f"{st} {doc}")
st, h, doc = call("GET", "/api/v1/approvals", headers=S["bob"])
ok(st == 200 and [x["id"] for x in doc] == [RID], "now bob's inbox has it", f"{st} {doc}")
st, h, doc = decide("bob", RID, "approve", "approved for legal")
ok(st == 200 and doc.get("status") == "approved", "bob approves: approved", f"{st} {doc}")
decs = doc.get("decisions", []) if isinstance(doc, dict) else []
ok([(d["approver"], d["step"], d["decision"], d["comment"]) for d in decs]
   == [("alice", 0, "approve", "looks right"), ("bob", 1, "approve", "approved for legal")]
   and all(d["comment_sha256"] == hashlib.sha256(d["comment"].encode()).hexdigest() for d in decs),
   "the decisions: approver, step, decision, comment and its SHA-256", str(decs))
st, h, ex = call("POST", f"/api/v1/requests/{RID}/execute", None, headers=S["sam"])
ok(st == 200 and ex.get("done") == 2 and ex.get("total") == 2 and ex.get("status") == "executed"
   and len(ex.get("stamps", [])) == 2, "sam executes: two stamps, executed", f"{st} {ex}")
stamps = ex.get("stamps", []) if isinstance(ex, dict) else []
STAMPED = {}
for s in stamps:
    st, h, body = call("GET", s["document"], headers=S["alice"])
    STAMPED[s["index"]] = body
    want = "application/pdf" if s["index"] == 0 else "application/ofd"
    ok(st == 200 and h.get("content-type") == want and isinstance(body, bytes) and len(body) > 0,
       f"stamped document {s['index']} downloads ({want})", f"{st}")
    if st != 200:
        continue
    st, h, rep = call("POST", "/api/v1/verify", body, ctype=want)
    ok(st == 200 and isinstance(rep, dict) and rep.get("verdict") == "VALID", f"stamped document {s['index']}: VALID",
       f"{st} {str(rep)[:300]}")
    sigs = rep.get("signatures", []) if isinstance(rep, dict) else []
    ok(len(sigs) == 1 and sigs[0].get("signature", {}).get("approvals") == {"request": RID, "count": 2},
       f"its verification report says it was approved twice (request {RID})", json.dumps(rep)[:600])
st, h, doc = call("GET", f"/api/v1/requests/{RID}", headers=S["sam"])
ok(st == 200 and [d["stamped"] for d in doc.get("documents", [])] == [s["serial"] for s in stamps]
   and all(d["document"] is not None for d in doc["documents"]),
   "the request shows each document's stamp serial and URL", f"{st} {doc}")
entries = audit_all()
serials = {s["serial"] for s in stamps}
stamp_entries = [e for e in entries if e.get("stamp") in serials and e["type"] == "stamp"]
ok(len(stamp_entries) == 2 and all(e.get("approvals", "").startswith(RID) and ":alice:" in e["approvals"]
                                   and ":bob:" in e["approvals"] for e in stamp_entries),
   "each stamp's audit entry carries the request and both approvals", json.dumps(stamp_entries)[:800])
for s in stamps:
    st, h, rec = call("GET", f"/api/v1/audit/receipts/{s['serial']}", headers=S["zed"])
    text = rec.decode() if isinstance(rec, bytes) else str(rec)
    # a C2SP tlog-proof whose `extra` line is the audit entry itself (base64)
    entry = "".join(base64.b64decode(l[6:]).decode("utf-8", "replace") for l in text.splitlines()
                    if l.startswith("extra "))
    chain = [l for l in entry.splitlines() if l.startswith("approvals ")]
    ok(st == 200 and len(chain) == 1 and chain[0].startswith(f"approvals {RID},1:alice:") and ",2:bob:" in chain[0],
       f"the receipt of stamp {s['serial']} holds its entry with the approval chain", f"{st} {entry[:800]}")
    # the QR record, public: that approvals happened and how many, never who
    st, h, pub = call("GET", f"/api/v1/stamps/{s['serial']}")
    ok(st == 200 and pub.get("approvals") == {"request": RID, "count": 2} and "alice" not in json.dumps(pub),
       f"the public record of stamp {s['serial']} counts its two approvals, names nobody", f"{st} {pub}")
st, h, doc = call("POST", f"/api/v1/requests/{RID}/execute", None, headers=S["sam"])
ok(st == 200 and doc.get("done") == 2 and [x["serial"] for x in doc.get("stamps", [])] == [s["serial"] for s in stamps],
   "executing again changes nothing", f"{st} {doc}")

# ---- the CLI reads them (the local operator submits and approves nothing) ----
rc, out, err = api_lib.run(E, ENV, "request", "list", "--json")
listed = json.loads(out) if rc == 0 else []
ok(rc == 0 and [(x["id"], x["status"], x["done"]) for x in listed if x["id"] == RID] == [(RID, "executed", 2)],
   "eseal request list --json: the request, executed, 2 stamped", out + err)
rc, out, err = api_lib.run(E, ENV, "request", "show", RID)
shown = json.loads(out) if rc == 0 else {}
ok(rc == 0 and [d["stamped"] for d in shown.get("documents", [])] == [s["serial"] for s in stamps]
   and [(d["approver"], d["step"]) for d in shown.get("decisions", [])] == [("alice", 0), ("bob", 1)],
   "eseal request show: the documents' serials and the decisions", out + err)
OUTDIR = os.path.join(T, "saved")
os.mkdir(OUTDIR)
rc, out, err = api_lib.run(E, ENV, "request", "save", RID, "--out", OUTDIR)
saved = {f: open(os.path.join(OUTDIR, f), "rb").read() for f in os.listdir(OUTDIR)}
ok(rc == 0 and out.strip() == "2" and saved == {"0-contract.pdf": STAMPED.get(0), "1-annex.ofd": STAMPED.get(1)},
   "eseal request save: the two stamped documents, as the API serves them", f"{rc} {out} {err} {sorted(saved)}")
rc, out, err = api_lib.run(E, ENV, "request", "list", "--status", "nope")
ok(rc == 2, "eseal request list --status nope: usage error (2)", f"{rc} {err}")
rc, out, err = api_lib.run(E, ENV, "request", "show", "req_0000000000000000")
ok(rc == 3 and "req_0000000000000000" in err, "eseal request show of no request: error (3)", f"{rc} {err}")

# ---- a disabled approver ----
st, h, r = submit("sam", SEAL_A, [("b.pdf", PDF, "application/pdf")], type="contract")
RID_D = r.get("id", "none") if isinstance(r, dict) else "none"
G_D = grant({"seal": SEAL_A, "user": "rita", "approval": "1:dan"})
st, h, r = submit("rita", SEAL_A, [("d.pdf", PDF, "application/pdf")])
RID_DAN = r.get("id", "none") if isinstance(r, dict) else "none"
ok(st == 201 and r.get("status") == "pending" and r.get("grant") == G_D, "rita submits under dan's approval",
   f"{st} {r}")
must(["user", "disable", "dan"], "the CLI disables dan")
st, h, doc = decide("dan", RID_DAN, "approve")
ok(problem(st, h, doc, 401, "UNAUTHENTICATED"),
   "the disabled approver is refused: its session ends with the account (401)", f"{st} {doc}")
st, h, doc = call("GET", f"/api/v1/requests/{RID_DAN}", headers=S["rita"])
ok(st == 200 and doc.get("status") == "pending" and doc.get("decisions") == [], "and decided nothing", f"{st} {doc}")

# ---- reject ----
st, h, doc = decide("alice", RID_D, "reject", "wrong counterparty")
ok(st == 200 and doc.get("status") == "rejected" and doc["decisions"][0]["decision"] == "reject",
   "alice rejects: rejected", f"{st} {doc}")
st, h, doc = call("POST", f"/api/v1/requests/{RID_D}/execute", None, headers=S["sam"])
ok(problem(st, h, doc, 403, "APPROVAL_REJECTED"), "execute a rejected request: 403 APPROVAL_REJECTED", f"{st} {doc}")
st, h, doc = decide("bob", RID_D, "approve")
ok(problem(st, h, doc, 409, "WRONG_STATE"), "deciding on a rejected request: 409 WRONG_STATE", f"{st} {doc}")

# ---- a document swapped after its approval ----
st, h, r = submit("sam", SEAL_A, [("swap.pdf", PDF, "application/pdf")], type="contract")
RID_S = r.get("id", "none") if isinstance(r, dict) else "none"
decide("alice", RID_S, "approve")
st, h, doc = decide("bob", RID_S, "approve")
ok(st == 200 and doc.get("status") == "approved", "a one-document request approved by both steps", f"{st} {doc}")
kept = os.path.join(HOME, "requests", RID_S, "0000.pdf")
ok(os.path.isfile(kept), "the document is kept in the home as submitted", kept)
if os.path.isfile(kept):
    with open(kept, "ab") as f:
        f.write(b"\n% swapped after approval\n")
st, h, doc = call("POST", f"/api/v1/requests/{RID_S}/execute", None, headers=S["sam"])
ok(problem(st, h, doc, 403, "DOCUMENT_CHANGED_AFTER_APPROVAL"),
   "executing it after its bytes changed: 403 DOCUMENT_CHANGED_AFTER_APPROVAL", f"{st} {doc}")

# ---- no approval: approved at once ----
G_FREE = grant({"seal": SEAL_R1, "user": "sam"})
st, h, r = submit("sam", SEAL_R1, [("free.pdf", PDF, "application/pdf")])
ok(st == 201 and r.get("status") == "approved" and r.get("approval") is None,
   "under a grant without approval: approved at once", f"{st} {r}")

# ---- a batch of 25 documents: approved at once, executed whole; 1,001 documents: refused ----
batch = [(f"doc{i:02}.pdf", PDF, "application/pdf") for i in range(25)]
st, h, r = submit("sam", SEAL_R1, batch)
ok(st == 201 and r.get("status") == "approved" and r.get("total") == 25
   and [d["name"] for d in r.get("documents", [])] == [b[0] for b in batch],
   "a batch of 25 documents: approved at once, the documents in order", f"{st} {str(r)[:300]}")
RID_BATCH = r.get("id", "none") if isinstance(r, dict) else "none"
st, h, doc = call("POST", f"/api/v1/requests/{RID_BATCH}/execute", None, headers=S["sam"])
ok(st == 200 and doc.get("done") == 25 and doc.get("total") == 25 and doc.get("status") == "executed"
   and sorted(x["index"] for x in doc.get("stamps", [])) == list(range(25))
   and len({x["serial"] for x in doc.get("stamps", [])}) == 25,
   "executed: 25 stamps, one serial each", f"{st} {str(doc)[:300]}")
st, h, doc = submit("sam", SEAL_R1, [(f"d{i}.pdf", b"%PDF-1.7\n", "application/pdf") for i in range(1001)])
ok(problem(st, h, doc, 413, "TOO_LARGE") and "1000" in doc.get("detail", ""),
   "1,001 documents in one request: 413 (at most 1,000)", f"{st} {doc}")

# ---- curl -F, the form as a common client sends it (Expect: 100-continue, its own boundary) ----
if shutil.which("curl"):
    tok_st, h, tok = call("POST", "/api/v1/tokens", {"scopes": ["stamp", "seals:read"]}, headers=S["sam"])
    big = os.path.join(T, "big.pdf")
    with open(big, "wb") as f:  # past curl's 1 MiB Expect threshold, still a PDF by its first bytes
        f.write(PDF + b"\n%" + b"x" * (2 << 20) + b"\n")
    p = subprocess.run(["curl", "-s", "-H", f"Authorization: Bearer {tok.get('token', '')}", "-F", f"seal={SEAL_R1}",
                        "-F", "purpose=sent by curl", "-F", f"file=@{os.path.join(T, 'in.pdf')}", "-F", f"file=@{big}",
                        f"http://127.0.0.1:{PORT}/api/v1/requests"], capture_output=True, text=True)
    try:
        r = json.loads(p.stdout)
    except ValueError:
        r = {}
    ok(tok_st == 201 and r.get("status") == "approved" and r.get("purpose") == "sent by curl"
       and [(d["name"], d["size"]) for d in r.get("documents", [])] == [("in.pdf", len(PDF)),
                                                                       ("big.pdf", os.path.getsize(big))],
       "curl -F submits two files (one of 2 MiB): their names and sizes as sent", p.stdout[:400] + p.stderr)

# ---- lists ----
st, h, doc = call("GET", "/api/v1/requests?status=rejected", headers=S["zed"])
ok(st == 200 and [x["id"] for x in doc] == [RID_D], "?status=rejected", f"{st} {doc}")
st, h, doc = call("GET", "/api/v1/requests?mine=1", headers=S["rita"])
ok(st == 200 and [x["id"] for x in doc] == [RID_DAN], "?mine=1: rita's own", f"{st} {doc}")
st, h, doc = call("GET", "/api/v1/requests?status=nope", headers=S["rita"])
ok(problem(st, h, doc, 400, "BAD_INPUT"), "?status= unknown: 400", f"{st} {doc}")
st, h, doc = call("GET", "/api/v1/requests", headers=S["bea"])
ok(st == 200 and doc == [], "the other organisation lists none of A's", f"{st} {doc}")

# ---- batch approval ----
st, h, r1 = submit("sam", SEAL_A, [("x1.pdf", PDF, "application/pdf")], type="contract")
st, h, r2 = submit("sam", SEAL_A, [("x2.pdf", PDF, "application/pdf")], type="contract")
B1, B2 = r1.get("id", "none"), r2.get("id", "none")
st, h, doc = call("POST", "/api/v1/approvals", {"requests": [B1, RID_D], "decision": "approve"}, headers=S["alice"])
ok(st == 409 and doc.get("code") == "WRONG_STATE", "a batch holding a rejected request: 409, all or none",
   f"{st} {doc}")
st, h, doc = call("GET", f"/api/v1/requests/{B1}", headers=S["alice"])
ok(st == 200 and doc.get("decisions") == [], "and the other request of that batch is not decided", f"{st} {doc}")
st, h, doc = call("POST", "/api/v1/approvals", {"requests": [B1, B2], "decision": "approve", "comment": "batch"},
                  headers=S["alice"])
ok(st == 200 and [(d["request"], d["approver"], d["step"]) for d in doc.get("decisions", [])]
   == [(B1, "alice", 0), (B2, "alice", 0)], "alice approves two requests in one POST /api/v1/approvals", f"{st} {doc}")
st, h, doc = call("GET", "/api/v1/approvals", headers=S["bob"])
ok(st == 200 and {x["id"] for x in doc} == {B1, B2}, "both moved to bob's step", f"{st} {doc}")
st, h, doc = call("POST", "/api/v1/approvals", {"requests": [B1, B2], "decision": "maybe"}, headers=S["bob"])
ok(problem(st, h, doc, 400, "BAD_INPUT"), "a batch's decision is approve or reject: 400", f"{st} {doc}")
st, h, doc = call("POST", "/api/v1/approvals", {"requests": [], "decision": "approve"}, headers=S["bob"])
ok(problem(st, h, doc, 400, "BAD_INPUT"), "a batch of no request: 400", f"{st} {doc}")

# ---- bad forms ----
st, h, doc = call("POST", "/api/v1/requests", PDF, headers=S["sam"], ctype="application/pdf")
ok(problem(st, h, doc, 415, "UNSUPPORTED"), "not multipart/form-data: 415", f"{st} {doc}")
st, h, doc = submit("sam", SEAL_A, [])
ok(problem(st, h, doc, 400, "BAD_INPUT"), "no document: 400", f"{st} {doc}")
st, h, doc = submit("sam", SEAL_A, [("a.pdf", PDF, "application/pdf")], colour="red")
ok(problem(st, h, doc, 400, "BAD_INPUT") and "colour" in doc.get("detail", ""), "an unknown field: 400", f"{st} {doc}")
st, h, doc = submit("sam", SEAL_A, [("a.pdf", PDF, "application/pdf")], at="20")
ok(problem(st, h, doc, 400, "BAD_INPUT"), "at without Y: 400", f"{st} {doc}")
st, h, doc = submit("sam", SEAL_A, [("a.txt", b"hello, not a document", "text/plain")])
ok(problem(st, h, doc, 400, "BAD_INPUT"), "a part that is no PDF or OFD: 400", f"{st} {doc}")
body, ctype = form({"seal": SEAL_A}, [("a.pdf", PDF, "application/pdf")])
st, h, doc = call("POST", "/api/v1/requests", body[:-40], headers=S["sam"], ctype=ctype)
ok(problem(st, h, doc, 400, "BAD_INPUT"), "a form cut before its closing boundary: 400", f"{st} {doc}")
st, h, doc = submit("sam", "ES0000000000000000", [("a.pdf", PDF, "application/pdf")])
ok(st in (403, 404) and h.get("content-type", "").startswith("application/problem+json"),
   f"a seal that does not exist: {st}", f"{st} {doc}")
tmp = os.path.join(HOME, "tmp")
ok(not os.path.isdir(tmp) or os.listdir(tmp) == [], "HOME/tmp is empty after the submissions",
   str(os.listdir(tmp) if os.path.isdir(tmp) else ""))


# ---- the authorisation matrix of these routes ----
st, h, doc = call("POST", "/api/v1/tokens", {"scopes": ["verify"]}, headers=S["sam"])
ok(st == 201, "a token of sam with the scope verify only", f"{st} {doc}")
NOSCOPE = {"Authorization": f"Bearer {doc['token']}"}
st, h, doc = call("POST", "/api/v1/tokens", {"scopes": ["seals:read"]}, headers=S["sam"])
ok(st == 201, "a token of sam with the scope seals:read only", f"{st} {doc}")
READONLY = {"Authorization": f"Bearer {doc['token']}"}
CALLERS = {"anon": {}, "other": S["bea"], "noscope": NOSCOPE, "readonly": READONLY, "stamper": S["sam"],
           "approver": S["alice"], "auditor": S["zed"]}
COLS = list(CALLERS)


def fresh(seal=SEAL_A):
    """A new request of sam's: pending on alice's step under G2, approved at once on SEAL_R1."""
    st, h, r = submit("sam", seal, [("m.pdf", PDF, "application/pdf")], type="contract")
    return r["id"]


MULTI = form({"seal": SEAL_A, "type": "contract"}, [("m.pdf", PDF, "application/pdf")])
# route -> (path maker, body maker (None: no body), content type, expected status per caller in COLS order)
MATRIX = {
    "POST /api/v1/requests": (lambda: "/api/v1/requests", lambda: MULTI[0], MULTI[1],
                              [401, 404, 403, 403, 201, 403, 403]),
    "GET /api/v1/requests": (lambda: "/api/v1/requests", None, None, [401, 200, 403, 200, 200, 200, 200]),
    "GET /api/v1/requests/{id}": (lambda: f"/api/v1/requests/{RID}", None, None, [401, 404, 403, 200, 200, 200, 200]),
    "GET /api/v1/requests/{id}/documents/{n}": (lambda: f"/api/v1/requests/{RID}/documents/0", None, None,
                                                [401, 404, 403, 200, 200, 200, 200]),
    "POST /api/v1/requests/{id}/approve": (lambda: f"/api/v1/requests/{fresh()}/approve", lambda: {"comment": "ok"},
                                           "application/json", [401, 404, 403, 403, 403, 200, 403]),
    "POST /api/v1/requests/{id}/reject": (lambda: f"/api/v1/requests/{fresh()}/reject", lambda: {}, "application/json",
                                          [401, 404, 403, 403, 403, 200, 403]),
    "POST /api/v1/requests/{id}/execute": (lambda: f"/api/v1/requests/{fresh(SEAL_R1)}/execute", None, None,
                                           [401, 404, 403, 403, 200, 403, 403]),
    "GET /api/v1/approvals": (lambda: "/api/v1/approvals", None, None, [401, 200, 403, 200, 200, 200, 200]),
    "POST /api/v1/approvals": (lambda: "/api/v1/approvals", lambda: {"requests": [fresh()], "decision": "approve"},
                               "application/json", [401, 404, 403, 403, 403, 200, 403]),
}
banner_routes = {r for r in re.findall(r"(?:GET|POST) /api/v1/(?:requests|approvals)[^,;\s]*", BANNER)}
ok(banner_routes == set(MATRIX), "the matrix has a row for every route of api_requests.c the banner lists",
   f"{sorted(banner_routes)} vs {sorted(MATRIX)}")
for r, (path, body, ctype, want) in MATRIX.items():
    method = r.split()[0]
    for col, status in zip(COLS, want):
        b = body() if body is not None else None
        st, h, doc = call(method, path(), b, headers=CALLERS[col], ctype=ctype)
        good = st == status and (st < 400 or h.get("content-type", "").startswith("application/problem+json"))
        ok(good, f"{r} as {col}: {status}", f"got {st} {doc}")

# ---- races ----
def execute_all(ids, ports):
    def one(i):
        return call("POST", f"/api/v1/requests/{ids[i]}/execute", None, headers=S["rita"], port=ports[i % len(ports)])
    with concurrent.futures.ThreadPoolExecutor(max_workers=len(ids)) as pool:
        return list(pool.map(one, range(len(ids))))


PORT2 = serve()
for label, seal, ports in (("one server", SEAL_R1, [PORT]), ("two servers on one home", SEAL_R2, [PORT, PORT2])):
    grant({"seal": seal, "user": "rita", "max_uses": 1})
    before = len([e for e in audit_all() if e["type"] == "stamp" and e.get("seal") == seal])
    ids = []
    for i in range(50):
        st, h, r = submit("rita", seal, [(f"race{i}.pdf", PDF, "application/pdf")], port=ports[i % len(ports)])
        if st == 201 and r.get("status") == "approved":
            ids.append(r["id"])
    ok(len(ids) == 50, f"{label}: 50 approved one-document requests under a grant of max-uses 1", str(len(ids)))
    res = execute_all(ids, ports)
    good = [doc for st, h, doc in res if st == 200 and doc.get("done") == 1]
    quota = [doc for st, h, doc in res if problem(st, h, doc, 403, "QUOTA_EXHAUSTED")]
    ok(len(good) == 1 and len(quota) == 49,
       f"{label}: 50 concurrent executes give exactly one stamp, 49 QUOTA_EXHAUSTED",
       f"{len(good)} stamped, {len(quota)} quota; others: {[(st, doc) for st, h, doc in res][:3]}")
    entries = audit_all()
    stamped = [e for e in entries if e["type"] == "stamp" and e.get("seal") == seal]
    ok(len(stamped) - before == 1, f"{label}: the audit log holds one more stamp with that seal",
       f"{before} then {len(stamped)}")

grant({"seal": SEAL_K, "user": "sam", "approval": "2:alice,bob,carol"})
st, h, r = submit("sam", SEAL_K, [("k.pdf", PDF, "application/pdf")])
RK = r.get("id", "none") if isinstance(r, dict) else "none"
ok(st == 201 and r.get("status") == "pending", "a request waiting for 2 of alice, bob, carol", f"{st} {r}")
APPROVERS = ["alice", "bob", "carol"]


def approve_one(i):
    return decide(APPROVERS[i % 3], RK, "approve", f"race {i}", port=[PORT, PORT2][i % 2])


with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
    res = list(pool.map(approve_one, range(20)))
good = [doc for st, h, doc in res if st == 200]
refused = [doc for st, h, doc in res if st in (403, 409) and doc.get("code") in ("WRONG_STATE", "NOT_AN_APPROVER")]
ok(len(good) == 2 and len(refused) == 18, "20 concurrent approvals of a 2-of-3 step: exactly two decisions taken",
   f"{len(good)} taken, {len(refused)} refused; {[(st, doc) for st, h, doc in res if st not in (200, 403, 409)][:3]}")
st, h, doc = call("GET", f"/api/v1/requests/{RK}", headers=S["sam"])
ok(st == 200 and doc.get("status") == "approved" and doc.get("step") == 1 and len(doc.get("decisions", [])) == 2
   and len({d["approver"] for d in doc["decisions"]}) == 2,
   "the request is approved once, by two distinct approvers", f"{st} {doc}")
entries = audit_all()
decided = [e for e in entries if e["type"] == "request.approved" and RK in (e.get("detail") or "")]
became = [e for e in decided if re.search(r"request approved", e.get("detail") or "")]
ok(len(decided) == 2 and len(became) == 1,
   "the audit log holds two approvals of it and exactly one transition to approved",
   json.dumps(decided)[:1200])

# The servers stop cleanly (under the sanitizer build: nothing leaked by what they answered).
for i, p in enumerate(SERVERS):
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=60)
        ok(p.returncode == 0, f"server {i + 1} stops cleanly on SIGTERM", str(p.returncode))
    except subprocess.TimeoutExpired:
        ok(False, f"server {i + 1} stops on SIGTERM")
print(f"# {api_lib.checked()} answers checked against docs/openapi.yaml")
api_lib.finish()
