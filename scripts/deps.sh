#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Installs every Debian 12 package eseal needs to build, test and benchmark,
# and only those that are missing, and the third-party PDF corpus of the interop tests.
# Safe to run again; quiet when nothing is missing.
set -eu

# Any failure says where it stopped (set -e alone exits without a word, e.g. when another apt or
# dpkg held its lock and the wait below ran out).
trap 'rc=$?; [ $rc -eq 0 ] || echo "deps: stopped with exit status $rc (see the messages above; if another apt or dpkg was running, run it again once that one is done)" >&2' EXIT

PKGS="
build-essential cmake pkg-config clang
libssl-dev openssl
libsqlite3-dev sqlite3 libpq-dev postgresql
libjansson-dev
libcmocka-dev
libcairo2-dev libfreetype-dev libpng-dev fonts-arphic-uming fonts-liberation2
libqpdf-dev qpdf poppler-utils libnss3-tools mupdf-tools libpodofo-utils
libqrencode-dev zbar-tools time python3-jsonschema python3-yaml strace faketime
libzip-dev libxml2-dev libmicrohttpd-dev libcurl4-openssl-dev curl jq
libargon2-dev libpwquality-dev cracklib-runtime wrk
libp11-dev libp11-kit-dev softhsm2 opensc
default-jdk-headless libbcprov-java libbcpkix-java libpdfbox2-java
golang-go golang-golang-x-mod-dev
chromium libjs-pdf
"
# The browser tests (tests/browser) run on node with npm. Debian's nodejs and npm only when there is
# no node at all: a machine may have a newer node from another source, which apt must not replace.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    PKGS="$PKGS nodejs npm"
fi

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

SUDO=""
if [ "$(id -u)" != 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive

if [ -n "$missing" ]; then
    echo "deps: installing:$missing"
    # A fresh machine's package lists may be empty.
    # Another apt or dpkg (unattended-upgrades, a second clone's deps.sh) may hold the locks: wait
    # for them up to 10 minutes instead of failing at once.
    $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
    # shellcheck disable=SC2086
    $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $missing >/dev/null
fi

# Password quality (src/accounts/mod/pw.c) checks against cracklib's dictionary, which
# cracklib-runtime builds at install time: without it every password check fails.
if [ ! -f /var/cache/cracklib/cracklib_dict.pwd ]; then
    echo "deps: /var/cache/cracklib/cracklib_dict.pwd is missing (run: $SUDO update-cracklib)" >&2
    exit 1
fi

# A corpus of PDFs that nobody on this project wrote, for tests/interop/pdf_interop.sh:
# the 155 documentation PDFs of Debian's texlive-latex-recommended-doc, downloaded with apt
# and unpacked into var/pdf-corpus (not installed: the package would pull in TeX Live).
CORPUS=$(cd "$(dirname "$0")/.." && pwd)/var/pdf-corpus
if [ ! -f "$CORPUS/SOURCE" ]; then
    tmp=$(mktemp -d)
    chmod 755 "$tmp" # apt's download sandbox user must be able to write here
    if (cd "$tmp" && { apt-get download texlive-latex-recommended-doc >/dev/null 2>&1 ||
        { $SUDO apt-get update -qq && apt-get download texlive-latex-recommended-doc >/dev/null 2>&1; }; }); then
        mkdir -p "$CORPUS" "$tmp/x"
        dpkg-deb -x "$tmp"/texlive-latex-recommended-doc_*.deb "$tmp/x"
        find "$tmp/x" -name '*.pdf' -exec cp {} "$CORPUS/" \;
        basename "$tmp"/texlive-latex-recommended-doc_*.deb >"$CORPUS/SOURCE"
        echo "deps: PDF corpus: $(ls "$CORPUS"/*.pdf | wc -l) files from $(cat "$CORPUS/SOURCE")"
    else
        echo "deps: could not download the PDF corpus (texlive-latex-recommended-doc); interop_pdf will say so" >&2
    fi
    rm -rf "$tmp"
fi

# The browser tests' node packages (playwright-core, pinned in tests/browser/package-lock.json) into
# tests/browser/node_modules (git-ignored), by `npm ci`, when they are missing or the lock changed.
# No browser is downloaded: the tests drive Debian's /usr/bin/chromium.
"$(dirname "$0")/browser-deps.sh" || echo "deps: the browser tests' node packages are missing (tests/browser: npm ci failed); browser_pages will fail" >&2
