#!/usr/bin/env python3
"""The module graph runs one way (docs/architecture.md): fail when a file
under src/MODULE includes a header of a module that MODULE may not use.

    core < registry < crypto, x509 < tls < analysis < capture, report < api, peer < probe < cli

The table below says which modules each may include; it matches the PRIVATE
link dependencies of CMakeLists.txt. OpenSSL headers are allowed only in
crypto, x509, analysis (digests), peer, probe and cli; pcap.h only in capture.
Exit 0 and one line when the graph holds, 1 and a line per violation."""
import os
import re
import sys

MAY_USE = {
    "core": set(),
    "registry": set(),
    "crypto": {"core"},
    "x509": {"core"},
    "tls": {"core", "registry", "crypto", "x509"},
    "analysis": {"core", "registry", "crypto", "x509", "tls"},
    "capture": {"core"},
    "report": {"core", "registry", "crypto", "x509", "tls", "analysis"},
    "peer": {"core", "registry", "crypto", "x509", "tls", "analysis", "capture", "report"},
    "api": {"core", "registry", "crypto", "x509", "tls", "analysis", "capture", "report"},
    "probe": {"core", "registry", "crypto", "x509", "tls", "analysis", "capture", "report", "peer"},
    "cli": {"core", "registry", "crypto", "x509", "tls", "analysis", "capture", "report", "api", "peer", "probe"},
}
# The public API (include/tlsscope/): what implements it and what uses it.
PUBLIC_USERS = {"api", "cli"}
# A public header includes only these: no OpenSSL, pcap or internal types.
PUBLIC_MAY_INCLUDE = {"stddef.h", "stdint.h"}
SYSTEM = {
    "openssl/": {"crypto", "x509", "analysis", "peer", "probe", "cli"},
    "pcap": {"capture"},
    "zlib.h": {"crypto"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+([<"])([^>"]+)[>"]', re.M)


def main():
    top = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
    src = os.path.join(top, "src")
    bad = []
    files = 0
    for mod in sorted(os.listdir(src)):
        path = os.path.join(src, mod)
        if not os.path.isdir(path):
            continue
        if mod not in MAY_USE:
            bad.append(f"src/{mod}/: a module missing from scripts/check_layers.py's table")
            continue
        for name in sorted(os.listdir(path)):
            if not name.endswith((".c", ".h")):
                continue
            files += 1
            rel = f"src/{mod}/{name}"
            text = open(os.path.join(path, name), encoding="utf-8", errors="replace").read()
            for m in INCLUDE.finditer(text):
                kind, inc = m.group(1), m.group(2)
                if kind == '"' and inc.startswith("tlsscope/"):
                    if mod not in PUBLIC_USERS:
                        bad.append(f"{rel}: includes the public \"{inc}\": only {', '.join(sorted(PUBLIC_USERS))} may")
                    continue
                if kind == '"':
                    other = inc.split("/", 1)[0] if "/" in inc else mod
                    if other == mod:
                        continue
                    if other not in MAY_USE:
                        bad.append(f"{rel}: includes \"{inc}\", not a module header")
                    elif other not in MAY_USE[mod]:
                        bad.append(f"{rel}: includes \"{inc}\": {mod} may not use {other}")
                else:
                    for prefix, allowed in SYSTEM.items():
                        if inc.startswith(prefix) and mod not in allowed:
                            bad.append(f"{rel}: includes <{inc}>, allowed only in {', '.join(sorted(allowed))}")
    pub = os.path.join(top, "include", "tlsscope")
    for name in sorted(os.listdir(pub)) if os.path.isdir(pub) else []:
        if not name.endswith(".h"):
            continue
        files += 1
        text = open(os.path.join(pub, name), encoding="utf-8", errors="replace").read()
        for m in INCLUDE.finditer(text):
            if m.group(2) not in PUBLIC_MAY_INCLUDE:
                bad.append(f"include/tlsscope/{name}: includes {m.group(2)}: a public header includes only "
                           f"{', '.join(sorted(PUBLIC_MAY_INCLUDE))}")
    for line in bad:
        print("check-layers: " + line, file=sys.stderr)
    if bad:
        print(f"check-layers: {len(bad)} include(s) against the module graph", file=sys.stderr)
        return 1
    print(f"check-layers: {files} files follow the module graph")
    return 0


if __name__ == "__main__":
    sys.exit(main())
