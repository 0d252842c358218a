#!/usr/bin/env python3
"""tlsscope's JA3, JA3S and JA4 against values computed or published elsewhere.

For each capture, `tlsscope read --json` is run and the fingerprint fields of
its connections (client_hello.ja3 / ja3_string / ja4 / ja4_r,
server_hello.ja3s / ja3s_string, hello_retry_request.ja3s / ja3s_string; the
same names at the top level of a connection are accepted too) are compared
with:

  tshark     tshark 4.0's tls.handshake.ja3 / ja3_full (first ClientHello of
             each TCP stream, and of each QUIC connection's Initial packets)
             and ja3s / ja3s_full (first ServerHello that is not a
             HelloRetryRequest, and the HelloRetryRequest);
  tshark-ja4 JA4 and JA4_r computed here, by FoxIO's JA4.md, from tshark's
             dissection of that ClientHello (cipher suites, extension types,
             supported_versions, the first ALPN name's bytes, signature
             algorithms): the same spec over another parser; 'q' for QUIC;
  published  the values published beside the public captures of the corpus
             (../shared/corpus, README.md and MANIFEST.tsv there): FoxIO's JA4
             outputs (python/test/testdata/*.json, rust insta snapshots),
             nDPI's .out files (JA3C, JA3S, JA4), suricata-verify's test.yaml
             (tls.ja3.*, tls.ja3s.*, tls.ja4), Arkime's .test sessions (ja3,
             ja3string, ja3s, ja3sstring, ja4, ja4_r) and PcapPlusPlus's TLS
             fingerprint tables (JA3 / JA3S with endpoints). Of QUIC
             connections only JA4 ("q..."): FoxIO's rust snapshots
             ("transport: udp"), nDPI's UDP flows, suricata's quic.ja4,
             Arkime's quic sessions. A published value names a connection
             by its endpoints and its transport (TCP, or QUIC).

Connections are paired by their endpoints. Each comparison is one check; a
check that disagrees is listed with both values. Disagreements explained in
KNOWN below are listed and counted apart, not as failures. A null fingerprint
on a hello tlsscope read (a malformed hello, one with more extensions than
tlsscope keeps) is excused only by its own line in fingerprint_known.tsv,
which must also name what tlsscope reports about that hello; a line no check
needed any more is stale and fails. The last line is
`fingerprints: N passed, M failed`; the exit status is 1 when M > 0.

Without the corpus (and without capture arguments) the test is skipped, says
so, and exits 0. So it does when tlsscope's JSON carries no fingerprint field
at all (the fields are not there yet).

  fingerprint_expected.py --tlsscope build/tlsscope [--corpus DIR | --no-corpus]
                          [-j N] [--only SUBSTR] [--no-tshark] [--no-published]
                          [--quic] [-v] [capture ...]
  fingerprint_expected.py --list-expected [--corpus DIR] [--only SUBSTR]

--quic keeps the corpus's QUIC captures (those quic_corpus.py compares with
tshark) and the checks of their QUIC connections.
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
from dataclasses import dataclass

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from difflib_common import (Obj, clear_error_message, iter_json_array,  # noqa: E402
                            libpcap_reads, run_cached, run_tlsscope, tshark_bin)
from difflib_common import capture_key as dc_capture_key  # noqa: E402
from difflib_common import reviewed_rows  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CORPUS = os.path.normpath(os.path.join(HERE, "..", "..", "..", "shared", "corpus"))
TSHARK_TIMEOUT = 600
HRR_RANDOM = "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c"

# (capture path in the corpus, source, field[, expected value]) -> why
# tlsscope's value is right and the other one is not (or why they cannot
# agree). Listed, not failed. The general rules in classify() are tried first.
KNOWN = {
    ("ja4/pcap/tls-non-ascii-alpn.pcapng", "foxio-python", "ja4"):
        "first ALPN name is 0xba 0xad: JA4.md prints its hex digits ('bd'); "
        "FoxIO's python and rust outputs of the time print '99'",
    ("ja4/pcap/tls-non-ascii-alpn.pcapng", "foxio-python", "ja4_r"):
        "as ja4: 'bd' by JA4.md, '99' in FoxIO's older output",
    ("ja4/pcap/tls-non-ascii-alpn.pcapng", "foxio-rust", "ja4"):
        "as foxio-python: 'bd' by JA4.md, '99' in FoxIO's older output",
    ("nDPI/tests/cfgs/default/pcap/android.pcap", "ndpi", "ja4",
     "t13d1712h0_5b57614c22b0_3f5d972527c0"):
        "the only ALPN offered is 'h2' (tshark agrees): JA4.md gives 'h2'; "
        "nDPI printed 'h0'",
    ("suricata-verify/tests/tls/tls13-draft14/tls13_draft14.pcap", "tshark", "ja3s"):
        "a TLS 1.3 draft-14 ServerHello (version 0x0304) has no session id and no "
        "compression method; tshark 4.0 knows that only for 0x7fNN versions, so it "
        "reads a session id out of the suite and gets suite 44205 and no extensions; "
        "tlsscope reads suite 0xc02b and key_share (40, its draft number)",
    ("suricata-verify/tests/tls/tls13-draft14/tls13_draft14.pcap", "tshark", "ja3s_string"):
        "as ja3s: tshark reads the draft-14 ServerHello as TLS 1.2",
}


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

# JA4's first letter -> the connection's transport, as tlsscope names it
JA4_TRANSPORT = {"t": "tcp", "q": "quic"}

JA4_VERSIONS = {0x0304: "13", 0x0303: "12", 0x0302: "11", 0x0301: "10",
                0x0300: "s3", 0x0002: "s2", 0xFEFF: "d1", 0xFEFD: "d2", 0xFEFC: "d3"}


def _h12(s: str) -> str:
    return "000000000000" if s == "" else hashlib.sha256(s.encode()).hexdigest()[:12]


def ja4_from_fields(legacy: int, ciphers: list, exts: list, versions: list | None,
                    alpn_first: bytes | None, sigalgs: list, proto: str = "t") -> tuple[str, str]:
    """(ja4, ja4_r) per technical_details/JA4.md: proto "t" for TLS over
    TCP, "q" for QUIC."""
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
    head = "%s%s%s%02d%02d%s" % (proto, JA4_VERSIONS.get(ver, "00"), sni, min(len(c), 99),
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
    transport: str = "tcp"   # "tcp" or "quic" (tlsscope's names)

    def key(self):
        return (self.transport, frozenset((self.a, self.b)))


def _children(node):
    """The (key, value) pairs of an Obj (tshark's repeated keys kept)."""
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


def _ts_client_hello(hs: Obj, proto: str = "t") -> dict:
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
            # the first name: tshark gives no string field for an empty one,
            # so its length decides
            if _int(_first(v, "tls.handshake.extensions_alpn_str_len")) == 0:
                alpn = b""
            else:
                alpn = _raw_hex(_first(v, "tls.handshake.extensions_alpn_str_raw")) or b""
        elif t == 13 and not sigs:
            sigs = [_int(x) for x in _find_all(v, "tls.handshake.sig_hash_alg", [])]
    if out["ja3"] and legacy is not None and None not in ciphers:
        out["ja4"], out["ja4_r"] = ja4_from_fields(legacy, ciphers, exts, versions, alpn, sigs,
                                                   proto)
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


def tshark_conns(capture: str) -> list:
    """tshark's TCP streams and QUIC connections (UDP streams: the hellos in
    the CRYPTO frames of their Initial packets, which tshark opens without
    keys) with hellos, in stream order."""
    cmd = [tshark_bin(), "-n", "-r", capture,
           "-o", "tcp.desegment_tcp_streams:TRUE", "-o", "tls.desegment_ssl_records:TRUE",
           "-Y", "tls.handshake.type == 1 || tls.handshake.type == 2",
           "-T", "json", "-x", "-J", "frame ip ipv6 tcp tls udp quic"]
    env = dict(os.environ)
    env["WIRESHARK_CONFIG_DIR"] = _empty_conf_dir()
    rc, out, err = run_cached(cmd, env, TSHARK_TIMEOUT)
    text = out.decode("utf-8", "replace")
    if rc != 0 and not text.lstrip().startswith("["):
        raise RuntimeError("tshark exit %d: %s" % (rc, err[:300]))
    conns: dict[tuple, TsConn] = {}
    for pkt in iter_json_array(text):
        layers = pkt.get("_source").get("layers")
        src_ip = dst_ip = tcp = udp = None
        tls_layers, quic_layers = [], []
        for k, v in layers:
            if k == "ip" and isinstance(v, Obj):
                src_ip, dst_ip = v.get("ip.src"), v.get("ip.dst")
            elif k == "ipv6" and isinstance(v, Obj):
                src_ip, dst_ip = v.get("ipv6.src"), v.get("ipv6.dst")
            elif k == "tcp" and isinstance(v, Obj):
                tcp = v
            elif k == "udp" and isinstance(v, Obj):
                udp = v
            elif k == "tls":
                tls_layers.append(v)
            elif k == "quic":
                quic_layers.append(v)
        if src_ip is None:
            continue
        if tcp is not None:
            transport, l4, proto = "tcp", tcp, "t"
        elif udp is not None and quic_layers:
            # the TLS of QUIC sits in the CRYPTO frames of each packet
            transport, l4, proto = "quic", udp, "q"
            tls_layers = _find_all(quic_layers, "tls", [])
        else:
            continue
        src = (norm_ip(src_ip), _int(l4.get(transport == "tcp" and "tcp.srcport" or "udp.srcport")))
        dst = (norm_ip(dst_ip), _int(l4.get(transport == "tcp" and "tcp.dstport" or "udp.dstport")))
        stream = (transport, _int(l4.get(transport == "tcp" and "tcp.stream" or "udp.stream")))
        for tl in tls_layers:
            for hs in _find_all(tl, "tls.handshake", []):
                if not isinstance(hs, Obj):
                    continue
                t = _int(hs.get("tls.handshake.type"))
                if t not in (1, 2) or hs.get("tls.handshake.version") is None:
                    continue
                cv = conns.get(stream)
                if cv is None:
                    cv = conns[stream] = TsConn(stream[1], src, dst, transport=transport)
                if t == 1:
                    if cv.client is None:
                        cv.client = src
                    if cv.ch is None and src == cv.client:
                        cv.ch = _ts_client_hello(hs, proto)
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
    return sorted(conns.values(), key=lambda c: (c.transport, c.stream))


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

    @property
    def transport(self) -> str:
        return self.raw.get("transport") or "tcp"

    def key(self):
        return (self.transport, frozenset((self.client, self.server)))


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
    transport: str = "tcp"    # the connection's, as tlsscope names it: "tcp", "quic"


def _ip_or_none(s) -> str | None:
    """A normalised address, or None (a wildcard) for text that is not one:
    nDPI prints some IPv6 addresses in a form that does not parse."""
    try:
        return ipaddress.ip_address(str(s).strip().strip("[]")).compressed
    except ValueError:
        return None


def _pair(a_ip, a_port, b_ip, b_port):
    return frozenset(((_ip_or_none(a_ip), _int(a_port)), (_ip_or_none(b_ip), _int(b_port))))


def _ends_match(ends: frozenset, c, transport: str = "tcp") -> bool:
    """Do a published connection's endpoints (None ip: any) and transport
    name tlsscope's c?"""
    if c.transport != transport:
        return False
    mine = [c.client, c.server]
    theirs = list(ends)
    if len(theirs) == 1:        # both ends equal: not a real connection
        theirs = theirs * 2
    for x, y in ((0, 1), (1, 0)):
        if all(mine[i] is not None and theirs[j][1] == mine[i][1]
               and (theirs[j][0] is None or theirs[j][0] == mine[i][0])
               for i, j in ((0, x), (1, y))):
            return True
    return False


def exp_foxio_python(path, rel):
    out = []
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    for e in data if isinstance(data, list) else []:
        ends = _pair(e.get("src"), e.get("srcport"), e.get("dst"), e.get("dstport"))
        for fld, keys in (("ja4", ("JA4", "JA4.1")), ("ja4_r", ("JA4_r", "JA4_r.1"))):
            for k in keys:
                v = e.get(k)
                if isinstance(v, str) and v[:1] in JA4_TRANSPORT:
                    out.append(Expect("foxio-python", rel, fld, v, ends,
                                      transport=JA4_TRANSPORT[v[0]]))
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
        # QUIC is "transport: udp" there, its JA4 "q..."
        want = {"tcp": "t", "udp": "q"}.get(e.get("transport"))
        if want is None:
            continue
        ends = _pair(e.get("src"), e.get("src_port"), e.get("dst"), e.get("dst_port"))
        for fld in ("ja4", "ja4_r"):
            if e.get(fld, "").startswith(want):
                out.append(Expect("foxio-rust", rel, fld, e[fld], ends,
                                  transport=JA4_TRANSPORT[want]))
    return out


NDPI_FLOW = re.compile(r"^\s*\d+\s+(TCP|UDP)\s+(\S+):(\d+)\s+(?:<->|->|<-)\s+(\S+):(\d+)\s")


def exp_ndpi(path, rel):
    out = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            m = NDPI_FLOW.match(line)
            if not m:
                continue
            ends = _pair(m.group(2), m.group(3), m.group(4), m.group(5))
            udp = m.group(1) == "UDP"
            for tag, fld in (("JA3C", "ja3"), ("JA3S", "ja3s"), ("JA4", "ja4")):
                mm = re.search(r"\[%s: ([^\]]+)\]" % tag, line)
                if mm:
                    v = mm.group(1).split()[0]   # "573a... (WEAK)" -> the hash
                    # over UDP only QUIC's JA4 ("q..."): its JA3 and DTLS's
                    # fingerprints are not compared here
                    if fld == "ja4" and not v.startswith("q" if udp else "t") or udp and fld != "ja4":
                        continue
                    out.append(Expect("ndpi", rel, fld, v, ends, transport="quic" if udp else "tcp"))
    return out


SURICATA_KEYS = {"tls.ja3.hash": "ja3", "tls.ja3.string": "ja3_string",
                 "tls.ja3s.hash": "ja3s", "tls.ja3s.string": "ja3s_string",
                 "tls.ja4": "ja4", "quic.ja4": "ja4"}


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
            quic = m.group(1).startswith("quic.")
            if fld == "ja4" and not v.startswith("q" if quic else "t"):
                continue
            out.append(Expect("suricata", rel, fld, v, None, count,
                              transport="quic" if quic else "tcp"))
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
        if "ip" not in src or "ip" not in dst:
            continue
        if b.get("ipProtocol") in (None, 6):
            transport = "tcp"
        elif b.get("ipProtocol") == 17 and "quic" in (b.get("protocol") or []):
            transport = "quic"      # only its JA4 ("q...") is compared
        else:
            continue
        ends = _pair(src["ip"], src.get("port"), dst["ip"], dst.get("port"))
        tls = b.get("tls", {})
        for k, fld in (("ja3", "ja3"), ("ja3string", "ja3_string"), ("ja3s", "ja3s"),
                       ("ja3sstring", "ja3s_string"), ("ja4", "ja4"), ("ja4_r", "ja4_r")):
            vals = tls.get(k)
            if isinstance(vals, list) and vals:
                # one value per hello; tlsscope shows the first ClientHello
                v = vals[0]
                if fld.startswith("ja4") and not str(v).startswith("q" if transport == "quic" else "t"):
                    continue
                if transport == "quic" and not fld.startswith("ja4"):
                    continue
                out.append(Expect("arkime", rel, fld, str(v), ends, transport=transport))
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
    status: str                 # "pass", "fail", "known", "unseen"
    why: str = ""
    sc: ScConn | None = None


def _label(c) -> str:
    def s(ep):
        if ep is None:
            return "?"
        ip, port = ep
        return (f"[{ip}]:{port}" if ip and ":" in ip else f"{ip}:{port}")
    return f"{s(c.client)}->{s(c.server)}"


def _pair_label(ends) -> str:
    return "<->".join(f"{ip or '?'}:{port}" for ip, port in sorted(ends, key=str))


def _hello_obj(c: ScConn, fld: str):
    """tlsscope's hello object a field belongs to (None: it has none)."""
    key = ("hello_retry_request" if fld.startswith("hrr.") else
           "client_hello" if fld in FP_KEYS_CH else "server_hello")
    h = c.raw.get(key)
    return h if isinstance(h, dict) else None


def _fp(c: ScConn, fld: str):
    if fld.startswith("hrr."):
        return c.hrr.get(fld[4:])
    if fld in FP_KEYS_CH:
        return c.ch.get(fld)
    return c.sh.get(fld)


def _verdict(capture, source, fld, label, exp, c: ScConn | None) -> Check:
    if c is None:
        return Check(capture, source, fld, label, exp, None, "unseen",
                     "no such connection in tlsscope's output")
    if _hello_obj(c, fld) is None:
        what = {"client_hello": "ClientHello", "server_hello": "ServerHello"}
        return Check(capture, source, fld, label, exp, None, "unseen",
                     "tlsscope read no %s on this connection" %
                     ("HelloRetryRequest" if fld.startswith("hrr.") else
                      "ClientHello" if fld in FP_KEYS_CH else "ServerHello"), sc=c)
    got = _fp(c, fld)
    return Check(capture, source, fld, label, exp, got, "pass" if got == exp else "fail", sc=c)


def compare_tshark(capture: str, ts: list, sc: list) -> list:
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
        label = _label(s) if s else f"{'tcp' if t.transport == 'tcp' else 'udp'}.stream {t.stream}"
        items = []
        if t.ch is not None:
            for f in ("ja3", "ja3_string", "ja4", "ja4_r"):
                items.append(("tshark-ja4" if f.startswith("ja4") else "tshark", f, t.ch.get(f)))
        for part, d in (("", t.sh), ("hrr.", t.hrr)):
            if d is not None:
                for f in ("ja3s", "ja3s_string"):
                    items.append(("tshark", part + f, d.get(f)))
        for src, f, exp in items:
            chk = _verdict(capture, src, f, label, exp or None, s)
            if chk.expected is None and not chk.got:
                continue    # neither gives one (an SSLv2 hello; one tshark could not read)
            checks.append(chk)
    return checks


def compare_published(capture: str, exps: list, sc: list) -> list:
    checks = []
    for e in exps:
        if e.ends is None:      # suricata: a value some connection must (not) have
            mine = [c for c in sc if c.transport == e.transport]
            n = sum(1 for c in mine if _fp(c, e.field) == e.value)
            ok = n == 0 if e.count == 0 else n >= 1
            vals = sorted({str(_fp(c, e.field)) for c in mine if _fp(c, e.field)})
            got = e.value if n else (", ".join(vals) if vals else None)
            chk = Check(capture, e.source, e.field, "(any connection)", e.value, got,
                        "pass" if ok else "fail",
                        f"suricata count {e.count}" if e.count is not None else "")
            if not ok and e.count != 0:
                # a known reason that holds for one of the connections holds here
                for c in mine:
                    alt = Check(capture, e.source, e.field, _label(c), e.value, _fp(c, e.field),
                                "fail", sc=c)
                    classify(alt)
                    if alt.status == "known":
                        chk = alt
                        break
            checks.append(chk)
            continue
        conns = [c for c in sc if _ends_match(e.ends, c, e.transport)]
        if not conns:
            if e.source != "pcapplusplus":   # its tables are shared by several captures
                checks.append(_verdict(capture, e.source, e.field, _pair_label(e.ends),
                                       e.value, None))
            continue
        vs = [_verdict(capture, e.source, e.field, _label(c), e.value, c) for c in conns]
        best = next((v for v in vs if v.status == "pass"), None) or \
            next((v for v in vs if v.status == "fail"), None) or vs[0]
        checks.append(best)
    return checks


# --------------------------------------------------------------------------
# known disagreements

def _hello_fp(fld: str) -> tuple[str, str]:
    """A check's field -> (tlsscope's hello object, fingerprint name)."""
    if fld.startswith("hrr."):
        return "hello_retry_request", fld[4:]
    return ("client_hello" if fld in FP_KEYS_CH else "server_hello"), fld


def tlsscope_says(h: dict) -> str:
    """What tlsscope reports about a hello it gives no fingerprint for: its
    error, or that it kept only part of the extensions, or nothing."""
    err = h.get("error")
    if isinstance(err, dict):
        return "%s: %s" % (err.get("kind", "?"), err.get("reason", "?"))
    if err is not None:
        return "error: %s" % err
    if "extensions_count" in h:
        return "%s extensions, %d kept" % (h["extensions_count"], len(h.get("extensions") or []))
    return "no error"


def capture_key(capture: str) -> str:
    """A capture as fingerprint_known.tsv names it: relative to the corpus
    (as the checks of corpus captures already are), or for a capture given as
    an argument (made absolute in main()), relative to the source tree when it
    lies inside it."""
    return dc_capture_key(capture) if os.path.isabs(capture) else capture


@dataclass
class NullEntry:
    capture: str
    conn: str
    hello: str
    fps: tuple
    says: str
    reason: str
    line: int
    used: set


class NullKnown:
    """fingerprint_known.tsv: the reviewed cases where tlsscope reads a hello
    but gives no fingerprint for it while another source gives one. Each
    line names one hello (capture, connection, which hello), the
    fingerprints concerned, what tlsscope reports about the hello (which
    must still be what it reports) and why no fingerprint is right. A
    listed fingerprint no checked value needed is stale: a failure, so the
    list cannot outlive what it describes."""

    HELLOS = ("client_hello", "server_hello", "hello_retry_request")
    FPS = {"client_hello": FP_KEYS_CH, "server_hello": FP_KEYS_SH,
           "hello_retry_request": FP_KEYS_SH}

    def __init__(self, path: str):
        self.path = path
        self.entries: list[NullEntry] = []
        self.errors: list[str] = []
        if not os.path.exists(path):
            return
        for n, cols in reviewed_rows(path):
            if cols[0] == "capture":
                continue    # the header row
            if len(cols) != 6 or not all(c.strip() for c in cols):
                self.errors.append("%s:%d: expected 6 non-empty tab-separated columns, "
                                   "got %d" % (path, n, len(cols)))
                continue
            cap, conn, hello, fps, says, reason = cols
            fps = tuple(x.strip() for x in fps.split(","))
            if hello not in self.HELLOS or not set(fps) <= set(self.FPS[hello]) \
                    or "*" in cap + conn:
                self.errors.append("%s:%d: no such hello/fingerprint (%s: %s), or a "
                                   "wildcard" % (path, n, hello, ",".join(fps)))
                continue
            self.entries.append(NullEntry(cap, conn, hello, fps, says, reason, n, set()))

    def lookup(self, capture, conn, hello, fp, says) -> NullEntry | None:
        key = capture_key(capture)
        for e in self.entries:
            if (e.capture, e.conn, e.hello, e.says) == (key, conn, hello, says) and fp in e.fps:
                e.used.add(fp)      # one set.add: safe from the worker threads
                return e
        return None

    def stale(self, ran: set, all_captures: set | None) -> list[str]:
        """Listed fingerprints no check used, for the captures that ran (and,
        after a run over the whole corpus, entries naming no capture in it)."""
        out = []
        for e in self.entries:
            gone = all_captures is not None and e.capture not in all_captures
            if e.capture not in ran and not gone:
                continue
            left = [fp for fp in e.fps if fp not in e.used]
            if left:
                out.append("%s:%d: %s %s %s: %s listed (tlsscope: %s) but no check needed it%s"
                           % (os.path.basename(self.path), e.line, e.capture, e.conn, e.hello,
                              ",".join(left), e.says,
                              " (no such capture)" if gone and e.capture not in ran else ""))
        return out


NULL_KNOWN = NullKnown(os.path.join(HERE, "fingerprint_known.tsv"))


def _first_alpn(c: ScConn) -> str | None:
    a = c.raw.get("alpn")
    off = a.get("offered") if isinstance(a, dict) else None
    return off[0] if isinstance(off, list) and off and isinstance(off[0], str) else None


def _ndpi_ja4(chk: Check) -> str | None:
    """nDPI's JA4 differs from JA4.md in three ways; undo them in its value and
    say which, if what is left is tlsscope's value."""
    exp, got = chk.expected or "", chk.got or ""
    if len(exp) != 36 or len(got) != 36 or exp[:3] != got[:3]:
        return None
    e, why = list(exp), []
    if e[3] != got[3]:
        e[3] = got[3]
        why.append("the SNI letter: nDPI writes 'i' for a server_name holding an IP "
                   "literal and 'd' when it knows a host name from elsewhere; JA4.md "
                   "only asks whether extension 0 is present")
    alpn = _first_alpn(chk.sc) if chk.sc else None
    if exp[8:10] != got[8:10] and alpn and exp[8:10] == alpn[:2]:
        e[8:10] = got[8:10]
        why.append("the ALPN letters: nDPI takes the first two characters of the first "
                   "ALPN (%r); JA4.md the first and last" % alpn)
    if (exp[8:10] != got[8:10] and got[0] == "q" and alpn and exp[8] == alpn[0]
            and exp[9] == "0" and got[8:10] == (alpn[0] + alpn[-1])):
        e[8:10] = got[8:10]
        why.append("the ALPN letters of a QUIC hello: nDPI writes the first ALPN's first "
                   "character and '0' (%r gives %r); JA4.md and FoxIO's own output take its "
                   "first and last (ja4/pcap/quic-tls-handshake.pcapng: "
                   "q13d0310h3_55b375c5d22e_cd85d2d88918)" % (alpn, exp[8:10]))
    if exp[24:] == "e3b0c44298fc" and got[24:] == "000000000000":
        e[24:] = got[24:]
        why.append("an empty extension list: nDPI hashes the empty string "
                   "(e3b0c44298fc); JA4.md writes 000000000000")
    if why and "".join(e) == got:
        return "; ".join(why)
    return None


def classify(chk: Check):
    if chk.status != "fail":
        return
    why = None
    h = _hello_obj(chk.sc, chk.field) if chk.sc else None
    if chk.got is None and h is not None:
        # tlsscope read the hello but gives no fingerprint: only a reviewed
        # entry of fingerprint_known.tsv excuses that, never a general rule
        hello, fp = _hello_fp(chk.field)
        says = tlsscope_says(h)
        e = NULL_KNOWN.lookup(chk.capture, chk.conn, hello, fp, says)
        if e is None:
            chk.why = ("tlsscope gives no %s on this %s (tlsscope: %s), and no entry of %s "
                       "lists it" % (fp, hello, says, os.path.basename(NULL_KNOWN.path)))
            return
        chk.status, chk.why = "known", e.reason
        return
    if (why is None and chk.source == "tshark" and chk.field in ("ja3", "ja3_string")
            and h is not None and sum(1 for e in h.get("extensions") or []
                                      if isinstance(e, dict) and e.get("code") == "0x000a") > 1):
        why = ("the ClientHello repeats supported_groups (illegal): tshark 4.0 appends "
               "',<second list>' (six fields); tlsscope uses the first list")
    if why is None and chk.source == "ndpi" and chk.field == "ja4":
        why = _ndpi_ja4(chk)
    if why is None and chk.field == "ja4" and chk.sc and chk.expected and chk.got:
        raw = chk.sc.ch.get("ja4_r") or ""
        parts = raw.split("_")
        if (len(parts) == 3 and chk.expected[:24] == chk.got[:24]
                and chk.expected[24:] == _h12(parts[2] + "_")):
            why = ("no signature algorithms: %s hashed the extension list with a "
                   "trailing '_'; JA4.md: \"the string ends without an underscore\""
                   % chk.source)
    if (why is None and chk.field in ("ja3s", "ja3s_string") and chk.source != "tshark"
            and chk.sc and chk.expected and chk.sc.hrr.get(chk.field) == chk.expected):
        why = ("%s gives the HelloRetryRequest's JA3S; tlsscope's server_hello is the "
               "ServerHello after it (hello_retry_request.%s has this value)"
               % (chk.source, chk.field))
    if why is None:
        why = (KNOWN.get((chk.capture, chk.source, chk.field, chk.expected))
               or KNOWN.get((chk.capture, chk.source, chk.field)))
    if why:
        chk.status, chk.why = "known", why


# --------------------------------------------------------------------------

def run_one(binary: str, corpus: str | None, capture: str, exps: list, use_tshark: bool,
            only_quic: bool = False):
    """-> (checks, fields_seen, error, skipped_reason); only_quic: the
    checks of QUIC connections only"""
    if only_quic:
        exps = [e for e in exps if e.transport == "quic"]
    path = os.path.join(corpus, capture) if corpus and not os.path.isabs(capture) else capture
    run = run_tlsscope(binary, path, timeout=300)
    if run.status == "exit" and clear_error_message(run.stderr, path):
        readable, why = libpcap_reads(path)
        if readable is not True:
            return [], False, None, f"libpcap cannot read it ({why or 'unknown'})"
    if run.status != "ok":
        return [], False, f"tlsscope {run.status}: {run.detail}", None
    sc, seen = scope_conns(run.conns)
    checks = []
    if use_tshark:
        try:
            ts = tshark_conns(path)
        except (RuntimeError, subprocess.TimeoutExpired) as e:
            return [], seen, f"tshark: {e}", None
        if only_quic:
            ts = [t for t in ts if t.transport == "quic"]
        checks += compare_tshark(capture, ts, sc)
    checks += compare_published(capture, exps, sc)
    for c in checks:
        classify(c)
    return checks, seen, None, None


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tlsscope", help="the tlsscope binary")
    ap.add_argument("--corpus", default=DEFAULT_CORPUS)
    ap.add_argument("--no-corpus", action="store_true",
                    help="only the captures given as arguments")
    ap.add_argument("-j", type=int, default=2, help="captures in parallel")
    ap.add_argument("--only", help="corpus captures whose path contains this")
    ap.add_argument("--no-tshark", action="store_true", help="published values only")
    ap.add_argument("--no-published", action="store_true", help="tshark only")
    ap.add_argument("--list-expected", action="store_true",
                    help="print the published values per capture and exit")
    ap.add_argument("--quic", action="store_true",
                    help="only the corpus's QUIC captures (as quic_corpus.py selects them) "
                         "and their QUIC connections")
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="list agreements and unseen hellos too")
    ap.add_argument("captures", nargs="*", help="more captures, compared with tshark only")
    a = ap.parse_args()

    have_corpus = not a.no_corpus and os.path.isfile(os.path.join(a.corpus, "MANIFEST.tsv"))
    jobs = []   # (capture, expected list, corpus-or-None)
    if have_corpus:
        caps, exp_files = load_manifest(a.corpus)
        quic_caps = None
        if a.quic:
            import quic_corpus  # noqa: E402  (its selection of QUIC captures)
            quic_caps = {q.rel for q in quic_corpus.select(a.corpus)}
        for c in caps:
            if a.only and a.only not in c:
                continue
            if quic_caps is not None and c not in quic_caps:
                continue
            exps = [] if a.no_published else published_for(a.corpus, c, exp_files.get(c, set()))
            jobs.append((c, exps, a.corpus))
    for c in a.captures:
        jobs.append((os.path.abspath(c), [], None))

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
        for (s_, f), n in sorted(by.items()):
            print(f"# {s_} {f}: {n} values", file=sys.stderr)
        return 0

    if not jobs:
        print("fingerprints: skipped: no corpus at %s and no captures given"
              % ("(--no-corpus)" if a.no_corpus else a.corpus))
        print("fingerprints: 0 passed, 0 failed")
        return 0
    if not a.tlsscope:
        ap.error("--tlsscope is required")

    checks, errors, skipped, any_seen = [], [], [], False
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.j)) as ex:
        futs = {ex.submit(run_one, a.tlsscope, corp, c, exps,
                          not a.no_tshark or corp is None, a.quic): c
                for c, exps, corp in jobs}
        for fu in concurrent.futures.as_completed(futs):
            c = futs[fu]
            try:
                cks, seen, err, skip = fu.result()
            except Exception as e:  # a bug here must not hide the other captures
                cks, seen, err, skip = [], False, f"{type(e).__name__}: {e}", None
            any_seen |= seen
            if err:
                errors.append((c, err))
            if skip:
                skipped.append((c, skip))
            checks += cks

    if not any_seen:
        print("fingerprints: skipped: tlsscope's JSON has no ja3/ja3s/ja4 fields")
        print("fingerprints: 0 passed, 0 failed")
        return 0

    # fingerprint_known.tsv: broken lines, and entries nothing needed any more
    # (judged only when both kinds of reference were compared)
    stale = list(NULL_KNOWN.errors)
    if a.no_tshark or a.no_published or a.quic:
        print("note: --no-tshark/--no-published/--quic: stale entries of %s not looked for"
              % os.path.basename(NULL_KNOWN.path))
    else:
        ran = {capture_key(c) for c, _, _ in jobs}
        whole = set(caps) if have_corpus and not a.only else None
        stale += NULL_KNOWN.stale(ran, whole)

    checks.sort(key=lambda c: (c.capture, c.source, c.conn, c.field))
    by = {k: [c for c in checks if c.status == k] for k in ("pass", "fail", "known", "unseen")}

    def show(tag, c, extra=""):
        print(f"{tag:6}{c.capture} [{c.source}] {c.conn} {c.field}\n"
              f"        expected {c.expected}\n        tlsscope {c.got}" + extra)

    if a.verbose:
        for c in by["pass"]:
            print(f"ok    {c.capture} [{c.source}] {c.conn} {c.field} {c.expected}")
    for c in by["fail"]:
        show("FAIL", c, f"\n        ({c.why})" if c.why else "")
    for c in by["known"]:
        show("known", c, f"\n        because {c.why}")
    unseen = {}
    for c in by["unseen"]:
        unseen.setdefault((c.capture, c.conn, c.why), []).append(c.source + ":" + c.field)
    if a.verbose:
        for (cap, conn, why), flds in sorted(unseen.items()):
            print(f"unseen {cap} {conn}: {why} ({', '.join(sorted(set(flds)))})")
    for c, err in sorted(errors):
        print(f"ERROR {c}: {err}")
    for line in stale:
        print(f"STALE {line}")
    for c, why in sorted(skipped):
        print(f"skip  {c}: {why}")

    print("\nby source and field: agree / compared (known disagreements, not seen by tlsscope)")
    tab = {}
    for c in checks:
        t = tab.setdefault((c.source, c.field), {"pass": 0, "fail": 0, "known": 0, "unseen": 0})
        t[c.status] += 1
    for (s_, f), t in sorted(tab.items()):
        n = t["pass"] + t["fail"] + t["known"]
        print(f"  {s_:13} {f:17} {t['pass']:5} / {n:<5} ({t['known']} known, {t['unseen']} unseen)")
    n_caps = len({c for c, _, _ in jobs})
    print(f"{n_caps} captures ({len(skipped)} unreadable, {len(errors)} could not be compared); "
          f"{len(by['known'])} known disagreements; {len(by['unseen'])} values for hellos "
          f"tlsscope did not read ({len(unseen)} connections; -v lists them)")
    n_null = sum(1 for c in by["known"] if c.got is None)
    print(f"{n_null} of the known disagreements are null fingerprints listed in "
          f"{os.path.basename(NULL_KNOWN.path)} ({len(NULL_KNOWN.entries)} entries, "
          f"{len(stale)} stale or broken)")
    print(f"fingerprints: {len(by['pass'])} passed, "
          f"{len(by['fail']) + len(errors) + len(stale)} failed")
    return 1 if by["fail"] or errors or stale else 0


if __name__ == "__main__":
    sys.exit(main())
