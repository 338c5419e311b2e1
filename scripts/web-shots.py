#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Screenshots of the verify page with a file chosen, through Debian's chromium alone (docs/web.md).

scripts/web-shots.py URL FILE[,FILE2] OUT.png [--width 1280] [--height 900] [--mobile] [--lang en|zh]

Drives a headless chromium over the DevTools protocol on a pipe (--remote-debugging-pipe: no port,
no websocket library): opens URL, chooses FILE (and FILE2, for a .p7s with its data) in the page's
<input id="file">, waits for body[data-state] to be done or error, and saves a screenshot of the
whole page. Prints the state, the verdict, and every console message, exception and failed or
foreign request the page caused (exit 1 when there is any, or the page did not finish). A tool for
looking at the page by hand; the browser tests proper are playwright's (tests/browser).
"""
import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse


class Chrome:
    def __init__(self, width, height):
        self.profile = tempfile.mkdtemp(prefix="eseal-shots-")
        r1, w1 = os.pipe()  # we write commands: chromium's fd 3
        r2, w2 = os.pipe()  # chromium writes answers and events: its fd 4
        self.p = subprocess.Popen(
            ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--remote-debugging-pipe",
             "--user-data-dir=" + self.profile, "--no-first-run", "--hide-scrollbars",
             f"--window-size={width},{height}", "about:blank"],
            pass_fds=(3, 4), preexec_fn=lambda: (os.dup2(r1, 3), os.dup2(w2, 4)),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        os.close(r1)
        os.close(w2)
        self.w = os.fdopen(w1, "wb", buffering=0)
        self.r = os.fdopen(r2, "rb", buffering=0)
        self.buf = b""
        self.n = 0
        self.events = []

    def _read(self):
        while b"\0" not in self.buf:
            chunk = self.r.read(65536)
            if not chunk:
                raise RuntimeError("chromium closed the pipe")
            self.buf += chunk
        msg, self.buf = self.buf.split(b"\0", 1)
        return json.loads(msg)

    def call(self, method, params=None, session=None):
        self.n += 1
        m = {"id": self.n, "method": method, "params": params or {}}
        if session:
            m["sessionId"] = session
        self.w.write(json.dumps(m).encode() + b"\0")
        while True:
            a = self._read()
            if a.get("id") == self.n:
                if "error" in a:
                    raise RuntimeError(f"{method}: {a['error']}")
                return a.get("result", {})
            self.events.append(a)

    def close(self):
        try:
            self.call("Browser.close")
        except Exception:
            pass
        self.p.wait(timeout=10)
        subprocess.run(["rm", "-rf", self.profile])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("url")
    ap.add_argument("files")
    ap.add_argument("out")
    ap.add_argument("--width", type=int, default=1280)
    ap.add_argument("--height", type=int, default=900)
    ap.add_argument("--mobile", action="store_true")
    ap.add_argument("--lang", default="en")
    ap.add_argument("--max-height", type=int, default=4000)
    a = ap.parse_args()
    c = Chrome(a.width, a.height)
    problems = []
    try:
        t = c.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        s = c.call("Target.attachToTarget", {"targetId": t, "flatten": True})["sessionId"]
        for d in ("Page.enable", "Runtime.enable", "Log.enable", "Network.enable"):
            c.call(d, session=s)
        c.call("Emulation.setDeviceMetricsOverride", {"width": a.width, "height": a.height, "deviceScaleFactor": 1,
                                                      "mobile": a.mobile}, session=s)
        c.call("Emulation.setLocaleOverride", {"locale": "zh-CN" if a.lang == "zh" else "en-GB"}, session=s)
        c.call("Network.setExtraHTTPHeaders", {"headers": {"Accept-Language": "zh-CN,zh" if a.lang == "zh" else "en"}},
               session=s)
        c.call("Page.addScriptToEvaluateOnNewDocument", {"source": (
            "Object.defineProperty(navigator, 'languages', {get: () => " +
            ("['zh-CN', 'zh']" if a.lang == "zh" else "['en-GB', 'en']") + "});")}, session=s)
        c.call("Page.navigate", {"url": a.url}, session=s)

        def js(expr):
            r = c.call("Runtime.evaluate", {"expression": expr, "returnByValue": True, "awaitPromise": True},
                       session=s)
            return r.get("result", {}).get("value")

        end = time.time() + 20
        while time.time() < end and js("document.readyState === 'complete' && !!document.getElementById('file')"
                                       " && document.body.dataset.state === 'idle'") is not True:
            time.sleep(0.1)
        doc = c.call("DOM.getDocument", {"depth": 0}, session=s)["root"]["nodeId"]
        node = c.call("DOM.querySelector", {"nodeId": doc, "selector": "#file"}, session=s)["nodeId"]
        files = [os.path.abspath(f) for f in a.files.split(",")]
        c.call("DOM.setFileInputFiles", {"nodeId": node, "files": files}, session=s)
        end = time.time() + 60
        state = None
        while time.time() < end:
            state = js("document.body.dataset.state")
            if state in ("done", "error"):
                break
            time.sleep(0.2)
        time.sleep(1.5)  # pdf.js draws the thumbnails after the report
        verdict = js("(document.getElementById('verdict') || {}).textContent || ''")
        thumbs = js("document.querySelectorAll('canvas.page-thumb').length")
        sigs = js("document.querySelectorAll('.signature').length")
        imgs = js("Array.from(document.querySelectorAll('img.imprint')).filter(i => i.complete && i.naturalWidth > 0)"
                  ".length")
        print(f"state={state} verdict={verdict!r} signatures={sigs} imprints={imgs} thumbnails={thumbs}")
        h = js("Math.max(document.documentElement.scrollHeight, document.body.scrollHeight)") or a.height
        h = min(int(h), a.max_height)
        c.call("Emulation.setDeviceMetricsOverride", {"width": a.width, "height": h, "deviceScaleFactor": 1,
                                                      "mobile": a.mobile}, session=s)
        time.sleep(0.5)
        shot = c.call("Page.captureScreenshot", {"format": "png"}, session=s)["data"]
        with open(a.out, "wb") as f:
            f.write(base64.b64decode(shot))
        host = urllib.parse.urlsplit(a.url).netloc
        for e in c.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "warning", "assert"):
                problems.append("console " + p["type"] + ": " + " ".join(str(x.get("value", x.get("description")))
                                                                         for x in p.get("args", [])))
            elif m == "Runtime.exceptionThrown":
                problems.append("exception: " + json.dumps(p.get("exceptionDetails", {}))[:300])
            elif m == "Log.entryAdded" and p["entry"].get("level") in ("error", "warning"):
                problems.append("log: " + p["entry"].get("text", "") + " " + p["entry"].get("url", ""))
            elif m == "Network.requestWillBeSent":
                u = urllib.parse.urlsplit(p["request"]["url"])
                if u.scheme not in ("data", "blob") and u.netloc != host:
                    problems.append("foreign request: " + p["request"]["url"])
            elif m == "Network.loadingFailed":
                problems.append("failed request: " + json.dumps(p)[:200])
            elif m == "Network.responseReceived" and p["response"]["status"] >= 400:
                problems.append(f"HTTP {p['response']['status']}: {p['response']['url']}")
        for x in problems:
            print(x)
        return 0 if state == "done" and not problems else 1
    finally:
        c.close()


if __name__ == "__main__":
    sys.exit(main())
