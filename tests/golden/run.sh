#!/usr/bin/env bash
# Golden tests (tcpdump's TESTLIST idea): capture + flags -> expected output.
# usage: run.sh [--update] TLSSCOPE_BINARY
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
update=0
if [[ ${1:-} == --update ]]; then update=1; shift; fi
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
pass=0 fail=0
while read -r name cap rest; do
    [[ -z $name || $name == \#* ]] && continue
    code=${rest##* }   # the last field; the flags are the words before it
    flags=${rest% *}
    exp=$here/expected/$name.out
    out=$(cd "$here/captures" && TZ=UTC "$bin" read $flags --color never "$cap" 2>&1; echo "exit $?")
    if ((update)); then
        printf '%s\n' "$out" >"$exp"
    fi
    if [[ $(tail -n 1 <<<"$out") != "exit $code" ]]; then
        echo "golden: $name: expected exit $code, got '$(tail -n 1 <<<"$out")'"
        fail=$((fail + 1))
    elif ! diff -u "$exp" <(printf '%s\n' "$out") >/tmp/golden.$$.diff 2>&1; then
        echo "golden: $name: output differs from $exp:"
        head -40 /tmp/golden.$$.diff
        fail=$((fail + 1))
    else
        pass=$((pass + 1))
    fi
    rm -f /tmp/golden.$$.diff
done <"$here/TESTLIST"
echo "golden: $pass passed, $fail failed"
((fail == 0))
