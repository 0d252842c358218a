#!/usr/bin/env python3
"""Writes captures/quic-tp-over-tcp.pcap: one ClientHello over TCP whose
quic_transport_parameters extension (57) holds Chrome 92's parameters (the
body of the ClientHello in the corpus's arkime quicietf.pcap, as tshark -x
shows it decrypted) followed by a preferred_address, a version_information,
grease_quic_bit and disable_active_migration. No Debian peer sends this
extension over TCP; the QUIC captures of issue 15 will carry it for real.
This capture pins how the extension is rendered. Deterministic:
    python3 tests/golden/make_quic_tp.py"""
import os
import struct
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(here, "..", "e2e"))
import pcaplib  # noqa: E402

CHROME92 = (
    "010480007530030245c0040480f00000050480600000060480600000070480600000080240640902406720048001"
    "000071270480015c900f0071292b4368726f6d652f39322e302e343531352e31353920496e74656c204d6163204f"
    "5320582031305f31355f37800047520400000001f125e1214afdbefb0b9eb267471577a8affd4e0f")
EXTRA = (
    "0d2d" "7f000001" "01bb" "00000000000000000000000000000001" "01bb" "040a0b0c0d"
    "00112233445566778899aabbccddeeff"  # preferred_address
    "110c" "00000001" "6b3343cf" "00000001"  # version_information
    "6ab200"  # grease_quic_bit
    "0c00")  # disable_active_migration


def ext(t, b):
    return struct.pack("!HH", t, len(b)) + b


def main():
    tp = bytes.fromhex(CHROME92 + EXTRA)
    exts = (ext(0, bytes.fromhex("000e00000b6578616d706c652e636f6d")) + ext(43, bytes.fromhex("020304")) +
            ext(51, bytes.fromhex("0024001d0020") + b"\x11" * 32) + ext(13, bytes.fromhex("000404030804")) +
            ext(10, bytes.fromhex("0002001d")) + ext(16, bytes.fromhex("0003026833")) + ext(57, tp))
    body = (b"\x03\x03" + b"\x22" * 32 + b"\x00" + bytes.fromhex("00021301") + b"\x01\x00" +
            struct.pack("!H", len(exts)) + exts)
    hs = b"\x01" + len(body).to_bytes(3, "big") + body
    rec = b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs
    c, s = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
    pkts = []

    def add(src, dst, sp, dp, seq, ack, flags, payload=b""):
        seg = pcaplib.tcp(sp, dp, seq, ack, flags, payload)
        pkts.append((1700000000 + len(pkts), 0, pcaplib.ether(pcaplib.ipv4(src, dst, 6, seg))))

    add(c, s, 40000, 443, 100, 0, 0x02)
    add(s, c, 443, 40000, 500, 101, 0x12)
    add(c, s, 40000, 443, 101, 501, 0x10)
    add(c, s, 40000, 443, 101, 501, 0x18, rec)
    pcaplib.write_pcap(os.path.join(here, "captures", "quic-tp-over-tcp.pcap"), 1, pkts)


if __name__ == "__main__":
    main()
