"""QUIC connections as tshark and as tlsscope read them, and their comparison.

Shared by quic_diff.py (captures made here from real peers) and
make_quic_captures.py (which checks each capture it makes with
tshark_views).

A QUIC connection is tshark's quic.connection.number (several can share
one UDP 5-tuple: after a Version Negotiation the client starts a new
connection, with new connection IDs, from the same port) and tlsscope's
connection with "transport": "quic". Both readings are reduced to
difflib_common.ConnView: the handshake messages carried in CRYPTO frames
are compared as for TLS (difflib_common.compare_views: messages per
direction and their order, alerts, both hellos, the suite, the server
name, the server's certificate serials, the ticket lifetime); what only
QUIC has is kept in ConnView.extra and compared with tlsscope's "quic"
object (docs/json.md):

  transport           tlsscope says "quic"
  version             the version of the client's first long header packet
                      ("1", "2" or "0x%08x" as tlsscope writes it)
  server_version      the version of the server's first Initial
  original_dcid       the Destination Connection ID of the client's first
                      Initial
  cids c2s, s2c       each side's connection IDs in order of first use:
                      the Source Connection IDs of its long header packets
                      (not a Version Negotiation's), then those its
                      NEW_CONNECTION_ID frames announce (tlsscope keeps 8)
  retry               a Retry packet was seen
  version_negotiation the versions the Version Negotiation offered
  packets c2s, s2c    the packets by type (initial, 0rtt, handshake, retry,
                      1rtt, version_negotiation, unknown_version: a long
                      header of a version without known packet types;
                      coalesced packets counted one by one)
  datagrams c2s, s2c  the UDP datagrams that carried them
  decrypted c2s, s2c  the packets whose payload opened (tshark dissected
                      frames in them)
  undecryptable c2s, s2c  the packets that did not open (tlsscope:
                      no_keys + failed)
  key_updates c2s, s2c  the times a side's key phase bit changed in its
                      decrypted 1-RTT packets
  zero_rtt_decrypted  0-RTT packets that opened
  handshake_done      the server's HANDSHAKE_DONE was read
  frames c2s, s2c     per frame type (FRAME_NAMES), the frames in the
                      packets that opened
  stream_bytes c2s, s2c  the bytes of STREAM frame data read
  stream_data         with keys and --data: each STREAM frame read, in
                      order, per direction: stream ID, offset, FIN and its
                      bytes (tlsscope: the application_data messages)
  close               the first CONNECTION_CLOSE read: direction, kind
                      (transport, application), error code, reason
  alpn                the ClientHello's protocols; with keys, the one the
                      server chose (EncryptedExtensions)
  client_certificates with keys: the serials of the client's Certificate

A CONNECTION_CLOSE of the transport kind with an error code 0x100-0x1ff
is a TLS alert (RFC 9001 4.8: 0x100 + the alert's code, always fatal);
tshark's reading counts it as the alert it carries, as tlsscope reports it.

Without keys tshark still opens the Initial packets (their keys come from
the client's first Destination Connection ID), so the ClientHello and
ServerHello are read; with the key log the Handshake, 0-RTT and 1-RTT
packets open too and the rest of the handshake appears. tshark 4.0 also
opens the Initial of a version it does not know with version 1's keys
(ngtcp2's client does use them); tlsscope does not guess (RFC 8999: only
the invariants hold across versions), which quic_known_disagreements.tsv
lists.
"""

from __future__ import annotations

import json
import os
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import difflib_common as dc  # noqa: E402

LAYERS = "frame ip ipv6 udp quic tls"

PACKET_TYPES = ("initial", "0rtt", "handshake", "retry", "version_negotiation", "1rtt",
                "unknown_version")
# long header packet types by version (RFC 9000 17.2, RFC 9369 3.2)
LONG_TYPES = {
    0x00000001: ("initial", "0rtt", "handshake", "retry"),
    0x6b3343cf: ("retry", "initial", "0rtt", "handshake"),
}
CIDS_KEPT = 8   # tlsscope keeps this many connection IDs per side

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
QUIC_FIELDS = ("transport", "quic", "version", "server_version", "original_dcid", "cids",
               "retry", "version_negotiation", "packets", "datagrams", "decrypted",
               "undecryptable", "key_updates", "zero_rtt_decrypted", "handshake_done",
               "frames", "stream_bytes", "stream_data", "close", "alpn",
               "client_certificates")
ALL_FIELDS = dc.ALL_FIELDS + QUIC_FIELDS
# per direction: {"c2s": x, "s2c": y}
PER_DIR = ("cids", "packets", "datagrams", "decrypted", "undecryptable", "key_updates",
           "frames", "stream_bytes")
WHOLE = ("version", "server_version", "original_dcid", "retry", "version_negotiation",
         "zero_rtt_decrypted", "handshake_done", "close")


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
        "long": [],                 # (src, version, type) of long headers, in order
        "original_dcid": None,
        "retry": False,
        "version_negotiation": None,
        "zero_rtt_decrypted": 0,
        "handshake_done": False,
        "close": None,              # (src, kind, code, reason) of the first
        "close_codes": [],          # (src, frame type, error code) of each
        "key_phase": {},            # src -> last key phase seen
        "alpn_offered": None, "alpn_selected": None,
        "by_src": {},               # src -> the per-direction fields (PER_DIR)
    })
    return cv


def _dir(cv: dc.ConnView, src) -> dict:
    d = cv.extra["by_src"].get(src)
    if d is None:
        d = cv.extra["by_src"][src] = {"cids": [], "packets": {}, "datagrams": 0,
                                       "decrypted": 0, "undecryptable": 0,
                                       "key_updates": 0, "frames": {}, "stream_bytes": 0,
                                       "stream_data": []}
    return d


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
        _dir(cv, src)["datagrams"] += 1
        for q in quic:
            _packet(cv, src, q)
    views = sorted(conns.values(), key=lambda v: v.first_frame)
    for cv in views:
        _finish(cv)
    return views


def _add_cid(d: dict, cid):
    if cid and cid not in d["cids"]:
        d["cids"].append(cid)


def _packet(cv: dc.ConnView, src, q: dc.Obj):
    d = _dir(cv, src)
    if q.get("quic.header_form") == "1":
        version = dc._int(q.get("quic.version"))
        if version == 0:
            ptype = "version_negotiation"
            if cv.extra["version_negotiation"] is None:
                cv.extra["version_negotiation"] = [
                    "0x%08x" % (dc._int(v) or 0) for v in q.getall("quic.supported_version")]
        elif version in LONG_TYPES:
            ptype = LONG_TYPES[version][(dc._int(q.get("quic.long.packet_type")) or 0) & 3]
        else:
            ptype = "unknown_version"
        cv.extra["long"].append((src, version, ptype))
        if ptype != "version_negotiation":
            _add_cid(d, _hex(q.get("quic.scid")))
        if ptype == "initial" and cv.extra["original_dcid"] is None and cv.client in (None, src):
            cv.extra["original_dcid"] = _hex(q.get("quic.dcid"))
        if ptype == "retry":
            cv.extra["retry"] = True
    else:
        ptype = "1rtt"
    d["packets"][ptype] = d["packets"].get(ptype, 0) + 1
    if ptype in ("retry", "version_negotiation"):
        return
    frames = [f for f in q.getall("quic.frame") if isinstance(f, dc.Obj)]
    if not frames:
        d["undecryptable"] += 1
        return
    d["decrypted"] += 1
    if ptype == "0rtt":
        cv.extra["zero_rtt_decrypted"] += 1
    if ptype == "1rtt":
        short = q.get("quic.short")
        kp = dc._int(short.get("quic.key_phase")) if isinstance(short, dc.Obj) else None
        if kp is not None:
            last = cv.extra["key_phase"].get(src)
            if last is not None and kp != last:
                d["key_updates"] += 1
            cv.extra["key_phase"][src] = kp
    for f in frames:
        t = dc._int(f.get("quic.frame_type"))
        name = FRAME_NAMES.get(t, "0x%02x" % t if t is not None else "?")
        d["frames"][name] = d["frames"].get(name, 0) + 1
        if name == "STREAM":
            data = bytes.fromhex(_hex(f.get("quic.stream_data")) or "")
            n = dc._int(f.get("quic.stream.length"))
            d["stream_bytes"] += n if n is not None else len(data)
            tree = f.get("quic.frame_type_tree")
            fin = dc._int(tree.get("quic.stream.fin")) if isinstance(tree, dc.Obj) else None
            d["stream_data"].append((dc._int(f.get("quic.stream.stream_id")),
                                     dc._int(f.get("quic.stream.offset")) or 0, bool(fin), data))
        elif name == "NEW_CONNECTION_ID":
            _add_cid(d, _hex(f.get("quic.nci.connection_id")))
        elif name == "HANDSHAKE_DONE":
            cv.extra["handshake_done"] = True
        elif name.startswith("CONNECTION_CLOSE"):
            app = name == "CONNECTION_CLOSE_APP"
            code = dc._int(f.get("quic.cc.error_code.app" if app else "quic.cc.error_code"))
            cv.extra["close_codes"].append((src, t, code))
            if cv.extra["close"] is None:
                reason = f.get("quic.cc.reason_phrase")
                cv.extra["close"] = (src, "application" if app else "transport", code,
                                     reason if isinstance(reason, str) else "")
            # a TLS alert travels as the transport error 0x100 + its code
            # (RFC 9001 4.8), and is always fatal
            if not app and code is not None and 0x100 <= code <= 0x1ff:
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
        # the first packet is the client
        cv.client = cv.a
    client, server = cv.client, cv.server
    cv.extra["version"] = cv.extra["server_version"] = None
    for s, ver, ptype in cv.extra["long"]:
        if s == client and ptype != "version_negotiation" and cv.extra["version"] is None:
            cv.extra["version"] = version_text(ver)
        if s == server and ptype == "initial" and cv.extra["server_version"] is None:
            cv.extra["server_version"] = version_text(ver)
    for f in PER_DIR + ("stream_data",):
        cv.extra[f] = {ep: _dir(cv, ep)[f] for ep in (client, server)}
    sh = cv.server_hello
    cv.extra["cipher_suite"] = sh.suite if sh is not None else None


# --------------------------------------------------------------------------
# tlsscope

def scope_view(c: dict) -> dc.ConnView:
    """tlsscope's JSON connection as a view (difflib_common.tlsscope_view
    and its "quic" object)."""
    cv = dc.tlsscope_view(c)
    client, server = cv.client, cv.server
    cv.extra["transport"] = c.get("transport")
    q = c.get("quic")
    if not isinstance(q, dict):
        # one disagreement ("quic") says so, not one per field
        cv.unknown |= set(QUIC_FIELDS) - {"transport", "quic", "alpn"}
        q = {}
    for f in ("version", "server_version", "retry", "version_negotiation",
              "zero_rtt_decrypted", "handshake_done"):
        cv.extra[f] = q.get(f)
    cv.extra["original_dcid"] = (q.get("original_dcid") or "").lower() or None
    cl = q.get("close")
    cv.extra["close"] = (client if cl.get("dir") == "c2s" else server, cl.get("type"),
                         cl.get("code"), cl.get("reason") or "") \
        if isinstance(cl, dict) else None
    pk = q.get("packets") if isinstance(q.get("packets"), dict) else {}

    def side(d) -> dict:
        v = pk.get(d)
        return v if isinstance(v, dict) else {}

    def table(key, d):
        v = q.get(key)
        return v.get(d) if isinstance(v, dict) else None

    per = {f: {} for f in PER_DIR}
    for d, ep in (("c2s", client), ("s2c", server)):
        p = side(d)
        per["cids"][ep] = [x.lower() for x in
                           q.get("client_cids" if d == "c2s" else "server_cids") or []]
        per["packets"][ep] = {t: p[t] for t in PACKET_TYPES if p.get(t)}
        per["datagrams"][ep] = p.get("datagrams")
        per["decrypted"][ep] = p.get("decrypted")
        per["undecryptable"][ep] = (p.get("no_keys") or 0) + (p.get("failed") or 0)
        per["key_updates"][ep] = table("key_updates", d)
        per["frames"][ep] = {k: n for k, n in (table("frames", d) or {}).items() if n}
        per["stream_bytes"][ep] = table("stream_bytes", d)
    cv.extra.update(per)
    # with --data: each STREAM frame read, as an application_data message
    sd: dict = {client: [], server: []}
    for m in c.get("messages") or []:
        if m.get("type") == "application_data" and "stream" in m:
            sd[client if m.get("dir") == "c2s" else server].append(
                (m.get("stream"), m.get("offset"), bool(m.get("fin")), _scope_bytes(m),
                 bool(m.get("data_truncated"))))
    cv.extra["stream_data"] = sd
    cc = c.get("client_certificates")
    cv.extra["client_certs"] = [dc.norm_serial(x.get("serial")) for x in cc] \
        if isinstance(cc, list) else []
    al = c.get("alpn") if isinstance(c.get("alpn"), dict) else {}
    cv.extra["alpn_offered"] = al.get("offered")
    cv.extra["alpn_selected"] = al.get("selected")
    cv.extra["errors"] = c.get("errors") or []
    return cv


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


def scope_views(conns: list) -> tuple[list, list]:
    """(QUIC connections as views, the other connections' JSON)."""
    quic = [c for c in conns if c.get("transport") == "quic"]
    other = [c for c in conns if c.get("transport") != "quic"]
    return [scope_view(c) for c in quic], other


# --------------------------------------------------------------------------
# comparison

def _fmt_frames(lst) -> str:
    out = []
    for sid, off, fin, data, *cut in lst:
        b = "?" if data is None else data[:16].hex() + ("..." if len(data) > 16 else "")
        out.append(f"{sid}@{off}{'F' if fin else ''}:{b}({'?' if data is None else len(data)})")
    return "[" + ",".join(out) + "]"


def _same_frames(a: list, b: list) -> bool:
    """tlsscope's STREAM frames (stream, offset, fin, bytes, cut) against
    tshark's (stream, offset, fin, bytes); a cut one (--data's limit)
    compares as a prefix."""
    if len(a) != len(b):
        return False
    for (sid, off, fin, data, cut), (tsid, toff, tfin, tdata) in zip(a, b):
        if (sid, off, fin) != (tsid, toff, tfin) or data is None:
            return False
        if data != (tdata[:len(data)] if cut else tdata):
            return False
    return True


def _fmt(v) -> str:
    if isinstance(v, dict):
        return "{" + ",".join(f"{k}:{v[k]}" for k in sorted(v)) + "}"
    return json.dumps(v)


def compare_quic(ts: dc.ConnView, sc: dc.ConnView, fields=ALL_FIELDS, keys: bool = False):
    """Yield (field, tlsscope_text, tshark_text) for each disagreement
    between tshark's view ts and tlsscope's sc of one QUIC connection."""
    yield from dc.compare_views(ts, sc, tuple(f for f in fields if f in dc.ALL_FIELDS))
    client, server = sc.client, sc.server
    if "transport" in fields and sc.extra.get("transport") != "quic":
        yield ("transport", json.dumps(sc.extra.get("transport")), '"quic"')
    if "quic" in fields and "version" in sc.unknown:
        yield ("quic", "absent", "present")
    fields = [f for f in fields if f not in sc.unknown]

    def dirname(ep):
        return "c2s" if ep == client else "s2c"

    for f in WHOLE:
        if f not in fields:
            continue
        a, b = sc.extra.get(f), ts.extra.get(f)
        if f == "close":
            a = [dirname(a[0])] + list(a[1:]) if a else None
            b = [dirname(b[0])] + list(b[1:]) if b else None
        if a != b:
            yield (f, _fmt(a), _fmt(b))
    for f in PER_DIR:
        if f not in fields:
            continue
        for d, ep in (("c2s", client), ("s2c", server)):
            a, b = sc.extra[f].get(ep), ts.extra[f].get(ep)
            if f == "cids" and a is not None and len(a) == CIDS_KEPT:
                b = (b or [])[:CIDS_KEPT]   # tlsscope counts the ones beyond
            if a != b:
                yield (f"{f} {d}", _fmt(a), _fmt(b))
    if "client_certificates" in fields:
        a = sc.extra.get("client_certs") or []
        b = ts.extra["certs_by_src"].get(client) or []
        if a != b:
            yield ("client_certificates.serial", json.dumps(a), json.dumps(b))
    if "stream_data" in fields and keys:
        for d, ep in (("c2s", client), ("s2c", server)):
            a, b = sc.extra["stream_data"].get(ep, []), ts.extra["stream_data"].get(ep, [])
            # one field for both directions: which side's frames differ can
            # change from run to run (HTTP/3's QPACK acknowledgments)
            if not _same_frames(a, b):
                yield ("stream_data", f"{d}:{_fmt_frames(a)}", f"{d}:{_fmt_frames(b)}")
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
