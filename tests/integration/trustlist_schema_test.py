#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The trust-list payloads unit_trustlist writes fit docs/trust-list.schema.json, and broken twins do not.

trustlist_schema_test.py SCHEMA DIR

DIR holds the payloads (eseal_trustlist_json) of the unit test's round trips: a platform's list, a
list of lists and a list with a key-rotation statement. Each must validate (JSON Schema draft
2020-12). Then each is broken in one way at a time (a required member removed, a wrong type, a
value out of its set, a time with an offset, a limit passed) and every twin must be refused, so that
the schema is known to say something. Exit 0 when all hold, 1 with the failures listed.
"""
import copy
import json
import os
import sys

import jsonschema


def main():
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(sys.argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    jsonschema.Draft202012Validator.check_schema(schema)
    v = jsonschema.Draft202012Validator(schema)
    wanted = ["platform.json", "list-of-lists.json", "rotation.json"]
    failures = []
    docs = {}
    for name in wanted:
        path = os.path.join(sys.argv[2], name)
        if not os.path.exists(path):
            failures.append(f"{name}: not written by unit_trustlist")
            continue
        with open(path, encoding="utf-8") as f:
            docs[name] = json.load(f)
        errs = sorted(v.iter_errors(docs[name]), key=lambda e: list(e.path))
        for e in errs:
            failures.append(f"{name}: {'/'.join(map(str, e.path))}: {e.message}")
        print(f"ok - {name} fits the schema" if not errs else f"not ok - {name}")

    def lsi(d):
        return d["LoTE"]["ListAndSchemeInformation"]

    def svc(d):
        return d["LoTE"]["TrustedEntitiesList"][0]["TrustedEntityServices"][0]

    breakers = {
        "no LoTE": lambda d: d.pop("LoTE"),
        "no TrustedEntitiesList": lambda d: d["LoTE"].pop("TrustedEntitiesList"),
        "no SchemeTerritory": lambda d: lsi(d).pop("SchemeTerritory"),
        "sequence a string": lambda d: lsi(d).__setitem__("LoTESequenceNumber", "7"),
        "sequence 0": lambda d: lsi(d).__setitem__("LoTESequenceNumber", 0),
        "version 2": lambda d: lsi(d).__setitem__("LoTEVersionIdentifier", 2),
        "another LoTEType": lambda d: lsi(d).__setitem__("LoTEType", "urn:other"),
        "territory lower case": lambda d: lsi(d).__setitem__("SchemeTerritory", "cn"),
        "time with an offset": lambda d: lsi(d).__setitem__("NextUpdate", "2027-01-01T08:00:00+08:00"),
        "empty operator name": lambda d: lsi(d).__setitem__("SchemeOperatorName", []),
        "name too long": lambda d: lsi(d).__setitem__("SchemeName", [{"lang": "en", "value": "n" * 2049}]),
        "no ServiceStatus": lambda d: svc(d)["ServiceInformation"].pop("ServiceStatus"),
        "status granted as a word": lambda d: svc(d)["ServiceInformation"].__setitem__("ServiceStatus", "granted"),
        "no key identity": lambda d: svc(d)["ServiceInformation"].__setitem__("ServiceDigitalIdentity", {}),
        "two certificates": lambda d: svc(d)["ServiceInformation"]["ServiceDigitalIdentity"].__setitem__(
            "X509Certificates", [{"val": "MIIA"}, {"val": "MIIA"}]),
        "too many services": lambda d: d["LoTE"]["TrustedEntitiesList"][0].__setitem__(
            "TrustedEntityServices", [svc(d)] * 257),
    }
    for name, doc in docs.items():
        for what, brk in breakers.items():
            twin = copy.deepcopy(doc)
            try:
                brk(twin)
            except (KeyError, IndexError):
                continue  # this document has no such member (a list of lists has no certificates)
            if v.is_valid(twin):
                failures.append(f"{name}: the schema takes the twin with {what}")
        print(f"ok - {name}: its broken twins are refused")
    if failures:
        print("\n".join(failures))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
