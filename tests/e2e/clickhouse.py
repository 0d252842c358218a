#!/usr/bin/env python3
"""tests/e2e/clickhouse.py: tlsscope's JSON in ClickHouse (docs/scale-out.md).

Starts a private clickhouse-server (its own config and data under a temp
dir, free loopback ports, not the system service; root or not), creates the
tables of contrib/clickhouse/schema.sql, loads `tlsscope read --json` of
the golden captures, the weak-peer captures (tests/e2e/make_weak_captures.sh,
when that fixture made them) and a few corpus captures (when ../shared is
there) with contrib/clickhouse/tlsscope_load.py: most files over HTTP, the
rest through --out-dir and clickhouse-client. Then it runs the example
queries of docs/scale-out.md, taken from the document itself (each
```sql block after a `<!-- query: NAME -->` line), and compares each
answer with the same question answered here straight from the JSON,
without the loader's code; likewise the rows per capture and table, and
the main connection columns row by row. The server stops at the end,
whatever happens.

Installs clickhouse-server and clickhouse-client with apt-get when they are
missing; exits 77 (ctest's "skipped") only when that cannot be done.
"""

import argparse
import calendar
import ctypes
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

# Small corpus captures with RC4 offers from several clients, real
# certificates (expired ones too) and several days.
CORPUS = [
    "nDPI/tests/cfgs/default/pcap/ocs.pcap",
    "nDPI/tests/cfgs/default/pcap/KakaoTalk_chat.pcap",
    "nDPI/tests/cfgs/default/pcap/tls_cipher_lens.pcap",
    "nDPI/tests/cfgs/default/pcap/smtp-starttls.pcap",
    "zeek/testing/btest/Traces/tls/ssl.v3.pcap",
    "zeek/testing/btest/Traces/tls/tls-expired-cert.pcap",
    "zeek/testing/btest/Traces/tls/missing-intermediate.pcap",
    "PcapPlusPlus/Tests/ExamplesTest/pcap_examples/tls.pcap",
    "wireshark/test/captures/rsasnakeoil2.pcap",
]
QUERIES = ("rc4_by_ja4", "expiry_by_server", "findings_per_day")
SEVERITY_RANK = {"high": 1, "medium": 2, "low": 3, "info": 4}


def say(msg):
    print("clickhouse: " + msg, flush=True)


def skip(msg):
    say("SKIPPED: " + msg)
    sys.exit(77)


def program(name):
    # The server is in /usr/sbin, which a normal user's PATH often lacks.
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/bin:/sbin:/bin")


def ensure_clickhouse():
    if program("clickhouse-server") and program("clickhouse-client"):
        return
    pkgs = ["clickhouse-server", "clickhouse-client"]
    if os.geteuid() == 0:
        sudo = []
    elif shutil.which("sudo") and subprocess.run(["sudo", "-n", "true"], capture_output=True).returncode == 0:
        sudo = ["sudo", "-n"]
    else:
        skip("clickhouse-server is not installed, and installing it needs root or sudo")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    say("installing " + " ".join(pkgs))
    install = sudo + ["apt-get", "install", "-y", "-qq", "--no-install-recommends"] + pkgs
    if subprocess.run(install, env=env, capture_output=True).returncode != 0:
        subprocess.run(sudo + ["apt-get", "update", "-qq"], env=env, capture_output=True)
        r = subprocess.run(install, env=env, capture_output=True, text=True)
        if r.returncode != 0:
            skip("apt-get could not install %s: %s" % (" ".join(pkgs), r.stderr.strip()[-300:]))
    if not (program("clickhouse-server") and program("clickhouse-client")):
        skip("apt-get installed %s but the programs are not there" % " ".join(pkgs))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent():
    # The server must not outlive this test, even when it is killed
    # (ctest's timeout): PR_SET_PDEATHSIG.
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


class Server:
    """clickhouse-server with everything under DIR, on 127.0.0.1 only."""

    CONFIG = """<?xml version="1.0"?>
<yandex>
    <logger><level>warning</level><log>{d}/log/server.log</log>
        <errorlog>{d}/log/server.err.log</errorlog><size>10M</size><count>1</count></logger>
    <listen_host>127.0.0.1</listen_host>
    <http_port>{http}</http_port>
    <tcp_port>{tcp}</tcp_port>
    <path>{d}/data/</path>
    <tmp_path>{d}/tmp/</tmp_path>
    <user_files_path>{d}/user_files/</user_files_path>
    <format_schema_path>{d}/format_schemas/</format_schema_path>
    <users_config>{d}/users.xml</users_config>
    <default_profile>default</default_profile>
    <default_database>default</default_database>
    <!-- not UTC on purpose: the schema's DateTime('UTC') columns must not care -->
    <timezone>America/St_Johns</timezone>
    <mark_cache_size>67108864</mark_cache_size>
    <uncompressed_cache_size>67108864</uncompressed_cache_size>
    <max_concurrent_queries>20</max_concurrent_queries>
</yandex>
"""
    USERS = """<?xml version="1.0"?>
<yandex>
    <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
    <users><default><password></password><networks><ip>127.0.0.1</ip></networks>
        <profile>default</profile><quota>default</quota></default></users>
    <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
        <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time>
    </interval></default></quotas>
</yandex>
"""

    def __init__(self, root):
        self.dir = os.path.join(root, "server")
        self.proc = None
        self.http = self.tcp = None

    def start(self):
        for attempt in range(3):
            shutil.rmtree(self.dir, ignore_errors=True)
            os.makedirs(os.path.join(self.dir, "log"))
            self.http, self.tcp = free_port(), free_port()
            with open(os.path.join(self.dir, "config.xml"), "w") as f:
                f.write(self.CONFIG.format(d=self.dir, http=self.http, tcp=self.tcp))
            with open(os.path.join(self.dir, "users.xml"), "w") as f:
                f.write(self.USERS)
            out = open(os.path.join(self.dir, "log", "stdout"), "wb")
            self.proc = subprocess.Popen(
                [program("clickhouse-server"), "--config-file=" + os.path.join(self.dir, "config.xml")],
                stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                cwd=self.dir, preexec_fn=_die_with_parent)
            out.close()
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    with urllib.request.urlopen("http://127.0.0.1:%d/ping" % self.http, timeout=2) as r:
                        if r.read().strip() == b"Ok.":
                            return
                except (urllib.error.URLError, OSError):
                    pass
                time.sleep(0.1)
            log = self.log_tail()
            self.stop()
            say("server did not start (try %d, ports %d/%d): %s" % (attempt + 1, self.http, self.tcp, log))
        raise SystemExit("clickhouse: FAIL: clickhouse-server did not start")

    def log_tail(self):
        text = ""
        for name in ("stdout", "server.err.log"):
            try:
                with open(os.path.join(self.dir, "log", name), errors="replace") as f:
                    text += f.read()[-1500:]
            except OSError:
                pass
        return text.strip()

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    @property
    def url(self):
        return "http://127.0.0.1:%d/" % self.http

    def query(self, sql):
        """SELECT ... -> list of row dicts (JSONEachRow, 64-bit ints as numbers)."""
        params = urllib.parse.urlencode({"output_format_json_quote_64bit_integers": 0})
        req = urllib.request.Request(self.url + "?" + params,
                                     data=(sql.rstrip().rstrip(";") + "\nFORMAT JSONEachRow").encode(),
                                     method="POST")
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                body = r.read().decode("utf-8")
        except urllib.error.HTTPError as e:
            raise AssertionError("query failed: %s\n%s" % (e.read().decode("utf-8", "replace"), sql))
        return [json.loads(line) for line in body.splitlines() if line.strip()]

    def client(self, *args, stdin=None):
        r = subprocess.run([program("clickhouse-client"), "--host", "127.0.0.1", "--port", str(self.tcp)] + list(args),
                           stdin=stdin, capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise AssertionError("clickhouse-client %s: %s" % (" ".join(args), r.stderr.strip()))
        return r.stdout


def doc_queries(path):
    text = open(path, encoding="utf-8").read()
    found = dict(re.findall(r"<!-- query: (\w+) -->\s*```sql\n(.*?)```", text, re.S))
    missing = [q for q in QUERIES if q not in found]
    if missing:
        raise SystemExit("clickhouse: FAIL: %s has no query block for %s" % (path, ", ".join(missing)))
    return found


# ---- the answers, straight from tlsscope's JSON ------------------------------

def epoch(iso):
    """'2026-11-26T23:16:16.882581Z' -> whole seconds since 1970 (UTC)."""
    return calendar.timegm(time.strptime(iso[:19], "%Y-%m-%dT%H:%M:%S"))


def ch_datetime(iso):
    return iso[:10] + " " + iso[11:19]


def is_rc4(name):
    return name is not None and "RC4" in name


def expected_rc4(conns):
    groups = {}
    for _, c in conns:
        ch = c.get("client_hello") or {}
        names = [s.get("name") for s in ch.get("cipher_suites") or []]
        if not any(is_rc4(n) for n in names):
            continue
        g = groups.setdefault(ch.get("ja4") or "", {"n": 0, "servers": set(), "neg": 0, "suites": set()})
        g["n"] += 1
        g["servers"].add((c["server"]["ip"], c["server"]["port"]))
        g["neg"] += is_rc4((c.get("cipher_suite") or {}).get("name"))
        g["suites"].update(n for n in names if is_rc4(n))
    rows = [{"ja4": k, "connections": g["n"], "servers": len(g["servers"]), "negotiated_rc4": g["neg"],
             "rc4_suites": sorted(g["suites"])} for k, g in groups.items()]
    rows.sort(key=lambda r: (-r["connections"], r["ja4"]))
    return rows


def expected_expiry(conns):
    groups = {}
    for _, c in conns:
        certs = c.get("certificates") or []
        if not certs or certs[0].get("index") != 0 or "error" in certs[0]:
            continue
        leaf = certs[0]
        key = (c["server"]["ip"], c["server"]["port"], leaf["sha256"], leaf["subject"], leaf["not_after"])
        g = groups.setdefault(key, {"n": 0, "last": None})
        g["n"] += 1
        t = epoch(c["start"])
        if g["last"] is None or t > g["last"][0]:
            g["last"] = (t, ch_datetime(c["start"]))
    rows = []
    for (ip, port, sha, subject, not_after), g in groups.items():
        secs = epoch(not_after) - g["last"][0]
        rows.append({"server_ip": ip, "server_port": port, "subject": subject, "not_after": not_after,
                     # intDiv rounds toward zero
                     "days_left_when_seen": secs // 86400 if secs >= 0 else -(-secs // 86400),
                     "connections": g["n"], "last_seen": g["last"][1], "_key": (epoch(not_after), ip, port, sha)})
    rows.sort(key=lambda r: r.pop("_key"))
    return rows


def expected_findings(conns):
    groups = {}
    for _, c in conns:
        for f in c.get("findings") or []:
            g = groups.setdefault((c["start"][:10], f["severity"], f["id"]), {"n": 0, "servers": set()})
            g["n"] += 1
            g["servers"].add((c["server"]["ip"], c["server"]["port"]))
    rows = [{"day": d, "severity": s, "rule_id": r, "findings": g["n"], "servers": len(g["servers"])}
            for (d, s, r), g in groups.items()]
    rows.sort(key=lambda r: (r["day"], SEVERITY_RANK[r["severity"]], -r["findings"], r["rule_id"]))
    return rows


def expected_counts(conns):
    counts = {}
    for cap, c in conns:
        n = counts.setdefault(cap, [0, 0, 0])
        n[0] += 1
        n[1] += len(c.get("certificates") or []) + len(c.get("client_certificates") or [])
        n[2] += len(c.get("findings") or [])
    return counts


def expected_columns(conns):
    rows = []
    for cap, c in conns:
        ch = c.get("client_hello") or {}
        rows.append({
            "capture": cap, "conn_id": c["id"], "start_time": ch_datetime(c["start"]),
            "start_usec": int(c["start"][20:26]), "transport": c["transport"],
            "client_ip": c["client"]["ip"], "client_port": c["client"]["port"],
            "server_ip": c["server"]["ip"], "server_port": c["server"]["port"],
            "version": c.get("version"), "cipher_suite_name": (c.get("cipher_suite") or {}).get("name"),
            "sni": c.get("sni"), "ja4": ch.get("ja4") or "", "ja3": ch.get("ja3") or "",
            "ja3s": (c.get("server_hello") or {}).get("ja3s") or "",
            "offered": len(ch.get("cipher_suites") or []),
            "findings": [f["id"] for f in c.get("findings") or []],
        })
    rows.sort(key=lambda r: (r["capture"], r["conn_id"]))
    return rows


COLUMNS_SQL = """
SELECT capture, conn_id, start_time, start_usec, transport, client_ip, client_port,
       server_ip, server_port, version, cipher_suite_name, sni, ja4, ja3, ja3s,
       length(offered_suites) AS offered, findings
FROM tlsscope.connections ORDER BY capture, conn_id
"""

COUNTS_SQL = """
SELECT capture, sum(t = 1) AS connections, sum(t = 2) AS certificates, sum(t = 3) AS findings FROM (
    SELECT capture, 1 AS t FROM tlsscope.connections
    UNION ALL SELECT capture, 2 AS t FROM tlsscope.certificates
    UNION ALL SELECT capture, 3 AS t FROM tlsscope.findings)
GROUP BY capture ORDER BY capture
"""


def normalise(rows):
    # ClickHouse 18.16 prints the zero Date and DateTime (1970-01-01, which a
    # synthetic capture's clock can give) as 0000-00-00.
    for r in rows:
        for k, v in r.items():
            if isinstance(v, str) and v.startswith("0000-00-00"):
                r[k] = "1970-01-01" + v[10:]
    return rows


def compare(name, got, want):
    got = normalise(got)
    if got == want:
        say("ok: %s: %d rows" % (name, len(want)))
        return True
    say("FAIL: %s: %d rows from ClickHouse, %d expected" % (name, len(got), len(want)))
    for i in range(max(len(got), len(want))):
        g = got[i] if i < len(got) else None
        w = want[i] if i < len(want) else None
        if g != w:
            say("  first difference, row %d:\n    got:      %s\n    expected: %s" % (i, g, w))
            break
    return False


# ---- the run -----------------------------------------------------------------

def captures(args):
    """(capture name, pcap path) of every input; names are unique."""
    out = []
    golden = os.path.join(args.source, "tests", "golden", "captures")
    for n in sorted(os.listdir(golden)):
        if n.endswith((".pcap", ".pcapng")):
            out.append(("golden_" + n, os.path.join(golden, n)))
    if args.weak and os.path.isdir(args.weak):
        for n in sorted(os.listdir(args.weak)):
            if n.endswith(".pcap"):
                out.append(("weak_" + n, os.path.join(args.weak, n)))
    else:
        say("note: no weak-peer captures in %s (make_weak_captures needs root): golden and corpus only"
            % args.weak)
    if args.corpus and os.path.isdir(args.corpus):
        for rel in CORPUS:
            p = os.path.join(args.corpus, rel)
            if os.path.exists(p):
                out.append(("corpus_" + rel.replace("/", "_"), p))
            else:
                say("note: corpus capture missing: " + rel)
    else:
        say("note: no corpus at %s: its captures are left out" % args.corpus)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tlsscope", required=True)
    ap.add_argument("--source", required=True, help="the source tree")
    ap.add_argument("--weak", help="make_weak_captures.sh's output directory")
    ap.add_argument("--corpus", help="the public corpus (../shared/corpus)")
    args = ap.parse_args()
    t0 = time.monotonic()
    ensure_clickhouse()
    schema = os.path.join(args.source, "contrib", "clickhouse", "schema.sql")
    loader = os.path.join(args.source, "contrib", "clickhouse", "tlsscope_load.py")
    queries = doc_queries(os.path.join(args.source, "docs", "scale-out.md"))

    work = tempfile.mkdtemp(prefix="tsc-clickhouse.")
    server = Server(work)

    def on_signal(signum, _frame):
        raise SystemExit(128 + signum)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        # tlsscope's JSON, one file per capture, named after it.
        jsondir = os.path.join(work, "json")
        os.makedirs(jsondir)
        conns, files = [], []
        for name, pcap in captures(args):
            r = subprocess.run([args.tlsscope, "read", "--json", "-q", pcap], capture_output=True, timeout=120)
            if r.returncode != 0:
                raise SystemExit("clickhouse: FAIL: tlsscope read --json %s: exit %d: %s"
                                 % (pcap, r.returncode, r.stderr.decode(errors="replace")))
            path = os.path.join(jsondir, name + ".json")
            with open(path, "wb") as f:
                f.write(r.stdout)
            files.append((name, path))
            conns += [(name, json.loads(l)) for l in r.stdout.decode("utf-8").splitlines() if l.strip()]
        say("%d captures, %d connections (%.1f s)" % (len(files), len(conns), time.monotonic() - t0))

        server.start()
        say("clickhouse-server %s on 127.0.0.1:%d (http) and :%d (tcp), data in %s"
            % (server.client("--query", "SELECT version()").strip(), server.http, server.tcp, server.dir))
        with open(schema) as f:
            server.client("--multiquery", stdin=f)

        # A third of the files through --out-dir and clickhouse-client (one
        # named by --capture, the rest by file name), the others in one
        # loader run over HTTP with --batch 5, so that inserts hold rows of
        # several files and some files span two inserts. That run starts
        # with a file whose second line is not JSON: the loader must say
        # so, exit 1, and insert none of its rows.
        piped = [p for i, (_, p) in enumerate(files) if i % 3 == 0]
        http = [p for i, (_, p) in enumerate(files) if i % 3]
        bad = os.path.join(work, "broken.pcap.json")
        with open(files[0][1], "rb") as src, open(bad, "wb") as f:
            f.write(src.readline() + b'{"id": 2, "start": \n')
        r = subprocess.run([sys.executable, loader, "--url", server.url, "--batch", "5", bad] + http,
                           capture_output=True, text=True, timeout=300)
        if r.returncode != 1 or "broken.pcap.json: line 2: not JSON" not in r.stderr \
                or "none of its rows were sent" not in r.stderr:
            raise SystemExit("clickhouse: FAIL: loader over HTTP with a broken file: exit %d "
                             "(expected 1 and the broken file named): %s" % (r.returncode, r.stderr))
        rows = os.path.join(work, "rows")
        for run in ([files[0][1], "--capture", files[0][0]], piped[1:]):
            r = subprocess.run([sys.executable, loader, "-q", "--out-dir", rows] + run,
                               capture_output=True, text=True, timeout=300)
            if r.returncode != 0:
                raise SystemExit("clickhouse: FAIL: loader --out-dir: exit %d: %s" % (r.returncode, r.stderr))
            for t in ("connections", "certificates", "findings"):
                # as docs/scale-out.md: clickhouse-client 18.16 refuses an
                # empty insert ("No data to insert")
                if os.path.getsize(os.path.join(rows, t + ".json")) == 0:
                    continue
                with open(os.path.join(rows, t + ".json")) as f:
                    server.client("--query", "INSERT INTO tlsscope.%s FORMAT JSONEachRow" % t, stdin=f)
        say("loaded: %d files over HTTP, %d through clickhouse-client (%.1f s)"
            % (len(http), len(piped), time.monotonic() - t0))

        ok = True
        want_counts = expected_counts(conns)
        got_counts = server.query(COUNTS_SQL)
        ok &= compare("rows per capture and table", got_counts,
                      [{"capture": c, "connections": n[0], "certificates": n[1], "findings": n[2]}
                       for c, n in sorted(want_counts.items())])
        ok &= compare("connection columns", server.query(COLUMNS_SQL), expected_columns(conns))
        expected = {"rc4_by_ja4": expected_rc4(conns), "expiry_by_server": expected_expiry(conns),
                    "findings_per_day": expected_findings(conns)}
        for q in QUERIES:
            want = expected[q]
            if not want:
                say("FAIL: %s: no expected rows: the inputs do not exercise the query" % q)
                ok = False
            ok &= compare("docs/scale-out.md query %s" % q, server.query(queries[q]), want)
        days = {r["day"] for r in expected["findings_per_day"]}
        say("inputs: %d JA4s offering RC4, %d server leaves, findings on %d days"
            % (len(expected["rc4_by_ja4"]), len(expected["expiry_by_server"]), len(days)))
        say("%.1f s" % (time.monotonic() - t0))
        if not ok:
            say("FAIL")
            return 1
        say("PASS")
        return 0
    finally:
        t1 = time.monotonic()
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
        say("server stopped, %s removed (%.1f s)" % (work, time.monotonic() - t1))


if __name__ == "__main__":
    sys.exit(main())
