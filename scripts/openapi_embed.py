#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""docs/openapi.yaml -> a C source holding it as compact JSON (GET /api/v1/openapi.json).

Usage: openapi_embed.py IN.yaml OUT.c
"""
import json
import sys

import yaml


def main():
    src, out = sys.argv[1], sys.argv[2]
    with open(src, encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    if not isinstance(doc, dict) or not str(doc.get("openapi", "")).startswith("3.1"):
        sys.exit(f"{src}: not an OpenAPI 3.1 description")
    text = json.dumps(doc, separators=(",", ":"), ensure_ascii=True, sort_keys=False)
    data = text.encode("ascii")
    lines = []
    for i in range(0, len(data), 24):
        lines.append("    " + ", ".join(str(b) for b in data[i:i + 24]) + ",")
    with open(out + ".tmp", "w", encoding="ascii") as f:
        f.write("/* Generated from docs/openapi.yaml by scripts/openapi_embed.py: do not edit. */\n")
        f.write("#include <stddef.h>\n\n")
        f.write("extern const char es_openapi_json[];\nextern const size_t es_openapi_json_len;\n")
        f.write("const char es_openapi_json[] = {\n" + "\n".join(lines) + "\n    0};\n")
        f.write(f"const size_t es_openapi_json_len = {len(data)};\n")
    import os
    os.replace(out + ".tmp", out)


if __name__ == "__main__":
    main()
