#!/bin/sh
# make install / make uninstall, GNU style: files go to $DESTDIR$PREFIX/...
# through the CMake install() rules (cmake --install), and uninstall removes
# exactly what the last install wrote, then the directories that install had
# to create and that are empty again; nothing else.
#
#   scripts/install.sh install BUILD PREFIX [COMPONENT...]
#   scripts/install.sh uninstall BUILD PREFIX
#
# DESTDIR comes from the environment (may be empty). COMPONENTs: the CMake
# install components (cli, library, development); none: all.
#
# What install wrote is kept per destination, $DESTDIR$PREFIX, in
# BUILD/installed/KEY/ (KEY: a checksum of that path, which is in its file
# `root`): install_manifest.txt, CMake's lists of the files with DESTDIR put
# in front (of every install there: components installed one after another
# add up), and install_dirs.txt, the directories the installs created. So
# an install to a staging DESTDIR (as the tests make) does not lose the
# record of a real one from the same build. To learn the directories, the
# same rules first run into a scratch directory, and every directory on the
# paths that does not exist yet is recorded.
set -eu

die() { echo "tlsscope: $*" >&2; exit 1; }

[ $# -ge 3 ] || die "usage: install.sh install|uninstall BUILD PREFIX [COMPONENT...]"
action=$1 build=$2 prefix=$3
shift 3
DESTDIR=${DESTDIR:-}
case $prefix in /*) ;; *) die "PREFIX must be an absolute path, not '$prefix'" ;; esac
case $DESTDIR in /* | "") ;; *) DESTDIR=$(pwd)/$DESTDIR ;; esac
prefix=${prefix%/}
DESTDIR=${DESTDIR%/}
root=$DESTDIR$prefix
state=$build/installed/$(printf '%s' "$root" | cksum | cut -d' ' -f1)
manifest=$state/install_manifest.txt
dirs=$state/install_dirs.txt

# cmake --install for the components asked for (all when none), into
# DESTDIR $1; the paths it wrote, DESTDIR included, go to $2. (CMake's
# manifest leaves DESTDIR out; some versions put it in.)
run_install() {
    dest=$1 list=$2
    shift 2
    : >"$list.cmake"
    if [ $# -gt 0 ]; then
        for c in "$@"; do
            DESTDIR=$dest cmake --install "$build" --prefix "$prefix" --component "$c" >/dev/null
            [ -f "$build/install_manifest_$c.txt" ] || die "component '$c' installed nothing"
            cat "$build/install_manifest_$c.txt" >>"$list.cmake"
            echo >>"$list.cmake"
            rm -f "$build/install_manifest_$c.txt"
        done
    else
        DESTDIR=$dest cmake --install "$build" --prefix "$prefix" >/dev/null
        cat "$build/install_manifest.txt" >>"$list.cmake"
        echo >>"$list.cmake"
    fi
    awk -v d="$dest" -v r="$dest$prefix/" 'NF == 0 { next } index($0, r) == 1 { print; next } { print d $0 }' \
        "$list.cmake" >"$list"
    rm -f "$list.cmake"
}

do_install() {
    [ -f "$build/CMakeCache.txt" ] || die "$build is not a configured build directory: run make first"
    mkdir -p "$state"
    printf '%s\n' "$root" >"$state/root"
    stage=$(mktemp -d)
    trap 'rm -rf "$stage"' EXIT
    # the paths, learned in the scratch directory
    run_install "$stage/d" "$stage/list" "$@"
    awk -v s="$stage/d" 'index($0, s) == 1 { print substr($0, length(s) + 1) }' "$stage/list" >"$stage/rel"
    # the directories this install creates (deepest first), added to those
    # earlier installs created
    created=$(mktemp)
    while IFS= read -r f; do
        [ -n "$f" ] || continue
        d=$(dirname "$DESTDIR$f")
        while [ ! -d "$d" ] && [ "$d" != / ] && [ "$d" != . ]; do
            echo "$d"
            d=$(dirname "$d")
        done
    done <"$stage/rel" >"$created"
    [ ! -f "$dirs" ] || cat "$dirs" >>"$created"
    sort -u "$created" >"$dirs"
    rm -f "$created"
    # added to what earlier installs to the same place wrote (one component
    # after another), before the real install too, so that a failed one can
    # be undone
    [ -f "$manifest" ] || : >"$manifest"
    awk -v p="$DESTDIR" '{ print p $0 }' "$stage/rel" | cat "$manifest" - | sort -u >"$stage/before"
    cp "$stage/before" "$manifest"
    run_install "$DESTDIR" "$stage/now" "$@"
    cat "$stage/before" "$stage/now" | sort -u >"$manifest"
    while IFS= read -r f; do
        echo "installed $f"
    done <"$stage/now"
}

do_uninstall() {
    [ -f "$manifest" ] || die "no record of an install to $root in $build/installed (give make uninstall the PREFIX and DESTDIR of the install)"
    while IFS= read -r f; do
        case $f in
        "$root"/*) ;;
        *) die "$manifest lists $f, not under $root" ;;
        esac
    done <"$manifest"
    while IFS= read -r f; do
        if [ -e "$f" ] || [ -L "$f" ]; then
            rm -f "$f"
            echo "removed $f"
        fi
    done <"$manifest"
    # the recorded directories above the files removed, deepest first, when
    # empty: a directory that was there before, or that holds anything else
    # now, stays
    if [ -f "$dirs" ]; then
        awk '{ print length($0) "\t" $0 }' "$dirs" | sort -rn | cut -f2- | while IFS= read -r d; do
            if awk -v d="$d/" 'index($0, d) == 1 { found = 1 } END { exit !found }' "$manifest" &&
                [ -d "$d" ] && rmdir "$d" 2>/dev/null; then
                echo "removed $d/"
            fi
        done
    fi
    rm -f "$manifest" "$dirs" "$state/root"
    rmdir "$state" "$build/installed" 2>/dev/null || true
}

case $action in
install) do_install "$@" ;;
uninstall) do_uninstall ;;
*) die "unknown action '$action'" ;;
esac
