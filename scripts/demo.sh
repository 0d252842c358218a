#!/usr/bin/env bash
# make demo: build, then run `tlsscope demo` (a TLS 1.2 client and server on
# the loopback, recorded to demo/demo.pcap with demo/demo.keys, walked
# through in four phases). No privileges needed.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p demo
exec ./build/tlsscope demo --dir demo "$@"
