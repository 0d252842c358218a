"""DTLS connections as tshark and as tlsscope read them, and their comparison.

Shared by dtls_diff.py (captures made here from real peers),
dtls_corpus.py (the public corpus) and make_dtls_captures.py (which checks
each capture it makes with tshark_views).

A DTLS connection is a UDP 5-tuple: tshark's udp.stream, tlsscope's
connection with "transport": "dtls". Both readings are reduced to
difflib_common.ConnView, so the TLS comparison (difflib_common.compare_views:
handshake messages per direction and their order, ChangeCipherSpec, alerts,
both hellos, the server's certificate serials, the ticket lifetime) applies
unchanged; what only DTLS has is kept in ConnView.extra and compared here:

  transport         tlsscope says "dtls"
  version           the negotiated version (ServerHello, supported_versions
                    for DTLS 1.3)
  cookie            the cookie exchange: the cookie length of each
                    HelloVerifyRequest and of each ClientHello in order
                    ([0] then [20] for a ClientHello answered by a
                    HelloVerifyRequest and sent again with its cookie), and
                    each HelloVerifyRequest's server_version
  use_srtp          the SRTP protection profiles offered and selected
  ja3               the first ClientHello's JA3 and the ServerHello's JA3S
                    (tshark's dtls.handshake.ja3, ja3s)
  application_data  with keys: each decrypted application_data record's
                    bytes, per direction in order

How tshark's records become messages.  A handshake message is counted once,
when it is whole: a record carrying all of it (fragment_offset 0,
fragment_length = length) or the fragment that completed tshark's
reassembly (tshark then dissects the message there).  Fragments of a message
that never completes give no message (tlsscope reports a gap instead); a
message seen again (a retransmitted flight) is not counted again: the same
sender, message_seq, type and (for hellos) random.  Records of an epoch
above 0 were encrypted on the wire; without keys (plaintext_only) their
contents are left out even when tshark decrypted them (a pcapng Decryption
Secrets Block).  Frames that carry DTLS inside an ICMP error are skipped:
they are not the connection's traffic.

tshark 4.0 dissects DTLS on the ports it knows and by heuristics; ports
given to tshark_views are decoded as DTLS (-d udp.port==N,dtls).
"""

from __future__ import annotations

import json
import os
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import difflib_common as dc  # noqa: E402

LAYERS = "frame ip ipv6 icmp icmpv6 udp dtls data"
HS_HEADER = frozenset(("dtls.handshake.type", "dtls.handshake.length",
                       "dtls.handshake.message_seq", "dtls.handshake.fragment_offset",
                       "dtls.handshake.fragment_length"))
APP_DATA = 23

# the fields of compare_dtls on top of difflib_common.ALL_FIELDS
DTLS_FIELDS = ("transport", "version", "cookie", "use_srtp", "ja3", "application_data")
ALL_FIELDS = dc.ALL_FIELDS + DTLS_FIELDS


def decode_as(ports) -> list[str]:
    out = []
    for p in sorted({int(p) for p in ports}):
        out += ["-d", f"udp.port=={p},dtls"]
    return out


def to_tls(node):
    """The DTLS dissector's tree under the TLS dissector's field names
    (dtls.handshake.* -> tls.handshake.*), so difflib_common's readers of
    hellos, certificates and tickets apply."""
    if isinstance(node, dc.Obj):
        return dc.Obj((("tls." + k[5:]) if k.startswith("dtls.") else k, to_tls(v))
                      for k, v in node)
    if isinstance(node, list):
        return [to_tls(v) for v in node]
    return node


def _hexdata(s) -> bytes:
    if not isinstance(s, str):
        return b""
    return bytes.fromhex(s.replace(":", ""))


def _srtp_profiles(hs: dc.Obj):
    """Protection profiles of a hello's use_srtp extension (tls.* names), or
    None when it has none."""
    for k, v in hs:
        if isinstance(v, dc.Obj) and dc._int(v.get("tls.handshake.extension.type")) == 14:
            return [dc._int(x) for x in v.getall("tls.use_srtp.protection_profile")]
    return None


def tshark_text(capture: str, keylog: str | None = None, ports=(),
                timeout: int = dc.TSHARK_TIMEOUT) -> str:
    """tshark's JSON for the capture's DTLS frames (ports decoded as DTLS)."""
    return dc.run_tshark_json(capture, keylog, decode_as(ports), "dtls",
                              timeout, LAYERS)


def tshark_views(capture: str, keylog: str | None = None, ports=(),
                 plaintext_only: bool = True,
                 timeout: int = dc.TSHARK_TIMEOUT) -> list[dc.ConnView]:
    """tshark's reading of a capture: one ConnView per UDP stream with DTLS
    (see the module doc for how records become messages)."""
    return parse_views(tshark_text(capture, keylog, ports, timeout), plaintext_only)


def tshark_readings(capture: str, keylog: str | None, ports=(),
                    timeout: int = dc.TSHARK_TIMEOUT) -> tuple[list, list]:
    """(the views without keys, the views with keylog's) from one tshark
    run with the key log: what only decryption shows is left out of the
    first (records of an epoch above 0)."""
    text = tshark_text(capture, keylog, ports, timeout)
    return parse_views(text, True), parse_views(text, False)


def _new_view(stream, src, dst, frame_no) -> dc.ConnView:
    cv = dc.ConnView(a=src, b=dst, first_frame=frame_no)
    cv.extra.update({
        "stream": stream,
        "certs_by_src": {}, "ticket_by_src": {},
        "ch_cookies": [], "hvr_cookies": [], "hvr_versions": [], "ja3": None, "ja3s": None,
        "srtp_offered": None, "srtp_selected": None,
        "app": {},              # src -> [bytes] decrypted application data
        "frags": {},            # (src, message_seq, type) -> fragments seen
        "seen_frags": set(),    # (src, epoch, message_seq, offset, length)
        "duplicates": 0,        # fragments or records seen again
        "done": set(),          # messages counted
        "open": {},             # (src, message_seq, type) -> incomplete
        "record_versions": {},  # src -> versions of plaintext records, in order
        "encrypted_records": 0,
    })
    return cv


def parse_views(text: str, plaintext_only: bool) -> list[dc.ConnView]:
    conns: dict = {}
    for pkt in dc.iter_json_array(text):
        layers = pkt.get("_source").get("layers")
        frame_no = 0
        src_ip = dst_ip = None
        udp = None
        dtls_layers, data_layers = [], []
        icmp = False
        for k, v in layers:
            if k == "frame":
                frame_no = dc._int(v.get("frame.number")) or 0
            elif k == "ip":
                src_ip, dst_ip = v.get("ip.src"), v.get("ip.dst")
            elif k == "ipv6":
                src_ip, dst_ip = v.get("ipv6.src"), v.get("ipv6.dst")
            elif k in ("icmp", "icmpv6"):
                icmp = True
            elif k == "udp":
                udp = v     # the innermost UDP (and IP) layer wins
            elif k == "dtls":
                dtls_layers.append(v)
            elif k == "data" and dtls_layers:
                data_layers.append(v)
        if icmp or udp is None or src_ip is None or not dtls_layers:
            continue
        stream = dc._int(udp.get("udp.stream"))
        src = (dc.norm_ip(src_ip), dc._int(udp.get("udp.srcport")))
        dst = (dc.norm_ip(dst_ip), dc._int(udp.get("udp.dstport")))
        cv = conns.get(stream)
        if cv is None:
            cv = conns[stream] = _new_view(stream, src, dst, frame_no)
        app_records = 0
        for dl in dtls_layers:
            if not isinstance(dl, dc.Obj):
                continue
            for rec in dl.getall("dtls.record"):
                if isinstance(rec, dc.Obj):
                    if _record(cv, src, rec, plaintext_only) == APP_DATA:
                        app_records += 1
        # tshark shows each decrypted application_data record as a "data"
        # layer after the dtls one
        if app_records and data_layers and not plaintext_only:
            for d in data_layers:
                cv.extra["app"].setdefault(src, []).append(_hexdata(d.get("data.data")))
    views = sorted(conns.values(), key=lambda v: v.first_frame)
    for cv in views:
        sh = cv.server_hello
        if sh is not None:
            sv = [v for v in (sh.supported_versions or []) if v is not None]
            cv.extra["version"] = sv[0] if sv else sh.legacy_version
        else:
            cv.extra["version"] = None
        cv.extra["cipher_suite"] = sh.suite if sh is not None else None
    return views


def _record(cv: dc.ConnView, src, rec: dc.Obj, plaintext_only: bool):
    """One DTLS record into the view; returns its content type."""
    ctype = dc._int(rec.get("dtls.record.content_type"))
    epoch = dc._int(rec.get("dtls.record.epoch"))
    # DTLS 1.3's unified header (no content type in clear) is protected
    encrypted = ctype is None or (epoch or 0) > 0
    if encrypted:
        cv.extra["encrypted_records"] += 1
    else:
        ver = dc._int(rec.get("dtls.record.version"))
        vs = cv.extra["record_versions"].setdefault(src, [])
        if ver is not None and ver not in vs:
            vs.append(ver)
    hidden = encrypted and plaintext_only
    if ctype == 20:
        cv.events.append((src, "ccs", None))
    elif ctype == 21:
        for am in rec.getall("dtls.alert_message"):
            if isinstance(am, dc.Obj) and not hidden:
                cv.events.append((src, "alert", (
                    dc._int(am.get("dtls.alert_message.level")),
                    dc._int(am.get("dtls.alert_message.desc")))))
            else:
                cv.events.append((src, "alert", None))
    elif ctype == 22 and not hidden:
        for hs in rec.getall("dtls.handshake"):
            if isinstance(hs, dc.Obj):
                _fragment(cv, src, epoch or 0, hs)
    return ctype


def _fragment(cv: dc.ConnView, src, epoch: int, hs: dc.Obj):
    t = dc._int(hs.get("dtls.handshake.type"))
    if t is None:
        return      # an encrypted handshake message tshark could not read
    seq = dc._int(hs.get("dtls.handshake.message_seq"))
    off = dc._int(hs.get("dtls.handshake.fragment_offset")) or 0
    flen = dc._int(hs.get("dtls.handshake.fragment_length"))
    length = dc._int(hs.get("dtls.handshake.length"))
    fkey = (src, epoch, seq, off, flen)
    if fkey in cv.extra["seen_frags"]:
        cv.extra["duplicates"] += 1
    else:
        cv.extra["seen_frags"].add(fkey)
        mkey = (src, seq, t)
        cv.extra["frags"][mkey] = cv.extra["frags"].get(mkey, 0) + 1
    whole = (off == 0 and flen == length) or any(k not in HS_HEADER for k, _ in hs)
    if not whole:
        cv.extra["open"].setdefault((src, seq, t), (t, seq))
        return
    tls = to_tls(hs)
    rnd = dc._hexbytes(tls.get("tls.handshake.random")) if t in (1, 2) else None
    key = (src, seq, t, rnd)
    if key in cv.extra["done"]:
        cv.extra["duplicates"] += 1
        return
    cv.extra["done"].add(key)
    cv.extra["open"].pop((src, seq, t), None)
    if t == 1:
        cv.extra["ch_cookies"].append(dc._int(tls.get("tls.handshake.cookie_length")) or 0)
        if cv.client_hello is None:
            cv.extra["srtp_offered"] = _srtp_profiles(tls)
            cv.extra["ja3"] = tls.get("tls.handshake.ja3")
    elif t == 3:
        cv.extra["hvr_cookies"].append(dc._int(tls.get("tls.handshake.cookie_length")) or 0)
        cv.extra["hvr_versions"].append(dc._int(tls.get("tls.handshake.version")))
    elif t == 2 and cv.server_hello is None and \
            dc._hexbytes(tls.get("tls.handshake.random")) != dc.HRR_RANDOM:
        cv.extra["srtp_selected"] = _srtp_profiles(tls)
        cv.extra["ja3s"] = tls.get("tls.handshake.ja3s")
    dc._ts_handshake(cv, src, t, tls)


# --------------------------------------------------------------------------
# tlsscope

def _cookie_len(o: dict):
    """A cookie's length from a tlsscope object: "cookie_length", or the
    hex string "cookie"; None when the object says nothing of a cookie."""
    if not isinstance(o, dict):
        return None
    if isinstance(o.get("cookie_length"), int):
        return o["cookie_length"]
    if isinstance(o.get("cookie"), str):
        return len(o["cookie"]) // 2
    if isinstance(o.get("cookie"), dict):
        return _cookie_len(o["cookie"])
    return None


def _scope_srtp(hello: dict | None):
    """use_srtp's protection_profiles (codes) of a tlsscope hello; ("count",
    N) when only their number is given; None without use_srtp."""
    if not isinstance(hello, dict):
        return None
    for e in hello.get("extensions") or []:
        if isinstance(e, dict) and dc._code(e) == 14:
            p = e.get("protection_profiles")
            if isinstance(p, list):
                return [dc._code(x) for x in p]
            return ("count", e.get("profiles"))
    return None


def _scope_bytes(m: dict) -> bytes | None:
    d = m.get("data")
    if not isinstance(d, str):
        return None
    if m.get("data_encoding") == "hex":
        try:
            return bytes.fromhex(d)
        except ValueError:
            return None
    return d.encode("utf-8")


def scope_view(c: dict) -> dc.ConnView:
    """tlsscope's JSON connection as a view (difflib_common.tlsscope_view
    and the DTLS extras)."""
    cv = dc.tlsscope_view(c)
    cv.extra["transport"] = c.get("transport")
    cv.extra["version"] = dc._version_code(
        c["version"].get("code") if isinstance(c.get("version"), dict) else c.get("version"))
    msgs = c.get("messages") or []
    chs = [m for m in msgs if m.get("type") == "client_hello"]
    hvrs = [m for m in msgs if m.get("type") == "hello_verify_request"]
    ch_cookies = [_cookie_len(m) for m in chs]
    if ch_cookies and ch_cookies[0] is None:
        ch_cookies[0] = _cookie_len(c.get("client_hello"))
    cv.extra["ch_cookies"] = ch_cookies
    cv.extra["hvr_cookies"] = [_cookie_len(m) for m in hvrs]
    cv.extra["hvr_versions"] = [dc._version_code(m.get("server_version")) for m in hvrs]
    for key, hello, name in (("ja3", "client_hello", "ja3"), ("ja3s", "server_hello", "ja3s")):
        h = c.get(hello)
        cv.extra[key] = h.get(name) if isinstance(h, dict) else None
    cv.extra["srtp_offered"] = _scope_srtp(c.get("client_hello"))
    cv.extra["srtp_selected"] = _scope_srtp(c.get("server_hello"))
    app = {}
    for m in msgs:
        if m.get("type") == "application_data":
            src = cv.client if m.get("dir") == "c2s" else cv.server
            app.setdefault(src, []).append(_scope_bytes(m))
    cv.extra["app"] = app
    cv.extra["errors"] = c.get("errors") or []
    return cv


DTLS_CODES = (0xfeff, 0xfefd, 0xfefc, 0x0100)


def _looks_dtls(c: dict) -> bool:
    """A connection without "transport" whose hellos carry DTLS versions
    (it is compared, and its missing transport reported)."""
    for h in (c.get("client_hello"), c.get("server_hello")):
        if isinstance(h, dict) and dc._version_code(h.get("legacy_version")) in DTLS_CODES:
            return True
    return str(c.get("version") or "").startswith("DTLS")


def scope_views(conns: list) -> tuple[list, list]:
    """(DTLS connections as views, the other connections' JSON). A
    connection is DTLS by its "transport" or, without one, by its
    versions."""
    dtls, other = [], []
    for c in conns:
        t = c.get("transport")
        (dtls if t == "dtls" or (t is None and _looks_dtls(c)) else other).append(c)
    return [scope_view(c) for c in dtls], other


# --------------------------------------------------------------------------
# comparison

def _fmt_list(lst, width=None):
    if lst is None:
        return "null"
    if isinstance(lst, tuple):
        return f"{lst[1]} profiles (not named)"
    if width:
        return "[" + ",".join(dc.hexcode(x, width) for x in lst) + "]"
    return "[" + ",".join("null" if x is None else str(x) for x in lst) + "]"


def _fmt_bytes(lst):
    out = []
    for b in lst:
        if b is None:
            out.append("?")
        else:
            s = b[:24].decode("ascii", "replace") if all(32 <= x < 127 or x in (9, 10, 13) for x in b[:24]) \
                else b[:24].hex()
            out.append(json.dumps(s) + ("..." if len(b) > 24 else "") + f"({len(b)})")
    return "[" + ",".join(out) + "]"


def compare_dtls(ts: dc.ConnView, sc: dc.ConnView, fields=ALL_FIELDS, keys: bool = False):
    """Yield (field, tlsscope_text, tshark_text) for each disagreement
    between tshark's view ts and tlsscope's sc of one connection."""
    yield from dc.compare_views(ts, sc, tuple(f for f in fields if f in dc.ALL_FIELDS))
    if "transport" in fields and sc.extra.get("transport") != "dtls":
        yield ("transport", json.dumps(sc.extra.get("transport")), '"dtls"')
    if "version" in fields and sc.extra.get("version") != ts.extra.get("version"):
        yield ("version", dc.hexcode(sc.extra.get("version")), dc.hexcode(ts.extra.get("version")))
    if "cookie" in fields:
        for name, key in (("hello_verify_request", "hvr_cookies"), ("client_hello", "ch_cookies")):
            a, b = sc.extra.get(key) or [], ts.extra.get(key) or []
            # the message lists are compared above; here only the cookies
            if len(a) == len(b) and a != b:
                yield (f"cookie_length {name}", _fmt_list(a), _fmt_list(b))
        a, b = sc.extra.get("hvr_versions") or [], ts.extra.get("hvr_versions") or []
        if len(a) == len(b) and a != b:
            yield ("hello_verify_request.server_version", _fmt_list(a, 4), _fmt_list(b, 4))
    if "ja3" in fields:
        # tshark's DTLS JA3/JA3S (dtls.handshake.ja3, ja3s); compared where
        # tshark gives one (not for DTLS 1.3's HelloRetryRequest)
        for key in ("ja3", "ja3s"):
            a, b = sc.extra.get(key), ts.extra.get(key)
            if b is not None and a != b:
                yield (key, json.dumps(a), json.dumps(b))
    if "use_srtp" in fields:
        # a count of profiles (not their names) never equals tshark's list
        for name, key in (("offered", "srtp_offered"), ("selected", "srtp_selected")):
            a, b = sc.extra.get(key), ts.extra.get(key)
            if a != b:
                yield (f"use_srtp {name}", _fmt_list(a, 4), _fmt_list(b, 4))
    if keys and "application_data" in fields:
        client = sc.client
        for d, want in (("c2s", True), ("s2c", False)):
            a = [b for s, lst in sc.extra.get("app", {}).items() if (s == client) == want for b in lst]
            b = [x for s, lst in ts.extra.get("app", {}).items() if (s == client) == want for x in lst]
            if a != b:
                yield (f"application_data {d}", _fmt_bytes(a), _fmt_bytes(b))


def compare_capture(ts_views: list, sc_views: list, fields=ALL_FIELDS, keys: bool = False):
    """Pair the connections (by endpoints, in order of first packet) and
    compare them. Returns [(label, [(field, text)])]: one entry per
    connection, its disagreements as printable text (empty: it agrees)."""
    pairs, only_ts, only_sc = dc.match_views(ts_views, sc_views)
    out = []
    for t, s in pairs:
        label = dc.conn_label(s.client, s.server)
        diffs = [(f, f"{label}: {f}: tlsscope={a} tshark={b}")
                 for f, a, b in compare_dtls(t, s, fields, keys)]
        out.append((label, diffs))
    for s in only_sc:
        label = dc.conn_label(s.client, s.server)
        out.append((label, [("connection", f"{label}: connection: tlsscope=present tshark=absent")]))
    for t in only_ts:
        label = dc.conn_label(t.client or t.a, t.server or t.b)
        hs = sum(1 for e in t.events if e[1] == "hs")
        out.append((label, [("connection", f"{label}: connection: tlsscope=absent tshark=present "
                                           f"(udp.stream {t.extra.get('stream')}, {hs} handshake messages)")]))
    return out
