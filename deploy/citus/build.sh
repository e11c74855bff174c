#!/bin/sh
# Build Citus 13.2.2 from the vendored source release against Debian's PostgreSQL 15 and install it.
#
# Usage: deploy/citus/build.sh [VENDOR_DIR]      (default: ../shared/vendor beside the clone, or $JUNXIU_VENDOR)
#
# The build is cached outside the clone, under ${XDG_CACHE_HOME:-~/.cache}/junxiu/citus-<sha256 of the tarball>-pg<ver>/
# as a DESTDIR tree (the files `make install` would write). A second run on the same machine only copies that tree
# into PostgreSQL's directories (well under a second); a fresh machine builds it in a few minutes on 2 cores.
# Debian's packages (PostgreSQL 15, its server headers, the C build tools and libraries) are installed with apt when
# missing and we are root (CI is); otherwise the script says what is missing and stops.
#
# Prints one line per step with its time, and finally `citus: <path of citus.so>`.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
vendor=${1:-${JUNXIU_VENDOR:-$repo/../shared/vendor}}
tarball=$vendor/citus-13.2.2.tar.gz
patch_file=$vendor/citus-13.2.2-pg15.20.patch
expected_sha=c8fc76dc8294636a52b1a0dd75a20d8b4a36937df6443e30ca84d8d0464a6bb9
pg_config=/usr/lib/postgresql/15/bin/pg_config

now() { date +%s.%N; }
step() { awk -v name="$1" -v start="$2" -v end="$(now)" 'BEGIN { printf "%s: %.1f\n", name, end - start }'; }

[ -f "$tarball" ] || { echo "Citus source not found: $tarball" >&2; exit 1; }
sha=$(sha256sum "$tarball" | cut -d' ' -f1)
[ "$sha" = "$expected_sha" ] || { echo "Unexpected sha256 of $tarball: $sha" >&2; exit 1; }

# Debian's packages: the server, its headers and what Citus's configure checks for.
packages="postgresql-15 postgresql-server-dev-15 build-essential libcurl4-openssl-dev liblz4-dev libzstd-dev
libkrb5-dev libssl-dev libicu-dev libreadline-dev zlib1g-dev libselinux1-dev libxslt1-dev libpam0g-dev"
t=$(now)
missing=""
for pkg in $packages; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing="$missing $pkg"
done
if [ -n "$missing" ]; then
    if [ "$(id -u)" != 0 ]; then
        echo "Missing Debian packages:$missing (as root: apt-get install$missing)" >&2
        exit 1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing >/dev/null
    # The server and its headers must be the same minor release (the patch is for 15.20's headers).
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --only-upgrade postgresql-15 >/dev/null
fi
step apt_s "$t"

pg_version=$($pg_config --version | awk '{print $2}')
cache=${XDG_CACHE_HOME:-$HOME/.cache}/junxiu/citus-$sha-pg$pg_version
pkglibdir=$($pg_config --pkglibdir)
sharedir=$($pg_config --sharedir)

if [ ! -f "$cache/.complete" ]; then
    t=$(now)
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    tar -xzf "$tarball" -C "$work"
    src=$(find "$work" -maxdepth 1 -mindepth 1 -type d | head -n 1)
    (cd "$src" && patch -p1 --quiet <"$patch_file")
    (cd "$src" && ./configure --quiet PG_CONFIG=$pg_config >"$work/configure.log" 2>&1) ||
        { tail -n 30 "$work/configure.log" >&2; exit 1; }
    (cd "$src" && make -s -j"$(nproc)" >"$work/make.log" 2>&1) || { tail -n 40 "$work/make.log" >&2; exit 1; }
    rm -rf "$cache.tmp"
    (cd "$src" && make -s install DESTDIR="$cache.tmp" >"$work/install.log" 2>&1) ||
        { tail -n 20 "$work/install.log" >&2; exit 1; }
    # The first build's duration stays with the cache (bench/citus.py prints it as citus_build_first_s).
    step build_s "$t" | tee "$cache.tmp/.build_s"
    touch "$cache.tmp/.complete"
    rm -rf "$cache"
    mv "$cache.tmp" "$cache"
fi

# Install the cached tree into PostgreSQL's own directories (extensions are only looked for there on PostgreSQL 15).
t=$(now)
if [ ! -w "$pkglibdir" ] || [ ! -w "$sharedir/extension" ]; then
    echo "Cannot write to $pkglibdir / $sharedir (run as root to install Citus)" >&2
    exit 1
fi
# Only files that differ, each unlinked first: overwriting a running server's citus.so in place crashes it.
(cd "$cache" && find ".$pkglibdir" ".$sharedir" -type f) | while read -r file; do
    target=${file#.}
    cmp -s "$cache/$file" "$target" 2>/dev/null || { mkdir -p "$(dirname "$target")"; cp --remove-destination "$cache/$file" "$target"; }
done
step install_s "$t"
echo "citus: $pkglibdir/citus.so"
