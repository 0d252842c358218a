#!/usr/bin/env python3
"""A scripted plaintext server for one STARTTLS exchange, then a real TLS
handshake (Python's ssl module, i.e. OpenSSL) on the same connection.
Serves one connection and exits; with --forever, serves connections, each
in its own thread, until it is killed (a connection that breaks off, during
the plaintext or the handshake, is noted on stderr and the server goes on).

usage: starttls_server.py [--forever] PROTO PORT CERT KEY
PROTO: smtp imap pop3 ftp xmpp ldap postgres"""
import socket
import ssl
import sys
import threading
import time


def readline(c):
    buf = b""
    while not buf.endswith(b"\n"):
        b = c.recv(1)
        if not b:
            raise EOFError("client closed during the plaintext exchange")
        buf += b
    return buf


def read_until(c, needle):
    buf = b""
    while needle not in buf:
        b = c.recv(4096)
        if not b:
            raise EOFError("client closed during the plaintext exchange")
        buf += b
    return buf


def smtp(c):
    c.sendall(b"220 test.example ESMTP tlsscope-test\r\n")
    readline(c)  # EHLO
    c.sendall(b"250-test.example\r\n250 STARTTLS\r\n")
    readline(c)  # STARTTLS
    c.sendall(b"220 2.0.0 Ready to start TLS\r\n")


def pop3(c):
    c.sendall(b"+OK tlsscope-test POP3 ready\r\n")
    line = readline(c)
    if line.upper().startswith(b"CAPA"):
        c.sendall(b"+OK\r\nSTLS\r\n.\r\n")
        line = readline(c)
    c.sendall(b"+OK Begin TLS\r\n")


def imap(c):
    c.sendall(b"* OK [CAPABILITY IMAP4rev1 STARTTLS] tlsscope-test ready\r\n")
    line = readline(c)
    tag = line.split(b" ")[0]
    if b"CAPABILITY" in line.upper():
        c.sendall(b"* CAPABILITY IMAP4rev1 STARTTLS\r\n" + tag + b" OK done\r\n")
        line = readline(c)
        tag = line.split(b" ")[0]
    c.sendall(tag + b" OK Begin TLS negotiation now\r\n")


def ftp(c):
    c.sendall(b"220 tlsscope-test FTP ready\r\n")
    readline(c)  # AUTH TLS
    c.sendall(b"234 AUTH TLS successful\r\n")


def xmpp(c):
    read_until(c, b">")  # <?xml?> or the stream header
    c.sendall(b"<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
              b"xmlns:stream='http://etherx.jabber.org/streams' id='1' from='test.example' version='1.0'>")
    time.sleep(0.2)  # s_client reads the stream header and the features separately
    c.sendall(b"<stream:features><starttls xmlns=\"urn:ietf:params:xml:ns:xmpp-tls\"><required/></starttls>"
              b"</stream:features>")
    buf = read_until(c, b"starttls")
    if not buf.rstrip().endswith(b">"):
        read_until(c, b">")
    c.sendall(b"<proceed xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>")


def ldap(c):
    req = c.recv(4096)  # ExtendedRequest 1.3.6.1.4.1.1466.20037
    if b"1.3.6.1.4.1.1466.20037" not in req:
        raise ValueError("not an LDAP StartTLS request")
    msgid = req[4] if len(req) > 4 else 1
    # LDAPMessage { messageID, ExtendedResponse [APPLICATION 24] { resultCode success, matchedDN "", diagnosticMessage "" } }
    c.sendall(bytes([0x30, 0x0c, 0x02, 0x01, msgid, 0x78, 0x07, 0x0a, 0x01, 0x00, 0x04, 0x00, 0x04, 0x00]))


def postgres(c):
    req = c.recv(8)  # SSLRequest: length 8, code 80877103
    if req != b"\x00\x00\x00\x08\x04\xd2\x16\x2f":
        raise ValueError("not a PostgreSQL SSLRequest")
    c.sendall(b"S")


PROTOS = {"smtp": smtp, "pop3": pop3, "imap": imap, "ftp": ftp, "xmpp": xmpp, "ldap": ldap, "postgres": postgres}


def serve_one(c, proto, ctx):
    """The plaintext exchange, then TLS on the same connection."""
    c.settimeout(10)
    PROTOS[proto](c)
    t = ctx.wrap_socket(c, server_side=True)
    try:
        t.sendall(b"hello over TLS\r\n")
        t.recv(100)
    except (ssl.SSLError, OSError):
        pass
    try:
        t.unwrap()
    except (ssl.SSLError, OSError, ValueError):
        pass
    t.close()


def serve_thread(c, peer, proto, ctx):
    try:
        serve_one(c, proto, ctx)
    except Exception as e:  # one broken connection does not end the server
        print("starttls_server: %s:%d: %s: %s" % (peer[0], peer[1], type(e).__name__, e), file=sys.stderr, flush=True)
    finally:
        c.close()


def main():
    args = sys.argv[1:]
    forever = "--forever" in args
    args = [a for a in args if a != "--forever"]
    if len(args) != 4 or args[0] not in PROTOS:
        sys.exit("usage: starttls_server.py [--forever] PROTO PORT CERT KEY\nPROTO: " + " ".join(PROTOS))
    proto, port, cert, key = args[0], int(args[1]), args[2], args[3]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    if not forever:
        s.listen(1)
        s.settimeout(20)
        c, _ = s.accept()
        serve_one(c, proto, ctx)
        s.close()
        return
    s.listen(64)
    try:
        while True:
            c, peer = s.accept()
            threading.Thread(target=serve_thread, args=(c, peer, proto, ctx), daemon=True).start()
    except KeyboardInterrupt:
        pass
    finally:
        s.close()


if __name__ == "__main__":
    main()
