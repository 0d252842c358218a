# capture_lib.sh - helpers shared by make_captures.sh, make_weak_captures.sh
# and make_decrypt_captures.sh (sourced). ns_kill_all, main_cleanup, mk_key,
# port_free, pick_port, run_scenario, run_scenarios and finish_scenarios
# serve the main script; the rest run
# inside run_scenario's per-attempt subshell. The caller defines log, WORK,
# NAME, OUT, PKI, GET_REQ, PORT_BASE, and may set SRV_TIMEOUT, CLI_TIMEOUT
# (seconds) and ATTEMPTS first. Hooks it may redefine after sourcing:
#   port_ok PORT     the port is free wherever its scenarios listen (default:
#                    on this host)
#   scenario_setup   per attempt, before the scenario's sc_NAME function
#   scenario_before NAME  in the main shell before a scenario; sets SKIP_WHY
#                    to skip it (default: nothing)
#   scenario_info NAME    text added to the scenario's "ok" log line
#   scenario_failed NAME  removes what a failed scenario left in $OUT beyond
#                    its .pcap and .keys
: "${SRV_TIMEOUT:=30}"
: "${CLI_TIMEOUT:=10}"
: "${ATTEMPTS:=3}"
RETRIES=0 # attempts that failed and were tried again

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

# mk_key FILE rsa:BITS|ec:CURVE
mk_key() {
    case $2 in
        rsa:*) openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:${2#rsa:}" -out "$1" 2>/dev/null ;;
        ec:*)  openssl genpkey -algorithm EC -pkeyopt "ec_paramgen_curve:${2#ec:}" \
                   -pkeyopt ec_param_enc:named_curve -out "$1" 2>/dev/null ;;
    esac
}

port_free() { # PORT [ns-prefix...]
    local p=$1
    shift
    ! "$@" ss -Hatn exclude time-wait "( sport = :$p or dport = :$p )" | grep -q .
}
port_ok() { port_free "$1"; }
scenario_setup() { :; }

pick_port() { # INDEX ATTEMPT: a free port for the scenario, different per attempt
    local p=$((PORT_BASE + $1 + 100 * $2)) tries
    for ((tries = 0; tries < 50; tries++)); do
        if port_ok "$p"; then
            echo "$p"
            return 0
        fi
        p=$((p + 1000))
    done
    return 1
}

# run_scenario INDEX NAME: sc_NAME then verify, in a subshell, up to ATTEMPTS
# times on fresh ports; a success leaves $WORK/NAME.row
run_scenario() {
    local idx=$1 name=$2 attempt rc fn
    fn=sc_${name//-/_}
    for ((attempt = 0; attempt < ATTEMPTS; attempt++)); do
        local port
        port=$(pick_port "$idx" "$attempt") || { log "$name: no free port"; return 1; }
        rm -f "$WORK/$name".*
        set +e
        (
            set -euo pipefail
            trap sub_cleanup EXIT
            trap 'exit 130' INT TERM
            NAME=$name
            PORT=$port
            scenario_setup
            expect_defaults
            "$fn"
            verify
        )
        rc=$?
        set -e
        ((rc == 130)) && exit 130
        if ((rc == 0)) && [[ -s $WORK/$name.row ]]; then
            return 0
        fi
        RETRIES=$((RETRIES + 1))
        log "$name: attempt $((attempt + 1)) failed (port $port)"
        for f in "$WORK/$name".{server,client,tcpdump}.log; do
            [[ -s $f ]] && sed "s|^|    ${f##*/}: |" "$f" | tail -n 8 >&2
        done
    done
    return 1
}

scenario_before() { :; }
scenario_info() { :; }
scenario_failed() { :; }

# run_scenarios HEADER: every scenario of SCENARIOS in order, each logged
# with its time; $OUT/MANIFEST.tsv gets HEADER and the row of each that
# passed. Sets ROWS, FAILED and SKIPPED (NAME<tab>reason).
run_scenarios() {
    local header=$1 i name t0 r
    ROWS=() FAILED=() SKIPPED=()
    rm -f "$OUT/MANIFEST.tsv"
    for i in "${!SCENARIOS[@]}"; do
        name=${SCENARIOS[$i]}
        SKIP_WHY=""
        scenario_before "$name"
        if [[ -n $SKIP_WHY ]]; then
            SKIPPED+=("$name"$'\t'"$SKIP_WHY")
            log "$(printf '%-24s SKIPPED (%s)' "$name" "$SKIP_WHY")"
            continue
        fi
        t0=$(date +%s%N)
        if run_scenario "$((i + 1))" "$name"; then
            ROWS+=("$(cat "$WORK/$name.row")")
            log "$(printf '%-24s ok   %5d ms%s' "$name" $((($(date +%s%N) - t0) / 1000000)) "$(scenario_info "$name")")"
        else
            FAILED+=("$name")
            rm -f "$OUT/$name.pcap" "$OUT/$name.keys"
            scenario_failed "$name"
            log "$(printf '%-24s FAILED' "$name")"
        fi
    done
    {
        printf '%s\n' "$header"
        for r in ${ROWS[@]+"${ROWS[@]}"}; do printf '%s\n' "$r"; done
    } >"$OUT/MANIFEST.tsv"
}

# finish_scenarios: the closing line (since T_START); exit 1 if any failed
finish_scenarios() {
    log "$(printf 'done: %d ok, %d failed, %d skipped, %d retries, %d ms' "${#ROWS[@]}" "${#FAILED[@]}" \
        "${#SKIPPED[@]}" "$RETRIES" $((($(date +%s%N) - T_START) / 1000000)))"
    if ((${#FAILED[@]})); then
        log "failed scenarios: ${FAILED[*]}"
        exit 1
    fi
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
