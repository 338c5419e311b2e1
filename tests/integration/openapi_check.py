# SPDX-License-Identifier: Apache-2.0
"""Checks an answer of `eseal serve` against docs/openapi.yaml (api_test.py, api_pub_test.py).

check(method, path, status, content_type, body) -> None when the description has the route, the
status and the media type and the body fits the schema; else a line saying what does not.
"""
import os
import re

import jsonschema
import yaml

DOC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "openapi.yaml")
with open(DOC, encoding="utf-8") as f:
    OA = yaml.safe_load(f)
RESOLVER = jsonschema.RefResolver.from_schema(OA)


def _template(path):
    """The path template of OA that `path` (no query) matches, or None."""
    for t in OA["paths"]:
        rx = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(t)) + "$"
        if re.match(rx, path):
            return t
    return None


def _deref(obj):
    while isinstance(obj, dict) and "$ref" in obj:
        obj = RESOLVER.resolve(obj["$ref"])[1]
    return obj


def check(method, path, status, content_type, body):
    path = path.split("?", 1)[0]
    t = _template(path)
    if t is None:
        return f"{path}: no such path in docs/openapi.yaml"
    op = OA["paths"][t].get(method.lower() if method != "HEAD" else "get")
    if op is None:
        # 405 is the router's own answer for a method a path does not take.
        return None if status == 405 else f"{method} {t}: not in docs/openapi.yaml"
    resp = op.get("responses", {}).get(str(status))
    if resp is None:
        return f"{method} {t}: status {status} not described"
    resp = _deref(resp)
    content = resp.get("content")
    if not content:
        return None if not body else f"{method} {t} {status}: a body where none is described"
    mt = (content_type or "").split(";")[0].strip().lower()
    if mt not in content:
        return f"{method} {t} {status}: media type {mt!r} not described ({list(content)})"
    schema = content[mt].get("schema")
    if schema is None:
        return None
    try:
        jsonschema.Draft202012Validator(schema, resolver=RESOLVER).validate(body)
    except jsonschema.ValidationError as e:
        return f"{method} {t} {status}: {e.message} at {list(e.absolute_path)}"
    return None
