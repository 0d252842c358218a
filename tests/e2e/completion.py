#!/usr/bin/env python3
"""The shell completions, run as a shell runs them.

bash: completions/tlsscope.bash is sourced, COMP_WORDS and COMP_CWORD are
set, _tlsscope is called and COMPREPLY is checked: commands, option values,
files for FILE arguments, directories for DIR, interfaces for capture -i,
--opt=value whether or not bash splits the word at '='.

zsh: a real interactive zsh (zsh -f -i with compinit, completions/ in
$fpath) is driven through a pseudo-terminal (zsh/zpty): a command line is
typed, then TAB, and the listing or the completed line is checked. Skipped,
and said so, when zsh is not installed; `zsh -n` checks the syntax.

(tests/e2e/options_documented.py checks that the completions offer every
option of every command and nothing else; this checks that they work.)

Usage: completion.py [--source DIR]. Ends with `N passed, M failed`.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


class Run:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print("ok   %s" % name)
        else:
            self.failed += 1
            print("FAIL %s%s" % (name, ": " + detail if detail else ""))


def bash_reply(script, words, cwd):
    arr = " ".join("'%s'" % w.replace("'", "'\\''") for w in words)
    prog = ('source "$1" || exit 9; COMP_WORDS=(%s); COMP_CWORD=%d; _tlsscope; '
            'printf "%%s\\n" "${COMPREPLY[@]}"' % (arr, len(words) - 1))
    p = subprocess.run(["bash", "--norc", "--noprofile", "-c", prog, "bash", script], cwd=cwd,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    return [w for w in p.stdout.split("\n") if w], p.stderr


ZPTY = r"""
zmodload zsh/zpty || exit 9
fdir=$1
shift
zpty z zsh -f -i
zpty -w z "PROMPT='> '; fpath=($fdir \$fpath); autoload -Uz compinit; compinit -u -D; setopt nobeep; LISTMAX=10000"
zpty -w z "echo MARK\$((40+2))"
zpty -r -m z out '*MARK42*'
for line in "$@"; do
  zpty -w -n z "$line"$'\t'
  sleep 0.5
  all=""
  while zpty -r -t z chunk; do all+=$chunk; done
  print -r -- "$all"
  print -r -- "@@END@@"
  zpty -w -n z $'\x03'   # Ctrl-C: a fresh prompt for the next line
  sleep 0.2
  while zpty -r -t z chunk; do :; done
done
zpty -d z
"""


def zsh_after_tab(fpath_dir, lines, cwd):
    """What the terminal shows after typing each of `lines` and TAB, escape
    sequences and white space removed, one string per line typed."""
    p = subprocess.run(["zsh", "-f", "-c", ZPTY, "zsh", fpath_dir] + lines, cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, universal_newlines=True, timeout=120)
    out = []
    for part in p.stdout.split("@@END@@")[:len(lines)]:
        text = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[=>]|[\x08\r\x07]", " ", part)
        out.append(" ".join(text.split()))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--source", default=os.path.join(HERE, "..", ".."))
    a = ap.parse_args()
    src = os.path.abspath(a.source)
    bash = os.path.join(src, "completions", "tlsscope.bash")
    r = Run()
    tmp = tempfile.mkdtemp(prefix="completion-")
    try:
        for f in ("cap1.pcap", "cap2.pcapng", "keys.txt"):
            open(os.path.join(tmp, f), "w").close()
        os.mkdir(os.path.join(tmp, "outdir"))
        ifaces = set(os.listdir("/sys/class/net")) if os.path.isdir("/sys/class/net") else set()

        cases = [
            ("commands", ["tlsscope", ""], lambda g: {"read", "capture", "client", "server", "demo", "probe",
                                                     "rules", "help", "version"} == set(g)),
            ("a command by its prefix", ["tlsscope", "ca"], lambda g: g == ["capture"]),
            ("tlsscope's own options", ["tlsscope", "--"], lambda g: set(g) == {"--help", "--version"}),
            ("help COMMAND", ["tlsscope", "help", "c"], lambda g: set(g) == {"capture", "client"}),
            ("read's options by prefix", ["tlsscope", "read", "--ke"], lambda g: g == ["--keylog"]),
            ("read FILE: files", ["tlsscope", "read", "cap"], lambda g: set(g) == {"cap1.pcap", "cap2.pcapng"}),
            ("read FILE after options", ["tlsscope", "read", "-q", "--json", "c"],
             lambda g: set(g) == {"cap1.pcap", "cap2.pcapng"}),
            ("--keylog FILE: files", ["tlsscope", "read", "--keylog", "k"], lambda g: g == ["keys.txt"]),
            ("--output-dir DIR: directories only", ["tlsscope", "read", "--output-dir", ""],
             lambda g: g == ["outdir"]),
            ("--export-streams DIR: directories only", ["tlsscope", "capture", "--export-streams", "o"],
             lambda g: g == ["outdir"]),
            ("demo --dir DIR", ["tlsscope", "demo", "--dir", ""], lambda g: g == ["outdir"]),
            ("--format NAME", ["tlsscope", "read", "--format", "s"], lambda g: g == ["summary"]),
            ("--format=NAME, '=' a word break", ["tlsscope", "read", "--format", "=", "j"], lambda g: g == ["json"]),
            ("--format=NAME right after '='", ["tlsscope", "read", "--format", "="],
             lambda g: {"text", "json"} <= set(g)),
            ("--format=NAME, '=' not a word break", ["tlsscope", "read", "--format=ve"],
             lambda g: g == ["--format=verbose"]),
            ("--color WHEN", ["tlsscope", "server", "--color", ""], lambda g: set(g) == {"auto", "always", "never"}),
            ("--colour WHEN", ["tlsscope", "read", "--colour", "n"], lambda g: g == ["never"]),
            ("--fail-on SEV", ["tlsscope", "capture", "--fail-on", ""],
             lambda g: set(g) == {"info", "low", "medium", "high"}),
            ("--reader", ["tlsscope", "read", "--reader", ""], lambda g: set(g) == {"auto", "libpcap"}),
            ("client --min V", ["tlsscope", "client", "--min", "1."], lambda g: set(g) == {"1.0", "1.1", "1.2", "1.3"}),
            ("capture -i IF: interfaces and any", ["tlsscope", "capture", "-i", ""],
             lambda g: set(g) == ifaces | {"any"}),
            ("capture --interface IF", ["tlsscope", "capture", "--interface", "l"],
             lambda g: set(g) == {i for i in ifaces if i.startswith("l")}),
            ("a numeric value: nothing offered", ["tlsscope", "read", "--max-flows", ""], lambda g: g == []),
            ("client HOST: no files offered", ["tlsscope", "client", "c"], lambda g: g == []),
            ("capture's BPF filter: no files", ["tlsscope", "capture", "-i", "lo", "c"], lambda g: g == []),
            ("server --count N: nothing offered", ["tlsscope", "server", "--count", ""], lambda g: g == []),
            ("rules' options", ["tlsscope", "rules", "-"], lambda g: set(g) == {"--json", "-h", "--help"}),
            ("an unknown command: nothing", ["tlsscope", "frob", ""], lambda g: g == []),
        ]
        for name, words, ok in cases:
            got, err = bash_reply(bash, words, tmp)
            r.check("bash: %s (%s)" % (name, " ".join(words[1:])), ok(got) and not err, "got %r %s" % (got, err))

        zsh = shutil.which("zsh")
        if not zsh:
            print("skip zsh: zsh is not installed")
        else:
            p = subprocess.run(["zsh", "-n", os.path.join(src, "completions", "_tlsscope")],
                               stderr=subprocess.PIPE, universal_newlines=True)
            r.check("zsh -n _tlsscope", p.returncode == 0, p.stderr)
            fdir = os.path.join(src, "completions")
            zcases = [
                ("commands", "tlsscope ", ["read", "capture", "client", "server", "demo", "rules", "version"]),
                ("--fail-on SEV", "tlsscope read --fail-on ", ["info", "low", "medium", "high"]),
                ("--format NAME", "tlsscope capture --format ", ["text", "verbose", "json", "summary"]),
                ("--color WHEN", "tlsscope read --color ", ["auto", "always", "never"]),
                ("read FILE", "tlsscope read -q ", ["cap1.pcap", "cap2.pcapng", "outdir"]),
                ("an option completed", "tlsscope read --rea", ["tlsscope read --reader="]),
                ("capture -i IF", "tlsscope capture -i ", sorted(ifaces)[:1]),
                ("demo's options", "tlsscope demo --", ["--classic", "--tls13", "--legacy", "--dtls", "--dir"]),
            ]
            shown_all = zsh_after_tab(fdir, [c[1] for c in zcases], tmp)
            shown_all += [""] * (len(zcases) - len(shown_all))
            for (name, line, want), shown in zip(zcases, shown_all):
                missing = [w for w in want if w not in shown.replace(" =", "=")]
                r.check("zsh: %s (%s<TAB>)" % (name, line), not missing,
                        "missing %r in %r" % (missing, shown[-600:]))
    finally:
        shutil.rmtree(tmp)
    print("%d passed, %d failed" % (r.passed, r.failed))
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())
