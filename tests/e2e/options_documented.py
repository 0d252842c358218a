#!/usr/bin/env python3
"""One source of truth for tlsscope's options, checked.

Every option each command's parser accepts is collected twice: from the
source (the getopt_long tables of src/cli/cmd_*.c with the shared tables of
src/cli/common.h they include, their short-option strings, the output
formats' own options from the format table in src/report/formats.c, and the
strcmp() parsers of demo, rules and main.c), and from `tlsscope CMD --help`.
Each option must then be documented

  - in that command's --help (so an option the parser takes but --help does
    not show is caught),
  - in that command's man page (docs/man/tlsscope-CMD.1, its OPTIONS
    section, as a .TP tag),
  - in the README's option tables (`| option | meaning |`),
  - in the bash and zsh completions (completions/), which are run: bash's
    function with COMP_WORDS/COMP_CWORD set, zsh's with _arguments stubbed,

and nothing may be documented that the parser does not take. The values an
option takes (--format's names, --color, --fail-on, --reader) come from the
binary's own error messages and the format table: the names must be in
tlsscope-read(1)'s OUTPUT FORMATS, the README's --format row and both
completions. Each page also has the sections of a tcpdump(1)-style page,
exit codes that src/cli/cli.h defines, and the version of TSC_VERSION.

A format row added to src/report/formats.c (with or without an option of its
own) therefore fails this test, naming each place to add it to.

`--self-test` feeds the checks fake pages, help texts, tables and sources
with one thing missing or extra each, and fails unless every one is caught.

Usage: options_documented.py --tlsscope BIN [--source DIR] [--self-test]
Ends with the plain line `N passed, M failed`.
"""
import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile

# An option in running text: -v, --max-flows, --tls1.2, --data (of
# --data[=N]); not the -in- of IP-in-IP nor a trailing full stop.
OPT_RE = re.compile(r"(?<![\w-])(--[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]|-[A-Za-z0-9])(?![\w-])")
PAGE_SECTIONS = ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS", "FILES", "EXAMPLES", "SEE ALSO"]


def opts_in(text):
    return set(OPT_RE.findall(text))


# ---------------------------------------------------------------- the source

def macro_body(text, name):
    """The body of a multi-line #define."""
    m = re.search(r"#define\s+" + re.escape(name) + r"\b(.*?)(?<!\\)\n", text, re.S)
    return m.group(1) if m else ""


def c_strings(s):
    """The value of adjacent C string literals ("a" "b")."""
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', s))


def format_rows(formats_c):
    """The format table: [{name, flag, short, hidden}]."""
    m = re.search(r"formats\[\]\s*=\s*\{(.*?)\n\};", formats_c, re.S)
    if not m:
        raise SystemExit("options_documented: no format table in src/report/formats.c")
    rows = []
    row_re = re.compile(r'\{\s*"([^"]+)"\s*,\s*(NULL|"[^"]*")\s*,\s*(\'.\'|0)\s*,\s*((?:"(?:[^"\\]|\\.)*"\s*)+),'
                        r'\s*([^,]*?)\s*,\s*\w+\s*\}', re.S)
    for r in row_re.finditer(m.group(1)):
        flag = None if r.group(2) == "NULL" else r.group(2).strip('"')
        short = None if r.group(3) == "0" else r.group(3).strip("'")
        rows.append({"name": r.group(1), "flag": flag, "short": short, "help": c_strings(r.group(4)),
                     "hidden": "TSC_FORMAT_HIDDEN" in r.group(5)})
    if not rows:
        raise SystemExit("options_documented: could not read the rows of the format table")
    return rows


def format_options(rows):
    out = set()
    for r in rows:
        if r["flag"]:
            out.add("--" + r["flag"])
        if r["short"]:
            out.add("-" + r["short"])
    return out


def parser_options(cmd_c, common_h, rows):
    """The options one cmd_*.c accepts, read from its source."""
    opts = set()
    m = re.search(r"static\s+const\s+struct\s+option\s+\w+\[\]\s*=\s*\{(.*?)\n\s*\};", cmd_c, re.S)
    if m:
        body = m.group(1)
        for macro in set(re.findall(r"\bTSC_CLI_\w+_LONGOPTS\b", body)):
            body += macro_body(common_h, macro)
        opts |= {"--" + n for n in re.findall(r'\{\s*"([^"]+)"\s*,\s*(?:no|required|optional)_argument', body)}
    g = re.search(r'tsc_cli_getopt_init\(\s*&?\w+\s*,\s*\w+\s*,\s*"([^"]*)"\s*\)', cmd_c)
    if g:
        opts |= {"-" + c for c in g.group(1) if c != ":"}
        opts |= format_options(rows)  # tsc_cli_getopt_init adds the formats' own
    for s in re.findall(r'getopt(?:_long)?\(\s*\w+\s*,\s*\w+\s*,\s*"([^"]*)"', cmd_c):
        opts |= {"-" + c for c in s if c != ":"}
    opts |= set(re.findall(r'strcmp\(\s*argv\[[^]]+\]\s*,\s*"(-[^"]+)"\s*\)', cmd_c))
    return opts


def read_source(src):
    """{command: options}, the command list, the format rows, TSC_VERSION
    and the exit codes, from the source tree."""
    cli = os.path.join(src, "src", "cli")
    common_h = open(os.path.join(cli, "common.h")).read()
    rows = format_rows(open(os.path.join(src, "src", "report", "formats.c")).read())
    main_c = open(os.path.join(cli, "main.c")).read()
    commands = []
    for name in re.findall(r'strcmp\(\s*cmd\s*,\s*"([a-z][a-z0-9-]*)"\s*\)', main_c):
        if name not in commands:
            commands.append(name)
    per = {}
    for name in commands:
        path = os.path.join(cli, "cmd_%s.c" % name)
        if os.path.exists(path):
            per[name] = parser_options(open(path).read(), common_h, rows)
    per[""] = set(re.findall(r'strcmp\(\s*cmd\s*,\s*"(-[^"]+)"\s*\)', main_c))  # tlsscope itself
    cli_h = open(os.path.join(cli, "cli.h")).read()
    version = re.search(r'#define\s+TSC_VERSION\s+"([^"]+)"', cli_h).group(1)
    exits = {int(v) for v in re.findall(r"#define\s+TSC_EXIT_\w+\s+(\d+)", cli_h)}
    return per, commands, rows, version, exits


# ---------------------------------------------------------------- the checks
# Each returns a list of problems (strings); empty: fine.

def check_help(cmd, text, opts):
    probs = ["--help does not mention %s" % o for o in sorted(opts - opts_in(text))]
    # the option column of the option lines ("  -j, --jobs N   N threads"),
    # indented, unlike a line of prose that happens to begin with an option
    listed = set()
    for line in text.splitlines():
        if line.startswith("  ") and line.strip().startswith("-"):
            listed |= opts_in(re.split(r"\s{2,}", line.strip())[0])
    probs += ["--help lists %s, which the parser does not take" % o for o in sorted(listed - opts)]
    return probs


def roff_text(s):
    """A roff line as plain text."""
    s = re.sub(r"\\f(\[[^]]*\]|\(..|.)", "", s)
    s = re.sub(r"\\\((..)", " ", s)
    s = s.replace("\\-", "-").replace("\\&", "").replace("\\e", "\\").replace("\\ ", " ")
    s = re.sub(r"^\.(B|I|BR|RB|BI|IB|IR|RI|SM|SB)\s+", "", s)
    return s.replace('"', "")


def man_sections(page):
    """{SECTION: [tag text, ...]} and the .TH line."""
    secs, cur, th = {}, None, ""
    lines = page.splitlines()
    for i, line in enumerate(lines):
        if line.startswith(".TH "):
            th = line
        elif line.startswith(".SH "):
            cur = line[4:].strip().strip('"')
            secs.setdefault(cur, [])
        elif line.startswith(".TP") and cur is not None and i + 1 < len(lines):
            secs[cur].append(roff_text(lines[i + 1]))
    return secs, th


def check_man(cmd, page, opts, version, exits, formats=None, commands=None):
    secs, th = man_sections(page)
    probs = ["no %s section" % s for s in PAGE_SECTIONS if s not in secs]
    if '"tlsscope %s"' % version not in th:
        probs.append(".TH does not say tlsscope %s (TSC_VERSION)" % version)
    tagged = set()
    for tag in secs.get("OPTIONS", []):
        tagged |= opts_in(tag)
    probs += ["OPTIONS has no entry for %s" % o for o in sorted(opts - tagged)]
    probs += ["OPTIONS documents %s, which the parser does not take" % o for o in sorted(tagged - opts)]
    for tag in secs.get("EXIT STATUS", []):
        if not tag.strip().isdigit() or int(tag) not in exits:
            probs.append("EXIT STATUS lists '%s', not a TSC_EXIT_* code of src/cli/cli.h" % tag.strip())
    if formats is not None:
        names = {t.split()[0] for t in secs.get("OUTPUT FORMATS", []) if t.split()}
        probs += ["OUTPUT FORMATS has no entry for the format %s" % n for n in sorted(formats - names)]
        probs += ["OUTPUT FORMATS documents %s, not in the format table" % n for n in sorted(names - formats)]
    if commands is not None:
        names = {t.split()[0] for t in secs.get("COMMANDS", []) if t.split()}
        probs += ["COMMANDS has no entry for %s" % c for c in sorted(set(commands) - names)]
        probs += ["COMMANDS documents %s, which tlsscope does not take" % c for c in sorted(names - set(commands))]
    return probs


def readme_tables(readme):
    """The option column of every `| option | meaning |` table, and the row of
    --format NAME."""
    cells, format_row, in_table = [], "", False
    for line in readme.splitlines():
        if re.match(r"\|\s*option\s*\|", line):
            in_table = True
            continue
        if in_table and line.startswith("|"):
            cols = re.split(r"(?<!\\)\|", line)  # a cell may hold an escaped \|
            if len(cols) > 2 and not set(cols[1].strip()) <= set("-: "):
                cells.append(cols[1])
                if "--format" in cols[1]:
                    format_row = line
        else:
            in_table = False
    return cells, format_row


def check_readme(all_opts, readme, formats):
    cells, format_row = readme_tables(readme)
    if not cells:
        return ["no `| option | meaning |` table"]
    documented = set()
    for c in cells:
        documented |= opts_in(c)
    probs = ["the README's option tables have no row for %s" % o for o in sorted(all_opts - documented)]
    probs += ["the README's option tables document %s, which no parser takes" % o
              for o in sorted(documented - all_opts)]
    named = set(re.findall(r"`([a-z][a-z0-9-]*)`", format_row))
    probs += ["the README's --format row does not name the format `%s`" % n for n in sorted(formats - named)]
    return probs


# ------------------------------------------------------------- completions

def bash_complete(script, words):
    """COMPREPLY of the bash completion for the command line `words` (the last
    one being completed)."""
    arr = " ".join("'%s'" % w.replace("'", "'\\''") for w in words)
    prog = ('source "$1" || exit 9; COMP_WORDS=(%s); COMP_CWORD=%d; _tlsscope; '
            'printf "%%s\\n" "${COMPREPLY[@]}"' % (arr, len(words) - 1))
    p = subprocess.run(["bash", "--norc", "--noprofile", "-c", prog, "bash", script],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    if p.returncode != 0:
        raise SystemExit("options_documented: bash completion failed: %s" % p.stderr)
    return {w for w in p.stdout.split("\n") if w}


ZSH_HARNESS = r'''
zmodload zsh/parameter
_arguments() { local a; for a in "$@"; do print -r -- "ARG $a"; done }
_describe() { local a x; for a in "$@"; do [[ $a == _tlsscope* && -n ${parameters[$a]} ]] && for x in "${(@P)a}"; do print -r -- "DESC $x"; done; done }
words=(tlsscope "$2" ""); CURRENT=$3; PREFIX=$4
source "$1"
'''


def zsh_specs(script, cmd, current=3, prefix=""):
    """What the zsh completion hands _arguments (ARG lines) and _describe
    (DESC lines) for `tlsscope CMD <here>`, with those two stubbed."""
    p = subprocess.run(["zsh", "-f", "-c", ZSH_HARNESS, "zsh", script, cmd, str(current), prefix],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True)
    if p.returncode != 0:
        raise SystemExit("options_documented: zsh completion failed: %s" % p.stderr)
    return p.stdout.splitlines()


ZSH_SPEC_RE = re.compile(r"^(?:\([^)]*\))?\*?(--?[A-Za-z0-9][A-Za-z0-9._-]*?)(?:=-?|\+|-)?(?:\[|:|$)")


def zsh_options(lines):
    """{option: its action} from ARG lines (the specs after _arguments' own
    flags, which end at ':')."""
    out, specs = {}, False
    for line in lines:
        if not line.startswith("ARG "):
            specs = False
            continue
        if not specs:
            specs = line == "ARG :"
            continue
        m = ZSH_SPEC_RE.match(line[4:])
        if m:
            out[m.group(1)] = line[4:]
    return out


def zsh_values(spec):
    m = re.search(r":\(([^)]*)\)$", spec or "")
    return set(m.group(1).split()) if m else set()


def check_set(what, want, got):
    probs = ["%s lacks %s" % (what, w) for w in sorted(want - got)]
    probs += ["%s offers %s, which tlsscope does not take" % (what, g) for g in sorted(got - want)]
    return probs


# --------------------------------------------------------------- the runner

class Run:
    def __init__(self):
        self.passed = self.failed = 0

    def check(self, name, probs):
        if probs:
            self.failed += 1
            for p in probs:
                print("FAIL %s: %s" % (name, p))
        else:
            self.passed += 1
            print("ok   %s" % name)


def binary_values(binary, cmd, opt):
    """The values an option takes, from the binary's own refusal: "--color
    takes auto, always or never, not 'x'"."""
    p = subprocess.run([binary, cmd, opt, "\x01nosuch"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       universal_newlines=True)
    m = re.search(r"takes (.+?), not '", p.stderr)
    if not m:
        raise SystemExit("options_documented: '%s %s BAD' did not list the values: %s" % (cmd, opt, p.stderr))
    return set(re.split(r", | or ", m.group(1)))


def check_all(r, src, binary):
    per, commands, rows, version, exits = read_source(src)
    formats = {f["name"] for f in rows if not f["hidden"]}
    r.check("the format table agrees with the binary (--format's names)",
            check_set("the format table read from formats.c", binary_values(binary, "read", "--format"), formats))
    helps = {}
    for cmd in per:
        p = subprocess.run([binary] + ([cmd] if cmd else []) + ["--help"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, universal_newlines=True)
        helps[cmd] = p.stdout
        label = "tlsscope %s" % cmd if cmd else "tlsscope"
        r.check("%s --help exits 0" % label, [] if p.returncode == 0 else ["exit %d" % p.returncode])
        r.check("%s --help documents every option" % label, check_help(cmd, p.stdout, per[cmd]))
    for cmd in commands:
        if cmd in per:
            r.check("tlsscope --help lists the command %s" % cmd,
                    [] if re.search(r"^\s+%s\b" % re.escape(cmd), helps[""], re.M) else ["not listed"])
    man = os.path.join(src, "docs", "man")
    for cmd in per:
        name = "tlsscope-%s" % cmd if cmd else "tlsscope"
        path = os.path.join(man, name + ".1")
        if not os.path.exists(path):
            r.check("%s(1)" % name, ["docs/man/%s.1 is missing" % name])
            continue
        page = open(path).read()
        probs = check_man(cmd, page, per[cmd], version, exits, formats=formats if cmd == "read" else None,
                          commands=commands if cmd == "" else None)
        if cmd == "":
            secs, _ = man_sections(page)
            see = page[page.find(".SH SEE ALSO"):]
            probs += ["SEE ALSO does not name tlsscope-%s(1)" % c for c in per if c and
                      ".BR tlsscope\\-%s (1)" % c not in see]
        r.check("%s(1) documents every option" % name, probs)
    all_opts = set().union(*per.values())
    r.check("README option tables document every option",
            check_readme(all_opts, open(os.path.join(src, "README.md")).read(), formats))

    bash = os.path.join(src, "completions", "tlsscope.bash")
    r.check("bash completion: the commands",
            check_set("tlsscope <TAB>", set(commands), bash_complete(bash, ["tlsscope", ""])))
    r.check("bash completion: tlsscope's own options",
            check_set("tlsscope -<TAB>", per[""], bash_complete(bash, ["tlsscope", "-"])))
    for cmd in commands:
        if cmd in per:
            r.check("bash completion: %s's options" % cmd,
                    check_set("tlsscope %s -<TAB>" % cmd, per[cmd], bash_complete(bash, ["tlsscope", cmd, "-"])))
    zsh = os.path.join(src, "completions", "_tlsscope")
    have_zsh = shutil.which("zsh") is not None
    if have_zsh:
        descs = {l[5:].split(":")[0] for l in zsh_specs(zsh, "", 2) if l.startswith("DESC ")}
        r.check("zsh completion: the commands", check_set("tlsscope <TAB>", set(commands), descs))
        r.check("zsh completion: tlsscope's own options",
                check_set("tlsscope -<TAB>", per[""], set(zsh_options(zsh_specs(zsh, "", 2, "-")))))
        for cmd in commands:
            if cmd in per:
                r.check("zsh completion: %s's options" % cmd,
                        check_set("tlsscope %s -<TAB>" % cmd, per[cmd], set(zsh_options(zsh_specs(zsh, cmd)))))
    else:
        print("skip zsh completion: zsh is not installed")

    # the values, from the binary's own error messages
    values = {"--format": formats}
    for opt in ("--color", "--fail-on", "--reader"):
        values[opt] = binary_values(binary, "read", opt)
    zread = zsh_options(zsh_specs(zsh, "read")) if have_zsh else {}
    for opt, want in sorted(values.items()):
        r.check("bash completion: read %s's values" % opt,
                check_set("tlsscope read %s <TAB>" % opt, want, bash_complete(bash, ["tlsscope", "read", opt, ""])))
        if have_zsh:
            r.check("zsh completion: read %s's values" % opt,
                    check_set("tlsscope read %s <TAB>" % opt, want, zsh_values(zread.get(opt))))


# ------------------------------------------------------------- the self-test

def self_test(r, src, binary):
    """Each check must catch a fake with one thing missing or extra."""
    per, commands, rows, version, exits = read_source(src)
    formats = {f["name"] for f in rows if not f["hidden"]}
    page = open(os.path.join(src, "docs", "man", "tlsscope-read.1")).read()

    def caught(name, probs, needle):
        hit = any(needle in p for p in probs)
        r.check("self-test: %s is caught" % name, [] if hit else ["not caught: %r" % (probs,)])

    # a page with --keylog's entry taken out
    fake = re.sub(r"\.TP\n\.BI \\-\\-keylog [^\n]*\n", "", page)
    assert fake != page
    caught("a man page missing --keylog", check_man("read", fake, per["read"], version, exits, formats), "--keylog")
    fake = page.replace(".SS Reading\n", ".SS Reading\n.TP\n.B \\-\\-frobnicate\nNothing.\n")
    caught("a man page documenting an option the parser lacks",
           check_man("read", fake, per["read"], version, exits, formats), "--frobnicate")
    fake = re.sub(r"\.TP\n\.B json\n", "", page)
    caught("a man page missing a format name", check_man("read", fake, per["read"], version, exits, formats),
           "format json")
    fake = page.replace("EXIT STATUS", "EXIT CODES")
    caught("a man page without EXIT STATUS", check_man("read", fake, per["read"], version, exits, formats),
           "EXIT STATUS")
    # --help without --reader, and with an option line the parser lacks
    help_text = subprocess.run([binary, "read", "--help"], stdout=subprocess.PIPE,
                               universal_newlines=True).stdout
    caught("--help missing --reader", check_help("read", help_text.replace("--reader", "--r"), per["read"]),
           "--reader")
    caught("--help listing an option the parser lacks",
           check_help("read", help_text + "      --frobnicate  nothing\n", per["read"]), "--frobnicate")
    # a README without the --jobs row
    readme = open(os.path.join(src, "README.md")).read()
    all_opts = set().union(*per.values())
    caught("a README table missing an option", check_readme(all_opts, readme.replace("--jobs", "--j0bs"), formats),
           "--jobs")
    # a parser with one more long option and one more short one: read from
    # the source, so it must be documented everywhere
    cmd_c = open(os.path.join(src, "src", "cli", "cmd_read.c")).read()
    common_h = open(os.path.join(src, "src", "cli", "common.h")).read()
    fake_c = cmd_c.replace('{"jobs", required_argument', '{"frobnicate", no_argument, NULL, 1},\n'
                           '        {"jobs", required_argument', 1).replace('"qhj:"', '"qhj:Z"', 1)
    got = parser_options(fake_c, common_h, rows)
    r.check("self-test: options added to a getopt table are read from the source",
            [] if {"--frobnicate", "-Z"} <= got and got - {"--frobnicate", "-Z"} == per["read"] else
            ["read %r" % sorted(got ^ per["read"])])
    caught("an option only the parser knows",
           check_man("read", page, got, version, exits, formats), "no entry for --frobnicate")
    # a format row added to the table: every place that lists formats fails
    fmt_c = open(os.path.join(src, "src", "report", "formats.c")).read()
    fake_rows = format_rows(fmt_c.replace("static const struct tsc_format_row formats[] = {",
                                          "static const struct tsc_format_row formats[] = {\n"
                                          '    {"zeekish", NULL, 0, "a made-up" " format", TSC_FORMAT_LOGS,\n'
                                          "     tsc_zeekish_sink_init},\n"
                                          '    {"htmlish", "htmlish", 0, "another", 0, tsc_htmlish_sink_init},', 1))
    fake_formats = {f["name"] for f in fake_rows if not f["hidden"]}
    r.check("self-test: format rows added to the table are read",
            [] if fake_formats == formats | {"zeekish", "htmlish"} else ["read %r" % sorted(fake_formats)])
    caught("a format missing from the man page",
           check_man("read", page, per["read"] | {"--htmlish"}, version, exits, fake_formats), "zeekish")
    caught("a format's own option missing from the man page",
           check_man("read", page, per["read"] | format_options(fake_rows), version, exits, fake_formats),
           "--htmlish")
    caught("a format missing from the README", check_readme(all_opts, readme, fake_formats), "zeekish")
    # a completion script without --reader
    tmp = tempfile.mkdtemp(prefix="optdoc-")
    try:
        bash = os.path.join(tmp, "tlsscope.bash")
        with open(bash, "w") as f:
            f.write(open(os.path.join(src, "completions", "tlsscope.bash")).read().replace("--jobs --reader", "--jobs"))
        caught("a bash completion missing --reader",
               check_set("tlsscope read -<TAB>", per["read"], bash_complete(bash, ["tlsscope", "read", "-"])),
               "--reader")
        if shutil.which("zsh"):
            zsh = os.path.join(tmp, "_tlsscope")
            with open(zsh, "w") as f:
                f.write(open(os.path.join(src, "completions", "_tlsscope")).read().replace("'--reader=", "'--r="))
            caught("a zsh completion missing --reader",
                   check_set("tlsscope read -<TAB>", per["read"], set(zsh_options(zsh_specs(zsh, "read")))),
                   "--reader")
    finally:
        shutil.rmtree(tmp)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tlsscope", required=True)
    ap.add_argument("--source", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
    ap.add_argument("--self-test", action="store_true", help="only the checks' own test")
    a = ap.parse_args()
    src = os.path.abspath(a.source)
    r = Run()
    self_test(r, src, a.tlsscope)
    if not a.self_test:
        check_all(r, src, a.tlsscope)
    print("%d passed, %d failed" % (r.passed, r.failed))
    return 1 if r.failed else 0


if __name__ == "__main__":
    sys.exit(main())
