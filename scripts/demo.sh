#!/usr/bin/env bash
# make demo: build, then run `tlsscope demo` (a TLS 1.2 client and server on
# the loopback, recorded to demo/demo.pcap with demo/demo.keys, walked
# through in four phases, drawn in demo/demo.html), then `tlsscope demo
# --classic` (the textbook's TLS 1.0 RC4 handshake between gnutls-cli and
# gnutls-serv, in demo/classic/), then `tlsscope demo --dtls` (the same over
# UDP, with DTLS's cookie exchange, in demo/dtls/). No privileges needed;
# all three take about a second. Arguments go to the first one alone.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p demo
if (($#)); then
    exec ./build/tlsscope demo --dir demo "$@"
fi
./build/tlsscope demo --dir demo
printf '\n==== The textbook'"'"'s handshake: tlsscope demo --classic (files in demo/classic/) ====\n\n'
./build/tlsscope demo --classic --dir demo/classic
printf '\n==== The same over UDP: tlsscope demo --dtls (files in demo/dtls/) ====\n\n'
mkdir -p demo/dtls
exec ./build/tlsscope demo --dtls --dir demo/dtls
