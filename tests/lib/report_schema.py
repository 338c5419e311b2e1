#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Validates verification reports against docs/verify-report.schema.json.

Usage: report_schema.py [--same-sections] [--typed-only] SCHEMA PATH...   (a PATH is a report file or a folder of *.json reports)

Besides the schema (JSON Schema 2020-12, python3-jsonschema from Debian), text must be UTF-8 as it
is (no \\u escape of a character beyond ASCII), and every report must carry
its values typed: a string that reads as a number ("3"), a boolean ("yes", "true") or a list
("0 128713 133329 42416") is refused wherever it is found, except in the members that are
identifiers or prose by definition (ids, names, subjects, serials, esIDs, messages, details).
The validation objects must be the evidence the checks used: every id a check (or signer.certificate,
time.token, seal.object) names is listed, and every listed object is named.
With --same-sections, the signatures of PDF, OFD and CMS reports must also show the same keys in
the same sections (signature, signer, time, coverage, each check, and seal where one is embedded):
the key sets are collected per format over all reports and compared (exit 77, skipped, when the
reports do not hold all three formats, as after `ctest -R` on a few tests).
Prints one line per report that fails and a summary; exits 1 when any fails, 77 (skipped) when
there is no report at all, 0 otherwise.
"""
import json
import os
import re
import sys

try:
    import jsonschema
except ImportError:  # the Debian package is python3-jsonschema (scripts/deps.sh installs it)
    print("report_schema: python3-jsonschema is not installed", file=sys.stderr)
    sys.exit(3)

# Members whose strings may look like anything: identifiers, names, prose.
FREE = {"id", "name", "subject", "issuer", "esid", "message", "detail", "object", "owner", "tsa", "anchor", "version",
        "serial"}
NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]+)?$")
NUMBERS = re.compile(r"^-?[0-9]+( -?[0-9]+)+$")
BOOLEAN = {"yes", "no", "true", "false"}


def stringly(value, path, key=None):
    """Yields the paths of strings that hide a number, a boolean or a list."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from stringly(v, f"{path}.{k}", k)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from stringly(v, f"{path}[{i}]", key)
    elif isinstance(value, str) and key not in FREE:
        if NUMBER.match(value) or NUMBERS.match(value) or value.lower() in BOOLEAN:
            yield f"{path} = {value!r}"


SECTIONS = ("signature", "signer", "time", "coverage", "seal")


def section_keys(doc, into):
    """Adds, per section, the keys the report's signatures show (the seal only where there is one)."""
    for sig in doc.get("signatures", []):
        into.setdefault("<signature>", set()).update(sig.keys())
        for name in SECTIONS:
            sec = sig.get(name)
            if isinstance(sec, dict):
                into.setdefault(name, set()).update(sec.keys())
        for check in sig.get("checks", []):
            if isinstance(check, dict):
                into.setdefault("<check>", set()).update(check.keys())


def compare_sections(per_format):
    """Lines naming each section whose keys differ between two formats."""
    problems = []
    formats = sorted(per_format)
    for name in sorted({s for keys in per_format.values() for s in keys}):
        have = {f: per_format[f].get(name) for f in formats if per_format[f].get(name) is not None}
        if len(have) < 2:
            continue
        first = formats[0] if formats[0] in have else sorted(have)[0]
        for f, keys in have.items():
            if keys != have[first]:
                problems.append(f"section {name}: {first} has {sorted(have[first] - keys)} that {f} lacks, "
                                f"{f} has {sorted(keys - have[first])} that {first} lacks")
    return problems


def evidence(doc):
    """The validation objects and their references must match: every id a check, a signer, a time
    or a seal names is listed, and every listed object is named by something (ETSI TS 119 102-2:
    the report's evidence is what the validation used)."""
    if not isinstance(doc, dict) or not isinstance(doc.get("validation_objects"), list):
        return []
    listed = {o.get("id") for o in doc["validation_objects"] if isinstance(o, dict)}
    named = set()
    for sig in doc.get("signatures", []):
        if not isinstance(sig, dict):
            continue
        for path in (("signer", "certificate"), ("time", "token"), ("seal", "object")):
            sec = sig.get(path[0])
            if isinstance(sec, dict) and isinstance(sec.get(path[1]), str):
                named.add(sec[path[1]])
        for c in sig.get("checks", []):
            if isinstance(c, dict):
                named.update(x for x in c.get("objects", []) if isinstance(x, str))
    problems = [f"{i} is named but not among validation_objects" for i in sorted(named - listed)]
    problems += [f"{i} is listed but nothing names it" for i in sorted(listed - named)]
    return problems


def reports(paths):
    for p in paths:
        if p.endswith(os.sep + "reports") and not os.path.exists(p):
            continue  # the recorder's folder: no test of this run wrote a report
        if os.path.isdir(p):
            for name in sorted(os.listdir(p)):
                if name.endswith(".json"):
                    yield os.path.join(p, name)
        else:
            yield p


def main(argv):
    same = "--same-sections" in argv
    typed_only = "--typed-only" in argv  # not a document report: only the typed-values rule
    argv = [a for a in argv if a not in ("--same-sections", "--typed-only")]
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    n = bad = 0
    per_format = {}
    for path in reports(argv[2:]):
        n += 1
        try:
            with open(path, encoding="utf-8") as f:
                raw = f.read()
            doc = json.loads(raw)
        except (OSError, ValueError) as e:
            bad += 1
            print(f"not ok: {path}: not JSON: {e}")
            continue
        problems = [] if typed_only else [f"{'/'.join(str(x) for x in e.absolute_path)}: {e.message}"
                                          for e in validator.iter_errors(doc)]
        problems += [f"a value as a string: {p}" for p in stringly(doc, "$")]
        # UTF-8 as it is: a \\u escape of a character beyond ASCII (Chinese names) is refused
        problems += [f"an escaped character: \\u{m}" for m in re.findall(r"(?<!\\)\\u([0-9a-fA-F]{4})", raw)
                     if int(m, 16) >= 0x80][:3]
        problems += [] if typed_only else [f"evidence: {p}" for p in evidence(doc)]
        if isinstance(doc, dict) and doc.get("format") in ("pdf", "ofd", "cms"):
            section_keys(doc, per_format.setdefault(doc["format"], {}))
        if problems:
            bad += 1
            print(f"not ok: {path}")
            for p in problems[:12]:
                print(f"    {p}")
    print(f"report_schema: {n} reports, {n - bad} valid, {bad} not valid")
    if same:
        counts = ", ".join(f"{f}: {len(per_format[f])} sections" for f in sorted(per_format))
        differ = compare_sections(per_format)
        for line in differ:
            print(f"not ok: {line}")
        print(f"report_schema: same sections for {', '.join(sorted(per_format)) or 'no format'} ({counts}): "
              f"{'no' if differ else 'yes'}")
        if differ:
            bad += 1
        elif len(per_format) < 3 and not bad and n > 0:
            # a partial run (ctest -R ...): the comparison needs all three formats
            print("report_schema: skipped the comparison: it needs PDF, OFD and CMS reports")
            return 77
    if n == 0:
        # a run of tests that verify nothing (ctest -R ...); a full run always has reports
        print("report_schema: no report to validate (skipped)")
        return 77
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
