#!/bin/sh
# Installs every Debian 12 package eseal needs to build, test and benchmark,
# and only those that are missing. Safe to run again; quiet when nothing is missing.
set -eu

PKGS="
build-essential cmake pkg-config clang
libssl-dev openssl
libsqlite3-dev sqlite3
libjansson-dev
libcmocka-dev
libcairo2-dev libfreetype-dev libpng-dev fonts-arphic-uming fonts-liberation2
libqpdf-dev qpdf poppler-utils libnss3-tools mupdf-tools libpodofo-utils
libqrencode-dev zbar-tools time
default-jdk-headless libbcprov-java libbcpkix-java
"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    exit 0
fi

SUDO=""
if [ "$(id -u)" != 0 ]; then
    SUDO="sudo"
fi

echo "deps: installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# A fresh machine's package lists may be empty.
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
