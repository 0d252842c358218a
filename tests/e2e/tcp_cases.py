#!/usr/bin/env python3
"""TCP cases of issue 16, each built from the project's real-peer captures
(make_captures.sh) by rewriting packets with pcaplib, and each read by
tlsscope and by tshark:

 1. late-hello: the server's first data segment(s), those that carry the
    ServerHello, are taken from their place and put back (same sequence
    numbers: a retransmission) after both FINs, or after the server's FIN
    only (the client's FIN then follows them). The connection must read as
    the original does, with no gap: bytes below a FIN's sequence number still
    belong to the stream until the flow is really finished.
 2. hole: the same segment(s) dropped entirely, both FINs present. The
    connection reports one gap of exactly that many bytes, on s2c, and the
    server's messages whose records follow the hole still decode.
 3. repeated-syn: the client's SYN (also with the server's SYN-ACK) copied
    after both FINs, or into the middle of the data: one connection, read
    as the original.
 4. port-reuse: two real connections put on the same addresses and ports,
    the second (another ISN) opening after the first closed with both FINs,
    or after an RST of the first: two connections, each read as its own
    original.
 5. tshark: for every file built above, tlsscope's reading against tshark's
    (tshark_diff.py's comparison through difflib_common: connection count,
    handshake messages per direction and their order, CCS, alerts, hellos,
    certificates, ticket). A disagreement passes only as a line of the
    reviewed known-disagreements file (one line per case, connection and
    field, with its reason; no wildcards); a line that no longer matches
    anything fails too, so the file only ever lists what is still true.

"Read as the original" is the connection-level JSON of `tlsscope read
--json` compared whole (messages, suite, certificates, ticket, alerts,
application data counts, errors, findings, ...) except timestamps and ids.
In late-hello only, `messages` and `alerts` are compared per direction: the
order between the two directions is capture order, which that rewrite
changes by construction (the server's flight now comes after the client's
last records).

usage: tcp_cases.py --tlsscope BIN [--known FILE] CAPTURES_DIR
  (CAPTURES_DIR: make_captures.sh's output; exit 77 when it is missing)
Each check prints one line; closing line 'tcp-cases: N passed, M failed';
exit 1 on any failure."""
import argparse
import json
import os
import re
import struct
import sys
import tempfile

sys.dont_write_bytecode = True   # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import difflib_common as dc  # noqa: E402
import pcaplib  # noqa: E402

SYN, FIN, RST, ACK = 0x02, 0x01, 0x04, 0x10
DROP_KEYS = {"ts", "start", "end", "id"}

# single-connection captures: TLS 1.2 with a ticket and ALPN, TLS 1.3, and a
# TLS 1.2 server flight of many segments (4-certificate chain)
LATE_HELLO = ("tls12-ecdhe-rsa", "tls13-openssl", "big-chain")

# Reviewed: the late-hello cases whose JSON may differ from the original in
# what tlsscope infers without keys, and only there ($.app_data, $.complete
# and the "encrypted_handshake" entries of $.messages), with the reason. A listed
# case that reads exactly as the original fails, as a stale line.
INFERENCE_DIFFERS = {
    "late-hello/tls13-openssl/after-both-fins":
        "TLS 1.3 without keys: which application_data records are the encrypted handshake is inferred "
        "from capture order (the server's flight runs until the client's first encrypted record); the "
        "client's Finished is captured before the late ServerHello, so it counts as application data, the "
        "server's later records as its flight, and the handshake is not seen to complete",
    "late-hello/tls13-openssl/after-server-fin":
        "the same as after-both-fins: the client's Finished precedes the late ServerHello in the capture",
}


def without_inference(conn):
    c = dict(conn)
    c.pop("app_data", None)
    c.pop("complete", None)
    msgs = c.get("messages")
    if isinstance(msgs, dict):
        c["messages"] = {d: [m for m in ms if m.get("type") != "encrypted_handshake"] for d, ms in msgs.items()}
    return c
HOLE = ("tls12-ecdhe-rsa", "tls13-openssl")
REPEATED_SYN = ("tls12-ecdhe-rsa", "tls13-openssl")
# (first, second): connection 0 of the first capture, then the connection
# of the second capture moved onto its addresses and ports
PORT_REUSE = (("multi-conn", 0, "multi-conn", 1), ("tls12-ecdhe-rsa", 0, "tls13-openssl", 0))


class Failed(Exception):
    """A precondition of a case does not hold for this capture."""


# ---------------------------------------------------------------- results

class Results:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
        line = "tcp-cases: %s: %s" % ("PASS" if ok else "FAIL", name)
        if detail:
            line += ": " + detail
        print(line, flush=True)
        return ok


# ---------------------------------------------------------------- tlsscope

class Reading(list):
    """The connections of one `tlsscope read --json` run, with the counts of
    its statistics line on stderr: `flows` (TCP flows: connections the
    capture layer opened, a TLS one or not) and `gaps` (holes it found)."""
    flows = gaps = None


STATS = re.compile(r"tlsscope: .*: (\d+) packets, (\d+) TCP flows, (\d+) TLS connections(.*)$")


def run_scope(binary, path):
    """tlsscope's reading of path, or raise Failed."""
    r = dc.run_tlsscope(binary, path, None, 120)
    if r.status != "ok":
        first = next((l for l in r.stderr.splitlines() if l.strip()), "")
        raise Failed("tlsscope: %s: %s %s" % (r.status, r.detail, first[:200]))
    out = Reading(r.conns)
    for line in r.stderr.splitlines():
        m = STATS.match(line.strip())
        if m:
            out.flows = int(m.group(2))
            g = re.search(r", (\d+) gaps", m.group(4))
            out.gaps = int(g.group(1)) if g else 0
    if out.flows is None:
        raise Failed("tlsscope: no statistics line on stderr")
    return out


def norm(obj):
    if isinstance(obj, dict):
        return {k: norm(v) for k, v in obj.items() if k not in DROP_KEYS}
    if isinstance(obj, list):
        return [norm(v) for v in obj]
    return obj


def per_direction(conn):
    """messages and alerts as one list per direction (their order across
    directions is capture order)."""
    c = dict(conn)
    for key in ("messages", "alerts"):
        if isinstance(c.get(key), list):
            c[key] = {d: [m for m in c[key] if m.get("dir") == d] for d in ("c2s", "s2c")}
    return c


def first_diff(a, b, path="$"):
    if type(a) != type(b):
        return "%s: %s != %s" % (path, short(a), short(b))
    if isinstance(a, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return "%s.%s: only in the %s" % (path, k, "original" if k in a else "variant")
            d = first_diff(a[k], b[k], path + "." + k)
            if d:
                return d
        return None
    if isinstance(a, list):
        for i, (x, y) in enumerate(zip(a, b)):
            d = first_diff(x, y, "%s[%d]" % (path, i))
            if d:
                return d
        if len(a) != len(b):
            return "%s: %d items in the original, %d in the variant" % (path, len(a), len(b))
        return None
    return None if a == b else "%s: %s != %s" % (path, short(a), short(b))


def short(v):
    s = json.dumps(v)
    return s if len(s) <= 120 else s[:117] + "..."


def count_check(res, case, got, n):
    """n connections, both in the JSON and as the capture layer's TCP flows
    (a connection it opened and that carried no TLS is in the flow count
    only)."""
    words = {1: "one connection", 2: "two connections"}
    return res.check("%s: %s" % (case, words.get(n, "%d connections" % n)),
                     len(got) == n and got.flows == n,
                     "%d in the JSON, %d TCP flows" % (len(got), got.flows))


def gaps(conn):
    return [e for e in conn.get("errors", []) if e.get("kind") == "gap"]


# ---------------------------------------------------------------- packets

class Capture:
    """A real-peer capture: its records and their decoded TCP/IPv4 packets."""

    def __init__(self, path):
        self.path = path
        self.name = os.path.basename(path)[:-len(".pcap")]
        self.link, self.recs = pcaplib.read_pcap(path)
        if self.link != pcaplib.LINK_ETHERNET:
            raise Failed("%s: link type %d, not Ethernet" % (path, self.link))
        try:
            self.pkts = [pcaplib.Pkt(r) for _, _, r in self.recs]
        except (ValueError, struct.error) as e:
            raise Failed("%s: %s" % (path, e))
        if not all(p.tcp_ok for p in self.pkts):
            raise Failed("%s: not all packets are TCP" % path)

    def connections(self):
        """[(client (ip, port), server (ip, port), [record indexes])] in
        order of their SYN; a 4-tuple is one connection per SYN (the
        captures here do not reuse ports)."""
        conns = []
        cur = {}
        for i, p in enumerate(self.pkts):
            key = frozenset(((p.src, p.sport), (p.dst, p.dport)))
            if p.flags & (SYN | ACK) == SYN:
                cur[key] = len(conns)
                conns.append(((p.src, p.sport), (p.dst, p.dport), []))
            if key in cur:
                conns[cur[key]][2].append(i)
        return conns


def one_connection(cap):
    conns = cap.connections()
    if len(conns) != 1:
        raise Failed("%s: %d connections, want 1" % (cap.name, len(conns)))
    return conns[0]


def sender(p):
    return (p.src, p.sport)


def hello_segments(cap, conn):
    """Indexes of the server's data segments that carry its first record
    (the ServerHello), and the number of stream bytes they cover."""
    client, server, idx = conn
    data = [i for i in idx if sender(cap.pkts[i]) == server and cap.pkts[i].payload]
    if not data:
        raise Failed("%s: no server data" % cap.name)
    first = cap.pkts[data[0]]
    pl = first.payload
    if len(pl) < 9 or pl[0] != 22 or pl[5] != 2:
        raise Failed("%s: the first server segment does not start with a ServerHello record" % cap.name)
    rec_end = first.seq + 5 + struct.unpack("!H", pl[3:5])[0]
    out = [i for i in data if (cap.pkts[i].seq - rec_end) & 0x80000000]   # seq < rec_end (mod 2^32)
    covered = sum(len(cap.pkts[i].payload) for i in out)
    if cap.pkts[out[-1]].seq + len(cap.pkts[out[-1]].payload) != first.seq + covered:
        raise Failed("%s: the ServerHello segments are not contiguous" % cap.name)
    return out, covered


def fin_of(cap, conn, who):
    for i in conn[2]:
        p = cap.pkts[i]
        if sender(p) == who and p.flags & FIN:
            return i
    raise Failed("%s: no FIN from %s:%d" % (cap.name, dc.norm_ip(".".join(map(str, who[0]))), who[1]))


def build(cap, order):
    """Records in the given order: each item an index into cap.recs, or a
    (index, ts_from_index) pair for a record moved next to another."""
    out = []
    for item in order:
        if isinstance(item, tuple):
            i, t = item
            sec, usec = cap.recs[t][:2]
            out.append((sec, usec, cap.recs[i][2]))
        else:
            out.append(cap.recs[item])
    return out


def write(tmp, name, link, recs):
    path = os.path.join(tmp, name.replace("/", "_") + ".pcap")
    pcaplib.write_pcap(path, link, recs)
    return path


# ---------------------------------------------------------------- tshark

class KnownList:
    """Reviewed disagreements with tshark: case, connection, field, reason,
    all exact (a '*' is refused: one line per case, never a class rule)."""

    def __init__(self, path):
        self.path = path
        self.rows = []   # [case, conn, field, reason, used]
        self.bad = []
        if not path or not os.path.exists(path):
            return
        for n, cols in dc.reviewed_rows(path):
            if cols[:3] == ["case", "connection", "field"]:
                continue
            if len(cols) != 4 or not all(c.strip() for c in cols) or "*" in cols[:3]:
                self.bad.append("%s:%d: want case<TAB>connection<TAB>field<TAB>reason, no '*'" % (path, n))
                continue
            self.rows.append(cols + [False])

    def lookup(self, case, conn, fld):
        for r in self.rows:
            if r[:3] == [case, conn, fld]:
                r[4] = True
                return True
        return False


def tshark_check(res, known, case, path, conns):
    """tlsscope's connections against tshark's reading of the same file."""
    try:
        ts = dc.tshark_views(path, None, plaintext_only=True)
    except dc.ToolError as e:
        res.check("%s: tshark" % case, False, "tshark failed: %s" % e)
        return
    sc = [dc.tlsscope_view(c) for c in conns]
    diffs = []   # (connection label, field, text)
    if len(ts) != len(sc):
        diffs.append(("-", "connections", "tlsscope=%d tshark=%d" % (len(sc), len(ts))))
    pairs, only_ts, only_sc = dc.match_views(ts, sc)
    for t, s in pairs:
        label = dc.conn_label(s.client, s.server)
        for f, a, b in dc.compare_views(t, s, dc.ALL_FIELDS):
            diffs.append((label, f, "tlsscope=%s tshark=%s" % (a, b)))
    for s in only_sc:
        diffs.append((dc.conn_label(s.client, s.server), "connection", "tlsscope=present tshark=absent"))
    for t in only_ts:
        diffs.append((dc.conn_label(t.client or t.a, t.server or t.b), "connection",
                      "tlsscope=absent tshark=present"))
    unknown = [d for d in diffs if not known.lookup(case, d[0], d[1])]
    nknown = len(diffs) - len(unknown)
    detail = "; ".join("%s: %s: %s" % d for d in unknown)
    if not unknown:
        detail = "%d connection(s) agree" % len(sc) + (", %d reviewed disagreement(s)" % nknown if nknown else "")
    res.check("%s: tshark" % case, not unknown, detail)


def read_variant(res, binary, tmp, case, link, recs):
    """Write a variant and read it: (path, connections), or (path, None)
    when tlsscope failed on it (a failed check says so)."""
    path = write(tmp, case, link, recs)
    try:
        return path, run_scope(binary, path)
    except Failed as e:
        res.check(case, False, str(e))
        return path, None


# ---------------------------------------------------------------- cases

def case_late_hello(res, known, binary, tmp, cap):
    conn = one_connection(cap)
    client, server, idx = conn
    hello, covered = hello_segments(cap, conn)
    base = run_scope(binary, cap.path)
    if len(base) != 1:
        raise Failed("%s: the original gives %d connections" % (cap.name, len(base)))
    sfin, cfin = fin_of(cap, conn, server), fin_of(cap, conn, client)
    rest = [i for i in range(len(cap.recs)) if i not in hello]
    variants = []
    # after both FINs: right after the later one
    last = max(sfin, cfin)
    order = []
    for i in rest:
        order.append(i)
        if i == last:
            order += [(h, last) for h in hello]
    variants.append(("after-both-fins", order))
    # after the server's FIN only: the client's FIN (no data) comes after them
    if cap.pkts[cfin].payload:
        raise Failed("%s: the client's FIN carries data" % cap.name)
    order = []
    for i in rest:
        if i == cfin and cfin < sfin:
            continue
        order.append(i)
        if i == sfin:
            order += [(h, sfin) for h in hello]
            if cfin < sfin:
                order.append((cfin, sfin))
    variants.append(("after-server-fin", order))
    want = norm(per_direction(base[0]))
    for vname, order in variants:
        case = "late-hello/%s/%s" % (cap.name, vname)
        path, got = read_variant(res, binary, tmp, case, cap.link, build(cap, order))
        if got is None:
            continue
        if not count_check(res, case, got, 1) and len(got) != 1:
            tshark_check(res, known, case, path, got)
            continue
        g = gaps(got[0])
        res.check("%s: no gap (%d late bytes)" % (case, covered), not g and got.gaps == 0,
                  "JSON %s, statistics %d gaps" % (short(g), got.gaps))
        mine = norm(per_direction(got[0]))
        d = first_diff(want, mine)
        if case in INFERENCE_DIFFERS:
            rest = first_diff(without_inference(want), without_inference(mine))
            res.check("%s: JSON as the original but for the reviewed inference (%s)" % (case, INFERENCE_DIFFERS[case]),
                      d is not None and rest is None,
                      rest or ("stale: it reads exactly as the original; remove it from INFERENCE_DIFFERS"
                               if d is None else "differs only at %s ..." % d))
        else:
            res.check("%s: JSON as the original" % case, d is None, d or "")
        tshark_check(res, known, case, path, got)


def case_hole(res, known, binary, tmp, cap):
    conn = one_connection(cap)
    client, server, idx = conn
    hello, covered = hello_segments(cap, conn)
    # the dropped bytes must end on a record boundary, so that what follows
    # them can be framed again
    stream = b"".join(cap.pkts[i].payload for i in hello)
    off = 0
    while off + 5 <= len(stream):
        off += 5 + struct.unpack("!H", stream[off + 3:off + 5])[0]
    if off != len(stream):
        raise Failed("%s: the ServerHello segments do not end on a record boundary" % cap.name)
    base = run_scope(binary, cap.path)
    if len(base) != 1:
        raise Failed("%s: the original gives %d connections" % (cap.name, len(base)))
    # what the dropped bytes held, as tlsscope reads them: the server's
    # messages in the original cut right after its last dropped segment
    head = write(tmp, "hole-head-" + cap.name, cap.link, cap.recs[:hello[-1] + 1])
    head_conns = run_scope(binary, head)
    lost = len([m for m in head_conns[0]["messages"] if m["dir"] == "s2c"]) if head_conns else 0
    if lost == 0:
        raise Failed("%s: no server message in the dropped segment(s)" % cap.name)
    case = "hole/%s" % cap.name
    path, got = read_variant(res, binary, tmp, case, cap.link, [r for i, r in enumerate(cap.recs) if i not in hello])
    if got is None:
        return
    if not count_check(res, case, got, 1) and len(got) != 1:
        tshark_check(res, known, case, path, got)
        return
    c = got[0]
    g = gaps(c)
    res.check("%s: one gap of %d bytes on s2c" % (case, covered),
              len(g) == 1 and g[0].get("dir") == "s2c" and g[0].get("missing_bytes") == covered,
              "JSON %s, statistics %d gaps" % (short(g), got.gaps))

    def msgs(conn, d):
        return [{k: v for k, v in m.items() if k != "ts"}
                for m in conn["messages"] if m["dir"] == d]
    want_s2c = msgs(base[0], "s2c")[lost:]
    got_s2c = msgs(c, "s2c")
    res.check("%s: the server's %d message(s) after the hole decode as in the original" % (case, len(want_s2c)),
              got_s2c == want_s2c,
              "" if got_s2c == want_s2c else "want %s, got %s" % (short([m["type"] for m in want_s2c]),
                                                                   short([m["type"] for m in got_s2c])))
    bad = [m for m in c["messages"] if m.get("error")]
    res.check("%s: no message misparsed" % case, not bad, short(bad) if bad else "")
    want = base[0].get("app_data", {}).get("s2c")
    res.check("%s: the server's application data records after the hole all read" % case,
              c.get("app_data", {}).get("s2c") == want,
              "want %s, got %s" % (short(want), short(c.get("app_data", {}).get("s2c"))))
    # the client's side is whole; only what tlsscope infers from the
    # server's side (TLS 1.3's encrypted Finished: "inferred") needs the
    # lost ServerHello
    want_c2s = [m["type"] for m in base[0]["messages"] if m["dir"] == "c2s" and not m.get("inferred")]
    got_c2s = [m["type"] for m in c["messages"] if m["dir"] == "c2s" and not m.get("inferred")]
    res.check("%s: the client's messages as in the original" % case, got_c2s == want_c2s,
              "" if got_c2s == want_c2s else "want %s, got %s" % (short(want_c2s), short(got_c2s)))
    tshark_check(res, known, case, path, got)


def case_repeated_syn(res, known, binary, tmp, cap):
    conn = one_connection(cap)
    client, server, idx = conn
    syn = next(i for i in idx if cap.pkts[i].flags & (SYN | ACK) == SYN)
    synack = next(i for i in idx if cap.pkts[i].flags & (SYN | ACK) == SYN | ACK)
    data = [i for i in idx if cap.pkts[i].payload]
    mid = data[len(data) // 2]
    end = len(cap.recs) - 1
    fin_of(cap, conn, client), fin_of(cap, conn, server)   # both FINs are there
    base = run_scope(binary, cap.path)
    if len(base) != 1:
        raise Failed("%s: the original gives %d connections" % (cap.name, len(base)))
    want = norm(base[0])
    for where, after in (("at-end", end), ("mid-data", mid)):
        for what, copies in (("syn", [syn]), ("syn+synack", [syn, synack])):
            case = "repeated-syn/%s/%s-%s" % (cap.name, what, where)
            order = []
            for i in range(len(cap.recs)):
                order.append(i)
                if i == after:
                    order += [(c, after) for c in copies]
            path, got = read_variant(res, binary, tmp, case, cap.link, build(cap, order))
            if got is None:
                continue
            if count_check(res, case, got, 1) or len(got) == 1:
                d = first_diff(want, norm(got[0]))
                res.check("%s: JSON as the original" % case, d is None, d or "")
            tshark_check(res, known, case, path, got)


def retarget(p, src, dst):
    """Packet p moved onto the addresses and ports src -> dst."""
    t = pcaplib.tcp(src[1], dst[1], p.seq, p.ack, p.flags, p.payload, p.win)
    return pcaplib.ether(pcaplib.ipv4(src[0], dst[0], 6, t, p.ip_id))


def case_port_reuse(res, known, binary, tmp, caps, spec):
    cap1, n1, cap2, n2 = caps[spec[0]], spec[1], caps[spec[2]], spec[3]
    c1, c2 = cap1.connections()[n1], cap2.connections()[n2]
    base1 = run_scope(binary, cap1.path)[n1]
    base2 = run_scope(binary, cap2.path)[n2]
    isn1 = cap1.pkts[c1[2][0]].seq
    isn2 = cap2.pkts[c2[2][0]].seq
    if isn1 == isn2:
        raise Failed("%s/%s: both connections have the ISN %d" % (cap1.name, cap2.name, isn1))
    client, server = c1[0], c1[1]
    # connection 1 as captured, or closed by the client's RST right after
    # its last data segment (its FINs, which carry no data, left out, and
    # whatever followed that segment)
    last_data = max(i for i in c1[2] if cap1.pkts[i].payload)
    if any(cap1.pkts[i].payload and cap1.pkts[i].flags & FIN for i in c1[2]):
        raise Failed("%s: a FIN carries data" % cap1.name)
    recs_fin = [cap1.recs[i] for i in c1[2]]

    def next_seq(who):
        q = [cap1.pkts[i] for i in c1[2] if i <= last_data and sender(cap1.pkts[i]) == who]
        return q[-1].seq + len(q[-1].payload) + (1 if q[-1].flags & SYN else 0)
    rst = pcaplib.ether(pcaplib.ipv4(client[0], server[0], 6,
                                     pcaplib.tcp(client[1], server[1], next_seq(client), next_seq(server),
                                                 RST | ACK, b"", 0)))
    sec, usec = cap1.recs[last_data][:2]
    recs_rst = [cap1.recs[i] for i in c1[2] if i <= last_data and not cap1.pkts[i].flags & FIN] + [(sec, usec, rst)]
    # connection 2 moved onto connection 1's addresses and ports, one
    # second after connection 1's last packet
    t_end = cap1.recs[c1[2][-1]][0] + 1
    shift = t_end - cap2.recs[c2[2][0]][0]
    recs2 = []
    for i in c2[2]:
        q = cap2.pkts[i]
        src, dst = (client, server) if sender(q) == c2[0] else (server, client)
        recs2.append((cap2.recs[i][0] + shift, cap2.recs[i][1], retarget(q, src, dst)))
    want1 = norm(base1)
    want2 = norm(base2)
    for k in ("client", "server"):
        want2[k] = want1[k]
    label = "%s#%d+%s#%d" % (cap1.name, n1 + 1, cap2.name, n2 + 1)
    for vname, recs1 in (("after-fins", recs_fin), ("after-rst", recs_rst)):
        case = "port-reuse/%s/%s" % (label, vname)
        path, got = read_variant(res, binary, tmp, case, cap1.link, recs1 + recs2)
        if got is None:
            continue
        if count_check(res, case, got, 2) or len(got) == 2:
            for n, want in ((0, want1), (1, want2)):
                d = first_diff(want, norm(got[n]))
                res.check("%s: connection %d as its original" % (case, n + 1), d is None, d or "")
        tshark_check(res, known, case, path, got)


# ---------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description="TCP cases of issue 16 (late hello, hole, repeated SYN, port reuse)")
    ap.add_argument("--tlsscope", required=True)
    ap.add_argument("--known", default=os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                    "tcp_cases_known.tsv"),
                    help="reviewed disagreements with tshark (default: tcp_cases_known.tsv beside this script)")
    ap.add_argument("captures", help="make_captures.sh's output directory")
    a = ap.parse_args()
    # the files read here are rebuilt in a new temporary directory on every
    # run: nothing for the tshark cache to find again
    os.environ["TSC_TSHARK_CACHE"] = "off"
    names = set(LATE_HELLO) | set(HOLE) | set(REPEATED_SYN) | {s[0] for s in PORT_REUSE} | {s[2] for s in PORT_REUSE}
    missing = [n for n in sorted(names) if not os.path.exists(os.path.join(a.captures, n + ".pcap"))]
    if missing:
        print("tcp-cases: SKIPPED: no %s in %s (make_captures.sh needs root)" % (", ".join(missing), a.captures))
        return 77
    res = Results()
    known = KnownList(a.known)
    for b in known.bad:
        res.check("known-disagreements file", False, b)
    caps = {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in sorted(names):
            try:
                caps[n] = Capture(os.path.join(a.captures, n + ".pcap"))
            except Failed as e:
                res.check("capture %s" % n, False, str(e))
        jobs = [("late-hello/" + n, lambda n=n: case_late_hello(res, known, a.tlsscope, tmp, caps[n]))
                for n in LATE_HELLO]
        jobs += [("hole/" + n, lambda n=n: case_hole(res, known, a.tlsscope, tmp, caps[n])) for n in HOLE]
        jobs += [("repeated-syn/" + n, lambda n=n: case_repeated_syn(res, known, a.tlsscope, tmp, caps[n]))
                 for n in REPEATED_SYN]
        jobs += [("port-reuse/%s+%s" % (s[0], s[2]),
                  lambda s=s: case_port_reuse(res, known, a.tlsscope, tmp, caps, s)) for s in PORT_REUSE]
        for name, job in jobs:
            try:
                job()
            except (Failed, KeyError, IndexError, StopIteration) as e:
                res.check(name, False, "cannot build the case: %s" % e)
    for r in known.rows:
        if not r[4]:
            res.check("known disagreement %s / %s / %s in use" % tuple(r[:3]), False,
                      "no longer seen: remove the line from %s" % known.path)
    print("tcp-cases: %d passed, %d failed" % (res.passed, res.failed))
    return 1 if res.failed else 0


if __name__ == "__main__":
    sys.exit(main())
