"""QUIC connections as tshark and as tlsscope read them, and their comparison.

Shared by quic_diff.py (captures made here from real peers) and
make_quic_captures.py (which checks each capture it makes with
tshark_views).

A QUIC connection is tshark's quic.connection.number (several can share
one UDP 5-tuple: a Version Negotiation makes the client start a new
connection, with new connection IDs, from the same port) and tlsscope's
connection with "transport": "quic". Both readings are reduced to
difflib_common.ConnView: the handshake messages carried in CRYPTO frames
are compared as for TLS (difflib_common.compare_views: messages per
direction and their order, both hellos, the suite, the server name, the
server's certificate serials, the ticket lifetime); what only QUIC has is
kept in ConnView.extra and compared here:

  transport      tlsscope says "quic"
  quic_version   the connection's version: the server's first long header
                 packet that is not a Version Negotiation (it answers in
                 the version the connection uses), else the client's first
                 Initial ("1", "2" or "0x%08x" as tlsscope writes it)
  original_dcid  the Destination Connection ID of the client's first
                 Initial
  cids           the Source Connection IDs of each side's long header
                 packets, in order of first use
  retry          a Retry packet was seen
  packets        per direction, the packets by type: initial, 0rtt,
                 handshake, retry, 1rtt, version_negotiation (coalesced
                 packets counted one by one)
  undecryptable  per direction, the packets whose payload did not open
                 (tshark: no frames dissected)
  key_updates    with keys: the number of times a direction's key phase
                 bit changed in its decrypted 1-RTT packets (per direction
                 when tlsscope gives them so, else both added up)
  frames         per frame type (FRAME_NAMES), the frames in the packets
                 that opened (per direction when tlsscope gives them so,
                 else both added up)
  alpn           the ClientHello's protocols; with keys, the one the
                 server chose (EncryptedExtensions)

A CONNECTION_CLOSE of the transport kind with an error code 0x100-0x1ff
is a TLS alert (RFC 9001 4.8: 0x100 + the alert's code, always fatal);
tshark's reading counts it as the alert it carries, as tlsscope reports it.

Without keys tshark still opens the Initial packets (their keys come from
the client's first Destination Connection ID), so the ClientHello and
ServerHello are read; with the key log the Handshake, 0-RTT and 1-RTT
packets open too and the rest of the handshake appears.
"""

from __future__ import annotations

import json
import os
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import difflib_common as dc  # noqa: E402

LAYERS = "frame ip ipv6 udp quic tls"

PACKET_TYPES = ("initial", "0rtt", "handshake", "retry", "1rtt", "version_negotiation")
# long header packet types by version (RFC 9000 17.2, RFC 9369 3.2)
LONG_TYPES = {
    0x00000001: ("initial", "0rtt", "handshake", "retry"),
    0x6b3343cf: ("retry", "initial", "0rtt", "handshake"),
}

# RFC 9000 19 (and RFC 9221's DATAGRAM) under the names tlsscope counts
# them by (src/tls/quic_frame.c tsc_quic_frame_name): STREAM's eight types
# are one kind, as DATAGRAM's two; ACK and ACK_ECN, the two MAX_STREAMS,
# STREAMS_BLOCKED and CONNECTION_CLOSE are apart. A run of PADDING bytes is
# one frame on both sides.
FRAME_NAMES = {
    0x00: "PADDING", 0x01: "PING", 0x02: "ACK", 0x03: "ACK_ECN", 0x04: "RESET_STREAM",
    0x05: "STOP_SENDING", 0x06: "CRYPTO", 0x07: "NEW_TOKEN",
    **{t: "STREAM" for t in range(0x08, 0x10)},
    0x10: "MAX_DATA", 0x11: "MAX_STREAM_DATA", 0x12: "MAX_STREAMS_BIDI",
    0x13: "MAX_STREAMS_UNI", 0x14: "DATA_BLOCKED", 0x15: "STREAM_DATA_BLOCKED",
    0x16: "STREAMS_BLOCKED_BIDI", 0x17: "STREAMS_BLOCKED_UNI", 0x18: "NEW_CONNECTION_ID",
    0x19: "RETIRE_CONNECTION_ID", 0x1a: "PATH_CHALLENGE", 0x1b: "PATH_RESPONSE",
    0x1c: "CONNECTION_CLOSE", 0x1d: "CONNECTION_CLOSE_APP", 0x1e: "HANDSHAKE_DONE",
    0x30: "DATAGRAM", 0x31: "DATAGRAM",
}

# the fields of compare_quic on top of difflib_common.ALL_FIELDS
QUIC_FIELDS = ("transport", "quic_version", "original_dcid", "cids", "retry", "packets",
               "undecryptable", "key_updates", "frames", "alpn")
ALL_FIELDS = dc.ALL_FIELDS + QUIC_FIELDS
# read from tlsscope's "quic" object
QUIC_ONLY = ("quic_version", "original_dcid", "cids", "retry", "packets", "undecryptable",
             "key_updates", "frames")


def version_text(v: int | None) -> str | None:
    """A QUIC version as tlsscope writes it: "1", "2", else "0x%08x"."""
    if v is None:
        return None
    return {0x00000001: "1", 0x6b3343cf: "2"}.get(v, "0x%08x" % v)


def _hex(s) -> str | None:
    if not isinstance(s, str):
        return None
    return s.replace(":", "").lower()


def decode_as(ports) -> list[str]:
    out = []
    for p in sorted({int(p) for p in ports}):
        out += ["-d", f"udp.port=={p},quic"]
    return out


def tshark_text(capture: str, keylog: str | None = None, ports=(),
                timeout: int = dc.TSHARK_TIMEOUT) -> str:
    """tshark's JSON for the capture's QUIC frames (ports decoded as QUIC)."""
    return dc.run_tshark_json(capture, keylog, decode_as(ports), "quic", timeout, LAYERS)


def tshark_views(capture: str, keylog: str | None = None, ports=(),
                 timeout: int = dc.TSHARK_TIMEOUT) -> list[dc.ConnView]:
    """tshark's reading of a capture, one ConnView per QUIC connection: what
    opens without keys, or with keylog's secrets."""
    return parse_views(tshark_text(capture, keylog, ports, timeout))


def _new_view(number, src, dst, frame_no) -> dc.ConnView:
    cv = dc.ConnView(a=src, b=dst, first_frame=frame_no)
    cv.extra.update({
        "stream": number,           # quic.connection.number
        "certs_by_src": {}, "ticket_by_src": {},
        "versions": [],             # (src, version) of long headers, in order
        "original_dcid": None,
        "cids": {},                 # src -> [scid, ...]
        "retry": False,
        "packets": {},              # src -> {type: n}
        "undecryptable": {},        # src -> n
        "key_phase": {},            # src -> last key phase seen
        "key_updates": {},          # src -> n
        "frames": {},               # src -> {name: n}
        "alpn_offered": None, "alpn_selected": None,
        "close_codes": [],          # (src, frame type, error code)
    })
    return cv


def parse_views(text: str) -> list[dc.ConnView]:
    conns: dict = {}
    for pkt in dc.iter_json_array(text):
        layers = pkt.get("_source").get("layers")
        frame_no = 0
        src_ip = dst_ip = None
        udp = None
        quic = []
        for k, v in layers:
            if k == "frame":
                frame_no = dc._int(v.get("frame.number")) or 0
            elif k == "ip":
                src_ip, dst_ip = v.get("ip.src"), v.get("ip.dst")
            elif k == "ipv6":
                src_ip, dst_ip = v.get("ipv6.src"), v.get("ipv6.dst")
            elif k == "udp":
                udp = v
            elif k == "quic" and isinstance(v, dc.Obj):
                quic.append(v)
        if udp is None or src_ip is None or not quic:
            continue
        src = (dc.norm_ip(src_ip), dc._int(udp.get("udp.srcport")))
        dst = (dc.norm_ip(dst_ip), dc._int(udp.get("udp.dstport")))
        # only the first packet of a datagram carries the connection number
        number = None
        for q in quic:
            info = q.get("QUIC Connection information")
            if isinstance(info, dc.Obj):
                number = dc._int(info.get("quic.connection.number"))
                break
        if number is None:
            continue
        cv = conns.get(number)
        if cv is None:
            cv = conns[number] = _new_view(number, src, dst, frame_no)
        for q in quic:
            _packet(cv, src, q)
    views = sorted(conns.values(), key=lambda v: v.first_frame)
    for cv in views:
        _finish(cv)
    return views


def _packet(cv: dc.ConnView, src, q: dc.Obj):
    long_hdr = q.get("quic.header_form") == "1"
    if long_hdr:
        version = dc._int(q.get("quic.version"))
        if version == 0:
            ptype = "version_negotiation"
        else:
            types = LONG_TYPES.get(version, LONG_TYPES[1])
            ptype = types[(dc._int(q.get("quic.long.packet_type")) or 0) & 3]
        cv.extra["versions"].append((src, version, ptype))
        scid, dcid = _hex(q.get("quic.scid")), _hex(q.get("quic.dcid"))
        if scid is not None:
            lst = cv.extra["cids"].setdefault(src, [])
            if ptype != "version_negotiation" and scid not in lst:
                lst.append(scid)
        if ptype == "initial" and cv.extra["original_dcid"] is None and cv.client in (None, src):
            cv.extra["original_dcid"] = dcid
        if ptype == "retry":
            cv.extra["retry"] = True
    else:
        ptype = "1rtt"
    counts = cv.extra["packets"].setdefault(src, {})
    counts[ptype] = counts.get(ptype, 0) + 1
    if ptype in ("retry", "version_negotiation"):
        return
    frames = q.getall("quic.frame")
    if not frames:
        cv.extra["undecryptable"][src] = cv.extra["undecryptable"].get(src, 0) + 1
        return
    if ptype == "1rtt":
        short = q.get("quic.short")
        kp = dc._int(short.get("quic.key_phase")) if isinstance(short, dc.Obj) else None
        if kp is not None:
            last = cv.extra["key_phase"].get(src)
            if last is not None and kp != last:
                cv.extra["key_updates"][src] = cv.extra["key_updates"].get(src, 0) + 1
            cv.extra["key_phase"][src] = kp
    for f in frames:
        if not isinstance(f, dc.Obj):
            continue
        t = dc._int(f.get("quic.frame_type"))
        name = FRAME_NAMES.get(t, "0x%02x" % t if t is not None else "?")
        counts = cv.extra["frames"].setdefault(src, {})
        counts[name] = counts.get(name, 0) + 1
        if name == "CONNECTION_CLOSE":
            code = dc._int(f.get("quic.cc.error_code"))
            cv.extra["close_codes"].append((src, t, code))
            # a TLS alert travels as the transport error 0x100 + its code
            # (RFC 9001 4.8), and is always fatal
            if code is not None and 0x100 <= code <= 0x1ff:
                cv.events.append((src, "alert", (2, code - 0x100)))
        for tl in f.getall("tls"):
            if not isinstance(tl, dc.Obj):
                continue
            for hs in tl.getall("tls.handshake"):
                if isinstance(hs, dc.Obj):
                    _handshake(cv, src, hs)


def _alpn(hs: dc.Obj):
    """The ALPN protocols of a hello or EncryptedExtensions (tls.* tree)."""
    for k, v in hs:
        if isinstance(v, dc.Obj) and dc._int(v.get("tls.handshake.extension.type")) == 16:
            return [x for x in dc._walk_all(v, "tls.handshake.extensions_alpn_str", [])
                    if isinstance(x, str)]
    return None


def _handshake(cv: dc.ConnView, src, hs: dc.Obj):
    t = dc._int(hs.get("tls.handshake.type"))
    if t is None:
        return      # a CRYPTO frame tshark did not reassemble into a message
    if t == 1 and cv.client_hello is None:
        cv.extra["alpn_offered"] = _alpn(hs)
    elif t == 8 and cv.extra["alpn_selected"] is None:
        sel = _alpn(hs)
        cv.extra["alpn_selected"] = sel[0] if sel else None
    dc._ts_handshake(cv, src, t, hs)


def _finish(cv: dc.ConnView):
    if cv.client is None:
        # no ClientHello read (a version nobody here opens): the sender of
        # the first Initial is the client
        cv.client = cv.a
    server = cv.server
    v = None
    for s, ver, ptype in cv.extra["versions"]:
        if s == server and ptype != "version_negotiation":
            v = ver
            break
    if v is None:
        for s, ver, ptype in cv.extra["versions"]:
            if s == cv.client and ptype == "initial":
                v = ver
                break
    cv.extra["quic_version"] = version_text(v)
    sh = cv.server_hello
    cv.extra["cipher_suite"] = sh.suite if sh is not None else None


# --------------------------------------------------------------------------
# tlsscope

def scope_view(c: dict) -> dc.ConnView:
    """tlsscope's JSON connection as a view (difflib_common.tlsscope_view
    and the QUIC extras)."""
    cv = dc.tlsscope_view(c)
    client, server = cv.client, cv.server
    cv.extra["transport"] = c.get("transport")
    q = c.get("quic")
    if not isinstance(q, dict):
        # nothing of QUIC's own to compare: one disagreement says so
        cv.unknown |= set(QUIC_ONLY)
        q = {}
    cv.extra["quic_version"] = q.get("version")
    cv.extra["original_dcid"] = (q.get("original_dcid") or "").lower() or None
    cv.extra["cids"] = {client: [x.lower() for x in q.get("client_cids") or []],
                        server: [x.lower() for x in q.get("server_cids") or []]}
    cv.extra["retry"] = bool(q.get("retry"))
    pk = q.get("packets") if isinstance(q.get("packets"), dict) else {}
    cv.extra["packets"], cv.extra["undecryptable"] = {}, {}
    for d, ep in (("c2s", client), ("s2c", server)):
        counts = pk.get(d) if isinstance(pk.get(d), dict) else {}
        cv.extra["packets"][ep] = {t: n for t, n in counts.items()
                                   if t in PACKET_TYPES and n}
        if counts.get("undecryptable"):
            cv.extra["undecryptable"][ep] = counts["undecryptable"]
    cv.extra["key_updates"] = _per_dir(q.get("key_updates"), client, server)
    cv.extra["frames"] = _per_dir(q.get("frames"), client, server)
    al = c.get("alpn") if isinstance(c.get("alpn"), dict) else {}
    cv.extra["alpn_offered"] = al.get("offered")
    cv.extra["alpn_selected"] = al.get("selected")
    cv.extra["errors"] = c.get("errors") or []
    return cv


def _per_dir(v, client, server):
    """A count or table tlsscope gives per direction ({"c2s": x, "s2c": y})
    as {endpoint: x}; one for the whole connection as {None: x}."""
    if isinstance(v, dict) and ("c2s" in v or "s2c" in v):
        return {client: _nonzero(v.get("c2s")), server: _nonzero(v.get("s2c"))}
    return {None: _nonzero(v)}


def _nonzero(v):
    if isinstance(v, dict):
        return {k: n for k, n in v.items() if n}
    return v or 0


def _both(d: dict):
    """The directions of a per-direction table added up."""
    vals = list(d.values())
    if all(isinstance(v, dict) for v in vals):
        out: dict = {}
        for v in vals:
            for k, n in v.items():
                out[k] = out.get(k, 0) + n
        return out
    return sum(v or 0 for v in vals)


def scope_views(conns: list) -> tuple[list, list]:
    """(QUIC connections as views, the other connections' JSON)."""
    quic = [c for c in conns if c.get("transport") == "quic"]
    other = [c for c in conns if c.get("transport") != "quic"]
    return [scope_view(c) for c in quic], other


# --------------------------------------------------------------------------
# comparison

def _fmt_counts(d: dict) -> str:
    return "{" + ",".join(f"{k}:{d[k]}" for k in sorted(d)) + "}"


def compare_quic(ts: dc.ConnView, sc: dc.ConnView, fields=ALL_FIELDS, keys: bool = False):
    """Yield (field, tlsscope_text, tshark_text) for each disagreement
    between tshark's view ts and tlsscope's sc of one QUIC connection."""
    yield from dc.compare_views(ts, sc, tuple(f for f in fields if f in dc.ALL_FIELDS))
    client, server = sc.client, sc.server
    if "transport" in fields and sc.extra.get("transport") != "quic":
        yield ("transport", json.dumps(sc.extra.get("transport")), '"quic"')
    if any(f in sc.unknown for f in QUIC_ONLY):
        yield ("quic", "absent", "present")
    fields = [f for f in fields if f not in sc.unknown]
    for f in ("quic_version", "original_dcid", "retry"):
        if f in fields and sc.extra.get(f) != ts.extra.get(f):
            yield (f, json.dumps(sc.extra.get(f)), json.dumps(ts.extra.get(f)))
    for d, ep in (("c2s", client), ("s2c", server)):
        if "cids" in fields:
            a, b = sc.extra["cids"].get(ep, []), ts.extra["cids"].get(ep, [])
            if a != b:
                yield (f"cids {d}", json.dumps(a), json.dumps(b))
        if "packets" in fields:
            a, b = sc.extra["packets"].get(ep, {}), ts.extra["packets"].get(ep, {})
            if a != b:
                yield (f"packets {d}", _fmt_counts(a), _fmt_counts(b))
        if "undecryptable" in fields:
            a, b = sc.extra["undecryptable"].get(ep, 0), ts.extra["undecryptable"].get(ep, 0)
            if a != b:
                yield (f"undecryptable {d}", str(a), str(b))
    for f in ("key_updates", "frames"):
        if f not in fields or (f == "key_updates" and not keys):
            continue
        fmt = _fmt_counts if f == "frames" else str
        a, b = sc.extra.get(f) or {}, ts.extra.get(f) or {}
        empty = {} if f == "frames" else 0
        if None in a:   # tlsscope's count is for the whole connection
            total = _both(b) if b else empty
            if a[None] != total:
                yield (f, fmt(a[None]), fmt(total))
            continue
        for d, ep in (("c2s", client), ("s2c", server)):
            if a.get(ep, empty) != b.get(ep, empty):
                yield (f"{f} {d}", fmt(a.get(ep, empty)), fmt(b.get(ep, empty)))
    if "alpn" in fields:
        a, b = sc.extra.get("alpn_offered"), ts.extra.get("alpn_offered")
        if a != b:
            yield ("alpn.offered", json.dumps(a), json.dumps(b))
        # the server's choice travels in EncryptedExtensions: keys needed
        a, b = sc.extra.get("alpn_selected"), ts.extra.get("alpn_selected")
        if keys and a != b:
            yield ("alpn.selected", json.dumps(a), json.dumps(b))


def compare_capture(ts_views: list, sc_views: list, fields=ALL_FIELDS, keys: bool = False):
    """Pair the connections (by endpoints, in order of first packet: the
    connections after a Version Negotiation share the UDP endpoints) and
    compare them. Returns [(number, label, [(field, text)], ts_view,
    sc_view)], one entry per connection: number "#N" is the connection's
    place in tshark's order ("#?" for one tshark does not have), label
    CLIENT->SERVER; a view is None on the side that lacks the connection."""
    order = {id(v): f"#{i + 1}" for i, v in enumerate(ts_views)}
    pairs, only_ts, only_sc = dc.match_views(ts_views, sc_views)
    out = []
    for t, s in pairs:
        lb = dc.conn_label(s.client, s.server)
        out.append((order[id(t)], lb, [(f, f"{lb}: {f}: tlsscope={a} tshark={b}")
                                       for f, a, b in compare_quic(t, s, fields, keys)], t, s))
    for s in only_sc:
        lb = dc.conn_label(s.client, s.server)
        out.append(("#?", lb, [("connection", f"{lb}: connection: tlsscope=present "
                                              "tshark=absent")], None, s))
    for t in only_ts:
        lb = dc.conn_label(t.client or t.a, t.server or t.b)
        hs = sum(1 for e in t.events if e[1] == "hs")
        out.append((order[id(t)], lb, [("connection", f"{lb}: connection: tlsscope=absent "
                                                      "tshark=present (quic.connection.number "
                                                      f"{t.extra.get('stream')}, {hs} handshake "
                                                      "messages)")], t, None))
    out.sort(key=lambda e: e[0])
    return out
