#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Installs the browser tests' node packages: `npm ci` in tests/browser, when tests/browser/node_modules
# is missing or was installed from another package-lock.json (its SHA-256 is kept in
# node_modules/.eseal-lock-sha256). Quiet when nothing changed. Called by scripts/deps.sh.
set -eu
dir=$(cd "$(dirname "$0")/../tests/browser" && pwd)
want=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
have=$(cat "$dir/node_modules/.eseal-lock-sha256" 2>/dev/null || true)
if [ "$want" = "$have" ] && [ -f "$dir/node_modules/playwright-core/package.json" ] &&
    [ -f "$dir/node_modules/axe-core/axe.min.js" ]; then
    exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
    echo "browser-deps: npm is missing (scripts/deps.sh installs it with nodejs when there is no node)" >&2
    exit 1
fi
echo "browser-deps: npm ci in tests/browser (playwright-core, axe-core; no browser download: Debian's chromium is used)"
# --ignore-scripts: no package's install script runs (playwright-core has none that we need, and
# must not fetch a browser of its own; axe-core has none).
(cd "$dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
echo "$want" >"$dir/node_modules/.eseal-lock-sha256"
