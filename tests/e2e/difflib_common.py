"""Shared code for the differential tests that hold tlsscope against tshark.

tshark_diff.py and corpus_diff.py both reduce each tool's reading of a
capture to a per-TCP-connection "view" (see ConnView) and then compare views
field by field (see compare_views).  This module knows:

  * how to run tshark once over a capture and turn its -T json output into
    views (tshark_views),
  * how to run `tlsscope read --json` with a timeout and turn its JSON Lines
    into views (run_tlsscope / tlsscope_view),
  * how to pair the two sides' connections (match_views),
  * the number -> snake_case name tables for handshake types and alerts.

Python 3.11 standard library only.  tshark 4.0.x is assumed.
"""

from __future__ import annotations

import atexit
import ctypes
import ctypes.util
import gzip
import hashlib
import ipaddress
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
from dataclasses import dataclass, field

# --------------------------------------------------------------------------
# Name tables

# TLS HandshakeType (RFC 5246/8446 + extensions).  6 is the draft-TLS-1.3
# hello_retry_request; the RFC 8446 HRR is type 2 with HRR_RANDOM.
HS_TYPES = {
    0: "hello_request",
    1: "client_hello",
    2: "server_hello",
    3: "hello_verify_request",
    4: "new_session_ticket",
    5: "end_of_early_data",
    6: "hello_retry_request",
    8: "encrypted_extensions",
    11: "certificate",
    12: "server_key_exchange",
    13: "certificate_request",
    14: "server_hello_done",
    15: "certificate_verify",
    16: "client_key_exchange",
    20: "finished",
    21: "certificate_url",
    22: "certificate_status",
    23: "supplemental_data",
    24: "key_update",
    25: "compressed_certificate",
    67: "next_protocol",
    254: "message_hash",
}

# SSLv2 message types (tshark puts them in tls.handshake.type too, inside a
# record without tls.record.content_type).
SSL2_TYPES = {
    0: "sslv2_error",
    1: "client_hello",
    2: "sslv2_client_master_key",
    3: "sslv2_client_finished",
    4: "server_hello",
    5: "sslv2_server_verify",
    6: "sslv2_server_finished",
    7: "sslv2_request_certificate",
    8: "sslv2_client_certificate",
}

ALERT_LEVELS = {1: "warning", 2: "fatal"}

ALERT_DESCS = {
    0: "close_notify",
    10: "unexpected_message",
    20: "bad_record_mac",
    21: "decryption_failed",
    22: "record_overflow",
    30: "decompression_failure",
    40: "handshake_failure",
    41: "no_certificate",
    42: "bad_certificate",
    43: "unsupported_certificate",
    44: "certificate_revoked",
    45: "certificate_expired",
    46: "certificate_unknown",
    47: "illegal_parameter",
    48: "unknown_ca",
    49: "access_denied",
    50: "decode_error",
    51: "decrypt_error",
    60: "export_restriction",
    70: "protocol_version",
    71: "insufficient_security",
    80: "internal_error",
    86: "inappropriate_fallback",
    90: "user_canceled",
    100: "no_renegotiation",
    109: "missing_extension",
    110: "unsupported_extension",
    111: "certificate_unobtainable",
    112: "unrecognized_name",
    113: "bad_certificate_status_response",
    114: "bad_certificate_hash_value",
    115: "unknown_psk_identity",
    116: "certificate_required",
    120: "no_application_protocol",
    121: "ech_required",
}
_ALERT_DESC_BY_NAME = {v: k for k, v in ALERT_DESCS.items()}
_ALERT_LEVEL_BY_NAME = {v: k for k, v in ALERT_LEVELS.items()}

# RFC 8446 4.1.3: a ServerHello with this random is a HelloRetryRequest.
HRR_RANDOM = "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c"

VERSION_NAMES = {
    0x0002: "SSL 2.0", 0x0300: "SSL 3.0", 0x0301: "TLS 1.0",
    0x0302: "TLS 1.1", 0x0303: "TLS 1.2", 0x0304: "TLS 1.3",
    0xfeff: "DTLS 1.0", 0xfefd: "DTLS 1.2", 0xfefc: "DTLS 1.3",
    0x0100: "DTLS 1.0 (OpenSSL pre 0.9.8f)",
}

# --------------------------------------------------------------------------
# tshark invocation

# Reassembly preferences.  desegment_* are tshark's defaults already but are
# set explicitly so a preferences file cannot change the result.
#
# tcp.reassemble_out_of_order is a trade-off, measured over the corpus:
#   off (the 4.0 default): a segment that arrives out of order is not put
#       back in place, so e.g. the ServerHello of nDPI's teams.pcap is lost;
#   on: tshark waits for a missing segment forever, so after a real capture
#       gap nothing more of that direction is dissected (113 connections of
#       PcapPlusPlus tls2.pcap lose their NewSessionTicket/CCS/Finished).
# So tshark reads each capture with it off, and again with it on only when
# the first reading flags out-of-order or retransmitted segments; for each
# flagged stream the reading with more handshake/CCS/alert records is kept
# (both failure modes lose records, neither invents them).
TSHARK_PREFS = [
    "-o", "tcp.desegment_tcp_streams:TRUE",
    "-o", "tls.desegment_ssl_records:TRUE",
    "-o", "tls.desegment_ssl_application_data:TRUE",
]
OOO_OFF = ["-o", "tcp.reassemble_out_of_order:FALSE"]
OOO_ON = ["-o", "tcp.reassemble_out_of_order:TRUE"]
REORDER_FILTER = ("tcp.analysis.out_of_order || tcp.analysis.retransmission"
                  " || tcp.analysis.fast_retransmission"
                  " || tcp.analysis.spurious_retransmission")

_REORDER_FLAGS = ("tcp.analysis.out_of_order", "tcp.analysis.retransmission",
                  "tcp.analysis.fast_retransmission",
                  "tcp.analysis.spurious_retransmission")

TSHARK_TIMEOUT = 600


class ToolError(Exception):
    """tshark failed (not a tlsscope problem)."""


def tshark_bin() -> str:
    return os.environ.get("TSHARK", "tshark")


_EMPTY_CONF = None
_CONF_LOCK = threading.Lock()


def _tshark_env():
    """Run tshark with an empty personal configuration directory, so a
    user's preferences (RSA keys, key log, disabled protocols, decode-as)
    do not leak into the reference reading."""
    global _EMPTY_CONF
    with _CONF_LOCK:
        if _EMPTY_CONF is None:
            _EMPTY_CONF = tempfile.mkdtemp(prefix="tlsscope-tshark-conf-")
            atexit.register(shutil.rmtree, _EMPTY_CONF, True)
    env = dict(os.environ)
    env["WIRESHARK_CONFIG_DIR"] = _EMPTY_CONF
    return env


# tshark's reading of a file does not change while the file, its key log
# and tshark stay the same: a cache, so that the ASan phase of `make test`
# (and every test that reads the same corpus file the same way) runs tshark
# once. Keyed by the command and the size and mtime of each file it names
# and of tshark itself; TSC_TSHARK_CACHE names the directory ("off": none).
_CACHE_DEFAULT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".tshark-cache")


def _cache_dir():
    d = os.environ.get("TSC_TSHARK_CACHE", _CACHE_DEFAULT)
    return None if d == "off" else d


def _stat_of(path):
    try:
        st = os.stat(path)
        return [path, st.st_size, st.st_mtime_ns]
    except OSError:
        return None


def run_cached(cmd, env, timeout):
    """subprocess.run(cmd) -> (returncode, stdout bytes, stderr text), from
    the cache when the same command over the same files ran before."""
    d = _cache_dir()
    key = None
    if d:
        files = [shutil.which(cmd[0]) or cmd[0]]
        for arg in cmd[1:]:
            for part in (arg, arg.split(":", 1)[-1]):
                if os.path.isfile(part):
                    files.append(os.path.abspath(part))
        ident = json.dumps([cmd, [_stat_of(f) for f in files]])
        key = hashlib.sha256(ident.encode()).hexdigest()
        meta = os.path.join(d, key + ".json")
        try:
            with open(meta) as f:
                m = json.load(f)
            with open(os.path.join(d, key + ".out.gz"), "rb") as f:
                return m["rc"], gzip.decompress(f.read()), m["err"]
        except (OSError, ValueError, KeyError, EOFError, gzip.BadGzipFile):
            pass
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, env=env)
    err = p.stderr.decode("utf-8", "replace")
    if key:
        try:
            os.makedirs(d, exist_ok=True)
            tmp = os.path.join(d, "%s.%d.tmp" % (key, os.getpid()))
            with open(tmp, "wb") as f:
                f.write(gzip.compress(p.stdout, 1))
            os.replace(tmp, os.path.join(d, key + ".out.gz"))
            with open(tmp, "w") as f:
                json.dump({"rc": p.returncode, "err": err}, f)
            os.replace(tmp, os.path.join(d, key + ".json"))  # last: its presence says the entry is whole
        except OSError:
            pass
    return p.returncode, p.stdout, err


class Obj(list):
    """A JSON object kept as an ordered list of (key, value) pairs.

    tshark -T json repeats keys ("tls.record", "tls.handshake", "tls", ...)
    when a field occurs several times; a dict would keep only the last."""

    def get(self, key, default=None):
        for k, v in self:
            if k == key:
                return v
        return default

    def getall(self, key):
        return [v for k, v in self if k == key]


def _obj_hook(pairs):
    return Obj(pairs)


def iter_json_array(text: str):
    """Yield the elements of tshark's top-level JSON array one at a time."""
    dec = json.JSONDecoder(object_pairs_hook=_obj_hook)
    i = text.find("[")
    if i < 0:
        return
    i += 1
    n = len(text)
    ws = " \t\r\n,"
    while True:
        while i < n and text[i] in ws:
            i += 1
        if i >= n or text[i] == "]":
            return
        obj, i = dec.raw_decode(text, i)
        yield obj


def run_tshark_json(capture: str, keylog: str | None = None,
                    extra: list[str] | None = None,
                    display_filter: str = "tls",
                    timeout: int = TSHARK_TIMEOUT,
                    layers: str = "frame ip ipv6 tcp tls") -> str:
    cmd = [tshark_bin(), "-n", "-r", capture] + TSHARK_PREFS
    if keylog:
        cmd += ["-o", "tls.keylog_file:" + keylog]
    cmd += list(extra or [])
    # -Y keeps only frames where TLS was dissected (a reassembled PDU is
    # shown in the frame that completes it, so nothing is lost); -J keeps
    # only the layers we read.
    cmd += ["-Y", display_filter, "-T", "json", "-J", layers]
    try:
        rc, out, err = run_cached(cmd, _tshark_env(), timeout)
    except subprocess.TimeoutExpired:
        raise ToolError(f"tshark timed out after {timeout}s")
    err = "\n".join(l for l in err.splitlines()
                    if "Running as user" not in l).strip()
    if rc != 0:
        # tshark exits 2 on a capture that is cut short or damaged part way
        # ("appears to have been cut short", "appears to be damaged or
        # corrupt") but still prints the packets it read before that point:
        # that is tshark's reading of the file, so keep it.
        partial = ("cut short" in err or "damaged or corrupt" in err)
        if not (partial and out.lstrip().startswith(b"[")):
            raise ToolError(f"tshark exit {rc}: {err[:300]}")
    return out.decode("utf-8", "replace")


# --------------------------------------------------------------------------
# The normalised per-connection view

Endpoint = tuple  # (ip_text_normalised, port_int)


def norm_ip(s: str) -> str:
    try:
        return str(ipaddress.ip_address(s))
    except ValueError:
        return s


def ep_str(ep: Endpoint | None) -> str:
    if ep is None:
        return "?"
    ip, port = ep
    if ip is None:
        ip = "?"
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def _int(s, base=0):
    if s is None:
        return None
    if isinstance(s, int):
        return s
    s = str(s).strip()
    if not s:
        return None
    try:
        return int(s, base)
    except ValueError:
        return None


def hexcode(v, width=4) -> str:
    if v is None:
        return "null"
    return "0x%0*x" % (width, v)


@dataclass
class Hello:
    legacy_version: int | None = None
    suites: list | None = None          # ints (SSLv2 specs: 3-byte ints)
    suite: int | None = None            # ServerHello: selected suite
    extensions: list | None = None      # ints in wire order
    ext_total: int | None = None        # tlsscope: extensions_count when
                                        # the stored list was cut short
    sni: str | None = None
    supported_versions: list | None = None  # ints
    random: str | None = None           # lowercase hex, no separators
    sslv2: bool = False


@dataclass
class ConnView:
    """What one tool says about one TCP connection.

    Fields a source cannot provide are left as None/absent and listed in
    `unknown` so compare_views skips them."""
    a: Endpoint            # first-seen endpoint (the client when known)
    b: Endpoint
    client: Endpoint | None = None
    first_frame: int = 0
    # events in wire order: (src_endpoint, kind, payload)
    #   kind "hs": payload = snake_case handshake type
    #   kind "ccs": payload = None
    #   kind "alert": payload = (level_int|None, desc_int|None); None = encrypted
    events: list = field(default_factory=list)
    client_hello: Hello | None = None   # first ClientHello
    server_hello: Hello | None = None   # first ServerHello that is not an HRR
    hello_retry: bool = False
    certs: list | None = None           # serials of first server Certificate
    ticket_lifetime: int | None = None  # first server NewSessionTicket
    unknown: set = field(default_factory=set)
    extra: dict = field(default_factory=dict)

    @property
    def server(self) -> Endpoint | None:
        if self.client is None:
            return None
        return self.b if self.client == self.a else self.a

    def key(self) -> frozenset:
        return frozenset((self.a, self.b))


def conn_label(client: Endpoint | None, server: Endpoint | None) -> str:
    return f"{ep_str(client)}->{ep_str(server)}"


# --------------------------------------------------------------------------
# tshark JSON -> views

def _walk_first(node, key):
    """Depth-first search for the first value of `key` under node."""
    if isinstance(node, Obj):
        for k, v in node:
            if k == key:
                return v
            if isinstance(v, (Obj, list)):
                r = _walk_first(v, key)
                if r is not None:
                    return r
    elif isinstance(node, list):
        for v in node:
            r = _walk_first(v, key)
            if r is not None:
                return r
    return None


def _walk_all(node, key, out):
    if isinstance(node, Obj):
        for k, v in node:
            if k == key:
                out.append(v)
            elif isinstance(v, (Obj, list)):
                _walk_all(v, key, out)
    elif isinstance(node, list):
        for v in node:
            _walk_all(v, key, out)
    return out


def _hexbytes(s) -> str | None:
    if s is None or not isinstance(s, str):
        return None
    return s.replace(":", "").lower()


def _parse_extensions(msg: Obj):
    """Return (ext_codes, ext_objs) for a Client/ServerHello tree."""
    codes, objs = [], []
    for k, v in msg:
        if isinstance(v, Obj):
            t = v.get("tls.handshake.extension.type")
            if t is not None:
                codes.append(_int(t))
                objs.append(v)
    return codes, objs


def hello_from_tshark(msg: Obj, is_client: bool, sslv2: bool = False) -> Hello:
    h = Hello(sslv2=sslv2)
    h.legacy_version = _int(msg.get("tls.handshake.version"))
    h.random = _hexbytes(msg.get("tls.handshake.random"))
    if is_client:
        suites = []
        cs = msg.get("tls.handshake.ciphersuites")
        if isinstance(cs, Obj):
            for k, v in cs:
                if k in ("tls.handshake.ciphersuite", "tls.handshake.cipherspec"):
                    suites.append(_int(v))
        h.suites = suites
    else:
        h.suite = _int(msg.get("tls.handshake.ciphersuite"))
    codes, objs = _parse_extensions(msg)
    if sslv2:
        h.extensions = None
    else:
        h.extensions = codes
    for code, o in zip(codes, objs):
        if code == 0 and is_client and h.sni is None:
            n = _walk_first(o, "tls.handshake.extensions_server_name")
            if isinstance(n, str):
                h.sni = n
        elif code == 43 and h.supported_versions is None:
            h.supported_versions = [
                _int(x) for x in _walk_all(o, "tls.handshake.extensions.supported_version", [])]
    return h


def _cert_serials(msg: Obj) -> list:
    """Serials, in wire order, of a Certificate message tree.

    Each certificate shows as a tls.handshake.certificate (raw bytes) then
    tls.handshake.certificate_tree (the x509 dissection); in TLS 1.3 they sit
    one level deeper, under the certificate_list entries."""
    serials: list = []

    def visit(node):
        for k, v in node:
            if k == "tls.handshake.certificate":
                serials.append(None)
            elif k == "tls.handshake.certificate_tree":
                s = _walk_first(v, "x509af.serialNumber")
                if serials and serials[-1] is None and isinstance(s, str):
                    serials[-1] = norm_serial(s)
            elif isinstance(v, Obj):
                visit(v)
    visit(msg)
    return serials


def norm_serial(s) -> str | None:
    """Serial as lowercase hex without separators or leading zero bytes.

    tshark prints x509af.serialNumber as colon-separated bytes including a
    0x00 sign byte when the top bit is set; tlsscope prints lowercase hex.
    Leading zeros are dropped on both sides so only the integer is compared."""
    if s is None:
        return None
    s = str(s).replace(":", "").replace(" ", "").lower()
    neg = s.startswith("-")
    if neg:
        s = s[1:]
    if s.startswith("0x"):
        s = s[2:]
    if not re.fullmatch(r"[0-9a-f]+", s):
        return ("-" if neg else "") + s
    if neg:
        # A negative serial (DER INTEGER with the top bit set and no 0x00
        # pad, seen in the wild): tlsscope prints the signed value,
        # "-7505589ffffb3eff", tshark the raw two's-complement bytes,
        # 8a:fa:a7:60:00:04:c1:01.  Compare as the bytes.
        v = int(s, 16)
        nbytes = 1
        while v > (1 << (8 * nbytes - 1)):
            nbytes += 1
        s = "%0*x" % (2 * nbytes, (1 << (8 * nbytes)) - v)
    s = s.lstrip("0")
    return s or "0"


def tshark_views(capture: str, keylog: str | None = None,
                 extra: list[str] | None = None,
                 plaintext_only: bool = True) -> list[ConnView]:
    """tshark's reading of a capture: one ConnView per TCP stream with TLS.

    plaintext_only: leave out what tshark could only read by decrypting
    (keys from `keylog`, or from a pcapng Decryption Secrets Block, which
    tshark applies on its own): handshake messages and alert contents sent
    after the sender's ChangeCipherSpec in TLS <= 1.2, records carrying
    tls.record.opaque_type in TLS 1.3.  A decrypted alert then counts as an
    encrypted alert."""
    text = run_tshark_json(capture, keylog, OOO_OFF + list(extra or []),
                           "tls || " + REORDER_FILTER)
    views, flagged = _parse_views(text, plaintext_only)
    if not flagged:
        return views
    text2 = run_tshark_json(capture, keylog, OOO_ON + list(extra or []), "tls")
    views2, _ = _parse_views(text2, plaintext_only)
    by_stream = {v.extra["stream"]: v for v in views}
    for v2 in views2:
        st = v2.extra["stream"]
        if st not in flagged:
            continue
        v1 = by_stream.get(st)
        if v1 is None or _score(v2) > _score(v1):
            v2.extra["reading"] = "out-of-order reassembly"
            by_stream[st] = v2
    return sorted(by_stream.values(), key=lambda v: v.first_frame)


def _score(v: ConnView) -> int:
    # records read, and among alerts those whose content could be read (a
    # reading that lost a direction's decryption state still frames its
    # alert, as an encrypted one)
    return sum(1 for e in v.events if e[1] in ("hs", "ccs", "alert")) + \
        sum(1 for e in v.events if e[1] == "alert" and e[2] is not None)


def _parse_views(text: str, plaintext_only: bool):
    """Views per TCP stream, and the set of streams tshark flagged for
    out-of-order or retransmitted segments."""
    conns: dict[int, ConnView] = {}
    flagged: set = set()
    for pkt in iter_json_array(text):
        layers = pkt.get("_source").get("layers")
        src_ip = dst_ip = None
        tcp = None
        tls_layers = []
        frame_no = 0
        for k, v in layers:
            if k == "frame":
                frame_no = _int(v.get("frame.number")) or 0
            elif k == "ip":
                src_ip, dst_ip = v.get("ip.src"), v.get("ip.dst")
            elif k == "ipv6":
                src_ip, dst_ip = v.get("ipv6.src"), v.get("ipv6.dst")
            elif k == "tcp":
                tcp = v     # the innermost TCP (and IP) layer wins
            elif k == "tls":
                tls_layers.append(v)
        if tcp is None or src_ip is None:
            # TLS outside TCP (EAP-TLS, ...) is out of scope.
            continue
        stream = _int(tcp.get("tcp.stream"))
        flags = _walk_first(tcp, "tcp.analysis.flags")
        if flags is not None and any(
                _walk_first(flags, k) is not None for k in _REORDER_FLAGS):
            flagged.add(stream)
        if not tls_layers:
            continue
        src = (norm_ip(src_ip), _int(tcp.get("tcp.srcport")))
        dst = (norm_ip(dst_ip), _int(tcp.get("tcp.dstport")))
        cv = conns.get(stream)
        if cv is None:
            cv = ConnView(a=src, b=dst, first_frame=frame_no)
            cv.extra["stream"] = stream
            cv.extra["ccs_from"] = set()
            # first Certificate / NewSessionTicket per sender: which side is
            # the server is settled against tlsscope's client when comparing
            # (a capture that starts mid-handshake has no ClientHello here)
            cv.extra["certs_by_src"] = {}
            cv.extra["ticket_by_src"] = {}
            conns[stream] = cv
        for tl in tls_layers:
            if not isinstance(tl, Obj):
                continue
            for rec in tl.getall("tls.record"):
                if isinstance(rec, Obj):
                    _ts_record(cv, src, rec, plaintext_only)
    return sorted(conns.values(), key=lambda v: v.first_frame), flagged


def _ts_tls13(cv: ConnView) -> bool:
    """TLS 1.3 (or a draft) negotiated, judging by the ServerHello or a
    HelloRetryRequest.  There a ChangeCipherSpec is only the middlebox-
    compatibility dummy: the ClientHello and ServerHello that follow an HRR
    come after it and are still plaintext."""
    if cv.hello_retry:
        return True
    sh = cv.server_hello
    return bool(sh and sh.supported_versions and any(
        v == 0x0304 or (v >> 8) == 0x7f for v in sh.supported_versions if v))


def _ts_record(cv: ConnView, src: Endpoint, rec: Obj, plaintext_only: bool):
    ctype = _int(rec.get("tls.record.content_type"))
    if ctype is None:
        # SSLv2 record: the message type sits directly in the record.
        t = _int(rec.get("tls.handshake.type"))
        if t is None:
            return
        name = SSL2_TYPES.get(t, f"sslv2_unknown_{t}")
        cv.events.append((src, "hs", name))
        if t == 1 and cv.client_hello is None:
            cv.client = src
            cv.client_hello = hello_from_tshark(rec, True, sslv2=True)
        elif t == 4 and cv.server_hello is None:
            cv.server_hello = hello_from_tshark(rec, False, sslv2=True)
            if cv.client is None:
                cv.client = cv.b if src == cv.a else cv.a
            if cv.certs is None:
                # SSLv2 SERVER-HELLO carries one certificate.
                s = _walk_first(rec, "x509af.serialNumber")
                cv.certs = [norm_serial(s)] if s is not None else []
                cv.extra["certs_by_src"].setdefault(src, cv.certs)
        return
    decrypted = rec.get("tls.record.opaque_type") is not None or (
        src in cv.extra["ccs_from"] and not _ts_tls13(cv))
    if ctype == 20:
        cv.events.append((src, "ccs", None))
        cv.extra["ccs_from"].add(src)
    elif ctype == 21:
        for am in rec.getall("tls.alert_message"):
            if isinstance(am, Obj) and not (decrypted and plaintext_only):
                cv.events.append((src, "alert", (
                    _int(am.get("tls.alert_message.level")),
                    _int(am.get("tls.alert_message.desc")))))
            else:
                cv.events.append((src, "alert", None))
    elif ctype == 22:
        if decrypted and plaintext_only:
            return
        for hs in rec.getall("tls.handshake"):
            if not isinstance(hs, Obj):
                continue  # "Encrypted Handshake Message"
            t = _int(hs.get("tls.handshake.type"))
            if t is None:
                continue  # e.g. a fragment that did not reassemble
            _ts_handshake(cv, src, t, hs)


def _ts_handshake(cv: ConnView, src: Endpoint, t: int, hs: Obj):
    name = HS_TYPES.get(t, f"unknown_{t}")
    if t == 2:
        rnd = _hexbytes(hs.get("tls.handshake.random"))
        if rnd == HRR_RANDOM:
            name = "hello_retry_request"
    cv.events.append((src, "hs", name))
    if t == 1:
        if cv.client_hello is None:
            cv.client = src
            cv.client_hello = hello_from_tshark(hs, True)
    elif t == 2 and name == "server_hello":
        if cv.server_hello is None:
            cv.server_hello = hello_from_tshark(hs, False)
            if cv.client is None:
                cv.client = cv.b if src == cv.a else cv.a
    elif name == "hello_retry_request":
        cv.hello_retry = True
        if "hrr_suite" not in cv.extra:
            cv.extra["hrr_suite"] = _int(hs.get("tls.handshake.ciphersuite"))
    elif t == 11:
        by = cv.extra.setdefault("certs_by_src", {})
        if src not in by:
            by[src] = _cert_serials(hs)
        if cv.certs is None and cv.client is not None and src != cv.client:
            cv.certs = by[src]
    elif t == 4:
        by = cv.extra.setdefault("ticket_by_src", {})
        if src not in by:
            by[src] = _int(
                _walk_first(hs, "tls.handshake.session_ticket_lifetime_hint"))
        if cv.ticket_lifetime is None and src != cv.client:
            cv.ticket_lifetime = by[src]


# --------------------------------------------------------------------------
# tlsscope

@dataclass
class ScopeRun:
    capture: str
    status: str            # "ok", "crash", "timeout", "exit", "badjson"
    returncode: int | None
    stderr: str
    conns: list            # parsed JSON objects
    detail: str = ""


def unpacked(path: str, tmp: str) -> str:
    """The capture to read: path itself, or a .gz capture's bytes unpacked
    into the directory tmp (libpcap reads no gzip)."""
    if not path.endswith(".gz"):
        return path
    plain = os.path.join(tmp, os.path.basename(path)[:-3])
    with gzip.open(path, "rb") as src, open(plain, "wb") as dst:
        shutil.copyfileobj(src, dst)
    return plain


def default_tlsscope() -> str:
    """$TLSSCOPE, else build/tlsscope of this checkout."""
    env = os.environ.get("TLSSCOPE")
    if env:
        return env
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    return os.path.join(root, "build", "tlsscope")


def reviewed_rows(path: str):
    """(line number, tab-separated columns) of each row of a reviewed list:
    blank lines and # comments skipped (the header row is the caller's)."""
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.rstrip("\n")
            if line.strip() and not line.startswith("#"):
                yield n, line.split("\t")


class Known:
    """Reviewed disagreements: a TSV of capture, connection (or client
    endpoint, or *), field (or *), reason; '#' comments and a header row
    allowed. lookup() marks an entry used; unused() lists the others (a
    disagreement that went away: the entry should go too)."""

    def __init__(self, path: str | None, name: str):
        self.entries = []   # [capture, conn, field, reason, used]
        self.path = path
        if not path or not os.path.exists(path):
            return
        for n, cols in reviewed_rows(path):
            if cols[0] == "capture" and cols[2:3] == ["field"]:
                continue    # header
            if len(cols) < 3:
                print(f"{name}: {path}:{n}: expected capture<TAB>connection<TAB>field<TAB>reason",
                      file=sys.stderr)
                continue
            self.entries.append([cols[0], cols[1], cols[2], cols[3] if len(cols) > 3 else "", False])

    def lookup(self, capture: str, conn: str, fld: str) -> bool:
        for e in self.entries:
            if e[0] == capture and e[1] in ("*", conn) and e[2] in ("*", fld):
                e[4] = True
                return True
        return False

    def unused(self):
        return [e for e in self.entries if not e[4]]


def tally(res, rel: str, conns, known: Known):
    """Count each connection's disagreements ([(conn, [(field, text)])]) into
    res (agree, known, fail_conns, lines, known_lines): a connection agrees,
    or all its disagreements are reviewed, or it fails."""
    for conn, diffs in conns:
        if not diffs:
            res.agree += 1
            continue
        all_known = True
        for fld, text in diffs:
            if known.lookup(rel, conn, fld):
                res.known_lines.append(f"{rel}: {text}")
            else:
                res.lines.append(f"{rel}: {text}")
                all_known = False
        if all_known:
            res.known += 1
        else:
            res.fail_conns += 1


def tlsscope_has_option(binary: str, option: str) -> bool:
    """Does `tlsscope read --help` mention option (e.g. "--keylog")?"""
    try:
        p = subprocess.run([binary, "read", "--help"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return option in p.stdout.decode("utf-8", "replace")


def run_tlsscope(binary: str, capture: str, keylog: str | None = None,
                 timeout: int = 60, extra: list | None = None) -> ScopeRun:
    """`tlsscope read --json [--keylog K] [EXTRA...] CAPTURE`, judged: a crash,
    a timeout, a bad exit, output that is not JSON Lines, a sanitizer report."""
    cmd = [binary, "read", "--json"]
    if keylog:
        cmd += ["--keylog", keylog]
    cmd += list(extra or [])
    cmd.append(capture)
    try:
        p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             start_new_session=True)
    except OSError as e:
        return ScopeRun(capture, "exit", None, str(e), [], f"cannot run: {e}")
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except OSError:
            pass
        p.communicate()
        return ScopeRun(capture, "timeout", None, "", [],
                        f"timed out after {timeout}s")
    return judge_output(capture, p.returncode, out, err)


def judge_output(capture: str, rc: int, out: bytes, err: bytes) -> ScopeRun:
    """One run of `tlsscope read --json` (exit code, stdout, stderr), judged
    as run_tlsscope does: a crash, a bad exit, output that is not JSON Lines,
    a sanitizer report; else its connections."""
    err_s = err.decode("utf-8", "replace")
    if rc < 0:
        try:
            sig = signal.Signals(-rc).name
        except ValueError:
            sig = str(-rc)
        return ScopeRun(capture, "crash", rc, err_s, [],
                        f"killed by {sig}")
    if rc >= 128 + 1 and rc <= 128 + 64:
        # a shell wrapper or sanitizer reporting a signal
        return ScopeRun(capture, "crash", rc, err_s, [],
                        f"exit {rc} (signal {rc - 128}?)")
    conns = []
    bad = None
    for n, line in enumerate(out.decode("utf-8", "replace").splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        try:
            o = json.loads(line)
        except ValueError as e:
            bad = f"stdout line {n} is not JSON: {e}"
            break
        if not isinstance(o, dict):
            bad = f"stdout line {n} is not a JSON object"
            break
        conns.append(o)
    if rc != 0:
        return ScopeRun(capture, "exit", rc, err_s, conns, f"exit code {rc}")
    if bad:
        return ScopeRun(capture, "badjson", rc, err_s, conns, bad)
    if "AddressSanitizer" in err_s or "runtime error:" in err_s:
        return ScopeRun(capture, "crash", rc, err_s, conns,
                        "sanitizer report on stderr")
    return ScopeRun(capture, "ok", rc, err_s, conns)


def _code(v) -> int | None:
    """tlsscope code ("0x1301", 4865, {"code": ...}) -> int."""
    if isinstance(v, dict):
        v = v.get("code")
    if v is None:
        return None
    if isinstance(v, int):
        return v
    return _int(str(v))


_VERSION_BY_NAME = {v: k for k, v in VERSION_NAMES.items()}


def _version_code(v) -> int | None:
    if v is None:
        return None
    if isinstance(v, int):
        return v
    s = str(v)
    if s in _VERSION_BY_NAME:
        return _VERSION_BY_NAME[s]
    return _int(s)


def _ext_versions(ext: dict):
    """supported_versions values out of a tlsscope extension object.

    The contract does not pin the key, so accept the likely spellings."""
    for key in ("versions", "supported_versions", "selected_version",
                "selected", "version", "value"):
        if key in ext:
            v = ext[key]
            if isinstance(v, list):
                return [_version_code(x.get("code") if isinstance(x, dict) else x)
                        for x in v]
            if isinstance(v, dict):
                v = v.get("code", v.get("name"))
            return [_version_code(v)]
    return None


def _scope_hello(o: dict | None, is_client: bool) -> Hello | None:
    if not isinstance(o, dict):
        return None
    h = Hello()
    h.legacy_version = _version_code(o.get("legacy_version"))
    h.random = (o.get("random") or "").lower() or None
    if is_client:
        cs = o.get("cipher_suites")
        h.suites = [_code(c) for c in cs] if isinstance(cs, list) else None
    else:
        h.suite = _code(o.get("cipher_suite"))
    exts = o.get("extensions")
    if isinstance(exts, list):
        h.extensions = [_code(e) for e in exts]
        if isinstance(o.get("extensions_count"), int):
            h.ext_total = o["extensions_count"]
        for e in exts:
            if isinstance(e, dict) and _code(e) == 0x002b:
                h.supported_versions = _ext_versions(e)
    if o.get("sslv2") or h.legacy_version == 0x0002:
        h.sslv2 = True
    return h


def tlsscope_view(c: dict) -> ConnView:
    def ep(d):
        d = d or {}
        ip = d.get("ip")
        return (norm_ip(ip) if ip else None, _int(d.get("port")))
    client, server = ep(c.get("client")), ep(c.get("server"))
    cv = ConnView(a=client, b=server, client=client)
    cv.extra["id"] = c.get("id")
    if c.get("messages_dropped"):
        # tlsscope keeps a bounded message list; the message-level fields
        # cannot be compared for this connection.
        cv.unknown |= {"handshake", "handshake_order", "ccs", "alerts"}
        cv.extra["messages_dropped"] = c.get("messages_dropped")
    for m in c.get("messages") or []:
        d = m.get("dir")
        src = client if d == "c2s" else server
        t = m.get("type")
        if t == "change_cipher_spec":
            cv.events.append((src, "ccs", None))
        elif t == "alert":
            cv.events.append((src, "alert", "?"))  # details from "alerts"
        elif t in ("encrypted_handshake", "heartbeat", "application_data") or t is None:
            continue    # application_data: the records --data shows
        else:
            cv.events.append((src, "hs", t))
    # plaintext alerts (level/description) from "alerts", in order
    cv.extra["alerts"] = []
    for a in c.get("alerts") or []:
        lvl, desc = a.get("level"), a.get("description")
        src = client if a.get("dir") == "c2s" else server
        if a.get("encrypted") is True or (
                lvl is None and desc is None and a.get("encrypted") is None):
            cv.extra["alerts"].append((src, None))
            continue
        if lvl in _ALERT_LEVEL_BY_NAME:
            lv = _ALERT_LEVEL_BY_NAME[lvl]
        else:
            m = re.search(r"\d+", str(lvl)) if lvl is not None else None
            lv = int(m.group()) if m else lvl
        if isinstance(desc, str) and desc in _ALERT_DESC_BY_NAME:
            dv = _ALERT_DESC_BY_NAME[desc]
        else:
            m = re.search(r"\d+", str(desc)) if desc is not None else None
            dv = int(m.group()) if m else desc
        cv.extra["alerts"].append((src, (lv, dv)))
    cv.client_hello = _scope_hello(c.get("client_hello"), True)
    if cv.client_hello is not None:
        cv.client_hello.sni = c.get("sni")
    cv.server_hello = _scope_hello(c.get("server_hello"), False)
    cv.extra["cipher_suite"] = _code(c.get("cipher_suite"))
    cv.extra["version"] = c.get("version")
    cv.hello_retry = bool(c.get("hello_retry"))
    certs = c.get("certificates")
    cv.certs = [norm_serial(x.get("serial")) for x in certs] if isinstance(certs, list) else []
    st = c.get("session_ticket")
    cv.ticket_lifetime = _int(st.get("lifetime_hint")) if isinstance(st, dict) else None
    cv.extra["errors"] = c.get("errors") or []
    return cv


# --------------------------------------------------------------------------
# matching

def match_views(ts: list[ConnView], sc: list[ConnView]):
    """Pair tshark and tlsscope connections by their endpoint pair.

    Endpoints are compared unordered (a connection without a ClientHello has
    no agreed client); when one pair occurs several times (port reuse) the
    connections are paired in order of first appearance.
    Returns (pairs, only_tshark, only_tlsscope)."""
    buckets: dict = {}
    for v in ts:
        buckets.setdefault(v.key(), []).append(v)
    pairs, only_sc = [], []
    for v in sc:
        lst = buckets.get(v.key())
        if lst:
            pairs.append((lst.pop(0), v))
        else:
            only_sc.append(v)
    only_ts = [v for lst in buckets.values() for v in lst]
    only_ts.sort(key=lambda v: v.first_frame)
    return pairs, only_ts, only_sc


# --------------------------------------------------------------------------
# comparison

ALL_FIELDS = (
    "handshake", "handshake_order", "ccs", "alerts",
    "client_hello", "offered_suites", "ch_legacy_version", "ch_extensions",
    "ch_supported_versions", "sni",
    "server_hello", "selected_suite", "sh_legacy_version", "sh_extensions",
    "sh_supported_versions", "hello_retry",
    "certificates", "ticket_lifetime",
)
HELLO_FIELDS = (
    "client_hello", "offered_suites", "ch_legacy_version", "ch_extensions",
    "ch_supported_versions", "sni",
    "server_hello", "selected_suite", "sh_legacy_version", "sh_extensions",
    "sh_supported_versions", "hello_retry",
)


def _fmt_codes(lst, width=4):
    if lst is None:
        return "null"
    return "[" + ",".join(hexcode(x, 6 if (x or 0) > 0xffff else width)
                          for x in lst) + "]"


def _fmt_hs(evs, client):
    return "[" + ",".join(
        ("c2s:" if s == client else "s2c:") + p for s, k, p in evs) + "]"


def _alert_str(a):
    if a is None:
        return "encrypted"
    lv, dv = a
    ln = ALERT_LEVELS.get(lv, str(lv) if lv is not None else "null")
    dn = ALERT_DESCS.get(dv, str(dv) if dv is not None else "null") \
        if isinstance(dv, int) or dv is None else str(dv)
    return f"{ln}/{dn}"


def _cmp_exts(name, sh: Hello, th: Hello):
    """Extension code lists.  tlsscope stores a bounded number of extensions
    and reports the full count as extensions_count; then compare the stored
    prefix and the count."""
    if th.extensions is None:
        return
    a, b = sh.extensions, th.extensions
    if a is not None and sh.ext_total is not None and sh.ext_total > len(a):
        if a != b[:len(a)] or sh.ext_total != len(b):
            yield (name, _fmt_codes(a) + f"(+{sh.ext_total - len(a)} not stored)",
                   _fmt_codes(b))
        return
    if a != b:
        yield (name, _fmt_codes(a), _fmt_codes(b))


def compare_views(ts: ConnView, sc: ConnView, fields=ALL_FIELDS):
    """Yield (field, tlsscope_text, tshark_text) for each disagreement.

    Directions are taken from tlsscope's client (sender of the ClientHello);
    tshark's events are labelled with the same endpoint."""
    client = sc.client
    fields = [f for f in fields if f not in ts.unknown and f not in sc.unknown]

    if "handshake" in fields or "handshake_order" in fields:
        ts_hs = [e for e in ts.events if e[1] == "hs"]
        sc_hs = [e for e in sc.events if e[1] == "hs"]
        per_dir_ok = True
        if "handshake" in fields:
            for d, want in (("c2s", True), ("s2c", False)):
                a = [e for e in sc_hs if (e[0] == client) == want]
                b = [e for e in ts_hs if (e[0] == client) == want]
                if [e[2] for e in a] != [e[2] for e in b]:
                    per_dir_ok = False
                    yield (f"handshake {d}",
                           "[" + ",".join(e[2] for e in a) + "]",
                           "[" + ",".join(e[2] for e in b) + "]")
        if "handshake_order" in fields and per_dir_ok:
            a = [(e[0] == client, e[2]) for e in sc_hs]
            b = [(e[0] == client, e[2]) for e in ts_hs]
            if a != b:
                yield ("handshake order", _fmt_hs(sc_hs, client),
                       _fmt_hs(ts_hs, client))

    if "ccs" in fields:
        for d, want in (("c2s", True), ("s2c", False)):
            a = sum(1 for e in sc.events if e[1] == "ccs" and (e[0] == client) == want)
            b = sum(1 for e in ts.events if e[1] == "ccs" and (e[0] == client) == want)
            if a != b:
                yield (f"change_cipher_spec {d}", str(a), str(b))

    if "alerts" in fields:
        a = [("c2s" if s == client else "s2c") + ":" + _alert_str(x)
             for s, x in sc.extra.get("alerts", []) if x is not None]
        b = [("c2s" if s == client else "s2c") + ":" + _alert_str(x)
             for s, k, x in ts.events if k == "alert" and x is not None]
        if a != b:
            yield ("alerts", "[" + ",".join(a) + "]", "[" + ",".join(b) + "]")

    tch, sch = ts.client_hello, sc.client_hello
    if "client_hello" in fields and (tch is None) != (sch is None):
        yield ("client_hello", "present" if sch else "null",
               "present" if tch else "absent")
    if tch is not None and sch is not None:
        if "offered_suites" in fields:
            # SSLv2 cipher specs are 3 bytes; as integers 0x00XXXX equals
            # the TLS suite 0xXXXX, so no special case is needed.
            a, b = sch.suites, tch.suites
            if a != b:
                yield ("offered_suites", _fmt_codes(a), _fmt_codes(b))
        if "ch_legacy_version" in fields and sch.legacy_version != tch.legacy_version:
            yield ("client_hello.legacy_version", hexcode(sch.legacy_version),
                   hexcode(tch.legacy_version))
        if "ch_extensions" in fields:
            yield from _cmp_exts("client_hello.extensions", sch, tch)
        if "ch_supported_versions" in fields and tch.supported_versions is not None \
                and sch.supported_versions is not None \
                and sch.supported_versions != tch.supported_versions:
            yield ("client_hello.supported_versions",
                   _fmt_codes(sch.supported_versions),
                   _fmt_codes(tch.supported_versions))
        if "sni" in fields and (sch.sni or None) != (tch.sni or None):
            yield ("sni", json.dumps(sch.sni), json.dumps(tch.sni))

    tsh, ssh = ts.server_hello, sc.server_hello
    if "server_hello" in fields and (tsh is None) != (ssh is None):
        yield ("server_hello", "present" if ssh else "null",
               "present" if tsh else "absent")
    if "selected_suite" in fields:
        a = sc.extra.get("cipher_suite")
        # With no ServerHello after a HelloRetryRequest (capture cut short,
        # client gave up) the HRR's suite is the selected one (RFC 8446
        # 4.1.4: the ServerHello must repeat it).
        b = tsh.suite if tsh is not None else ts.extra.get("hrr_suite")
        if a != b and not (tsh is not None and tsh.sslv2):
            yield ("cipher_suite", hexcode(a), hexcode(b))
    if tsh is not None and ssh is not None:
        if "sh_legacy_version" in fields and ssh.legacy_version != tsh.legacy_version:
            yield ("server_hello.legacy_version", hexcode(ssh.legacy_version),
                   hexcode(tsh.legacy_version))
        if "sh_extensions" in fields:
            yield from _cmp_exts("server_hello.extensions", ssh, tsh)
        if "sh_supported_versions" in fields and tsh.supported_versions is not None:
            a = ssh.supported_versions
            if a is None:
                # fall back on the negotiated version tlsscope reports
                v = _version_code(sc.extra.get("version"))
                a = [v] if v is not None else None
            if a != tsh.supported_versions:
                yield ("server_hello.supported_versions", _fmt_codes(a),
                       _fmt_codes(tsh.supported_versions))
    if "hello_retry" in fields and ts.hello_retry != sc.hello_retry:
        yield ("hello_retry", json.dumps(sc.hello_retry), json.dumps(ts.hello_retry))

    server = sc.server
    if "certificates" in fields:
        a = sc.certs or []
        by = ts.extra.get("certs_by_src")
        b = (by.get(server) if by is not None else ts.certs) or []
        if a != b:
            yield ("certificates.serial", "[" + ",".join(map(str, a)) + "]",
                   "[" + ",".join(map(str, b)) + "]")

    if "ticket_lifetime" in fields:
        by = ts.extra.get("ticket_by_src")
        b = by.get(server) if by is not None else ts.ticket_lifetime
        if sc.ticket_lifetime != b:
            yield ("session_ticket.lifetime_hint",
                   json.dumps(sc.ticket_lifetime), json.dumps(b))


# --------------------------------------------------------------------------
# libpcap (via ctypes): can the capture be read at all?

_libpcap = None


def libpcap_reads(path: str) -> tuple[bool | None, str]:
    """(True, "") if libpcap opens and reads the whole file, (False, why) if
    not, (None, why) if libpcap is not available to ask."""
    global _libpcap
    if _libpcap is None:
        name = ctypes.util.find_library("pcap") or "libpcap.so.0.8"
        try:
            lib = ctypes.CDLL(name)
        except OSError as e:
            _libpcap = False
            return None, str(e)
        lib.pcap_open_offline.restype = ctypes.c_void_p
        lib.pcap_open_offline.argtypes = [ctypes.c_char_p, ctypes.c_char_p]
        lib.pcap_next_ex.restype = ctypes.c_int
        lib.pcap_next_ex.argtypes = [ctypes.c_void_p, ctypes.c_void_p,
                                     ctypes.c_void_p]
        lib.pcap_geterr.restype = ctypes.c_char_p
        lib.pcap_geterr.argtypes = [ctypes.c_void_p]
        lib.pcap_close.argtypes = [ctypes.c_void_p]
        _libpcap = lib
    if _libpcap is False:
        return None, "libpcap not loadable"
    lib = _libpcap
    errbuf = ctypes.create_string_buffer(512)
    h = lib.pcap_open_offline(os.fsencode(path), errbuf)
    if not h:
        return False, errbuf.value.decode("utf-8", "replace")
    hdr = ctypes.c_void_p()
    data = ctypes.c_void_p()
    try:
        while True:
            r = lib.pcap_next_ex(h, ctypes.byref(hdr), ctypes.byref(data))
            if r == 1:
                continue
            if r == -2:
                return True, ""
            if r == -1:
                return False, lib.pcap_geterr(h).decode("utf-8", "replace")
            return True, ""
    finally:
        lib.pcap_close(h)


CLEAR_ERROR_RE = r"^tlsscope: .+: .+"


def clear_error_message(stderr: str, capture: str) -> bool:
    """Does stderr carry a `tlsscope: FILE: reason` line naming the capture?"""
    for line in stderr.splitlines():
        if re.match(CLEAR_ERROR_RE, line) and (
                capture in line or os.path.basename(capture) in line):
            return True
    return False


# --------------------------------------------------------------------------
# the public corpus

CAPTURE_RE = re.compile(r"^(\[[^\]]*\]\s*)?CAPTURE:")


def corpus_captures(corpus: str) -> list[str]:
    """Paths (relative to the corpus) of the MANIFEST.tsv rows that are
    captures; some rows put a "[copy of ...]" note before "CAPTURE:"."""
    caps = []
    with open(os.path.join(corpus, "MANIFEST.tsv"), encoding="utf-8") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if cols[0] != "local_path" and CAPTURE_RE.match(cols[-1]):
                caps.append(cols[0])
    return caps


def captures_argv(name: str, more_args=None):
    """The arguments shared by the whole-corpus checks (jobs, readers):
    --tlsscope BIN [--corpus DIR] [CAPTURE...], and whatever more_args(parser)
    adds. Returns (args, captures): the captures given, then the corpus's
    uncompressed captures; a missing corpus is said on stdout as a skip, and
    args.corpus is then None."""
    import argparse
    ap = argparse.ArgumentParser()
    ap.add_argument("--tlsscope", required=True)
    ap.add_argument("--corpus")
    ap.add_argument("captures", nargs="*")
    if more_args:
        more_args(ap)
    a = ap.parse_args()
    caps = list(a.captures)
    if a.corpus:
        if not os.path.exists(os.path.join(a.corpus, "MANIFEST.tsv")):
            print("%s: corpus SKIPPED: %s not present" % (name, a.corpus))
            a.corpus = None
        else:
            caps += [os.path.join(a.corpus, c) for c in corpus_captures(a.corpus) if not c.endswith(".gz")]
    return a, caps


REPO_ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def capture_key(path: str, corpus: str | None = None) -> str:
    """How the reviewed lists name a capture: relative to the corpus when it
    lies in it (as MANIFEST.tsv does), else relative to the source tree when
    it lies in that, else the path as given."""
    for root in ([corpus] if corpus else []) + [REPO_ROOT]:
        rel = os.path.relpath(os.path.abspath(path), os.path.abspath(root))
        if not rel.startswith(".."):
            return rel
    return path
