#!/bin/bash
# make install / make uninstall into a DESTDIR, as a packager or a user would
# run them: the files land where GNU conventions put them, the installed
# command runs, every man page renders without a warning and is found by
# `man` through MANPATH, the installed completions load, and uninstall
# leaves nothing behind, only what install wrote and the directories it
# created (a directory that was there before stays, with what else is in it).
#
#   tests/e2e/install.sh SOURCE_DIR BUILD_DIR
#
# BUILD_DIR is a built tree (ctest passes its own). Ends with the plain line
# `N passed, M failed`.
set -u
src=$1
build=$2
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { # check NAME COMMAND...: the command must succeed
    local name=$1
    shift
    if "$@"; then ok "$name"; else bad "$name"; fi
}
for tool in man groff find; do
    command -v $tool >/dev/null || { echo "install: $tool is missing (make deps installs man-db and groff-base)"; exit 1; }
done

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# a make of its own: not the jobserver of a make that runs ctest
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$src" BUILD="$build" "$@"; }

# ---- install with DESTDIR and PREFIX=/usr/local
dest=$tmp/stage
mkdir -p "$dest"
if mk install DESTDIR="$dest" PREFIX=/usr/local >"$tmp/install.out" 2>&1; then ok "make install DESTDIR PREFIX=/usr/local"; else
    bad "make install DESTDIR PREFIX=/usr/local"
    cat "$tmp/install.out"
fi
root=$dest/usr/local
pages=()
for p in "$src"/docs/man/*.1; do pages+=("$(basename "$p")"); done
libdir=$(sed -n 's/^CMAKE_INSTALL_LIBDIR:[A-Z]*=//p' "$build/CMakeCache.txt")
version=$("$build/tlsscope" version | cut -d' ' -f2)
want=(bin/tlsscope share/bash-completion/completions/tlsscope share/zsh/site-functions/_tlsscope
    include/tlsscope/tlsscope.h "$libdir/libtlsscope.so" "$libdir/libtlsscope.so.0" "$libdir/libtlsscope.so.$version"
    "$libdir/pkgconfig/libtlsscope.pc")
for p in "${pages[@]}"; do want+=("share/man/man1/$p"); done
for cmd in read capture client server demo rules; do
    [[ " ${pages[*]} " == *" tlsscope-$cmd.1 "* ]] || bad "docs/man has tlsscope-$cmd.1"
done
for f in "${want[@]}"; do
    check "installed $f" test -e "$root/$f"
done
check "the installed tlsscope is executable and runs" test "$("$root/bin/tlsscope" version)" = "tlsscope $version"
# exactly these files (and links), nothing else
got=$(cd "$dest" && find . ! -type d | sed 's|^\./usr/local/||' | sort)
check "nothing installed beyond the binary, pages, completions and libtlsscope" \
    test "$got" = "$(printf '%s\n' "${want[@]}" | sort)"
out=$(PKG_CONFIG_PATH=$root/$libdir/pkgconfig PKG_CONFIG_SYSROOT_DIR= pkg-config --cflags --libs libtlsscope 2>&1)
inc=$(sed -n 's/.*-I\([^ ]*\).*/\1/p' <<<"$out")
libs=$(sed -n 's/.*-L\([^ ]*\).*/\1/p' <<<"$out")
check "pkg-config --cflags --libs libtlsscope: the installed header and library ($out)" \
    test -f "$inc/tlsscope/tlsscope.h" -a -e "$libs/libtlsscope.so" -a "$(cd "$inc" 2>/dev/null && pwd -P)" = "$(cd "$root/include" && pwd -P)"

# ---- the pages: lint clean, rendered, found through MANPATH
for p in "${pages[@]}"; do
    f=$root/share/man/man1/$p
    w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$f" 2>&1 >"$tmp/page.txt")
    check "man --warnings -l $p: no warning" test -z "$w"
    check "man -l $p renders its NAME" grep -q "^NAME" "$tmp/page.txt"
    w=$(groff -man -ww -z "$f" 2>&1)
    check "groff -man -ww -z $p: no warning" test -z "$w"
done
out=$(MANPATH=$root/share/man MANWIDTH=80 man tlsscope-read 2>&1 | col -b)
check "MANPATH=.../share/man man tlsscope-read" grep -Eq "tlsscope-read[[:space:]]+-[[:space:]]+decode[[:space:]]+every" <<<"$out"
out=$(MANPATH=$root/share/man MANWIDTH=80 man 1 tlsscope 2>&1 | col -b)
check "MANPATH=.../share/man man 1 tlsscope" grep -q "^SEE ALSO" <<<"$out"

# ---- the installed completions load
out=$(bash --norc --noprofile -c 'source "$1" && complete -p tlsscope && COMP_WORDS=(tlsscope read --fo) COMP_CWORD=2 && _tlsscope && echo "${COMPREPLY[*]}"' \
    bash "$root/share/bash-completion/completions/tlsscope" 2>&1)
check "the installed bash completion registers and completes" grep -q -- "--format" <<<"$out"
if command -v zsh >/dev/null; then
    check "zsh -n on the installed _tlsscope" zsh -n "$root/share/zsh/site-functions/_tlsscope"
else
    echo "skip zsh -n: zsh is not installed"
fi

# ---- uninstall: with another PREFIX it refuses and removes nothing
if mk uninstall DESTDIR="$dest" PREFIX=/opt/elsewhere >/dev/null 2>&1; then bad "uninstall with the wrong PREFIX refuses"; else
    ok "uninstall with the wrong PREFIX refuses"
fi
check "... and removes nothing" test -f "$root/bin/tlsscope"
mk uninstall DESTDIR="$dest" PREFIX=/usr/local >"$tmp/uninstall.out" 2>&1 || { bad "make uninstall"; cat "$tmp/uninstall.out"; }
left=$(find "$dest" -mindepth 1)
check "make uninstall leaves nothing behind (find shows nothing)" test -z "$left"
[ -z "$left" ] || echo "$left"
if mk uninstall DESTDIR="$dest" PREFIX=/usr/local >/dev/null 2>&1; then bad "a second uninstall says there is nothing"; else
    ok "a second uninstall says there is nothing"
fi

# ---- directories that were there before stay, with what else is in them;
# an install done twice is undone once; another PREFIX
dest=$tmp/busy
mkdir -p "$dest/opt/tls/share/man/man1" "$dest/opt/tls/bin"
echo other >"$dest/opt/tls/share/man/man1/other.1"
before=$(cd "$dest" && find . | sort)
mk install DESTDIR="$dest" PREFIX=/opt/tls >/dev/null 2>&1 && mk install DESTDIR="$dest" PREFIX=/opt/tls >/dev/null 2>&1
check "make install twice, PREFIX=/opt/tls" test -f "$dest/opt/tls/share/man/man1/tlsscope-read.1"
check "the binary in PREFIX/bin" test -x "$dest/opt/tls/bin/tlsscope"
mk uninstall DESTDIR="$dest" PREFIX=/opt/tls >/dev/null 2>&1
after=$(cd "$dest" && find . | sort)
check "uninstall leaves exactly what was there before (other.1, bin/, man1/)" test "$before" = "$after"

# ---- components by name, into a DESTDIR that does not exist yet:
# uninstall removes it too
dest=$tmp/new/comp
mk install DESTDIR="$dest" PREFIX=/usr COMPONENTS=cli >/dev/null 2>&1
check "make install COMPONENTS=cli PREFIX=/usr" test -f "$dest/usr/share/man/man1/tlsscope.1"
check "... installs no library" test -z "$(find "$dest" -name 'libtlsscope*')"
mk install DESTDIR="$dest" PREFIX=/usr COMPONENTS="library development" >/dev/null 2>&1
check "then COMPONENTS=\"library development\": the header too" test -f "$dest/usr/include/tlsscope/tlsscope.h"
mk uninstall DESTDIR="$dest" PREFIX=/usr >/dev/null 2>&1
check "... and its uninstall removes the DESTDIR it created" test ! -e "$tmp/new"
check "no install record is left in the build directory" test ! -e "$build/installed"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
