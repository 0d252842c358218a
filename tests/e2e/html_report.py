#!/usr/bin/env python3
"""The HTML report (--html, docs/html.md) in a real browser: Debian's
headless chromium, driven through chromium-driver's WebDriver API with
nothing but the standard library.

Checks, each with a screenshot kept under --artifacts:
  demo     `tlsscope demo`'s demo.html: loads with no console error; the
           ladder holds, per direction, the handshake messages tshark sees
           (with the demo's key log, so the encrypted ones too); a click on
           the ClientHello and Enter on the Certificate show their fields.
  hostile  a capture made here whose server name, certificate subject and
           ALPN protocol hold <script>, <img onerror> and quotes: no script
           of theirs runs, no element of theirs exists, and the text shows
           as text in the table, the ladder and the certificate chain.
  many     3,000 connections made here: the page is ready and filters
           within a few seconds; paging and sorting work.
  corpus   a corpus capture with many connections (../shared/corpus; skipped
           when absent): no console error, filtering the table works, and
           a connection's ladder matches tshark's handshake messages.

Exit 77 (skip) only when chromium or chromedriver is missing and cannot be
installed.
"""
import argparse
import base64
import json
import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

HS_TYPES = {"hello_request": 0, "client_hello": 1, "server_hello": 2, "hello_verify_request": 3,
            "new_session_ticket": 4, "end_of_early_data": 5, "encrypted_extensions": 8, "certificate": 11,
            "server_key_exchange": 12, "certificate_request": 13, "server_hello_done": 14,
            "certificate_verify": 15, "client_key_exchange": 16, "finished": 20, "certificate_status": 22,
            "key_update": 24}
HOSTILE = "<script>window.__xss=1</script>\"'&<img src=x onerror=window.__xss=2>"
HOSTILE_CN = "<script>window.__xss=3</script>\"'&"  # a CN holds 64 characters at most
HOSTILE_OU = "<img src=x onerror=window.__xss=4>"
failures = []


def check(cond, what):
    print(("ok     " if cond else "FAILED ") + what)
    if not cond:
        failures.append(what)
    return cond


# ---------------------------------------------------------------- WebDriver
class Browser:
    def __init__(self, chromium, driver, artifacts):
        self.artifacts = artifacts
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.log = open(os.path.join(artifacts, "chromedriver.log"), "w")
        self.proc = subprocess.Popen([driver, "--port=%d" % self.port], stdout=self.log, stderr=subprocess.STDOUT)
        self.base = "http://127.0.0.1:%d" % self.port
        for _ in range(100):
            try:
                self.call("GET", "/status")
                break
            except (OSError, urllib.error.URLError):
                time.sleep(0.1)
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:loggingPrefs": {"browser": "ALL"},
            "goog:chromeOptions": {"binary": chromium, "args": [
                "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1280,1000", "--allow-file-access-from-files"]}}}}
        self.sid = self.call("POST", "/session", caps)["sessionId"]

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=120) as r:
                return json.loads(r.read().decode())["value"]
        except urllib.error.HTTPError as e:
            raise RuntimeError("WebDriver %s %s: %s" % (method, path, e.read().decode()[:500]))

    def s(self, method, path, body=None):
        return self.call(method, "/session/%s%s" % (self.sid, path), body)

    def open(self, path):
        self.s("POST", "/url", {"url": "file://" + os.path.abspath(path)})
        for _ in range(200):
            if self.js("return document.body && document.body.getAttribute('data-ready')") == "1":
                return True
            if self.js("return (window.__tscErrors || []).length"):
                return False
            time.sleep(0.05)
        return False

    def js(self, script, *args):
        return self.s("POST", "/execute/sync", {"script": script, "args": list(args)})

    def find(self, css):
        return [list(e.values())[0] for e in self.s("POST", "/elements", {"using": "css selector", "value": css})]

    def click(self, elem):
        self.s("POST", "/element/%s/click" % elem, {})

    def keys(self, elem, text):
        self.s("POST", "/element/%s/value" % elem, {"text": text})

    def press(self, key):
        """A key pressed and released on the focused element (WebDriver actions)."""
        self.s("POST", "/actions", {"actions": [{"type": "key", "id": "kb", "actions": [
            {"type": "keyDown", "value": key}, {"type": "keyUp", "value": key}]}]})
        self.s("DELETE", "/actions")

    def console(self):
        """Console messages since the last call: errors and warnings (SEVERE, WARNING)."""
        try:
            entries = self.s("POST", "/se/log", {"type": "browser"})
        except RuntimeError:
            entries = []
        return [e for e in entries if e.get("level") in ("SEVERE", "WARNING")]

    def screenshot(self, name):
        """The whole page (the window made as tall as it, up to 8000 pixels)."""
        h = self.js("return Math.min(8000, document.documentElement.scrollHeight)")
        self.s("POST", "/window/rect", {"width": 1280, "height": max(600, h + 120)})
        png = base64.b64decode(self.s("GET", "/screenshot"))
        path = os.path.join(self.artifacts, name)
        with open(path, "wb") as f:
            f.write(png)
        print("       screenshot: " + path)

    def close(self):
        try:
            self.call("DELETE", "/session/" + self.sid)
        except Exception:
            pass
        self.proc.terminate()
        self.proc.wait(10)
        self.log.close()


def find_browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver") or ("/usr/bin/chromedriver" if os.path.exists("/usr/bin/chromedriver") else None)
    if chromium and driver:
        return chromium, driver
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("html_report: installing chromium and chromium-driver (make deps does this too)")
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        subprocess.run(["apt-get", "install", "-y", "-qq", "--no-install-recommends", "chromium", "chromium-driver"],
                       env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        chromium = shutil.which("chromium")
        driver = shutil.which("chromedriver")
    return (chromium, driver) if chromium and driver else (None, None)


# ------------------------------------------------------------- captures
def tls_record(ctype, body, version=0x0303):
    return struct.pack("!BHH", ctype, version, len(body)) + body


def hs(mtype, body):
    return struct.pack("!B", mtype) + struct.pack("!I", len(body))[1:] + body


def vec(n, body):
    return struct.pack("!I", len(body))[4 - n:] + body


def client_hello(sni, alpn, rnd):
    exts = b""
    name = sni.encode()
    exts += struct.pack("!H", 0) + vec(2, vec(2, b"\x00" + vec(2, name)))
    exts += struct.pack("!H", 10) + vec(2, vec(2, struct.pack("!HH", 0x001d, 0x0017)))
    exts += struct.pack("!H", 16) + vec(2, vec(2, b"".join(vec(1, p.encode()) for p in alpn)))
    body = struct.pack("!H", 0x0303) + rnd + vec(1, b"") + vec(2, struct.pack("!HH", 0xc02f, 0x009c))
    body += vec(1, b"\x00") + vec(2, exts)
    return hs(1, body)


def server_hello(rnd, alpn):
    exts = struct.pack("!H", 16) + vec(2, vec(2, vec(1, alpn.encode())))
    body = struct.pack("!H", 0x0303) + rnd + vec(1, b"") + struct.pack("!HB", 0xc02f, 0) + vec(2, exts)
    return hs(2, body)


def certificate(ders):
    return hs(11, vec(3, b"".join(vec(3, d) for d in ders)))


class Pcap:
    """A pcap of TCP connections (Ethernet, IPv4), checksums left zero."""

    def __init__(self, path):
        self.f = open(path, "wb")
        self.f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
        self.t = float(int(time.time()) + 5)  # after the certificates made now begin

    def packet(self, src, dst, sport, dport, seq, ack, flags, payload):
        tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0)
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 0, 0x4000, 64, 6, 0,
                         socket.inet_aton(src), socket.inet_aton(dst))
        frame = b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00" + ip + tcp + payload
        self.t += 0.0007
        sec = int(self.t)
        self.f.write(struct.pack("<IIII", sec, int((self.t - sec) * 1e6), len(frame), len(frame)) + frame)

    def connection(self, cport, flights):
        """flights: [(0 client / 1 server, bytes)]"""
        c, s, sp = "10.1.%d.%d" % (cport // 250 % 250, cport % 250 + 1), "10.9.0.1", 443
        cs, ss = 1000, 5000
        self.packet(c, s, cport, sp, cs, 0, 0x02, b"")
        self.packet(s, c, sp, cport, ss, cs + 1, 0x12, b"")
        cs += 1
        ss += 1
        self.packet(c, s, cport, sp, cs, ss, 0x10, b"")
        for who, data in flights:
            if who == 0:
                self.packet(c, s, cport, sp, cs, ss, 0x18, data)
                cs += len(data)
            else:
                self.packet(s, c, sp, cport, ss, cs, 0x18, data)
                ss += len(data)
        self.packet(c, s, cport, sp, cs, ss, 0x11, b"")
        self.packet(s, c, sp, cport, ss, cs + 1, 0x11, b"")
        self.packet(c, s, cport, sp, cs + 1, ss + 1, 0x10, b"")

    def close(self):
        self.f.close()


def make_cert(tmp, cn, org, ou=None):
    """A self-signed certificate whose subject holds cn, org and ou (DER)."""
    def esc(v):
        return v.replace("\\", "\\\\").replace("/", "\\/")
    subj = "/CN=%s/O=%s" % (esc(cn), esc(org)) + ("/OU=%s" % esc(ou) if ou else "")
    key, der = os.path.join(tmp, "k.pem"), os.path.join(tmp, "c.der")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", key, "-out", der, "-outform", "DER", "-days", "30", "-subj", subj],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(der, "rb") as f:
        return f.read()


def handshake(sni, alpn_offer, alpn_sel, ders, n):
    rnd_c = bytes([n & 255]) * 32
    rnd_s = bytes([(n + 7) & 255]) * 32
    return [(0, tls_record(22, client_hello(sni, alpn_offer, rnd_c), 0x0301)),
            (1, tls_record(22, server_hello(rnd_s, alpn_sel) + certificate(ders) + hs(14, b"")))]


def make_hostile(path, tmp):
    der = make_cert(tmp, HOSTILE_CN, "O\"'<b>bold</b>", HOSTILE_OU)
    p = Pcap(path)
    p.connection(40001, handshake(HOSTILE, ["<i>h2</i>\"'", "http/1.1"], "<i>h2</i>\"'", [der], 1))
    p.connection(40002, handshake("plain.example", ["http/1.1"], "http/1.1", [der], 2))
    p.close()


def make_many(path, tmp, n):
    der = make_cert(tmp, "many.example", "Example")
    p = Pcap(path)
    for i in range(n):
        p.connection(20000 + i, handshake("host%d.example" % i, ["h2"], "h2", [der], i))
    p.close()


# ------------------------------------------------------------- tshark
def tshark_handshake(pcap, keys=None, stream=None):
    """Per direction ('c2s' from the side that sent the first ClientHello), the handshake types tshark decodes."""
    cmd = ["tshark", "-n", "-r", pcap]
    if keys:
        cmd += ["-o", "tls.keylog_file:" + keys]
    cmd += ["-Y", "tls.handshake.type" + ("" if stream is None else " && tcp.stream == %d" % stream),
            "-T", "fields", "-E", "separator=\t", "-e", "tcp.srcport", "-e", "tls.handshake.type"]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    client_port, seq = None, {"c2s": [], "s2c": []}
    for line in out.splitlines():
        port, types = line.split("\t")
        types = [int(t) for t in types.split(",") if t]
        if client_port is None and 1 in types:
            client_port = port
        seq["c2s" if port == client_port else "s2c"].extend(types)
    return seq


def ladder_handshake(b):
    seq = {"c2s": [], "s2c": []}
    for t, d in b.js("return Array.prototype.map.call(document.querySelectorAll('#ladder g.msg'),"
                     " function (g) { return [g.getAttribute('data-type'), g.getAttribute('data-dir')]; })"):
        if t in HS_TYPES:
            seq[d].append(HS_TYPES[t])
    return seq


def no_errors(b, what):
    errs = b.js("return window.__tscErrors || []")
    cons = b.console()
    check(not errs and not cons, "%s: no console errors (%s)" % (what, "; ".join(errs + [c.get("message", "") for c in cons])[:400] or "none"))


# ------------------------------------------------------------- the checks
def check_demo(b, tlsscope, work):
    d = os.path.join(work, "demo")
    r = subprocess.run([tlsscope, "demo", "--dir", d], capture_output=True, text=True)
    if not check(r.returncode == 0 and os.path.exists(os.path.join(d, "demo.html")), "demo: demo.html written"):
        print(r.stdout[-800:], r.stderr[-800:])
        return
    check(os.path.join(d, "demo.html") in r.stdout, "demo: says where demo.html is")
    check(b.open(os.path.join(d, "demo.html")), "demo: page ready")
    no_errors(b, "demo")
    want = tshark_handshake(os.path.join(d, "demo.pcap"), os.path.join(d, "demo.keys"))
    got = ladder_handshake(b)
    check(got == want and want["c2s"], "demo: ladder's handshake messages per direction %s == tshark's %s" % (got, want))
    check(b.js("return document.querySelectorAll('#ladder g.msg.dec').length") > 0,
          "demo: decrypted messages are marked")
    check(b.js("return document.querySelectorAll('#ladder g.turn').length") == 2,
          "demo: both directions' switch to encryption drawn")
    check(b.js("return document.querySelectorAll('ol.chain li.cert').length") >= 1, "demo: certificate chain drawn")
    check(b.js("return document.querySelectorAll('.findings details.finding').length") >= 1, "demo: findings as badges")
    ch = b.find("#ladder g.msg[data-type=client_hello]")
    if check(len(ch) == 1, "demo: one ClientHello arrow"):
        b.click(ch[0])
        txt = b.js("return document.getElementById('fields').textContent")
        check("cipher_suites" in txt and "extensions" in txt, "demo: clicking the ClientHello shows its fields")
    cert = b.find("#ladder g.msg[data-type=certificate][data-dir=s2c]")
    if check(len(cert) == 1, "demo: one server Certificate arrow"):
        b.js("document.querySelector('#ladder g.msg[data-type=certificate][data-dir=s2c]').focus()")
        check(b.js("return document.activeElement.getAttribute('data-type')") == "certificate",
              "demo: the Certificate arrow takes the keyboard focus")
        b.press("\ue007")  # Enter
        txt = b.js("return document.getElementById('fields').textContent")
        check("subject" in txt and "not_after" in txt, "demo: Enter on the Certificate shows the chain's fields")
    b.screenshot("demo.png")
    # printing: WebDriver's print (chromium's print-to-PDF, @media print applied)
    pdf = base64.b64decode(b.s("POST", "/print", {"background": False}))
    with open(os.path.join(work, "demo.pdf"), "wb") as f:
        f.write(pdf)
    check(pdf.startswith(b"%PDF") and pdf.count(b"/Type /Page") + pdf.count(b"/Type/Page") >= 1,
          "demo: prints (demo.pdf, %d bytes)" % len(pdf))


def check_hostile(b, tlsscope, work, tmp):
    pcap = os.path.join(work, "hostile.pcap")
    make_hostile(pcap, tmp)
    html = os.path.join(work, "hostile.html")
    r = subprocess.run([tlsscope, "read", "-q", "--summary", "--html", html, pcap], capture_output=True, text=True)
    if not check(r.returncode == 0, "hostile: tlsscope read --html"):
        print(r.stderr)
        return
    with open(html, encoding="utf-8") as f:
        page = f.read()
    check("<img" not in page and page.count("<script") == page.count("</script>"),
          "hostile: no markup from the capture in the file")
    check(b.open(html), "hostile: page ready")
    no_errors(b, "hostile")
    check(b.js("return window.__xss === undefined"), "hostile: no script from the capture ran")
    check(b.js("return document.querySelectorAll('img').length") == 0, "hostile: no element from the capture exists")
    n_scripts = b.js("return document.querySelectorAll('script').length")
    n_data = b.js("return document.querySelectorAll('script[type=\"application/json\"]').length")
    check(n_scripts == n_data + 1, "hostile: the page's one script and its data, nothing else (%d, %d)" % (n_scripts, n_data))
    cells = b.js("return Array.prototype.map.call(document.querySelectorAll('#conn-rows td.sni'), function (t) { return t.textContent; })")
    check(HOSTILE in cells, "hostile: the server name shows as text in the table")
    b.s("POST", "/url", {"url": "file://" + os.path.abspath(html) + "#c=1-1"})
    time.sleep(0.3)
    b.js("location.hash = '#c=1-1'")
    time.sleep(0.3)
    chain = b.js("var c = document.querySelector('ol.chain'); return c ? c.textContent : ''")
    check(HOSTILE_CN in chain and HOSTILE_OU in chain and "O\"'<b>bold</b>" in chain,
          "hostile: the certificate subject shows as text in the chain")
    facts = b.js("return document.getElementById('detail').textContent")
    check("<i>h2</i>\"'" in facts, "hostile: the ALPN protocol shows as text")
    lad = b.js("return document.getElementById('ladder').textContent")
    check("<script>" in lad, "hostile: the server name shows as text in the ladder")
    check(b.js("return window.__xss === undefined && document.querySelectorAll('img, b, i').length === 0"),
          "hostile: still nothing ran after opening the connection")
    no_errors(b, "hostile detail")
    b.screenshot("hostile.png")


def check_many(b, tlsscope, work, tmp, n):
    pcap = os.path.join(work, "many.pcap")
    make_many(pcap, tmp, n)
    html = os.path.join(work, "many.html")
    r = subprocess.run([tlsscope, "read", "-q", "--summary", "--html", html, pcap], capture_output=True, text=True)
    if not check(r.returncode == 0 and r.stdout.count("\n") == n, "many: %d connections read" % n):
        print(r.stderr[-500:])
        return
    t0 = time.time()
    ready = b.open(html)
    took = time.time() - t0
    check(ready and took < 10, "many: %d connections ready in %.2f s" % (n, took))
    no_errors(b, "many")
    check(b.js("return document.querySelectorAll('#conn-rows tr').length") == 100, "many: one page of 100 rows drawn")
    f = b.find("#filter")[0]
    t0 = time.time()
    b.keys(f, "host2999.")
    for _ in range(100):
        if b.js("return document.querySelectorAll('#conn-rows tr').length") == 1:
            break
        time.sleep(0.05)
    took = time.time() - t0
    rows = b.js("return Array.prototype.map.call(document.querySelectorAll('#conn-rows td.sni'), function (t) { return t.textContent; })")
    check(rows == ["host2999.example"] and took < 3, "many: filtering %d rows to %s in %.2f s" % (n, rows, took))
    b.js("var f = document.getElementById('filter'); f.value = ''; f.dispatchEvent(new Event('input'))")
    time.sleep(0.4)
    b.click(b.find("th button[data-col=sni]")[0])
    b.click(b.find("th button[data-col=sni]")[0])
    first = b.js("return document.querySelector('#conn-rows td.sni').textContent")
    check(first == "host999.example", "many: sorting by SNI, descending, puts host999.example first (%s)" % first)
    b.click(b.find("#next")[0])
    txt = b.js("return document.getElementById('pager-text').textContent")
    check(txt.startswith("Rows 101 to 200 of %d" % n), "many: the next page (%s)" % txt)
    b.screenshot("many.png")


def check_write_errors(tlsscope, captures):
    """A page that cannot be written is an error naming the file and why; the
    output on stdout is complete all the same."""
    cap = os.path.join(captures, "tls13-hrr.pcap")
    plain = subprocess.run([tlsscope, "read", "-q", "--summary", cap], capture_output=True, text=True).stdout
    for path, why in (("/dev/full", "No space left on device"), ("/nonexistent/x.html", "No such file or directory")):
        r = subprocess.run([tlsscope, "read", "-q", "--summary", "--html", path, cap], capture_output=True, text=True)
        check(r.returncode == 1 and ("tlsscope: %s: " % path) in r.stderr and why in r.stderr and
              (r.stdout == plain or path != "/dev/full"),
              "errors: --html %s exits 1 saying %r (%s)" % (path, why, r.stderr.strip()[:120]))


def page_objects(path):
    """The connection objects a page embeds, parsed."""
    with open(path, encoding="utf-8") as f:
        page = f.read()
    out = []
    for part in page.split('<script type="application/json" class="tsc-conn"')[1:]:
        out.append(json.loads(part[part.index(">") + 1:part.index("</script>")])["conn"])
    return out


def check_big(tlsscope, work, tmp):
    """Connections whose objects are larger than the renderer's 64 KiB output
    block (thousands of warning alerts), between small ones: the page holds
    each object whole, as --json writes it."""
    der = make_cert(tmp, "big.example", "Example")
    pcap, html = os.path.join(work, "big.pcap"), os.path.join(work, "big.html")
    p = Pcap(pcap)
    for i in range(5):  # small, big (3,000 alerts), small, big (1,000), small
        alerts = b"".join(tls_record(21, b"\x01\x5a") for _ in range((0, 3000, 0, 1000, 0)[i]))
        p.connection(30001 + i, handshake("c%d.example" % i, ["h2"], "h2", [der], i) + ([(0, alerts)] if alerts else []))
    p.close()
    r = subprocess.run([tlsscope, "read", "-q", "--json", "--html", html, pcap], capture_output=True, text=True)
    lines = [json.loads(l) for l in r.stdout.splitlines()]
    sizes = [len(l) for l in r.stdout.splitlines()]
    check(r.returncode == 0 and page_objects(html) == lines and len(lines) == 5 and sorted(sizes)[-2] > 65536,
          "big: a %d-byte connection object and its neighbours embedded whole" % max(sizes or [0]))


def check_golden(b, tlsscope, work, captures):
    """Every golden capture in one page (TLS, DTLS, QUIC, gaps, alerts,
    malformed messages; with their key logs): each connection draws with no error."""
    html = os.path.join(work, "golden.html")
    files = sorted(os.path.join(captures, f) for f in os.listdir(captures) if f.endswith((".pcap", ".pcapng")))
    keys = os.path.join(work, "golden.keys")  # the key logs beside them, as one
    with open(keys, "w") as out:
        for f in files:
            k = os.path.splitext(f)[0] + ".keys"
            if os.path.exists(k):
                with open(k) as kf:
                    out.write(kf.read().rstrip("\n") + "\n")
    cmd = [tlsscope, "read", "-q", "--json", "--keylog", keys, "--html", html]
    r = subprocess.run(cmd + files, capture_output=True, text=True)
    if not check(os.path.exists(html), "golden: %d captures read into one page" % len(files)):
        print(r.stderr[-500:])
        return
    # the page embeds each connection's --json object, byte for byte once unescaped
    embedded = page_objects(html)
    lines = [json.loads(l) for l in r.stdout.splitlines()]
    check(embedded == lines and lines, "golden: the page's %d connection objects are --json's (%d)" %
          (len(embedded), len(lines)))
    check(b.open(html), "golden: page ready")
    keys = b.js("return Array.prototype.map.call(document.querySelectorAll('script.tsc-conn'),"
                " function (s) { return s.id.slice(6); })")
    drawn = 0
    for k in keys:
        b.js("location.hash = '#c=' + arguments[0]", k)
        if b.js("return !!document.getElementById('ladder') && document.getElementById('detail-h').textContent.length > 0"):
            drawn += 1
    check(drawn == len(keys) and keys, "golden: all %d connections drawn (%d)" % (len(keys), drawn))
    no_errors(b, "golden")


def check_corpus(b, tlsscope, work, corpus):
    pcap = os.path.join(corpus, "PcapPlusPlus/Tests/ExamplesTest/pcap_examples/tls2.pcap")
    if not os.path.exists(pcap):
        print("corpus: SKIPPED: %s is absent" % pcap)
        return
    html = os.path.join(work, "corpus.html")
    r = subprocess.run([tlsscope, "read", "-q", "--json", "--html", html, pcap], capture_output=True, text=True)
    conns = [json.loads(l) for l in r.stdout.splitlines()]
    if not check(r.returncode == 0 and len(conns) > 100, "corpus: %s read (%d connections)" % (pcap, len(conns))):
        return
    check(b.open(html), "corpus: page ready")
    no_errors(b, "corpus")
    total = b.js("return document.getElementById('pager-text').textContent")
    check(("of %d" % len(conns)) in total, "corpus: the table has every connection (%s)" % total)
    # filter on a server name that a few connections have
    names = {}
    for c in conns:
        if c.get("sni"):
            names[c["sni"]] = names.get(c["sni"], 0) + 1
    sni = sorted(names, key=lambda k: (names[k] == 1, -names[k], k))[0]
    b.keys(b.find("#filter")[0], sni)
    time.sleep(0.5)
    shown = b.js("return Array.prototype.map.call(document.querySelectorAll('#conn-rows td.sni'), function (t) { return t.textContent; })")
    want = sum(1 for c in conns if c.get("sni") and sni.lower() in c["sni"].lower())
    check(len(shown) == min(want, 100) and all(sni.lower() in s.lower() for s in shown),
          "corpus: filtering on %r shows %d rows, all matching (want %d)" % (sni, len(shown), want))
    # the findings filter: medium or worse
    b.js("var f = document.getElementById('filter'); f.value = ''; f.dispatchEvent(new Event('input'))")
    time.sleep(0.4)
    b.js("var s = document.getElementById('sev-filter'); s.value = '2'; s.dispatchEvent(new Event('change'))")
    want = sum(1 for c in conns if any(f["severity"] in ("medium", "high") for f in c["findings"]))
    txt = b.js("return document.getElementById('pager-text').textContent")
    ok = b.js("return Array.prototype.every.call(document.querySelectorAll('#conn-rows tr'), function (tr) {"
              " return /medium|high/.test(tr.lastChild.textContent); })")
    check(ok and want > 0 and ("of %d " % want) in txt + " ",
          "corpus: the findings filter keeps the %d connections with a medium or high finding (%s)" % (want, txt))
    b.js("var s = document.getElementById('sev-filter'); s.value = '-1'; s.dispatchEvent(new Event('change'))")
    # open the complete TCP connection with the most handshake messages tshark can see, and compare
    def seen(c):
        return sum(1 for m in c["messages"] if m["type"] in HS_TYPES and not m.get("decrypted"))
    done = [c for c in conns if c["complete"] and c["transport"] == "tcp"]
    pick = max(done, key=lambda c: (seen(c), -c["id"])) if done else None
    if check(pick is not None, "corpus: a complete TCP connection to draw"):
        b.js("location.hash = '#c=1-%d'" % pick["id"])
        time.sleep(0.5)
        no_errors(b, "corpus detail")
        stream = tcp_stream(pcap, pick)
        want = tshark_handshake(pcap, stream=stream)
        got = ladder_handshake(b)
        check(got == want and want["c2s"], "corpus: connection %d's ladder %s == tshark's tcp.stream %s %s" %
              (pick["id"], got, stream, want))
        b.screenshot("corpus-connection.png")
    b.js("location.hash = '#conns-h'")
    b.screenshot("corpus.png")


def tcp_stream(pcap, conn):
    """tshark's tcp.stream of this connection (its SYN, else any packet of its 4-tuple)."""
    c, s = conn["client"], conn["server"]
    ipf = "ipv6.addr" if ":" in c["ip"] else "ip.addr"
    tup = "%s==%s && %s==%s && tcp.srcport==%d && tcp.dstport==%d" % (ipf, c["ip"], ipf, s["ip"], c["port"], s["port"])
    for flt in (tup + " && tcp.flags.syn==1 && tcp.flags.ack==0", tup):
        out = subprocess.run(["tshark", "-n", "-r", pcap, "-Y", flt, "-T", "fields", "-e", "tcp.stream"],
                             check=True, capture_output=True, text=True).stdout.split()
        if out:
            return int(out[0])
    raise RuntimeError("tshark has no packet of %s" % tup)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tlsscope", required=True)
    ap.add_argument("--artifacts", required=True, help="screenshots and pages are kept here")
    ap.add_argument("--corpus", default="")
    ap.add_argument("--many", type=int, default=3000)
    a = ap.parse_args()
    chromium, driver = find_browser()
    if not chromium:
        print("html_report: SKIPPED: chromium and chromium-driver are not installed and could not be "
              "(run 'make deps' as root)")
        return 77
    if not shutil.which("tshark"):
        print("html_report: SKIPPED: tshark is missing (make deps)")
        return 77
    os.makedirs(a.artifacts, exist_ok=True)
    b = Browser(chromium, driver, a.artifacts)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            check_demo(b, a.tlsscope, a.artifacts)
            check_hostile(b, a.tlsscope, a.artifacts, tmp)
            check_many(b, a.tlsscope, a.artifacts, tmp, a.many)
            check_big(a.tlsscope, a.artifacts, tmp)
            check_write_errors(a.tlsscope, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "golden",
                                                        "captures"))
            check_golden(b, a.tlsscope, a.artifacts, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                                   "..", "golden", "captures"))
            if a.corpus and os.path.isdir(a.corpus):
                check_corpus(b, a.tlsscope, a.artifacts, a.corpus)
            else:
                print("corpus: SKIPPED: no corpus at %r (../shared is absent)" % a.corpus)
    finally:
        b.close()
    print("html_report: %d failed; artifacts in %s" % (len(failures), a.artifacts))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
