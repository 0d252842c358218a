#!/bin/sh
# Install the Debian packages tlsscope needs to build and test, when missing.
set -eu
need=""
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }
for p in build-essential cmake pkg-config libpcap-dev libssl-dev zlib1g-dev libcmocka-dev \
         openssl gnutls-bin tshark wireshark-common tcpdump iptables curl python3 iproute2 clang libclang-rt-14-dev \
         ngtcp2-client ngtcp2-server clickhouse-server clickhouse-client python3-yaml \
         man-db groff-base bsdextrautils zsh debhelper lintian chromium chromium-driver nmap testssl.sh; do
    have_pkg "$p" || need="$need $p"
done
[ -z "$need" ] && exit 0
echo "deps: installing$need"
SUDO=""
if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
        echo "deps: need root or sudo to install:$need" >&2; exit 1
    fi
fi
export DEBIAN_FRONTEND=noninteractive
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections 2>/dev/null || true
$SUDO apt-get update -qq >/dev/null || true
$SUDO apt-get install -y -qq --no-install-recommends $need >/dev/null
