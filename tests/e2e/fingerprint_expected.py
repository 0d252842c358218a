#!/usr/bin/env python3
"""tlsscope's JA3, JA3S and JA4 against values computed or published elsewhere.

For each capture, `tlsscope read --json` is run and the fingerprint fields of
its connections (client_hello.ja3 / ja3_string / ja4 / ja4_r,
server_hello.ja3s / ja3s_string, hello_retry_request.ja3s / ja3s_string; the
same names at the top level of a connection are accepted too) are compared
with:

  tshark     tshark 4.0's tls.handshake.ja3 / ja3_full (first ClientHello of
             each TCP stream) and ja3s / ja3s_full (first ServerHello that is
             not a HelloRetryRequest, and the HelloRetryRequest);
  tshark-ja4 JA4 and JA4_r computed here, by FoxIO's JA4.md, from tshark's
             dissection of that ClientHello (cipher suites, extension types,
             supported_versions, the first ALPN name's bytes, signature
             algorithms): the same spec over another parser;
  published  the values published beside the public captures of the corpus
             (../shared/corpus, README.md and MANIFEST.tsv there): FoxIO's JA4
             outputs (python/test/testdata/*.json, rust insta snapshots),
             nDPI's .out files (JA3C, JA3S, JA4), suricata-verify's test.yaml
             (tls.ja3.*, tls.ja3s.*, tls.ja4), Arkime's .test sessions (ja3,
             ja3string, ja3s, ja3sstring, ja4, ja4_r) and PcapPlusPlus's TLS
             fingerprint tables (JA3 / JA3S with endpoints).

Connections are paired by their endpoints. Each comparison is one check; a
check that disagrees is listed with both values. Disagreements explained in
KNOWN below are listed and counted apart, not as failures. The last line is
`fingerprints: N passed, M failed`; the exit status is 1 when M > 0.

Without the corpus (and without capture arguments) the test is skipped, says
so, and exits 0. So it does when tlsscope's JSON carries no fingerprint field
at all (the fields are not there yet).

  fingerprint_expected.py --tlsscope build/tlsscope [--corpus DIR] [-j N]
                          [--only SUBSTR] [--no-tshark] [--no-published]
                          [capture ...]
  fingerprint_expected.py --list-expected [--corpus DIR] [--only SUBSTR]

Captures given as arguments are compared with tshark only. --list-expected
prints the published values found for each capture, without running tlsscope
or tshark. Python 3.11 standard library; tshark 4.0.x.
"""

from __future__ import annotations

import argparse
import atexit
import concurrent.futures
import hashlib
import ipaddress
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from difflib_common import Obj, iter_json_array, run_tlsscope, tshark_bin  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CORPUS = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "corpus"))
TSHARK_TIMEOUT = 600
HRR_RANDOM = "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c"

# (capture path in the corpus, source, field) -> why tlsscope's value is right
# and the published one is not (or why they cannot agree). Listed, not failed.
KNOWN = {
    ("ja4/pcap/tls-non-ascii-alpn.pcapng", "foxio-python", "ja4"):
        "first ALPN name is 0xba 0xad: JA4.md prints its hex digits ('bd'); "
        "FoxIO's python and rust outputs of the time print '99'",
    ("ja4/pcap/tls-non-ascii-alpn.pcapng", "foxio-python", "ja4_r"):
        "as ja4: 'bd' by JA4.md, '99' in FoxIO's older output",
    ("ja4/pcap/tls-non-ascii-alpn.pcapng", "foxio-rust", "ja4"):
        "as foxio-python: 'bd' by JA4.md, '99' in FoxIO's older output",
}
# Sources whose disagreements on a field are all explained by one known rule,
# keyed (source, field) -> (predicate over (expected, got), reason).
KNOWN_RULES = {}


def grease(v: int) -> bool:
    return (v & 0x0F0F) == 0x0A0A and (v >> 8) == (v & 0xFF)


def norm_ip(s: str) -> str:
    s = s.strip().strip("[]")
    try:
        return ipaddress.ip_address(s).compressed
    except ValueError:
        return s


def _int(s):
    if s is None:
        return None
    if isinstance(s, int):
        return s
    try:
        return int(str(s), 0)
    except ValueError:
        return None


# --------------------------------------------------------------------------
# JA4 by the spec, from a list of fields (used on tshark's dissection)

JA4_VERSIONS = {0x0304: "13", 0x0303: "12", 0x0302: "11", 0x0301: "10",
                0x0300: "s3", 0x0002: "s2", 0xFEFF: "d1", 0xFEFD: "d2", 0xFEFC: "d3"}


def _h12(s: str) -> str:
    return "000000000000" if s == "" else hashlib.sha256(s.encode()).hexdigest()[:12]


def ja4_from_fields(legacy: int, ciphers: list, exts: list, versions: list | None,
                    alpn_first: bytes | None, sigalgs: list) -> tuple[str, str]:
    """(ja4, ja4_r) per technical_details/JA4.md, TCP."""
    if versions is not None:
        vv = [v for v in versions if not grease(v)]
        ver = max(vv) if vv else 0
    else:
        ver = legacy
    c = [v for v in ciphers if not grease(v)]
    e = [v for v in exts if not grease(v)]
    sni = "d" if 0 in e else "i"
    if alpn_first:
        a, z = alpn_first[0], alpn_first[-1]
        alnum = lambda b: chr(b).isascii() and chr(b).isalnum()
        if alnum(a) and alnum(z):
            alpn = chr(a) + chr(z)
        else:
            alpn = "%x%x" % (a >> 4, z & 0xF)
    else:
        alpn = "00"
    head = "t%s%s%02d%02d%s" % (JA4_VERSIONS.get(ver, "00"), sni, min(len(c), 99),
                                min(len(e), 99), alpn)
    cs = ",".join("%04x" % v for v in sorted(c))
    es = ",".join("%04x" % v for v in sorted(v for v in e if v not in (0, 16)))
    sg = ",".join("%04x" % v for v in sigalgs if not grease(v))
    ext_part = es + ("_" + sg if sg else "")
    return ("%s_%s_%s" % (head, _h12(cs), _h12(ext_part)),
            "%s_%s_%s" % (head, cs, ext_part))


# --------------------------------------------------------------------------
# tshark

@dataclass
class TsConn:
    stream: int
    a: tuple               # (ip, port) of the first hello's sender
    b: tuple
    client: tuple | None = None
    ch: dict | None = None   # {"ja3", "ja3_string", "ja4", "ja4_r"}
    sh: dict | None = None   # {"ja3s", "ja3s_string"}
    hrr: dict | None = None
    frames: list = field(default_factory=list)

    def key(self):
        return frozenset((self.a, self.b))


def _children(node):
    """Direct (key, value) pairs of an Obj, looking through lists."""
    if isinstance(node, Obj):
        return list(node)
    return []


def _find_all(node, key, out):
    if isinstance(node, Obj):
        for k, v in node:
            if k == key:
                out.append(v)
            elif isinstance(v, (Obj, list)):
                _find_all(v, key, out)
    elif isinstance(node, list):
        for v in node:
            _find_all(v, key, out)
    return out


def _first(node, key):
    r = _find_all(node, key, [])
    return r[0] if r else None


def _raw_hex(v):
    """A -x "_raw" value ["6832", pos, len, ...] -> bytes."""
    if isinstance(v, list) and v and isinstance(v[0], str):
        try:
            return bytes.fromhex(v[0])
        except ValueError:
            return None
    return None


def _ts_client_hello(hs: Obj) -> dict:
    out = {"ja3": hs.get("tls.handshake.ja3"), "ja3_string": hs.get("tls.handshake.ja3_full")}
    legacy = _int(hs.get("tls.handshake.version"))
    ciphers = [_int(v) for v in _find_all(hs.get("tls.handshake.ciphersuites"),
                                          "tls.handshake.ciphersuite", [])]
    exts, versions, alpn, sigs = [], None, None, []
    for k, v in _children(hs):
        if not isinstance(v, Obj):
            continue
        t = _int(v.get("tls.handshake.extension.type"))
        if t is None:
            continue
        exts.append(t)
        if t == 43 and versions is None:
            versions = [_int(x) for x in
                        _find_all(v, "tls.handshake.extensions.supported_version", [])]
        elif t == 16 and alpn is None:
            alpn = _raw_hex(_first(v, "tls.handshake.extensions_alpn_str_raw")) or b""
        elif t == 13 and not sigs:
            sigs = [_int(x) for x in _find_all(v, "tls.handshake.sig_hash_alg", [])]
    if out["ja3"] and legacy is not None and None not in ciphers:
        out["ja4"], out["ja4_r"] = ja4_from_fields(legacy, ciphers, exts, versions, alpn, sigs)
    return out


_EMPTY_CONF = []


def _empty_conf_dir() -> str:
    """An empty personal configuration, so a user's tshark preferences (keys,
    decode-as, disabled protocols) do not change the reference reading."""
    if not _EMPTY_CONF:
        d = tempfile.mkdtemp(prefix="tlsscope-fp-tshark-")
        atexit.register(shutil.rmtree, d, True)
        _EMPTY_CONF.append(d)
    return _EMPTY_CONF[0]


def tshark_conns(capture: str) -> tuple[list, dict]:
    """TCP streams with hellos, and frame number -> (src, dst) of hello frames."""
    cmd = [tshark_bin(), "-n", "-r", capture,
           "-o", "tcp.desegment_tcp_streams:TRUE", "-o", "tls.desegment_ssl_records:TRUE",
           "-Y", "tls.handshake.type == 1 || tls.handshake.type == 2",
           "-T", "json", "-x", "-J", "frame ip ipv6 tcp tls"]
    env = dict(os.environ)
    env["WIRESHARK_CONFIG_DIR"] = _empty_conf_dir()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=TSHARK_TIMEOUT, env=env)
    text = p.stdout.decode("utf-8", "replace")
    if p.returncode != 0 and not text.lstrip().startswith("["):
        raise RuntimeError("tshark exit %d: %s" % (p.returncode,
                                                    p.stderr.decode("utf-8", "replace")[:300]))
    conns: dict[int, TsConn] = {}
    frames = {}
    for pkt in iter_json_array(text):
        layers = pkt.get("_source").get("layers")
        src_ip = dst_ip = tcp = None
        tls_layers, frame_no = [], None
        for k, v in layers:
            if k == "frame":
                frame_no = _int(v.get("frame.number"))
            elif k == "ip" and isinstance(v, Obj):
                src_ip, dst_ip = v.get("ip.src"), v.get("ip.dst")
            elif k == "ipv6" and isinstance(v, Obj):
                src_ip, dst_ip = v.get("ipv6.src"), v.get("ipv6.dst")
            elif k == "tcp" and isinstance(v, Obj):
                tcp = v
            elif k == "tls":
                tls_layers.append(v)
        if tcp is None or src_ip is None:
            continue
        src = (norm_ip(src_ip), _int(tcp.get("tcp.srcport")))
        dst = (norm_ip(dst_ip), _int(tcp.get("tcp.dstport")))
        frames[frame_no] = (src, dst)
        stream = _int(tcp.get("tcp.stream"))
        for tl in tls_layers:
            for hs in _find_all(tl, "tls.handshake", []):
                if not isinstance(hs, Obj):
                    continue
                t = _int(hs.get("tls.handshake.type"))
                if t not in (1, 2) or hs.get("tls.handshake.version") is None:
                    continue
                cv = conns.get(stream)
                if cv is None:
                    cv = conns[stream] = TsConn(stream, src, dst)
                if t == 1:
                    if cv.client is None:
                        cv.client = src
                    if cv.ch is None and src == cv.client:
                        cv.ch = _ts_client_hello(hs)
                else:
                    if cv.client is None:
                        cv.client = dst
                    rnd = (hs.get("tls.handshake.random") or "").replace(":", "").lower()
                    d = {"ja3s": hs.get("tls.handshake.ja3s"),
                         "ja3s_string": hs.get("tls.handshake.ja3s_full")}
                    if rnd == HRR_RANDOM:
                        if cv.hrr is None:
                            cv.hrr = d
                    elif cv.sh is None:
                        cv.sh = d
    return sorted(conns.values(), key=lambda c: c.stream), frames


# --------------------------------------------------------------------------
# tlsscope

@dataclass
class ScConn:
    client: tuple | None
    server: tuple | None
    ch: dict
    sh: dict
    hrr: dict
    raw: dict

    def key(self):
        return frozenset((self.client, self.server))


FP_KEYS_CH = ("ja3", "ja3_string", "ja4", "ja4_r")
FP_KEYS_SH = ("ja3s", "ja3s_string")


def _ep(d):
    if not isinstance(d, dict) or d.get("ip") is None:
        return None
    return (norm_ip(str(d["ip"])), _int(d.get("port")))


def scope_conns(objs: list) -> tuple[list, bool]:
    """Connections, and whether any object carried a fingerprint field."""
    out, seen = [], False
    for o in objs:
        ch = o.get("client_hello") if isinstance(o.get("client_hello"), dict) else {}
        sh = o.get("server_hello") if isinstance(o.get("server_hello"), dict) else {}
        hrr = o.get("hello_retry_request") if isinstance(o.get("hello_retry_request"), dict) else {}
        fc = {k: ch.get(k, o.get(k)) for k in FP_KEYS_CH}
        fs = {k: sh.get(k, o.get(k)) for k in FP_KEYS_SH}
        fh = {k: hrr.get(k) for k in FP_KEYS_SH}
        if any(k in ch or k in o for k in FP_KEYS_CH) or any(k in sh or k in o for k in FP_KEYS_SH):
            seen = True
        out.append(ScConn(_ep(o.get("client")), _ep(o.get("server")), fc, fs, fh, o))
    return out, seen


# --------------------------------------------------------------------------
# published expected values

@dataclass
class Expect:
    source: str          # "foxio-python", "ndpi", ...
    file: str            # the file it came from (corpus-relative)
    field: str           # ja3, ja3_string, ja3s, ja3s_string, ja4, ja4_r
    value: str
    ends: frozenset | None   # endpoints of the connection, None: any connection
    count: int | None = None  # suricata: how many connections (0: none)


def _pair(a_ip, a_port, b_ip, b_port):
    return frozenset(((norm_ip(str(a_ip)), _int(a_port)), (norm_ip(str(b_ip)), _int(b_port))))


def exp_foxio_python(path, rel):
    out = []
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    for e in data if isinstance(data, list) else []:
        ends = _pair(e.get("src"), e.get("srcport"), e.get("dst"), e.get("dstport"))
        for fld, keys in (("ja4", ("JA4", "JA4.1")), ("ja4_r", ("JA4_r", "JA4_r.1"))):
            for k in keys:
                v = e.get(k)
                if isinstance(v, str) and v.startswith("t"):
                    out.append(Expect("foxio-python", rel, fld, v, ends))
                    break
    return out


def exp_foxio_rust(path, rel):
    out, cur = [], None
    entries = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^(- |  )([a-z_0-9]+): ?(.*)$", line.rstrip("\n"))
            if not m:
                continue
            if m.group(1) == "- ":
                cur = {}
                entries.append(cur)
            if cur is not None:
                cur[m.group(2)] = m.group(3).strip().strip('"')
    for e in entries:
        if e.get("transport") != "tcp":
            continue
        ends = _pair(e.get("src"), e.get("src_port"), e.get("dst"), e.get("dst_port"))
        for fld in ("ja4", "ja4_r"):
            if e.get(fld, "").startswith("t"):
                out.append(Expect("foxio-rust", rel, fld, e[fld], ends))
    return out


NDPI_FLOW = re.compile(r"^\s*\d+\s+TCP\s+(\S+):(\d+)\s+(?:<->|->|<-)\s+(\S+):(\d+)\s")


def exp_ndpi(path, rel):
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = NDPI_FLOW.match(line)
            if not m:
                continue
            ends = _pair(m.group(1), m.group(2), m.group(3), m.group(4))
            for tag, fld in (("JA3C", "ja3"), ("JA3S", "ja3s"), ("JA4", "ja4")):
                mm = re.search(r"\[%s: ([^\]]+)\]" % tag, line)
                if mm:
                    v = mm.group(1).strip()
                    if fld == "ja4" and not v.startswith("t"):
                        continue
                    out.append(Expect("ndpi", rel, fld, v, ends))
    return out


SURICATA_KEYS = {"tls.ja3.hash": "ja3", "tls.ja3.string": "ja3_string",
                 "tls.ja3s.hash": "ja3s", "tls.ja3s.string": "ja3s_string",
                 "tls.ja4": "ja4"}


def exp_suricata(path, rel):
    """Minimal reader for test.yaml `checks: - filter: {count, match: {k: v}}`."""
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().splitlines()
    count = None
    in_filter = False
    indent = 0
    for line in lines:
        s = line.strip()
        ind = len(line) - len(line.lstrip())
        if s.startswith("- filter:"):
            in_filter, count, indent = True, None, ind
            continue
        if s and ind <= indent and not s.startswith("#"):
            in_filter = False   # the next item of `checks:`, or a new section
        if not in_filter:
            continue
        m = re.match(r"^count:\s*(\d+)", s)
        if m:
            count = int(m.group(1))
            continue
        m = re.match(r"^([a-z0-9_.]+):\s*(.+)$", s)
        if m and m.group(1) in SURICATA_KEYS:
            v = m.group(2).strip().strip('"').strip("'")
            fld = SURICATA_KEYS[m.group(1)]
            if fld == "ja4" and not v.startswith("t"):
                continue
            out.append(Expect("suricata", rel, fld, v, None, count))
    return out


def exp_arkime(path, rel):
    out = []
    with open(path, encoding="utf-8") as f:
        try:
            data = json.load(f)
        except ValueError:
            return out
    for s in data.get("sessions3", []) if isinstance(data, dict) else []:
        b = s.get("body", {}) if isinstance(s, dict) else {}
        src, dst = b.get("source", {}), b.get("destination", {})
        if b.get("ipProtocol") not in (None, 6) or "ip" not in src or "ip" not in dst:
            continue
        ends = _pair(src["ip"], src.get("port"), dst["ip"], dst.get("port"))
        tls = b.get("tls", {})
        for k, fld in (("ja3", "ja3"), ("ja3string", "ja3_string"), ("ja3s", "ja3s"),
                       ("ja3sstring", "ja3s_string"), ("ja4", "ja4"), ("ja4_r", "ja4_r")):
            vals = tls.get(k)
            if isinstance(vals, list) and vals:
                # one value per hello; tlsscope shows the first ClientHello
                v = vals[0]
                if fld.startswith("ja4") and not str(v).startswith("t"):
                    continue
                out.append(Expect("arkime", rel, fld, str(v), ends))
    return out


def exp_pcapplusplus(path, rel):
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) < 7 or p[2] not in ("ClientHello", "ServerHello"):
                continue
            ends = _pair(p[3], p[4], p[5], p[6])
            ch = p[2] == "ClientHello"
            out.append(Expect("pcapplusplus", rel, "ja3" if ch else "ja3s", p[0], ends))
            out.append(Expect("pcapplusplus", rel, "ja3_string" if ch else "ja3s_string", p[1], ends))
    return out


def expected_reader(rel: str):
    if rel.startswith("ja4/python/test/testdata/") and rel.endswith(".json"):
        return exp_foxio_python
    if rel.startswith("ja4/rust/") and rel.endswith(".snap"):
        return exp_foxio_rust
    if rel.startswith("nDPI/") and rel.endswith(".out"):
        return exp_ndpi
    if rel.startswith("suricata-verify/") and rel.endswith("test.yaml"):
        return exp_suricata
    if rel.startswith("arkime/") and rel.endswith(".test"):
        return exp_arkime
    if rel.startswith("PcapPlusPlus/") and re.search(r"/tls_fp_(ch|sh|ch_sh)\.txt$", rel):
        return exp_pcapplusplus
    return None


def load_manifest(corpus: str) -> tuple[list, dict]:
    """(captures, capture -> set of expected files) from MANIFEST.tsv: the
    EXPECTED: list of each capture row (cut at "(+N more)"), joined with the
    "... for <path>" of each expected-file row."""
    captures, exp = [], {}
    with open(os.path.join(corpus, "MANIFEST.tsv"), encoding="utf-8") as f:
        rows = [l.rstrip("\n").split("\t") for l in f if not l.startswith("local_path")]
    for r in rows:
        if len(r) < 6:
            continue
        local, what = r[0], r[5]
        if what.startswith("CAPTURE"):
            captures.append(local)
            m = re.search(r"EXPECTED: (.*)$", what)
            if m:
                for tok in m.group(1).split():
                    if "/" in tok and not tok.startswith("("):
                        exp.setdefault(local, set()).add(tok)
    caps = set(captures)
    for r in rows:
        if len(r) < 6 or r[5].startswith("CAPTURE"):
            continue
        m = re.search(r" for (\S+)", r[5])
        if not m:
            continue
        top = r[0].split("/", 1)[0]
        cand = top + "/" + m.group(1).rstrip(":,")
        if cand in caps:
            exp.setdefault(cand, set()).add(r[0])
    return captures, exp


def published_for(corpus: str, capture: str, files: set) -> list:
    out = []
    for rel in sorted(files):
        rd = expected_reader(rel)
        path = os.path.join(corpus, rel)
        if rd is None or not os.path.isfile(path):
            continue
        try:
            out += rd(path, rel)
        except (OSError, ValueError) as e:
            print(f"warning: {rel}: cannot read: {e}", file=sys.stderr)
    # the same value from several files of one source counts once
    seen, uniq = set(), []
    for e in out:
        k = (e.source, e.field, e.value, e.ends, e.count)
        if k not in seen:
            seen.add(k)
            uniq.append(e)
    return uniq


# --------------------------------------------------------------------------
# comparing

@dataclass
class Check:
    capture: str
    source: str
    field: str
    conn: str
    expected: str | None
    got: str | None
    ok: bool
    known: str | None = None
    note: str = ""


def _label(c) -> str:
    def s(ep):
        if ep is None:
            return "?"
        ip, port = ep
        return (f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}")
    return f"{s(c.client)}->{s(c.server)}"


def compare_tshark(capture: str, ts: list, sc: list, want_ja4: bool) -> list:
    checks = []
    by_key: dict = {}
    for c in sc:
        by_key.setdefault(c.key(), []).append(c)
    used: dict = {}
    for t in ts:
        k = t.key()
        cands = by_key.get(k, [])
        i = used.get(k, 0)
        used[k] = i + 1
        s = cands[i] if i < len(cands) else None
        pairs = []
        if t.ch is not None:
            flds = ["ja3", "ja3_string"] + (["ja4", "ja4_r"] if want_ja4 else [])
            for f in flds:
                src = "tshark-ja4" if f.startswith("ja4") else "tshark"
                pairs.append((src, f, t.ch.get(f), s.ch.get(f) if s else None))
        for part, d in (("", t.sh), ("hrr.", t.hrr)):
            if d is None:
                continue
            for f in ("ja3s", "ja3s_string"):
                got = None
                if s:
                    got = (s.hrr if part else s.sh).get(f)
                pairs.append(("tshark", part + f, d.get(f), got))
        label = _label(s) if s else f"tcp.stream {t.stream}"
        for src, f, exp, got in pairs:
            if not exp and not got:
                continue        # neither gives one (SSLv2, hello tshark could not read)
            note = "" if s else "no such connection in tlsscope's output"
            checks.append(Check(capture, src, f, label, exp or None, got, exp == got, note=note))
    return checks


def compare_published(capture: str, exps: list, sc: list) -> list:
    checks = []
    for e in exps:
        if e.ends is None:
            n = sum(1 for c in sc if _fp(c, e.field) == e.value)
            if e.count == 0:
                ok = n == 0
            else:
                ok = n >= 1
            vals = sorted({_fp(c, e.field) for c in sc if _fp(c, e.field)})
            got = e.value if n else (", ".join(vals) if vals else None)
            checks.append(Check(capture, e.source, e.field, "(any connection)",
                                e.value, got, ok, note=f"count {e.count}" if e.count is not None else ""))
            continue
        conns = [c for c in sc if c.key() == e.ends]
        if not conns:
            if e.source == "pcapplusplus":
                continue    # its tables are shared by several captures
            checks.append(Check(capture, e.source, e.field, _pair_label(e.ends), e.value, None,
                                False, note="no such connection in tlsscope's output"))
            continue
        gots = [_fp(c, e.field) for c in conns]
        ok = e.value in gots
        got = e.value if ok else ", ".join(str(g) for g in gots)
        checks.append(Check(capture, e.source, e.field, _label(conns[0]), e.value, got, ok))
    return checks


def _pair_label(ends) -> str:
    return "<->".join(f"{ip}:{port}" for ip, port in sorted(ends, key=str))


def _fp(c: ScConn, fld: str):
    if fld in FP_KEYS_CH:
        return c.ch.get(fld)
    return c.sh.get(fld)


def apply_known(checks: list):
    for c in checks:
        if c.ok:
            continue
        why = KNOWN.get((c.capture, c.source, c.field))
        if why is None:
            rule = KNOWN_RULES.get((c.source, c.field))
            if rule and rule[0](c.expected, c.got):
                why = rule[1]
        c.known = why


# --------------------------------------------------------------------------

def run_one(binary: str, corpus: str | None, capture: str, exps: list, use_tshark: bool):
    """-> (checks, fields_seen, error)"""
    path = os.path.join(corpus, capture) if corpus and not os.path.isabs(capture) else capture
    run = run_tlsscope(binary, path, timeout=300)
    if run.status != "ok":
        return [], False, f"tlsscope {run.status}: {run.detail}"
    sc, seen = scope_conns(run.conns)
    checks = []
    if use_tshark:
        try:
            ts, _ = tshark_conns(path)
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            return [], seen, f"tshark: {e}"
        checks += compare_tshark(capture, ts, sc, want_ja4=True)
    checks += compare_published(capture, exps, sc)
    return checks, seen, None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tlsscope", help="the tlsscope binary")
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    ap.add_argument("-j", type=int, default=2, help="captures in parallel")
    ap.add_argument("--only", help="corpus captures whose path contains this")
    ap.add_argument("--no-tshark", action="store_true", help="published values only")
    ap.add_argument("--no-published", action="store_true", help="tshark only")
    ap.add_argument("--list-expected", action="store_true",
                    help="print the published values per capture and exit")
    ap.add_argument("-v", "--verbose", action="store_true", help="list agreements too")
    ap.add_argument("captures", nargs="*", help="more captures, compared with tshark only")
    a = ap.parse_args()

    have_corpus = os.path.isfile(os.path.join(a.corpus, "MANIFEST.tsv"))
    jobs = []   # (capture, expected list, corpus-or-None)
    if have_corpus:
        caps, exp_files = load_manifest(a.corpus)
        for c in caps:
            if a.only and a.only not in c:
                continue
            exps = [] if a.no_published else published_for(a.corpus, c, exp_files.get(c, set()))
            jobs.append((c, exps, a.corpus))
    for c in a.captures:
        jobs.append((c, [], None))

    if a.list_expected:
        if not have_corpus:
            print(f"fingerprints: skipped: no corpus at {a.corpus}")
            return 0
        by = {}
        for c, exps, _ in jobs:
            for e in exps:
                by[(e.source, e.field)] = by.get((e.source, e.field), 0) + 1
                print(f"{c}\t{e.source}\t{e.field}\t"
                      f"{_pair_label(e.ends) if e.ends else '(any)'}\t{e.value}"
                      + (f"\tcount={e.count}" if e.count is not None else ""))
        for (s, f), n in sorted(by.items()):
            print(f"# {s} {f}: {n} values", file=sys.stderr)
        return 0

    if not jobs:
        print(f"fingerprints: skipped: no corpus at {a.corpus} and no captures given")
        print("fingerprints: 0 passed, 0 failed")
        return 0
    if not a.tlsscope:
        ap.error("--tlsscope is required")

    all_checks, errors, any_seen = [], [], False
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.j)) as ex:
        futs = {ex.submit(run_one, a.tlsscope, corp, c, exps,
                          not a.no_tshark or corp is None): c
                for c, exps, corp in jobs}
        for fu in concurrent.futures.as_completed(futs):
            c = futs[fu]
            try:
                checks, seen, err = fu.result()
            except Exception as e:  # a bug here must not hide the others
                checks, seen, err = [], False, f"{type(e).__name__}: {e}"
            any_seen |= seen
            if err:
                errors.append((c, err))
            all_checks += checks

    if not any_seen:
        print("fingerprints: skipped: tlsscope's JSON has no ja3/ja3s/ja4 fields")
        print("fingerprints: 0 passed, 0 failed")
        return 0

    apply_known(all_checks)
    all_checks.sort(key=lambda c: (c.capture, c.source, c.conn, c.field))
    passed = [c for c in all_checks if c.ok]
    known = [c for c in all_checks if not c.ok and c.known]
    failed = [c for c in all_checks if not c.ok and not c.known]

    if a.verbose:
        for c in passed:
            print(f"ok    {c.capture} [{c.source}] {c.conn} {c.field} {c.expected}")
    for c in failed:
        print(f"FAIL  {c.capture} [{c.source}] {c.conn} {c.field}\n"
              f"        expected {c.expected}\n        tlsscope {c.got}"
              + (f"\n        ({c.note})" if c.note else ""))
    for c in known:
        print(f"known {c.capture} [{c.source}] {c.conn} {c.field}\n"
              f"        expected {c.expected}\n        tlsscope {c.got}\n        because {c.known}")
    for c, err in sorted(errors):
        print(f"ERROR {c}: {err}")

    print("\nagreement by source and field (agree/checked):")
    tab = {}
    for c in all_checks:
        t = tab.setdefault((c.source, c.field), [0, 0, 0])
        t[1] += 1
        t[0] += c.ok
        t[2] += bool(c.known)
    for (s, f), (ok, n, kn) in sorted(tab.items()):
        print(f"  {s:13} {f:17} {ok:5}/{n:<5}" + (f" ({kn} known)" if kn else ""))
    n_caps = len({c for c, _, _ in jobs})
    print(f"{n_caps} captures, {len(errors)} could not be compared, "
          f"{len(known)} known disagreements")
    print(f"fingerprints: {len(passed)} passed, {len(failed) + len(errors)} failed")
    return 1 if failed or errors else 0


if __name__ == "__main__":
    sys.exit(main())
