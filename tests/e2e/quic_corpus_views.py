"""QUIC connections as tshark and as tlsscope read them, and their comparison.

Used by quic_corpus.py (the public corpus; quic_views.py is the reading
of the captures made here from real peers, per QUIC connection number).
The model is dtls_views.py.

A QUIC connection is a UDP 5-tuple: tshark's udp.stream, tlsscope's
connection with "transport": "quic". Both readings are reduced to
difflib_common.ConnView, so the TLS comparison (difflib_common.compare_views:
handshake messages per direction and their order, both hellos, the suite,
SNI, the server's certificate serials, the ticket lifetime) applies
unchanged; what only QUIC has is kept in ConnView.extra and compared here:

  transport    tlsscope says "quic"
  quic_version the connection's QUIC version: that of the packet carrying
               the ServerHello, else of the last client Initial, else of the
               first long-header packet that is not Version Negotiation;
               "1", "2" or "0x%08x" as tlsscope prints it
  alpn         the ClientHello's protocols in order; with keys also the one
               the server selected (EncryptedExtensions)
  retry        a Retry packet was seen
  packets      long-header packets per direction and type (initial,
               handshake, 0rtt, retry, version_negotiation) and short-header
               ones (1rtt): the headers are in clear, so no key is needed

How tshark's packets become messages.  tshark reassembles each encryption
level's CRYPTO stream and dissects a TLS handshake message in the packet
that completes it. Without keys (plaintext_only) only the messages of
Initial packets count: the Handshake, 0-RTT and 1-RTT packets' contents need
keys, even when tshark read them from a pcapng Decryption Secrets Block.
A message tshark dissects twice (a CRYPTO frame sent again, which tshark
4.0 may dissect again) counts once: the same sender, level and bytes.

tshark 4.0 knows QUIC v1, v2 (RFC 9369, 0x6b3343cf) and drafts 29 to 34
(and reads older drafts' headers); it predates some later version numbers
(e.g. version_information's reserved ones) and cannot read gQUIC's
(Q0xx, T0xx) handshakes as IETF QUIC: differences there are listed in
quic_corpus_known.tsv with that reason.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import difflib_common as dc  # noqa: E402

LAYERS = "frame ip ipv6 icmp icmpv6 udp quic"

# RFC 9000 17.2 long header types (v1 and drafts) and RFC 9369 3.2 (v2)
V1_TYPES = {0: "initial", 1: "0rtt", 2: "handshake", 3: "retry"}
V2_TYPES = {1: "initial", 2: "0rtt", 3: "handshake", 0: "retry"}
PACKET_KINDS = ("initial", "handshake", "0rtt", "1rtt", "retry", "version_negotiation",
                "unknown_version")
V2 = 0x6b3343cf


def tshark_knows(v: int) -> bool:
    """Is v a version tshark 4.0's QUIC dissector has keys and packet types
    for? v1, v2 (and its draft number 0x709a50c4), IETF drafts (0xff0000NN),
    Facebook's mvfst drafts, gQUIC's Q0NN/T0NN. tshark also opens the
    Initials of the versions RFC 9000 15 reserves for forcing Version
    Negotiation (0x?a?a?a?a) as if they were v1, and reads the header bits
    of any other version as v1's packet types: neither is a reading of the
    version (no server can answer it), so such packets count as
    unknown_version here and their contents are not read, as tlsscope does."""
    if v in (1, V2, 0x709a50c4, 0xfaceb001, 0xfaceb002, 0xfaceb00e):
        return True
    if (v & 0x0f0f0f0f) == 0x0a0a0a0a:
        return False
    if v >> 8 == 0xff0000:
        return True
    return (v >> 24) in (0x51, 0x54) and (v >> 16) & 0xff == 0x30    # 'Q0..', 'T0..'

QUIC_FIELDS = ("transport", "quic_version", "alpn", "retry", "packets")
ALL_FIELDS = dc.ALL_FIELDS + QUIC_FIELDS


def version_text(v: int | None) -> str | None:
    """A QUIC version as tlsscope prints it."""
    if v is None:
        return None
    if v == 1:
        return "1"
    if v == V2:
        return "2"
    return "0x%08x" % v


def decode_as(ports) -> list[str]:
    out = []
    for p in sorted({int(p) for p in ports}):
        out += ["-d", f"udp.port=={p},quic"]
    return out


def tshark_text(capture: str, keylog: str | None = None, ports=(),
                timeout: int = dc.TSHARK_TIMEOUT) -> str:
    """tshark's JSON for the capture's QUIC frames (ports decoded as QUIC)."""
    return dc.run_tshark_json(capture, keylog, decode_as(ports), "quic",
                              timeout, LAYERS)


def _new_view(stream, src, dst, frame_no) -> dc.ConnView:
    cv = dc.ConnView(a=src, b=dst, first_frame=frame_no)
    cv.extra.update({
        "stream": stream,
        "certs_by_src": {}, "ticket_by_src": {},
        "packets": {},          # src -> {kind: n}
        "seen_msgs": set(),     # (src, level, digest) of messages counted
        "duplicates": 0,
        "alpn_offered": None, "alpn_selected": None,
        "first_initial_src": None,
        "versions": [],         # (src, kind, version) of long headers, in order
        "sh_version": None,     # version of the packet with the ServerHello
        "ch_versions": [],      # versions of client Initials with a ClientHello
    })
    return cv


def _alpn_list(hs: dc.Obj):
    for k, v in hs:
        if isinstance(v, dc.Obj) and dc._int(v.get("tls.handshake.extension.type")) == 16:
            return [x for x in dc._walk_all(v, "tls.handshake.extensions_alpn_str", [])
                    if isinstance(x, str)]
    return None


def _packet_kind(q: dc.Obj) -> tuple[str | None, int | None]:
    """(kind, version) of one QUIC packet layer; (None, None) for a layer
    that is not a packet (trailing padding)."""
    short = q.get("quic.short")
    if isinstance(short, dc.Obj):
        # zeros after a long-header packet (a datagram padded without
        # PADDING frames): tshark 4.0 dissects them as a short header whose
        # fixed bit is 0 and which does not open; not a packet (RFC 9000
        # 12.2: a receiver may ignore them), and tlsscope does not count one
        rest = dc._hexbytes(q.get("quic.remaining_payload")
                            or short.get("quic.protected_payload")) or ""
        if dc._int(short.get("quic.fixed_bit")) == 0 and rest and not rest.strip("0"):
            return None, None
        return "1rtt", None
    form = dc._int(q.get("quic.header_form"))
    if form is None:
        return None, None
    if form == 0:
        return "1rtt", None
    ver = dc._int(q.get("quic.version"))
    if ver == 0:
        return "version_negotiation", 0
    if ver is None or not tshark_knows(ver):
        return "unknown_version", ver
    t = dc._int(q.get("quic.long.packet_type_v2"))
    if t is not None or ver == V2:
        if t is None:
            t = dc._int(q.get("quic.long.packet_type"))
        return V2_TYPES.get(t), ver
    return V1_TYPES.get(dc._int(q.get("quic.long.packet_type"))), ver


def parse_views(text: str, plaintext_only: bool) -> list[dc.ConnView]:
    conns: dict = {}
    for pkt in dc.iter_json_array(text):
        layers = pkt.get("_source").get("layers")
        frame_no = 0
        src_ip = dst_ip = None
        udp = None
        quic_layers = []
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
                udp = v
            elif k == "quic":
                quic_layers.append(v)
        if icmp or udp is None or src_ip is None or not quic_layers:
            continue
        stream = dc._int(udp.get("udp.stream"))
        src = (dc.norm_ip(src_ip), dc._int(udp.get("udp.srcport")))
        dst = (dc.norm_ip(dst_ip), dc._int(udp.get("udp.dstport")))
        cv = conns.get(stream)
        for q in quic_layers:
            if not isinstance(q, dc.Obj):
                continue
            kind, ver = _packet_kind(q)
            if kind is None:
                continue
            if cv is None:
                cv = conns[stream] = _new_view(stream, src, dst, frame_no)
            per = cv.extra["packets"].setdefault(src, {})
            per[kind] = per.get(kind, 0) + 1
            if ver is not None:
                cv.extra["versions"].append((src, kind, ver))
            if kind in ("initial", "0rtt", "unknown_version") and \
                    cv.extra["first_initial_src"] is None:
                # a client's first packet (of an unknown version: one that
                # asks for Version Negotiation)
                cv.extra["first_initial_src"] = src
            if kind == "unknown_version":
                # RFC 8999 5.1: past the version, nothing of a long header of
                # an unknown version can be read, its Length neither; the
                # rest of the datagram is not packets to count (tshark 4.0
                # reads the Length as v1's and goes on)
                break
            if plaintext_only and kind != "initial":
                continue
            for fr in q.getall("quic.frame"):
                if not isinstance(fr, dc.Obj) or dc._int(fr.get("quic.frame_type")) != 6:
                    continue
                for tl in fr.getall("tls"):
                    if not isinstance(tl, dc.Obj):
                        continue
                    for hs in tl.getall("tls.handshake"):
                        if isinstance(hs, dc.Obj):
                            _message(cv, src, kind, ver, hs)
    views = sorted(conns.values(), key=lambda v: v.first_frame)
    for cv in views:
        _finish(cv)
    return views


def _message(cv: dc.ConnView, src, kind: str, ver, hs: dc.Obj):
    t = dc._int(hs.get("tls.handshake.type"))
    if t is None:
        return
    digest = hashlib.sha256(json.dumps(hs).encode()).hexdigest()
    key = (src, kind, digest)
    if key in cv.extra["seen_msgs"]:
        cv.extra["duplicates"] += 1
        return
    cv.extra["seen_msgs"].add(key)
    first_ch = t == 1 and cv.client_hello is None
    first_sh = t == 2 and cv.server_hello is None
    dc._ts_handshake(cv, src, t, hs)
    if first_ch:
        cv.extra["alpn_offered"] = _alpn_list(hs)
    if t == 1 and src == cv.client:
        cv.extra["ch_versions"].append(ver)
    if first_sh and cv.server_hello is not None:
        cv.extra["sh_version"] = ver
    if t == 8 and src != cv.client and cv.extra["alpn_selected"] is None:
        sel = _alpn_list(hs)
        cv.extra["alpn_selected"] = sel[0] if sel else None


def _finish(cv: dc.ConnView):
    if cv.client is None:
        cv.client = cv.extra["first_initial_src"]
        if cv.client is None:
            # only a server's packets (a Version Negotiation, say): the
            # client is the other end
            vn = [s for s, k, _ in cv.extra["versions"] if k == "version_negotiation"]
            if vn:
                cv.client = cv.b if vn[0] == cv.a else cv.a
    ex = cv.extra
    v = ex["sh_version"]
    if v is None and ex["ch_versions"]:
        v = ex["ch_versions"][-1]
    if v is None:
        v = next((x for _, k, x in ex["versions"] if k != "version_negotiation"), None)
    ex["quic_version"] = version_text(v)
    ex["retry"] = any(k == "retry" for _, k, _ in ex["versions"])
    sh = cv.server_hello
    ex["cipher_suite"] = sh.suite if sh is not None else None


# --------------------------------------------------------------------------
# tlsscope

def scope_view(c: dict) -> dc.ConnView:
    """tlsscope's JSON connection as a view (difflib_common.tlsscope_view
    and the QUIC extras)."""
    cv = dc.tlsscope_view(c)
    ex = cv.extra
    ex["transport"] = c.get("transport")
    q = c.get("quic") if isinstance(c.get("quic"), dict) else {}
    ex["quic_version"] = q.get("version")
    ex["retry"] = q.get("retry")
    alpn = c.get("alpn") if isinstance(c.get("alpn"), dict) else {}
    off = alpn.get("offered")
    ex["alpn_offered"] = list(off) if isinstance(off, list) else None
    ex["alpn_selected"] = alpn.get("selected")
    pk = q.get("packets") if isinstance(q.get("packets"), dict) else {}
    packets = {}
    for d, ep in (("c2s", cv.client), ("s2c", cv.server)):
        per = pk.get(d) if isinstance(pk.get(d), dict) else {}
        packets[ep] = {k: n for k, n in per.items() if k in PACKET_KINDS and n}
    ex["packets"] = packets
    ex["quic"] = q
    return cv


def scope_views(conns: list) -> tuple[list, list]:
    """(QUIC connections as views, the other connections' JSON)."""
    quic, other = [], []
    for c in conns:
        (quic if c.get("transport") == "quic" else other).append(c)
    return [scope_view(c) for c in quic], other


# --------------------------------------------------------------------------
# comparison

def _fmt_packets(per: dict) -> str:
    return "{" + ",".join(f"{k}:{per[k]}" for k in PACKET_KINDS if per.get(k)) + "}"


def compare_quic(ts: dc.ConnView, sc: dc.ConnView, fields=ALL_FIELDS, keys: bool = False):
    """Yield (field, tlsscope_text, tshark_text) for each disagreement
    between tshark's view ts and tlsscope's sc of one connection."""
    yield from dc.compare_views(ts, sc, tuple(f for f in fields if f in dc.ALL_FIELDS))
    if "transport" in fields and sc.extra.get("transport") != "quic":
        yield ("transport", json.dumps(sc.extra.get("transport")), '"quic"')
    if "quic_version" in fields and sc.extra.get("quic_version") != ts.extra.get("quic_version"):
        yield ("quic.version", json.dumps(sc.extra.get("quic_version")),
               json.dumps(ts.extra.get("quic_version")))
    if "alpn" in fields:
        a, b = sc.extra.get("alpn_offered"), ts.extra.get("alpn_offered")
        if (a or None) != (b or None) and not (sc.client_hello is None and ts.client_hello is None):
            yield ("alpn.offered", json.dumps(a), json.dumps(b))
        a, b = sc.extra.get("alpn_selected"), ts.extra.get("alpn_selected")
        if keys and a != b:
            yield ("alpn.selected", json.dumps(a), json.dumps(b))
    if "retry" in fields and bool(sc.extra.get("retry")) != bool(ts.extra.get("retry")):
        yield ("quic.retry", json.dumps(sc.extra.get("retry")), json.dumps(ts.extra.get("retry")))
    if "packets" in fields:
        for d, ep in (("c2s", sc.client), ("s2c", sc.server)):
            a = sc.extra.get("packets", {}).get(ep, {})
            b = ts.extra.get("packets", {}).get(ep, {})
            if {k: v for k, v in a.items() if v} != {k: v for k, v in b.items() if v}:
                yield (f"quic.packets {d}", _fmt_packets(a), _fmt_packets(b))


def compare_capture(ts_views: list, sc_views: list, fields=ALL_FIELDS, keys: bool = False):
    """Pair the connections (by endpoints, in order of first packet) and
    compare them. Returns [(label, [(field, text)])]: one entry per
    connection, its disagreements as printable text (empty: it agrees)."""
    pairs, only_ts, only_sc = dc.match_views(ts_views, sc_views)
    out = []
    for t, s in pairs:
        label = dc.conn_label(s.client, s.server)
        diffs = [(f, f"{label}: {f}: tlsscope={a} tshark={b}")
                 for f, a, b in compare_quic(t, s, fields, keys)]
        out.append((label, diffs))
    for s in only_sc:
        label = dc.conn_label(s.client, s.server)
        out.append((label, [("connection", f"{label}: connection: tlsscope=present tshark=absent")]))
    for t in only_ts:
        label = dc.conn_label(t.client or t.a, t.server or t.b)
        hs = sum(1 for e in t.events if e[1] == "hs")
        npk = sum(sum(p.values()) for p in t.extra.get("packets", {}).values())
        out.append((label, [("connection", f"{label}: connection: tlsscope=absent tshark=present "
                                           f"(udp.stream {t.extra.get('stream')}, {npk} packets, "
                                           f"{hs} handshake messages)")]))
    return out
