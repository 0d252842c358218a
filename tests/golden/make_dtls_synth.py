#!/usr/bin/env python3
"""Write the synthetic DTLS 1.2 captures of the golden tests (the cases a
review found, each a few datagrams between 10.0.0.1:40000 and 10.0.0.2:4433):

  dtls-synth-reord.pcap  the server's ServerHelloDone (message_seq 1) captured
                         before its ServerHello (0): both read, in order
  dtls-synth-dup.pcap    a late network copy of the first ClientHello after
                         the handshake: the same connection, not a new one
  dtls-synth-cid4.pcap   RFC 9146 connection IDs (4 bytes) agreed: the
                         tls12_cid records complete the handshake unread
  dtls-synth-cut.pcap    a 140-byte snaplen cuts the ClientHello: reported
                         as cut, the connection shown

usage: make_dtls_synth.py OUTDIR"""
import os
import struct
import sys

C = (bytes([10, 0, 0, 1]), 40000)
S = (bytes([10, 0, 0, 2]), 4433)


def c2s(p):
    return (C, S, p)


def s2c(p):
    return (S, C, p)


def pcap(pkts, path, snaplen=65535):
    out = [struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, snaplen, 1)]
    for i, (src, dst, payload) in enumerate(pkts):
        udp = struct.pack(">HHHH", src[1], dst[1], 8 + len(payload), 0) + payload
        ip = struct.pack(">BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0, 64, 17, 0, src[0], dst[0]) + udp
        eth = b"\x00" * 6 + b"\x11" * 6 + b"\x08\x00" + ip
        out.append(struct.pack("<IIII", 1001 + i, 0, min(snaplen, len(eth)), len(eth)) + eth[:snaplen])
    with open(path, "wb") as f:
        f.write(b"".join(out))


def rec(ctype, epoch, seq, body, cid=b""):
    """A DTLS 1.2 record; with a connection ID, RFC 9146's tls12_cid form."""
    return (struct.pack(">BHH", ctype, 0xfefd, epoch) + seq.to_bytes(6, "big") + cid +
            struct.pack(">H", len(body)) + body)


def hs(mtype, mseq, body):
    """A handshake message in one fragment."""
    n = len(body).to_bytes(3, "big")
    return bytes([mtype]) + n + struct.pack(">H", mseq) + b"\x00\x00\x00" + n + body


def ext(etype, data):
    return struct.pack(">HH", etype, len(data)) + data


def client_hello(exts=()):
    e = b"".join(exts)
    # version, random, session id, cookie, one suite, null compression, extensions
    return (b"\xfe\xfd" + b"\x01" * 32 + b"\x00" + b"\x00" + b"\x00\x02\xc0\x2b" + b"\x01\x00" +
            struct.pack(">H", len(e)) + e)


def server_hello(exts=()):
    e = b"".join(exts)
    return b"\xfe\xfd" + b"\x02" * 32 + b"\x00" + b"\xc0\x2b" + b"\x00" + struct.pack(">H", len(e)) + e


CKE = hs(16, 1, b"\x20" + b"\x09" * 32)  # an x25519 public value
CCS = rec(20, 0, 2, b"\x01")


def main():
    out = sys.argv[1]
    ch = c2s(rec(22, 0, 0, hs(1, 0, client_hello())))
    pcap([ch,
          s2c(rec(22, 0, 1, hs(14, 1, b""))),
          s2c(rec(22, 0, 0, hs(2, 0, server_hello()))),
          c2s(rec(22, 0, 1, CKE) + CCS + rec(22, 1, 0, b"\x55" * 40)),
          s2c(CCS + rec(22, 1, 0, b"\x66" * 40))], os.path.join(out, "dtls-synth-reord.pcap"))
    pcap([ch,
          s2c(rec(22, 0, 0, hs(2, 0, server_hello())) + rec(22, 0, 1, hs(14, 1, b""))),
          c2s(rec(22, 0, 1, CKE) + CCS + rec(22, 1, 0, b"\x55" * 40)),
          s2c(CCS + rec(22, 1, 0, b"\x66" * 40)),
          ch,
          c2s(rec(23, 1, 1, b"\x77" * 40)),
          s2c(rec(23, 1, 1, b"\x77" * 40))], os.path.join(out, "dtls-synth-dup.pcap"))
    cid_c, cid_s = b"\xcc" * 4, b"\xdd" * 4  # each side's: the records to it carry it
    pcap([c2s(rec(22, 0, 0, hs(1, 0, client_hello([ext(54, bytes([4]) + cid_c)])))),
          s2c(rec(22, 0, 0, hs(2, 0, server_hello([ext(54, bytes([4]) + cid_s)]))) +
              rec(22, 0, 1, hs(14, 1, b""))),
          c2s(rec(22, 0, 1, CKE) + CCS + rec(25, 1, 0, b"\x55" * 40, cid_s)),
          s2c(CCS + rec(25, 1, 0, b"\x66" * 40, cid_c)),
          c2s(rec(25, 1, 1, b"\x77" * 40, cid_s))], os.path.join(out, "dtls-synth-cid4.pcap"))
    pcap([c2s(rec(22, 0, 0, hs(1, 0, client_hello([ext(0, b"\x00" * 60)])))),
          s2c(rec(22, 0, 0, hs(2, 0, server_hello())))], os.path.join(out, "dtls-synth-cut.pcap"), snaplen=140)


if __name__ == "__main__":
    main()
