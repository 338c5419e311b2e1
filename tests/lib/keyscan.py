#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The scan for keys held in hardware (issue 23 §1): a private key put into a token or a device
must never appear in an instance's files, a command's output or anything eseal printed.

  keyscan.py scan KEY.pem... -- PATH...    exit 0 when no private value of any KEY is found in any
                                            file under the PATHs (and at least one file was read)
  keyscan.py suite DIR [NAME...]            the suite's scan: every key every test deposited under
                                            DIR/*/keys against every file of DIR/*/haystack, after
                                            the whole suite; a NAME that deposited nothing is named
                                            (77 when DIR holds no deposit: the token tests were skipped)

A key's private values are read with `openssl pkey -text`: the scalar of an EC or SM2 key, the
private exponent and the primes of an RSA key. Each is looked for raw, in hex (both cases) and in
base64 at the three alignments it can have inside a longer encoding, and the key's PKCS#8 and
SEC1/PKCS#1 DER with their base64 and hex. Every scan also runs a control: the key's own
`openssl pkey -text` output, flattened, must be found, or the scan itself is broken.
"""
import base64
import os
import subprocess
import sys
import tempfile

HEX = "0123456789abcdef"
HEX_BYTES = HEX.encode()


def field(text, name, following):
    """The bytes of the hex field `name:` of openssl's text form, up to the next field."""
    if name + ":" not in text:
        return None
    part = text.split(name + ":", 1)[1]
    end = len(part)
    for f in following:
        i = part.find(f + ":")
        if 0 <= i < end:
            end = i
    digits = "".join(c for c in part[:end] if c in HEX)
    return bytes.fromhex(digits).lstrip(b"\0") or None


def secrets_of(pem):
    text = subprocess.run(["openssl", "pkey", "-in", pem, "-text", "-noout"], capture_output=True,
                          text=True, check=True).stdout
    values = []
    ec = field(text, "priv", ["pub", "ASN1 OID", "NIST CURVE"])
    if ec is not None:
        values.append(ec)  # as printed (a short scalar has no leading zeros there) ...
        if len(ec) < 32:
            values.append(ec.rjust(32, b"\0"))  # ... and at its full width, as DER and raw forms hold it
    for name, nxt in (("privateExponent", ["prime1"]), ("prime1", ["prime2"]), ("prime2", ["exponent1"])):
        v = field(text, name, nxt)
        if v is not None:
            values.append(v)
    if not values:
        raise SystemExit(f"# {pem}: no private value found in its text form")
    ders = [subprocess.run(["openssl", "pkey", "-in", pem, "-outform", "DER"], capture_output=True,
                           check=True).stdout]
    for extra in (["openssl", "pkey", "-in", pem, "-outform", "DER", "-traditional"],
                  ["openssl", "pkcs8", "-topk8", "-nocrypt", "-in", pem, "-outform", "DER"]):
        more = subprocess.run(extra, capture_output=True)
        if more.returncode == 0 and more.stdout and more.stdout not in ders:
            ders.append(more.stdout)
    return values, ders, text


def needles_of(pem):
    values, ders, _ = secrets_of(pem)
    needles = []
    for v in values:
        needles += [v, v.hex().encode(), v.hex().upper().encode(), base64.urlsafe_b64encode(v).rstrip(b"=")]
        for pad in (b"", b"\0", b"\0\0"):
            enc = base64.b64encode(pad + v)
            needles.append(enc[4:4 + (len(enc) - 8) // 4 * 4])
    for d in ders:
        needles += [d, base64.b64encode(d)[:60], d.hex().encode()]
    return [n for n in needles if len(n) >= 16]


def files_under(paths):
    for w in paths:
        if os.path.isfile(w) and not os.path.islink(w):
            yield w
            continue
        for root, _, names in os.walk(w):
            for f in names:
                p = os.path.join(root, f)
                if not os.path.islink(p) and os.path.isfile(p):
                    yield p


def scan(keys, paths):
    """(files read, [(key, file)] found)."""
    table = [(k, needles_of(k), [v.hex().encode() for v in secrets_of(k)[0]]) for k in keys]
    files, found = 0, []
    for p in files_under(paths):
        files += 1
        data = open(p, "rb").read()
        # PEM and other text wrap base64 and hex into lines: looked for with the line breaks out too
        flat = data.replace(b"\r", b"").replace(b"\n", b"")
        # and hex dumps ("c2:a8:1d ..." over lines, openssl -text's form): the hex digits alone
        digits = bytes(c for c in data.lower() if c in HEX_BYTES)
        for k, needles, hexes in table:
            if any(n in data or n in flat for n in needles) or any(h in digits for h in hexes):
                found.append((k, p))
    return files, found


def control(keys):
    """True when each key is found in its own flattened text form: the scan can fail."""
    with tempfile.TemporaryDirectory() as d:
        for i, k in enumerate(keys):
            _, _, text = secrets_of(k)
            with open(os.path.join(d, f"{i}.txt"), "w") as f:
                f.write("".join(c for c in text.lower() if c in HEX))
            _, found = scan([k], [os.path.join(d, f"{i}.txt")])
            if not found:
                print(f"# control: {k} was not found in its own text form")
                return False
    return True


def main(argv):
    if len(argv) >= 3 and argv[1] == "scan" and "--" in argv:
        i = argv.index("--")
        keys, paths = argv[2:i], argv[i + 1:]
        files, found = scan(keys, paths)
        for k, p in found:
            print(f"# FOUND a private value of {k} in {p}")
        print(f"# scanned {files} files for {len(keys)} keys")
        return 0 if files > 0 and not found and control(keys) else 1
    if len(argv) >= 3 and argv[1] == "suite":
        top, want = argv[2], argv[3:]
        names = sorted(n for n in os.listdir(top)) if os.path.isdir(top) else []
        if not names:
            print(f"# no deposit under {top}: the token tests did not run here")
            return 77
        n, bad = 0, 0
        # A test that was skipped (SoftHSM2 not installed) or stopped early deposits nothing; the
        # latter fails by itself. Said here, not failed twice.
        missing = [w for w in want if w not in names]
        n += 1
        print(f"ok {n} - deposits from {', '.join(names)}"
              + (f" (none from {', '.join(missing)}: skipped or stopped early)" if missing else ""))
        keys = [os.path.join(top, t, "keys", f) for t in names if os.path.isdir(os.path.join(top, t, "keys"))
                for f in sorted(os.listdir(os.path.join(top, t, "keys")))]
        hay = [os.path.join(top, t, "haystack") for t in names if os.path.isdir(os.path.join(top, t, "haystack"))]
        files, found = scan(keys, hay)
        n += 1
        if keys and files and not found:
            print(f"ok {n} - none of {len(keys)} keys put in tokens and devices is in any of {files} files "
                  f"(instance homes, outputs, everything printed) of {len(hay)} tests")
        else:
            bad += 1
            print(f"not ok {n} - the scan: {len(keys)} keys, {files} files")
            for k, p in found:
                print(f"#   FOUND a private value of {k} in {p}")
        n += 1
        if control(keys):
            print(f"ok {n} - the control: each key is found in its own text form (the scan can fail)")
        else:
            bad += 1
            print(f"not ok {n} - the control")
        print(f"1..{n}")
        return 1 if bad else 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
