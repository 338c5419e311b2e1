# SPDX-License-Identifier: Apache-2.0
"""Reads a binary PPM (P6, maxval 255) as written by pdftoppm: ppm(path) -> (width, height,
RGB bytes). Shared by the rendering tests (no PIL on the test machines)."""


def ppm(path):
    d = open(path, "rb").read()
    f, i = [], 0
    while len(f) < 4:
        while d[i:i + 1].isspace():
            i += 1
        if d[i:i + 1] == b"#":
            i = d.index(b"\n", i)
            continue
        j = i
        while not d[j:j + 1].isspace():
            j += 1
        f.append(d[i:j])
        i = j
    assert f[0] == b"P6" and f[3] == b"255", f
    w, h = int(f[1]), int(f[2])
    return w, h, d[i + 1:i + 1 + 3 * w * h]
