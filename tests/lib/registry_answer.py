#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Checks a registry answer outside eseal (issue 24; docs/trust-lists.md), for trust_lists_test.sh.

registry_answer.py ANSWER.jws LIST.jws ESID STATUS TMPDIR

ANSWER.jws must be a compact JWS with ES256 and typ eseal-registry-answer+jws whose payload names ESID
with STATUS, and its signature must verify (openssl dgst) with the registry service's key of the
platform's trust list LIST.jws (its service urn:eseal:svc:registry, PublicKeyValues). Exit 0 when it
does; 1 with the reason otherwise.
"""
import base64
import json
import subprocess
import sys


def b64url(s):
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def der_int(b):
    b = b.lstrip(b"\0") or b"\0"
    if b[0] & 0x80:
        b = b"\0" + b
    return b"\x02" + bytes([len(b)]) + b


def main():
    ans, lst, esid, want, tmp = sys.argv[1:6]
    h, p, g = open(ans).read().strip().split(".")
    hdr, pay = json.loads(b64url(h)), json.loads(b64url(p))
    if hdr.get("alg") != "ES256" or hdr.get("typ") != "eseal-registry-answer+jws":
        return f"header {hdr}"
    if pay.get("esid") != esid or pay.get("status") != want:
        return f"payload {pay}, wanted {esid} {want}"
    lp = json.loads(b64url(open(lst).read().strip().split(".")[1]))
    regs = [s["ServiceInformation"] for e in lp["LoTE"]["TrustedEntitiesList"] for s in e["TrustedEntityServices"]
            if s["ServiceInformation"]["ServiceTypeIdentifier"] == "urn:eseal:svc:registry"]
    if not regs:
        return "the list names no registry service"
    spki = base64.b64decode(regs[0]["ServiceDigitalIdentity"]["PublicKeyValues"][0]["val"])
    with open(tmp + "/reg.pem", "w") as f:
        f.write("-----BEGIN PUBLIC KEY-----\n" + base64.encodebytes(spki).decode() + "-----END PUBLIC KEY-----\n")
    sig = b64url(g)
    if len(sig) != 64:
        return f"a signature of {len(sig)} bytes"
    body = der_int(sig[:32]) + der_int(sig[32:])
    with open(tmp + "/sig.der", "wb") as f:
        f.write(b"\x30" + bytes([len(body)]) + body)
    with open(tmp + "/signed", "w") as f:
        f.write(h + "." + p)
    r = subprocess.run(["openssl", "dgst", "-sha256", "-verify", tmp + "/reg.pem", "-signature", tmp + "/sig.der",
                        tmp + "/signed"], capture_output=True, text=True)
    if r.returncode != 0 or "Verified OK" not in r.stdout:
        return "openssl: " + r.stdout + r.stderr
    return None


if __name__ == "__main__":
    why = main()
    if why is not None:
        print(why, file=sys.stderr)
    sys.exit(0 if why is None else 1)
