#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# bc_cms_verify.sh SIG.p7s DATA [CA.pem ...]
#
# Verifies a detached CMS signature with BouncyCastle (BcCmsVerify.java, next
# to this script), compiling it first if needed.
#
# Environment:
#   ESEAL_INTEROP_BUILD  where the classes go (default ${TMPDIR:-/tmp}/eseal-interop)
#   BC_CLASSPATH         BouncyCastle jars (default: Debian's bcprov, bcpkix,
#                        bcutil under /usr/share/java)
#   JAVA, JAVAC          the java and javac commands (default: from PATH)
#
# Exit status: that of BcCmsVerify (0 all signers verify, 1 not, 2 usage or
# parse error); 2 also when Java or BouncyCastle is missing or compiling fails.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
src="$here/BcCmsVerify.java"
build=${ESEAL_INTEROP_BUILD:-${TMPDIR:-/tmp}/eseal-interop}
java=${JAVA:-java}
javac=${JAVAC:-javac}

if [ $# -lt 2 ]; then
    echo "usage: $0 SIG.p7s DATA [CA.pem ...]" >&2
    exit 2
fi

if [ -z "${BC_CLASSPATH:-}" ]; then
    BC_CLASSPATH=
    for jar in bcprov bcpkix bcutil; do
        if [ -f "/usr/share/java/$jar.jar" ]; then
            BC_CLASSPATH="${BC_CLASSPATH:+$BC_CLASSPATH:}/usr/share/java/$jar.jar"
        elif [ "$jar" != bcutil ]; then # bcutil exists only from BC 1.69 on
            echo "$0: /usr/share/java/$jar.jar not found (apt-get install lib$jar-java, or set BC_CLASSPATH)" >&2
            exit 2
        fi
    done
fi

for tool in "$java" "$javac"; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        echo "$0: $tool not found (install a JDK, e.g. openjdk-17-jdk-headless)" >&2
        exit 2
    fi
done

classdir="$build/classes"
if [ ! -f "$classdir/BcCmsVerify.class" ] || [ "$src" -nt "$classdir/BcCmsVerify.class" ]; then
    mkdir -p "$build"
    # Compile into a private directory, then move it into place, so that
    # concurrent runs never see half-written classes.
    tmp=$(mktemp -d "$build/classes.XXXXXX")
    if ! "$javac" -nowarn -encoding UTF-8 -cp "$BC_CLASSPATH" -d "$tmp" "$src" >&2; then
        rm -rf "$tmp"
        echo "$0: compiling $src failed" >&2
        exit 2
    fi
    if [ -f "$classdir/BcCmsVerify.class" ] && [ ! "$src" -nt "$classdir/BcCmsVerify.class" ]; then
        rm -rf "$tmp" # a concurrent run installed up-to-date classes meanwhile
    else
        old="$build/classes.old.$$"
        if [ -d "$classdir" ]; then
            mv "$classdir" "$old" 2>/dev/null || true
        fi
        if ! mv -T "$tmp" "$classdir" 2>/dev/null; then
            rm -rf "$tmp" # a concurrent run won the race; use its classes
        fi
        rm -rf "$old"
    fi
fi

exec "$java" -cp "$BC_CLASSPATH:$classdir" BcCmsVerify "$@"
