#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Validates verification reports against docs/verify-report.schema.json.

Usage: report_schema.py SCHEMA PATH...   (a PATH is a report file or a folder of *.json reports)

Besides the schema (JSON Schema 2020-12, python3-jsonschema from Debian), every report must carry
its values typed: a string that reads as a number ("3"), a boolean ("yes", "true") or a list
("0 128713 133329 42416") is refused wherever it is found, except in the members that are
identifiers or prose by definition (ids, names, subjects, serials, esIDs, messages, details).
Prints one line per report that fails and a summary; exits 1 when any fails, 0 otherwise, and 77
(skipped) when there is no report at all and --allow-none was not given.
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
FREE = {"id", "name", "subject", "issuer", "esid", "message", "detail", "object", "owner", "tsa", "anchor"}
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


def reports(paths):
    for p in paths:
        if os.path.isdir(p):
            for name in sorted(os.listdir(p)):
                if name.endswith(".json"):
                    yield os.path.join(p, name)
        else:
            yield p


def main(argv):
    allow_none = "--allow-none" in argv
    argv = [a for a in argv if a != "--allow-none"]
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    n = bad = 0
    for path in reports(argv[2:]):
        n += 1
        try:
            with open(path, encoding="utf-8") as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            bad += 1
            print(f"not ok: {path}: not JSON: {e}")
            continue
        problems = [f"{'/'.join(str(x) for x in e.absolute_path)}: {e.message}"
                    for e in validator.iter_errors(doc)]
        problems += [f"a value as a string: {p}" for p in stringly(doc, "$")]
        if problems:
            bad += 1
            print(f"not ok: {path}")
            for p in problems[:12]:
                print(f"    {p}")
    print(f"report_schema: {n} reports, {n - bad} valid, {bad} not valid")
    if n == 0 and not allow_none:
        return 77
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
