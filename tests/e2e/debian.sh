#!/bin/bash
# The Debian packages (debian/): built from a copy of the source with
# `dpkg-buildpackage -us -uc -b`, lintian clean (no error or warning),
# installed by dpkg into a root of their own (the system's packages are not
# touched), where the installed tlsscope runs `demo`, its man page renders,
# and the examples build and run against libtlsscope-dev and libtlsscope0;
# then removed, leaving nothing of theirs behind.
# usage: debian.sh   (exit 77: skipped, with the reason)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
for t in dpkg-buildpackage dh lintian cmake; do
    command -v "$t" >/dev/null || { echo "debian: SKIPPED: $t is not installed (make deps installs it)"; exit 77; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
check() { if [[ $2 == 0 ]]; then pass=$((pass + 1)); else echo "debian: FAILED: $1"; fail=$((fail + 1)); fi; }

# the source as a clone has it: tracked and new files, no build trees
mkdir -p "$tmp/src/tlsscope"
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
    (cd "$top" && git ls-files -co --exclude-standard -z | grep -zv '^build' |
        xargs -0 tar cf - --no-recursion 2>/dev/null) | tar xf - -C "$tmp/src/tlsscope"
else
    tar cf - -C "$top" --exclude='./build*' --exclude='./obj-*' . | tar xf - -C "$tmp/src/tlsscope"
fi
(cd "$tmp/src/tlsscope" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" dpkg-buildpackage -us -uc -b) \
    >"$tmp/build.log" 2>&1
check "dpkg-buildpackage -us -uc -b ($(tail -n 2 "$tmp/build.log" | tr '\n' ' '))" $?
debs=("$tmp"/src/*.deb)
ls "$tmp"/src/tlsscope_*.deb "$tmp"/src/libtlsscope0_*.deb "$tmp"/src/libtlsscope-dev_*.deb >/dev/null 2>&1
check "the three packages: tlsscope, libtlsscope0, libtlsscope-dev ($(cd "$tmp/src" && ls *.deb | tr '\n' ' '))" $?

lintian --fail-on error,warning "$tmp"/src/*.changes >"$tmp/lintian.log" 2>&1
check "lintian: no error or warning ($(grep -v 'root privileges' "$tmp/lintian.log" | head -n 5 | tr '\n' ' '))" $?

# a root of their own, with its own dpkg database
root=$tmp/root
mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
: >"$root/var/lib/dpkg/status"
pkgs=()
for d in "$tmp"/src/*.deb; do [[ $d == *dbgsym* ]] || pkgs+=("$d"); done
dpkg --root="$root" --force-not-root --force-depends --force-script-chrootless --no-triggers \
    --log=/dev/null -i "${pkgs[@]}" >"$tmp/dpkg.log" 2>&1
check "dpkg -i into a private root ($(tail -n 2 "$tmp/dpkg.log" | tr '\n' ' '))" $?
multi=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
[[ -x $root/usr/bin/tlsscope && -e $root/usr/lib/$multi/libtlsscope.so.0 &&
    -e $root/usr/include/tlsscope/tlsscope.h && -e $root/usr/lib/$multi/pkgconfig/libtlsscope.pc ]]
check "installed: the command, the library, its header and pkg-config file" $?
"$root/usr/bin/tlsscope" demo --dir "$tmp/demo" >"$tmp/demo.out" 2>&1 && grep -q "Phase 4, Finish" "$tmp/demo.out"
check "the installed tlsscope runs demo ($(tail -n 1 "$tmp/demo.out"))" $?
MANWIDTH=80 man -l "$root/usr/share/man/man1/tlsscope-read.1.gz" 2>/dev/null | grep -q -- '--keylog'
check "man -l the installed tlsscope-read(1)" $?
cp "$top"/examples/*.c "$top"/examples/Makefile "$tmp/"
PKG_CONFIG_PATH=$root/usr/lib/$multi/pkgconfig make -s -C "$tmp" >"$tmp/make.log" 2>&1 &&
    LD_LIBRARY_PATH=$root/usr/lib/$multi "$tmp/ja4_count" "$tmp/demo/demo.pcap" >"$tmp/ja4.out" 2>&1 &&
    grep -q '^ *1 t12' "$tmp/ja4.out"
check "the examples build against libtlsscope-dev and run on the demo's capture ($(cat "$tmp/make.log" "$tmp/ja4.out" | head -c 300))" $?

dpkg --root="$root" --force-not-root --force-depends --force-script-chrootless --no-triggers --log=/dev/null \
    -P tlsscope libtlsscope-dev libtlsscope0 >"$tmp/purge.log" 2>&1
check "dpkg -P the three ($(tail -n 1 "$tmp/purge.log"))" $?
left=$(cd "$root" && find . -path ./var/lib/dpkg -prune -o -type f -print)
[[ -z $left ]]; check "nothing of theirs left after the purge ($left)" $?

echo "debian: $pass passed, $fail failed"
((fail == 0))
