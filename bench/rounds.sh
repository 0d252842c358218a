# Shared by the bench scripts (sourced, not run). The make_*capture.sh
# scripts use need_packages and bench_netns; the runners (run.sh,
# run_quic.sh, run_dtls.sh) the tools they time, registered with `tool`
# and run in interleaved rounds by `run_rounds`, so a noisy moment on a
# shared machine hits every tool alike and each keeps its best time. The
# runners need $tmp (a scratch directory).

# Install the Debian packages named when missing.
need_packages() {
    local p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$p" >/dev/null
    done
}

# bench_netns NAME OFFLOAD: a network namespace ($ns) whose loopback has
# MTU 1500, and a scratch directory ($tmp); both go, with every process
# left in the namespace, when the script exits. OFFLOAD "off" turns
# segmentation offload off (every packet wire-sized), "on" leaves it.
bench_netns() {
    ns=$1-$$
    tmp=$(mktemp -d)
    trap bench_netns_cleanup EXIT
    ip netns add "$ns"
    ip -n "$ns" link set lo mtu 1500
    if [[ $2 == off ]]; then
        ip -n "$ns" link set lo gso_max_size 1500 gso_max_segs 1 2>/dev/null ||
            ip -n "$ns" link set lo gso_max_segs 1 2>/dev/null || true
    fi
    ip -n "$ns" link set lo up
}

bench_netns_cleanup() {
    local p
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill "$p" 2>/dev/null || true; done
    sleep 0.2
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "$tmp"
}

# One page-cache state for every run: each file out of the cache
# (posix_fadvise DONTNEED), then read once with cat, as a read from disk
# caches it. A file tcpdump has just written sits in small cache pages that
# every reader, dd included, copies 2 to 3 times slower (docs/performance.md).
settle_cache() {
    local f
    for f in "$@"; do
        [[ -e $f ]] || continue
        dd if="$f" iflag=nocache count=0 status=none
        cat "$f" >/dev/null
    done
}

names=() counts=() cmds=() slow=() group=()
# tool GROUP NAME COUNT-COMMAND SLOW(0/1) COMMAND...: GROUP says which table
# the row goes to (run.sh: one per capture); COUNT-COMMAND reads the tool's
# output on stdin and prints what it found; SLOW tools (seconds per run)
# run 3 rounds at most.
tool() {
    group+=("$1")
    names+=("$2")
    counts+=("$3")
    slow+=("$4")
    shift 4
    cmds+=("$(printf '%q ' "$@")")
}

# run_rounds RUNS: every tool once per round; best[k] is tool k's best wall
# time (bash's clock, to the microsecond: /usr/bin/time's %e has 10 ms
# steps), bestm[k] that run's peak RSS in KB (/usr/bin/time -f %M). Each
# tool's output goes to $tmp/out.k, as a user's would go to a file. A run
# that fails does not count (a tool that stops at once would look fast);
# failed[k] says how many did, and its last stderr is in $tmp/err.k.
declare -a best bestm failed
run_rounds() {
    local runs=$1 i k t0 t1 t m ok
    for ((k = 0; k < ${#names[@]}; k++)); do best[k]=999999; bestm[k]=0; failed[k]=0; done
    for ((i = 0; i < runs; i++)); do
        for ((k = 0; k < ${#names[@]}; k++)); do
            if [[ ${slow[k]} == 1 && $i -ge 3 ]]; then continue; fi
            ok=1
            t0=$EPOCHREALTIME
            eval "/usr/bin/time -f '%e %M' -o '$tmp/time' ${cmds[k]}" >"$tmp/out.$k.new" 2>"$tmp/err.$k" || ok=0
            t1=$EPOCHREALTIME
            if ((!ok)); then
                failed[k]=$((failed[k] + 1))
                continue
            fi
            mv "$tmp/out.$k.new" "$tmp/out.$k"
            read -r _ m <"$tmp/time"
            t=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.4f", b - a}')
            if awk "BEGIN{exit !($t < ${best[k]})}"; then best[k]=$t; bestm[k]=$m; fi
        done
    done
}

# print_rows GROUP COLUMN: the table of one group (time, peak RSS, what each
# found, under the heading COLUMN), and $tmp/results.GROUP with a
# "name<TAB>time<TAB>peak KB" line per tool for `result`.
print_rows() {
    local g=$1 k found
    : >"$tmp/results.$g"
    printf '%-38s %9s %10s %11s\n' tool time "peak RSS" "$2"
    for ((k = 0; k < ${#names[@]}; k++)); do
        [[ ${group[k]} == "$g" ]] || continue
        if [[ ! -e $tmp/out.$k ]]; then
            # every run failed: no time, and why
            printf '%-38s %9s %10s %11s  (%s)\n' "${names[k]}" failed - - "$(tail -n 1 "$tmp/err.$k")"
            continue
        fi
        found=$(eval "${counts[k]}" <"$tmp/out.$k") || true # grep -c finding none fails
        printf '%-38s %7.4f s %7.1f MB %11s' "${names[k]}" "${best[k]}" "$(awk "BEGIN{print ${bestm[k]}/1024}")" "$found"
        ((failed[k] == 0)) || printf '  (%d runs failed)' "${failed[k]}"
        printf '\n'
        printf '%s\t%s\t%s\n' "${names[k]}" "${best[k]}" "${bestm[k]}" >>"$tmp/results.$g"
    done
}

# result GROUP NAME: the best time of the tool NAME in GROUP (empty if none).
result() { awk -F'\t' -v n="$2" '$1 == n {print $2}' "$tmp/results.$1"; }

# ratio LABEL A B [FORMAT]: A / B, printed when both tools ran (a row that
# failed every run, or was left out, has no time).
ratio() {
    awk -v l="$1" -v a="$2" -v b="$3" -v f="${4:-%.2f}" \
        'BEGIN { if (a != "" && b != "" && b + 0 > 0) printf "%-40s " f "\n", l ":", a / b }'
}
