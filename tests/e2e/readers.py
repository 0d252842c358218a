#!/usr/bin/env python3
"""tlsscope's own pcap/pcapng reader against libpcap: every capture given
(and the public corpus, when --corpus names it) read with --reader auto and
--reader libpcap must give the same JSON and the same exit status.

Where the two differ, the difference is taken apart: connections are paired
by their endpoints and each field that differs is named by its JSON path
(e.g. `starttls`, `client_hello.extensions[2].data`). Every difference must
be a line of readers_known.tsv (capture, connection, field, why tlsscope's
own reader is right); a file libpcap refuses altogether is a line with the
connection `(file)` and libpcap's message as the field, and then tlsscope's
own reading must count as many packets as tshark does. A line no difference
needed any more is stale and fails, so the list cannot outlive what it
describes.

usage: readers.py --tlsscope BIN [--corpus DIR] [--known FILE] [CAPTURE...]
Closing line: 'readers: N passed, M failed'."""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.dont_write_bytecode = True
import difflib_common as dc  # noqa: E402

NAME = "readers"
KNOWN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "readers_known.tsv")
WHOLE_FILE = "(file)"
REFUSED_RE = re.compile(r"no packet could be read \(.*\)")
MAX_SHOWN = 8       # differing fields printed per connection


def run(binary, reader, path, quiet=True):
    cmd = [binary, "read", "--json", "--reader", reader, path]
    if quiet:
        cmd.insert(3, "-q")
    p = subprocess.run(cmd, capture_output=True, timeout=120)
    return p.returncode, p.stdout, p.stderr.decode(errors="replace")


def leaves(v, path, out):
    """Flatten a JSON value into {path: scalar}: a.b, a[3].c."""
    if isinstance(v, dict):
        if not v:
            out[path] = "{}"
        for k, x in v.items():
            leaves(x, "%s.%s" % (path, k) if path else k, out)
    elif isinstance(v, list):
        if not v:
            out[path] = "[]"
        for i, x in enumerate(v):
            leaves(x, "%s[%d]" % (path, i), out)
    else:
        out[path] = v
    return out


def conn_name(o):
    def ep(d):
        if not isinstance(d, dict):
            return None
        return (dc.norm_ip(str(d.get("ip"))) if d.get("ip") is not None else None, d.get("port"))
    return dc.conn_label(ep(o.get("client")), ep(o.get("server")))


LATE_SECRETS = "decrypted by a secrets block after the first packet"


def json_lines(out):
    objs = []
    for line in out.decode("utf-8", "replace").splitlines():
        if line.strip():
            objs.append(json.loads(line))
    return objs


def differences(out_auto, out_libpcap):
    """[(connection, field, auto's value, libpcap's value)] between two JSON
    Lines outputs. Connections are paired by endpoints, repeats in order; one
    that only one reader reports is the field `connection`."""
    a, b = json_lines(out_auto), json_lines(out_libpcap)
    pending = {}
    for o in b:
        pending.setdefault(conn_name(o), []).append(o)
    diffs = []
    for o in a:
        name = conn_name(o)
        other = pending.get(name)
        if not other:
            diffs.append((name, "connection", "present", "absent"))
            continue
        la, lb = leaves(o, "", {}), leaves(other.pop(0), "", {})
        for k in sorted(set(la) | set(lb)):
            if la.get(k, "(absent)") != lb.get(k, "(absent)"):
                diffs.append((name, k, la.get(k, "(absent)"), lb.get(k, "(absent)")))
    for name, rest in pending.items():
        for _ in rest:
            diffs.append((name, "connection", "absent", "present"))
    return diffs


def tshark_frames(path):
    p = subprocess.run([dc.tshark_bin(), "-n", "-r", path, "-T", "fields", "-e", "frame.number"],
                       capture_output=True, timeout=300, env=dc._tshark_env())
    return len(p.stdout.split())


def packets_read(stderr):
    """The packet count of tlsscope's statistics line ('FILE: N packets, ...')."""
    m = re.search(r": (\d+) packets", stderr)
    return int(m.group(1)) if m else None


def check(a, known, cap, key):
    """-> list of failure lines (empty: the capture passes)."""
    rc1, out1, err1 = run(a.tlsscope, "auto", cap)
    rc2, out2, err2 = run(a.tlsscope, "libpcap", cap)
    if rc1 < 0 or rc2 < 0:
        return ["%s: crashed (auto %d, libpcap %d)" % (cap, rc1, rc2)]
    if rc1 == rc2 and out1 == out2:
        return []
    refused = REFUSED_RE.search(err2) if rc2 != 0 and not out2 else None
    if rc1 == 0 and refused:
        # libpcap reads nothing: there is no second reading to compare with
        # but tshark's, so the whole file must be listed, and tshark must
        # count the packets tlsscope's own reader counts
        if not known.lookup(key, WHOLE_FILE, refused.group(0)):
            return ["%s: libpcap: %s; tlsscope's own reader: exit 0, %d connections: not in %s" %
                    (key, refused.group(0), len(json_lines(out1)), os.path.basename(known.path))]
        n_own = packets_read(run(a.tlsscope, "auto", cap, quiet=False)[2])
        n_ts = tshark_frames(cap)
        if n_own != n_ts:
            return ["%s: libpcap refuses it (listed); tlsscope's own reader counts %s packets, "
                    "tshark %d" % (key, n_own, n_ts)]
        return []
    if rc1 != rc2:
        return ["%s: auto exit %d, libpcap exit %d: %s | %s" %
                (key, rc1, rc2, err1.strip()[-120:], err2.strip()[-120:])]
    try:
        diffs = differences(out1, out2)
    except ValueError as e:
        return ["%s: output is not JSON Lines: %s" % (key, e)]
    if not diffs:
        # same objects, other bytes (key order, spacing): still a difference
        return ["%s: the same JSON values written differently (%d and %d bytes)" %
                (key, len(out1), len(out2))]
    # A connection decrypted only by a Decryption Secrets Block after the
    # file's first packet, which libpcap does not hand on: listed as such
    # (field LATE_SECRETS), and held to it: tlsscope's own reading decrypts
    # it, libpcap's does not; its other fields then follow.
    late = set()
    for o in json_lines(out1):
        if o.get("decryption", {}).get("status") == "decrypted" and known.lookup(key, conn_name(o), LATE_SECRETS):
            late.add(conn_name(o))
    for o in json_lines(out2):
        if conn_name(o) in late and o.get("decryption", {}).get("status") == "decrypted":
            late.discard(conn_name(o))
    lines, shown = [], {}
    for conn, field, v1, v2 in diffs:
        if conn in late or known.lookup(key, conn, field):
            continue
        shown[conn] = shown.get(conn, 0) + 1
        if shown[conn] <= MAX_SHOWN:
            lines.append("%s: %s: %s: auto=%s libpcap=%s" %
                         (key, conn, field, json.dumps(v1), json.dumps(v2)))
    for conn, n in shown.items():
        if n > MAX_SHOWN:
            lines.append("%s: %s: %d more fields differ" % (key, conn, n - MAX_SHOWN))
    return lines


def main():
    a, caps = dc.captures_argv(NAME, lambda ap: ap.add_argument("--known", default=KNOWN))
    known = dc.Known(a.known, NAME)
    failed_lines = ["%s: %s: a wildcard: every entry names one capture, connection and field" %
                    (os.path.basename(a.known), "\t".join(e[:3]))
                    for e in known.entries if "*" in e[:3]]
    passed = failed = 0
    keys = set()
    for cap in caps:
        key = dc.capture_key(cap, a.corpus)
        keys.add(key)
        lines = check(a, known, cap, key)
        for line in lines:
            print("readers: " + line)
        if lines:
            failed += 1
        else:
            passed += 1
    # an entry is stale when its capture was read and nothing needed it, or
    # when the corpus was read and the capture is in neither
    for e in known.unused():
        if e[0] in keys or a.corpus:
            failed_lines.append("%s: stale, nothing differs like this any more: %s" %
                                (os.path.basename(a.known), "\t".join(e[:3])))
    for line in failed_lines:
        print("readers: " + line)
    listed = sum(1 for e in known.entries if e[4])
    print("readers: %d reviewed differences of %s seen (%d entries)" %
          (listed, os.path.basename(a.known), len(known.entries)))
    failed += len(failed_lines)
    print("readers: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
