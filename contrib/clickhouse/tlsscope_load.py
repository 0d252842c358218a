#!/usr/bin/env python3
"""Load `tlsscope read --json` output into the ClickHouse tables of schema.sql.

usage: tlsscope_load.py [options] FILE...      (FILE '-' is standard input)

Each FILE is the JSON Lines tlsscope wrote for one capture (docs/json.md).
Its rows are named by the capture column: --capture NAME, or else the file's
name without a trailing .json, .jsonl or .ndjson ("site-a/0412.pcap.json"
gives "0412.pcap"), so name the output files after their captures.

Each connection becomes a row of tlsscope.connections, one row of
tlsscope.certificates per certificate, one row of tlsscope.findings per
finding. The rows go to ClickHouse's HTTP interface as INSERT ... FORMAT
JSONEachRow, --batch connections at a time across files (ClickHouse
wants few large inserts), or with --out-dir into three files for
clickhouse-client:

  tlsscope_load.py --out-dir rows x.pcap.json y.pcap.json
  for t in connections certificates findings; do
      [ -s rows/$t.json ] || continue   # clickhouse-client refuses an empty insert
      clickhouse-client --query "INSERT INTO tlsscope.$t FORMAT JSONEachRow" < rows/$t.json
  done

A file that is not tlsscope's JSON is reported and skipped (exit status 1
at the end); its rows not yet sent are dropped. An insert the server
refuses stops the run and names the captures that may be partly loaded.

Python 3 standard library only; ClickHouse 18.16 and later.
"""

import argparse
import base64
import json
import os
import re
import sys
import urllib.error
import urllib.parse
import urllib.request

TABLES = ("connections", "certificates", "findings")

_TIME = re.compile(r"^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$")


class LoadError(Exception):
    """A file that is not tlsscope's JSON."""


class InsertError(Exception):
    """The server refused rows, or could not be reached."""


def _days_from_civil(y, m, d):
    # Days since 1970-01-01 in the proleptic Gregorian calendar, for any
    # year (datetime stops at year 1; certificates say 0000 now and then).
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def parse_time(text):
    """ISO 8601 UTC as tlsscope writes it -> (epoch seconds, microseconds)."""
    m = _TIME.match(text or "")
    if not m:
        return None
    y, mo, d, hh, mi, ss = (int(g) for g in m.groups()[:6])
    frac = (m.group(7) or "").ljust(6, "0")[:6]
    secs = _days_from_civil(y, mo, d) * 86400 + hh * 3600 + mi * 60 + ss
    return secs, int(frac)


def _datetime_text(secs):
    # ClickHouse's DateTime text form; the columns are DateTime('UTC').
    days, rem = divmod(secs, 86400)
    # civil_from_days
    z = days + 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    y += m <= 2
    return "%04d-%02d-%02d %02d:%02d:%02d" % (y, m, d, rem // 3600, rem // 60 % 60, rem % 60)


def _code(obj):
    if not isinstance(obj, dict) or not isinstance(obj.get("code"), str):
        return None
    try:
        return int(obj["code"], 16)
    except ValueError:
        return None


def _flag(v):
    return 1 if v is True else 0


def _conn_time(conn, key, lineno):
    t = parse_time(conn.get(key))
    if t is None:
        raise LoadError("line %d: connection %r: %s %r is not an ISO 8601 UTC time"
                        % (lineno, conn.get("id"), key, conn.get(key)))
    # DateTime holds 1970..2105: a capture outside that is a broken clock.
    if not 0 <= t[0] < 4294967296:
        raise LoadError("line %d: %s %r is outside what a DateTime holds" % (lineno, key, conn.get(key)))
    return t


def _alert_text(a):
    if not isinstance(a, dict):
        return ""
    if a.get("encrypted") or a.get("level") is None:
        return "%s:encrypted" % a.get("dir")
    return "%s:%s:%s" % (a.get("dir"), a.get("level"), a.get("description"))


def _cert_rows(conn, base, side, certs):
    rows = []
    for cert in certs or []:
        if not isinstance(cert, dict):
            continue
        err = cert.get("error") if isinstance(cert.get("error"), dict) else None
        nb = parse_time(cert.get("not_before")) if not err else None
        na = parse_time(cert.get("not_after")) if not err else None
        key = cert.get("public_key") if isinstance(cert.get("public_key"), dict) else {}
        row = dict(base)
        row.update({
            "side": side,
            "position": int(cert.get("index") or 0),
            "sha256": cert.get("sha256") or "",
            "subject": cert.get("subject") or "",
            "issuer": cert.get("issuer") or "",
            "serial": cert.get("serial") or "",
            "not_before": cert.get("not_before") or "",
            "not_after": cert.get("not_after") or "",
            "not_before_ts": nb[0] if nb else 0,
            "not_after_ts": na[0] if na else 0,
            "key_algorithm": key.get("algorithm") or "",
            "key_bits": int(key.get("bits") or 0),
            "key_curve": key.get("curve"),
            "signature_algorithm": cert.get("signature_algorithm") or "",
            "san": [s for s in (cert.get("san") or []) if isinstance(s, str)],
            "ca": _flag(cert.get("ca")),
            "self_signed": _flag(cert.get("self_signed")),
            "error_kind": (err or {}).get("kind") or "",
            "error_reason": (err or {}).get("reason") or "",
        })
        rows.append(row)
    return rows


def rows_of(conn, capture, lineno):
    """One connection object -> {table: [rows]}."""
    if not isinstance(conn, dict) or not isinstance(conn.get("id"), int):
        raise LoadError("line %d: not a tlsscope connection object" % lineno)
    start, start_us = _conn_time(conn, "start", lineno)
    end, end_us = _conn_time(conn, "end", lineno)
    client = conn.get("client") or {}
    server = conn.get("server") or {}
    ch = conn.get("client_hello") or {}
    sh = conn.get("server_hello") or {}
    suite = conn.get("cipher_suite") or {}
    alpn = conn.get("alpn") or {}
    certs = conn.get("certificates") or []
    app = conn.get("app_data") or {}
    findings = [f for f in (conn.get("findings") or []) if isinstance(f, dict)]
    offered = [s for s in (ch.get("cipher_suites") or []) if isinstance(s, dict)]
    day = _datetime_text(start)[:10]
    start_text = _datetime_text(start)
    server_ip = server.get("ip") or ""
    server_port = int(server.get("port") or 0)
    sni = conn.get("sni")
    ja4 = ch.get("ja4") or ""

    connection = {
        "capture": capture,
        "conn_id": conn["id"],
        "day": day,
        "start_time": start_text,
        "start_usec": start_us,
        "end_time": _datetime_text(end),
        "end_usec": end_us,
        "transport": conn.get("transport") or "",
        "client_ip": client.get("ip") or "",
        "client_port": int(client.get("port") or 0),
        "server_ip": server_ip,
        "server_port": server_port,
        "version": conn.get("version"),
        "cipher_suite": _code(suite),
        "cipher_suite_name": suite.get("name") if suite else None,
        "sni": sni,
        "alpn_offered": [p for p in (alpn.get("offered") or []) if isinstance(p, str)],
        "alpn_selected": alpn.get("selected"),
        "resumed": _flag(conn.get("resumed")),
        "hello_retry": _flag(conn.get("hello_retry")),
        "renegotiated": _flag(conn.get("renegotiated")),
        "complete": _flag(conn.get("complete")),
        "starttls": _flag(conn.get("starttls")),
        "offered_suites": [c for c in (_code(s) for s in offered) if c is not None],
        "offered_suite_names": [s.get("name") or "" for s in offered if _code(s) is not None],
        "ja3": ch.get("ja3") or "",
        "ja4": ja4,
        "ja3s": sh.get("ja3s") or "",
        "server_cert_sha256": (certs[0].get("sha256") or "") if certs and isinstance(certs[0], dict) else "",
        "certificates_count": int(conn.get("certificates_count") or len(certs)),
        "findings": [f.get("id") or "" for f in findings],
        "alerts": [_alert_text(a) for a in (conn.get("alerts") or [])],
        "app_bytes_c2s": int((app.get("c2s") or {}).get("bytes") or 0),
        "app_bytes_s2c": int((app.get("s2c") or {}).get("bytes") or 0),
        "errors_count": int(conn.get("errors_count") or len(conn.get("errors") or [])),
    }
    base = {
        "capture": capture, "conn_id": conn["id"], "day": day, "start_time": start_text,
        "server_ip": server_ip, "server_port": server_port, "sni": sni,
    }
    certificates = _cert_rows(conn, base, "server", certs)
    certificates += _cert_rows(conn, base, "client", conn.get("client_certificates"))
    finding_rows = []
    for f in findings:
        row = dict(base)
        row.update({
            "ja4": ja4,
            "rule_id": f.get("id") or "", "severity": f.get("severity") or "",
            "title": f.get("title") or "", "detail": f.get("detail") or "",
        })
        finding_rows.append(row)
    return {"connections": [connection], "certificates": certificates, "findings": finding_rows}


def _encode(rows):
    # Raw UTF-8 (tlsscope's strings are valid UTF-8); json escapes control
    # characters as \u00XX, which every ClickHouse release reads.
    return "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n"
                   for r in rows).encode("utf-8", "replace")


class HttpSink:
    def __init__(self, url, database, user, password, timeout):
        self.url = url.rstrip("/") + "/"
        self.database = database
        self.headers = {"Content-Type": "application/octet-stream"}
        if user is not None:
            token = base64.b64encode(("%s:%s" % (user, password or "")).encode()).decode()
            self.headers["Authorization"] = "Basic " + token
        self.timeout = timeout

    def insert(self, table, rows):
        if not rows:
            return
        query = "INSERT INTO %s.%s FORMAT JSONEachRow" % (self.database, table)
        req = urllib.request.Request(self.url + "?" + urllib.parse.urlencode({"query": query}),
                                     data=_encode(rows), headers=self.headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                resp.read()
        except urllib.error.HTTPError as e:
            body = e.read().decode("utf-8", "replace").strip()
            raise InsertError("%s.%s: HTTP %d: %s" % (self.database, table, e.code, body)) from None
        except (urllib.error.URLError, OSError) as e:
            raise InsertError("%s.%s: %s: %s" % (self.database, table, self.url,
                                                 getattr(e, "reason", e))) from None

    def close(self):
        pass


class FileSink:
    def __init__(self, directory):
        os.makedirs(directory, exist_ok=True)
        self.files = {t: open(os.path.join(directory, t + ".json"), "wb") for t in TABLES}

    def insert(self, table, rows):
        self.files[table].write(_encode(rows))

    def close(self):
        for f in self.files.values():
            f.close()


def capture_name(path):
    if path == "-":
        return "-"
    name = os.path.basename(path)
    for ext in (".json", ".jsonl", ".ndjson"):
        if name.endswith(ext) and len(name) > len(ext):
            return name[: -len(ext)]
    return name


class Batcher:
    """Rows of several files go out together: ClickHouse wants few large
    inserts, and a run often has many small files. A file that turns out
    bad takes back its rows that are still here; what was sent stays."""

    def __init__(self, sink, batch):
        self.sink = sink
        self.batch = batch
        self.pending = {t: [] for t in TABLES}
        self.held = 0
        self.sent = {t: 0 for t in TABLES}
        self.begin_file()

    def begin_file(self):
        # where the next file's rows start
        self.marks = {t: len(rows) for t, rows in self.pending.items()}
        self.file_sent = False

    def add(self, rows_by_table):
        for t, rows in rows_by_table.items():
            self.pending[t].extend(rows)
        self.held += 1
        if self.held >= self.batch:
            self.flush()

    def drop_file(self):
        """Forget the current file's unsent rows; True if some were sent."""
        for t, mark in self.marks.items():
            del self.pending[t][mark:]
        self.held = len(self.pending["connections"])
        return self.file_sent

    def flush(self):
        for t in TABLES:
            try:
                self.sink.insert(t, self.pending[t])
            except InsertError as e:
                names = sorted({r["capture"] for rows in self.pending.values() for r in rows})
                raise InsertError("%s; these captures may be partly loaded (remove their rows before "
                                  "loading them again): %s" % (e, ", ".join(names))) from None
            self.sent[t] += len(self.pending[t])
            self.pending[t] = []
        self.held = 0
        self.marks = {t: 0 for t in TABLES}
        self.file_sent = True


def load(stream, capture, batcher):
    """Queue one file's connections; returns its rows per table."""
    counts = {t: 0 for t in TABLES}
    for lineno, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            conn = json.loads(line)
        except ValueError as e:
            raise LoadError("line %d: not JSON: %s" % (lineno, e)) from None
        rows = rows_of(conn, capture, lineno)
        for t in TABLES:
            counts[t] += len(rows[t])
        batcher.add(rows)
    return counts


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="+", metavar="FILE", help="tlsscope --json output; - for stdin")
    ap.add_argument("--capture", help="the capture column for the rows (one FILE only)")
    ap.add_argument("--url", default=os.environ.get("CLICKHOUSE_URL", "http://127.0.0.1:8123"),
                    help="ClickHouse HTTP interface (default $CLICKHOUSE_URL or http://127.0.0.1:8123)")
    ap.add_argument("--database", default="tlsscope")
    ap.add_argument("--user", default=os.environ.get("CLICKHOUSE_USER"))
    ap.add_argument("--password-file", help="a file holding the password (else $CLICKHOUSE_PASSWORD)")
    ap.add_argument("--batch", type=int, default=10000,
                    help="connections per INSERT, across files (default 10000)")
    ap.add_argument("--timeout", type=float, default=300, help="seconds per HTTP request (default 300)")
    ap.add_argument("--out-dir", help="write DIR/{connections,certificates,findings}.json instead of sending")
    ap.add_argument("-q", "--quiet", action="store_true", help="no line per file on stderr")
    args = ap.parse_args(argv)
    if args.capture is not None and len(args.files) != 1:
        ap.error("--capture names the rows of one FILE")
    if args.batch < 1:
        ap.error("--batch must be at least 1")
    if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*$", args.database):
        ap.error("--database: not a plain identifier: %r" % args.database)
    if args.out_dir:
        sink = FileSink(args.out_dir)
    else:
        password = os.environ.get("CLICKHOUSE_PASSWORD")
        if args.password_file:
            with open(args.password_file, encoding="utf-8") as f:
                password = f.read().rstrip("\n")
        user = args.user if args.user is not None or password is None else "default"
        sink = HttpSink(args.url, args.database, user, password, args.timeout)
    batcher = Batcher(sink, args.batch)
    status = 0
    try:
        for path in args.files:
            capture = args.capture if args.capture is not None else capture_name(path)
            batcher.begin_file()
            try:
                if path == "-":
                    counts = load(sys.stdin, capture, batcher)
                else:
                    with open(path, encoding="utf-8") as f:
                        counts = load(f, capture, batcher)
            except (OSError, UnicodeDecodeError, LoadError) as e:
                partly = batcher.drop_file()
                print("tlsscope_load: %s: %s (%s)" % (path, e, "some of its rows were sent before this"
                                                     if partly else "none of its rows were sent"),
                      file=sys.stderr)
                status = 1
                continue
            if not args.quiet:
                print("tlsscope_load: %s: capture %s: read %d connections, %d certificates, %d findings"
                      % (path, capture, counts["connections"], counts["certificates"], counts["findings"]),
                      file=sys.stderr)
        batcher.flush()
        if not args.quiet:
            print("tlsscope_load: %s %d connections, %d certificates, %d findings"
                  % ("wrote" if args.out_dir else "inserted", batcher.sent["connections"],
                     batcher.sent["certificates"], batcher.sent["findings"]), file=sys.stderr)
    except InsertError as e:
        print("tlsscope_load: insert failed: %s" % e, file=sys.stderr)
        return 1
    finally:
        sink.close()
    return status


if __name__ == "__main__":
    sys.exit(main())
