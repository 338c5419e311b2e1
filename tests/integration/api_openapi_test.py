#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""api_openapi_test.py ESEAL: docs/openapi.yaml describes exactly the routes `eseal serve` mounts
under /api/v1 and the operations routes (/healthz, /readyz, /metrics), as the server's banner
lists them: a route of the server missing from the description fails, and so does a described
route the server does not have. Also: the description is OpenAPI 3.1, every operation has
responses with a schema for each JSON body, the problem schema's `code` enum holds every code
src/server/api.c answers, and GET /api/v1/openapi.json serves the same document. TAP output.
"""
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from api_lib import drain  # noqa: E402  (the server's output read while it runs)

E = os.path.abspath(sys.argv[1])
SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
T = tempfile.mkdtemp(prefix="eseal-openapi-")
ENV = dict(os.environ, ESEAL_HOME=os.path.join(T, "home"), ESEAL_PASSPHRASE="openapi-pass",
           ESEAL_PW_PARAMS="1,8192,1")
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


with open(os.path.join(SRC, "docs", "openapi.yaml"), encoding="utf-8") as f:
    OA = yaml.safe_load(f)
ok(str(OA.get("openapi", "")).startswith("3.1"), "docs/openapi.yaml is OpenAPI 3.1", str(OA.get("openapi")))
described = set()
for path, item in OA["paths"].items():
    for method in item:
        if method in ("get", "post", "put", "delete", "patch"):
            described.add(f"{method.upper()} {path}")

p = subprocess.run([E, "init"], env=ENV, capture_output=True, text=True)
if p.returncode != 0:
    print("Bail out! eseal init: " + p.stderr)
    sys.exit(1)
s = socket.socket()
s.bind(("127.0.0.1", 0))
PORT = s.getsockname()[1]
s.close()
srv = subprocess.Popen([E, "serve", "--listen", f"127.0.0.1:{PORT}", "--only", "api"], env=ENV,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
banner = srv.stdout.readline()
drain(srv)
ok("listening on" in banner, "serve --only api listens", banner)
# The banner's docs name a path's parameters as the description does: /users/{login}.
mounted = set(re.findall(r"(?:GET|POST) /(?:api/v1/[^,;\s]*|healthz|readyz|metrics)(?=[,;\s]|$)", banner))
ok(len(mounted) >= 5, f"the banner lists {len(mounted)} routes", banner)
for r in sorted(mounted):
    ok(r in described, f"the server's route {r} is in docs/openapi.yaml")
for r in sorted(described):
    ok(r in mounted, f"the described route {r} is mounted by the server")

# Every operation: responses, and a schema for every JSON body.
for r in sorted(described):
    method, path = r.split(" ", 1)
    op = OA["paths"][path][method.lower()]
    resps = op.get("responses", {})
    good = len(resps) > 0
    for st, resp in resps.items():
        if "$ref" in resp:
            continue
        for mt, c in (resp.get("content") or {}).items():
            good = good and (not mt.endswith("json") or "schema" in c)
    ok(good, f"{r}: responses, each JSON body with a schema")

# The problem codes: every code api.c can answer is in the enum, and nothing else.
with open(os.path.join(SRC, "src", "server", "api.c"), encoding="utf-8") as f:
    api_c = f.read()
with open(os.path.join(SRC, "src", "server", "router.c"), encoding="utf-8") as f:
    api_c += f.read()
codes = set(re.findall(r'return "([A-Z_]+)";', api_c)) | set(re.findall(r'"(CSRF|METHOD_NOT_ALLOWED|UNAVAILABLE)"',
                                                                          api_c))
codes |= {"UNAVAILABLE", "INTERNAL", "TOO_LARGE"}
# and the refusals' own reasons (eseal_error.reason): the ESEAL_REFUSAL_* of eseal/governance.h
with open(os.path.join(SRC, "include", "eseal", "governance.h"), encoding="utf-8") as f:
    codes |= set(re.findall(r'#define ESEAL_REFUSAL_[A-Z_]+ "([A-Z_]+)"', f.read()))
# and the device protocol's refusals (issue 23 §4): the ESEAL_DEVICE_REFUSED_* of eseal/device.h
with open(os.path.join(SRC, "include", "eseal", "device.h"), encoding="utf-8") as f:
    codes |= set(re.findall(r'#define ESEAL_DEVICE_REFUSED_[A-Z_]+ "([A-Z_]+)"', f.read()))
enum = set(OA["components"]["schemas"]["Problem"]["properties"]["code"]["enum"])
ok(codes == enum, "the Problem code enum is exactly the codes src/server answers",
   f"missing {sorted(codes - enum)}, extra {sorted(enum - codes)}")
for name in ("bearer", "cookie", "csrf"):
    ok(name in OA["components"]["securitySchemes"], f"security scheme {name}")

c = http.client.HTTPConnection("127.0.0.1", PORT, timeout=20)
c.request("GET", "/api/v1/openapi.json")
r = c.getresponse()
raw = r.read()
c.close()
ok(r.status == 200 and json.loads(raw) == OA, "GET /api/v1/openapi.json is the description")

srv.send_signal(signal.SIGTERM)
try:
    srv.wait(timeout=20)
except subprocess.TimeoutExpired:
    srv.kill()
shutil.rmtree(T, ignore_errors=True)
print(f"1..{n}")
sys.exit(1 if failed else 0)
