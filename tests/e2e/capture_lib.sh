# capture_lib.sh - helpers shared by make_captures.sh and
# make_weak_captures.sh (sourced). ns_kill_all and main_cleanup serve the main
# script; the rest run inside the per-attempt subshell of the caller's
# run_scenario. The caller defines log, WORK, NAME, OUT, PKI, GET_REQ, and may
# set SRV_TIMEOUT and CLI_TIMEOUT (seconds) first.
: "${SRV_TIMEOUT:=30}"
: "${CLI_TIMEOUT:=10}"

ns_kill_all() { # kill whatever still runs inside one of *our* namespaces, then delete it
    local ns=$1 p
    ip netns list 2>/dev/null | grep -q "^$ns\\b" || return 0
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
}

# main_cleanup NS...: the main script's EXIT trap: stop its jobs, delete the
# namespaces named, remove WORK (unless TLSSCOPE_CAPTURE_KEEP_WORK), keep $?.
main_cleanup() {
    local rc=$? p ns
    trap - EXIT INT TERM
    for p in $(jobs -p); do kill -TERM "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    for ns in "$@"; do ns_kill_all "$ns"; done
    if [[ -n ${TLSSCOPE_CAPTURE_KEEP_WORK:-} ]]; then
        log "peer logs kept in $WORK"
    else
        rm -rf "$WORK"
    fi
    exit "$rc"
}

PIDS=()
NSX=()          # command prefix to run inside the scenario's namespace

sub_cleanup() {
    local p i
    for p in ${PIDS[@]+"${PIDS[@]}"}; do kill -TERM "$p" 2>/dev/null || true; done
    for p in ${PIDS[@]+"${PIDS[@]}"}; do
        for ((i = 0; i < 40; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.025; done
        kill -KILL "$p" 2>/dev/null || true
        wait "$p" 2>/dev/null || true
    done
    PIDS=()
}

fail() { log "$NAME: $*"; exit 1; }

# alive PID: true while the (child) process runs
alive() { kill -0 "$1" 2>/dev/null; }

# wait_gone PID TICKS(25ms): wait for a child to exit by itself
wait_gone() {
    local i
    for ((i = 0; i < $2; i++)); do alive "$1" || break; sleep 0.025; done
    if alive "$1"; then return 1; fi
    wait "$1" 2>/dev/null || true
}

# srv_start CMD...: start a server (bounded by timeout) in the background
srv_start() {
    ${NSX[@]+"${NSX[@]}"} timeout "$SRV_TIMEOUT" "$@" >>"$WORK/$NAME.server.log" 2>&1 </dev/null &
    SRV_PID=$!
    PIDS+=("$SRV_PID")
}

# wait_listen PORT: poll until a TCP socket listens on PORT
wait_listen() {
    local i
    for ((i = 0; i < 400; i++)); do
        if ${NSX[@]+"${NSX[@]}"} ss -Hltn "sport = :$1" | grep -q .; then return 0; fi
        alive "$SRV_PID" || fail "server exited before listening: $(tail -3 "$WORK/$NAME.server.log")"
        sleep 0.025
    done
    fail "server not listening on port $1"
}

# srv_stop [TICKS]: let the server finish on its own (-naccept) within
# TICKS*25ms (default 1 s), else terminate it
srv_stop() {
    if ! wait_gone "$SRV_PID" "${1:-40}"; then
        kill -TERM "$SRV_PID" 2>/dev/null || true
        wait_gone "$SRV_PID" 40 || { kill -KILL "$SRV_PID" 2>/dev/null || true; wait "$SRV_PID" 2>/dev/null || true; }
    fi
}

# cap_start PORT: start tcpdump on the loopback of the scenario's namespace
cap_start() {
    PCAP=$OUT/$NAME.pcap
    rm -f "$PCAP"
    : >"$WORK/$NAME.tcpdump.log"
    # -s: loopback MTU is 65536; -B: room for bursts (immediate mode uses one
    # ring slot per packet, slots are snaplen sized)
    ${NSX[@]+"${NSX[@]}"} tcpdump -i lo -n -s 65600 -B 65536 -U --immediate-mode -Z root -w "$PCAP" \
        "tcp port $1" 2>"$WORK/$NAME.tcpdump.log" &
    CAP_PID=$!
    PIDS+=("$CAP_PID")
    local i
    for ((i = 0; i < 400; i++)); do
        # pcap file header written (after the filter is installed) + banner
        if [[ -f $PCAP ]] && (($(stat -c %s "$PCAP") >= 24)) &&
            grep -q 'listening on' "$WORK/$NAME.tcpdump.log"; then
            return 0
        fi
        alive "$CAP_PID" || fail "tcpdump died: $(cat "$WORK/$NAME.tcpdump.log")"
        sleep 0.025
    done
    fail "tcpdump did not start"
}

# cap_stop: wait until the capture file stops growing, stop tcpdump cleanly
cap_stop() {
    local a b i
    a=$(stat -c %s "$PCAP")
    for ((i = 0; i < 40; i++)); do
        sleep 0.05
        b=$(stat -c %s "$PCAP")
        [[ $a == "$b" ]] && break
        a=$b
    done
    kill -INT "$CAP_PID" 2>/dev/null || true
    wait_gone "$CAP_PID" 80 || fail "tcpdump did not stop"
    grep -q '^0 packets dropped by kernel' "$WORK/$NAME.tcpdump.log" ||
        fail "tcpdump dropped packets: $(cat "$WORK/$NAME.tcpdump.log")"
}

# client CMD...: run one client with a small request on stdin, bounded
client() {
    printf '%b' "$GET_REQ" | ${NSX[@]+"${NSX[@]}"} timeout "$CLI_TIMEOUT" "$@" >>"$WORK/$NAME.client.log" 2>&1
}
