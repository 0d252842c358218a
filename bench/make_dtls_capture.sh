#!/usr/bin/env bash
# Make the DTLS benchmark capture: N real DTLS 1.2 connections between
# OpenSSL's s_server and s_client, captured with tcpdump inside a network
# namespace whose loopback has MTU 1500. Every connection is its own pair of
# processes: a fresh s_server -listen (the stateless cookie exchange:
# ClientHello, HelloVerifyRequest, ClientHello with the cookie) and a fresh
# s_client with its own ECDHE keys and random client port. The clients
# offer OpenSSL's default suites; the server takes ECDHE-RSA-AES128-GCM-SHA256
# on half the connections and ECDHE-RSA-AES128-SHA (AES-CBC with HMAC-SHA1,
# encrypt_then_mac) on the other half. Not ChaCha20-Poly1305: tshark 4.0
# (Debian 12) cannot decrypt it in DTLS (its nonce leaves out the epoch,
# so every record fails its tag), and run_dtls.sh compares decryption with
# tshark's. Once the
# handshake is done the client sends a one-line request and the server
# answers with SIZE bytes in records of at most 1200 bytes (DTLS does not
# split a write: the application sizes its records to the path MTU, and
# 1200 is what WebRTC uses); then the client closes (close_notify).
# Two clients run at a time, each against its own server port (4433 and
# 4434: run_dtls.sh tells tshark these ports are DTLS).
# s_server has no -WWW for DTLS and would send its whole stdin as one record
# larger than the MTU, so a driver (python, inside the namespace) feeds each
# server's stdin one record's worth at a time, the next only once the client
# has printed the previous one: no two writes merge in the pipe.
# The clients' key log (s_client -keylogfile, NSS format) is written beside
# the capture (OUT minus .pcap plus .keys). At the end the capture is read
# back (a small DTLS record walk, independent of tlsscope and tshark): every
# connection must have its cookie exchange, both ChangeCipherSpecs and the
# server's SIZE bytes of records, and tcpdump must have dropped nothing.
# usage: make_dtls_capture.sh OUT.pcap [CONNECTIONS=2000] [SIZE=32768]   (root; installs openssl, tcpdump)
set -euo pipefail
out=$(realpath -m "$1")
n=${2:-2000}
size=${3:-32768}
[[ $(id -u) == 0 ]] || { echo "make_dtls_capture: needs root (ip netns, tcpdump)" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
. "$here/rounds.sh"
need_packages openssl tcpdump python3
bench_netns tsc-dbench on
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" -days 30 \
    -subj "/CN=bench.example" -addext "subjectAltName=DNS:bench.example" 2>/dev/null
head -c "$size" /dev/urandom >"$tmp/page.bin"
keys=${out%.pcap}.keys
rm -f "$out" "$keys"
# --immediate-mode: a SIGINT must not lose the last block of the ring
ip netns exec "$ns" tcpdump -i lo -n -s 0 -B 262144 --immediate-mode -U -w "$out" "udp port 4433 or udp port 4434" \
    2>"$tmp/tcpdump.log" &
td=$!
for ((i = 0; i < 200; i++)); do grep -q "listening on" "$tmp/tcpdump.log" && break; sleep 0.025; done

t0=$EPOCHREALTIME
rc=0
ip netns exec "$ns" python3 - "$tmp" "$n" "$keys" <<'EOF' || rc=$?
# Two workers, each running its half of the connections one after the
# other against its own server port.
import os, select, subprocess, sys, threading, time

tmp, n, keys = sys.argv[1], int(sys.argv[2]), sys.argv[3]
page = open(os.path.join(tmp, "page.bin"), "rb").read()
RECORD = 1200
SUITES = ("ECDHE-RSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-SHA")
STEP = 8.0            # seconds any one step may take
REQUEST = b"GET /page.bin\n"
failed = []
done = [0]
lock = threading.Lock()


class Failed(Exception):
    pass


def bound(port):
    # the namespace's UDP sockets: local address 127.0.0.1:port
    want = "0100007F:%04X" % port
    with open("/proc/self/net/udp") as f:
        return any(line.split()[1] == want for line in f.readlines()[1:])


def read_until(fd, buf, pred, what, proc):
    """Read fd into buf (a bytearray) until pred(buf)."""
    end = time.monotonic() + STEP
    while not pred(buf):
        left = end - time.monotonic()
        if left <= 0:
            raise Failed(f"{what}: nothing after {STEP} s")
        r, _, _ = select.select([fd], [], [], left)
        if r:
            b = os.read(fd, 65536)
            if not b:
                raise Failed(f"{what}: end of output (exit {proc.wait()})")
            buf += b


def one(k, port):
    suite = SUITES[k % 2]
    srv = subprocess.Popen(["openssl", "s_server", "-dtls1_2", "-listen", "-accept", f"127.0.0.1:{port}",
                            "-naccept", "1", "-cert", f"{tmp}/cert.pem", "-key", f"{tmp}/key.pem", "-quiet",
                            "-cipher", suite], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    cli = None
    try:
        end = time.monotonic() + STEP
        while not bound(port):
            if srv.poll() is not None or time.monotonic() > end:
                raise Failed(f"s_server did not bind port {port} (exit {srv.poll()})")
            time.sleep(0.002)
        cli = subprocess.Popen(["openssl", "s_client", "-connect", f"127.0.0.1:{port}",
                                "-servername", "bench.example", "-CAfile", f"{tmp}/cert.pem", "-verify_return_error",
                                "-keylogfile", keys, "-brief", "-dtls1_2"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        err = bytearray()
        read_until(cli.stderr.fileno(), err, lambda b: b"\nCiphersuite: " in b and b.endswith(b"\n"),
                   "s_client handshake", cli)
        if f"Ciphersuite: {suite}\n".encode() not in err:
            raise Failed(f"s_client: not {suite}: {bytes(err)!r}")
        cli.stdin.write(REQUEST)
        cli.stdin.flush()
        got = bytearray()
        read_until(srv.stdout.fileno(), got, lambda b: REQUEST in b, "s_server reading the request", srv)
        got = bytearray()
        for off in range(0, len(page), RECORD):
            srv.stdin.write(page[off:off + RECORD])
            srv.stdin.flush()
            read_until(cli.stdout.fileno(), got, lambda b, m=min(off + RECORD, len(page)): len(b) >= m,
                       f"s_client reading bytes {off}..", cli)
        if got != page:
            raise Failed(f"s_client received {len(got)} bytes, not the page")
        # s_client sends close_notify; s_server (-naccept 1) answers with its
        # own and exits. s_client would then wait 500 ms for more datagrams
        # before it exits (its "extreme round-trip" after a shutdown): it
        # has nothing more to send, so it is stopped instead.
        cli.stdin.close()
        if srv.wait(STEP) != 0:
            raise Failed(f"s_server exit {srv.returncode}")
        cli.terminate()
        if cli.wait(STEP) not in (0, -15):
            raise Failed(f"s_client exit {cli.returncode}")
    finally:
        for p in (cli, srv):
            if p is not None and p.poll() is None:
                p.kill()
                p.wait()
            if p is not None:
                for f in (p.stdin, p.stdout, p.stderr):
                    if f is not None:
                        try:
                            f.close()
                        except OSError:
                            pass


def worker(w, ks):
    for k in ks:
        try:
            one(k, 4433 + w)
        except (Failed, OSError, subprocess.TimeoutExpired) as e:
            with lock:
                failed.append(k)
            print(f"make_dtls_capture: connection {k}: {e}", file=sys.stderr, flush=True)
        with lock:
            done[0] += 1
            if done[0] % 500 == 0:
                print(f"make_dtls_capture: {done[0]} of {n}", file=sys.stderr, flush=True)


threads = [threading.Thread(target=worker, args=(w, range(w, n, 2))) for w in (0, 1)]
for t in threads:
    t.start()
for t in threads:
    t.join()
if failed:
    print(f"make_dtls_capture: {len(failed)} connections failed: {sorted(failed)[:20]}", file=sys.stderr)
    sys.exit(1)
EOF
t1=$EPOCHREALTIME
sleep 1
kill -INT "$td" 2>/dev/null || true
wait "$td" 2>/dev/null || true
cat "$tmp/tcpdump.log" >&2
grep -q "^0 packets dropped by kernel" "$tmp/tcpdump.log" || { echo "make_dtls_capture: tcpdump dropped packets" >&2; rc=1; }
awk -v a="$t0" -v b="$t1" -v n="$n" \
    'BEGIN {printf "make_dtls_capture: %d connections in %.1f s (%.2f s per 100)\n", n, b - a, (b - a) * 100 / n}' >&2

# Read the capture back: Ethernet, IPv4, UDP, then the DTLS records of each
# datagram. A connection starts at a ClientHello without a cookie (a new
# one may reuse the 5-tuple of an old one); it is complete when it has its
# HelloVerifyRequest, the ClientHello with the cookie, a ChangeCipherSpec
# each way and at least ceil(SIZE/1200) application data records from the
# server. Handshake fragments seen twice (a flight sent again after a
# timeout) are counted: they are real DTLS, but say the machine was slow.
python3 - "$out" "$n" "$size" <<'EOF' || rc=$?
import struct, sys

path, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
need = -(-size // 1200)
data = open(path, "rb").read()
magic = struct.unpack_from("<I", data)[0]
endian = "<" if magic in (0xa1b2c3d4, 0xa1b23c4d) else ">"
linktype = struct.unpack_from(endian + "I", data, 20)[0]
assert linktype == 1, f"link type {linktype}, want Ethernet"
off, packets = 24, 0
conns, cur, resent = [], {}, 0
while off + 16 <= len(data):
    caplen, wirelen = struct.unpack_from(endian + "II", data, off + 8)
    pkt = data[off + 16:off + 16 + caplen]
    off += 16 + caplen
    packets += 1
    assert caplen == wirelen, "a packet cut by the snap length"
    if pkt[12:14] != b"\x08\x00":
        continue
    ihl = (pkt[14] & 15) * 4
    sport, dport = struct.unpack_from(">HH", pkt, 14 + ihl)
    p = 14 + ihl + 8
    server = sport in (4433, 4434)
    key = (dport, sport) if server else (sport, dport)
    while p + 13 <= len(pkt):
        ctype, epoch, rlen = pkt[p], struct.unpack_from(">H", pkt, p + 3)[0], struct.unpack_from(">H", pkt, p + 11)[0]
        body = pkt[p + 13:p + 13 + rlen]
        p += 13 + rlen
        if ctype == 22 and epoch == 0 and len(body) >= 12:
            mtype = body[0]
            mseq, foff = struct.unpack_from(">H", body, 4)[0], int.from_bytes(body[6:9], "big")
            if mtype == 1 and not server and foff == 0:
                sid = body[12 + 34]
                cookie = body[12 + 35 + sid]
                if cookie == 0 and not (key in cur and cur[key]["hellos"] == 1 and not cur[key]["hvr"]):
                    cur[key] = {"hellos": 0, "hvr": 0, "ccs": set(), "s2c_app": 0, "frags": set()}
                    conns.append(cur[key])
                if cookie:
                    cur[key]["cookie"] = True
            c = cur.get(key)
            if c is None:
                continue
            if mtype == 1 and foff == 0:
                c["hellos"] += 1
            if mtype == 3:
                c["hvr"] += 1
            f = (server, mseq, foff)
            resent += f in c["frags"] and mtype not in (1, 3)
            c["frags"].add(f)
        elif key in cur:
            if ctype == 20:
                cur[key]["ccs"].add(server)
            elif ctype == 23 and server:
                cur[key]["s2c_app"] += 1
complete = sum(1 for c in conns if c.get("cookie") and c["hvr"] and len(c["ccs"]) == 2 and c["s2c_app"] >= need)
print(f"make_dtls_capture: capture read back: {packets} packets, {len(conns)} connections, {complete} complete "
      f"(cookie exchange, both ChangeCipherSpecs, {need}+ server records), {resent} handshake fragments sent again",
      file=sys.stderr)
sys.exit(0 if len(conns) == n and complete == n else 1)
EOF
lines=$(grep -c '^CLIENT_RANDOM [0-9a-f]\{64\} [0-9a-f]\{96\}$' "$keys" || true)
echo "key log: $keys ($lines CLIENT_RANDOM lines)" >&2
[[ $lines == "$n" ]] || { echo "make_dtls_capture: $lines key log lines, want $n" >&2; rc=1; }
printf '%s: %s bytes, %s packets\n' "$out" "$(stat -c %s "$out")" \
    "$(tcpdump -r "$out" -n 2>/dev/null | wc -l)"
exit "$rc"
