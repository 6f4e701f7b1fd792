#!/usr/bin/env python3
"""Man page checks (suite 'docs').

Usage: check-docs.py SCDOC MAN_DIR MAP LIBTDX_SO INCLUDE_DIR
                     [CC BUILD_INCLUDE_DIR [TDXSIM]]

- every page builds with scdoc (exit 0, nothing on stderr) and, when groff
  is installed, formats without a single groff warning and loses nothing
  in rendering: every line of a literal block, and every word of the prose
  holding a roff or scdoc special character (a backslash, "++", ...),
  appears in the formatted page as written;
- every page has the title line NAME(SECTION) matching its file name and
  the sections its man section requires;
- every exported symbol (lib/libtdx.map and nm -D of the library) is named
  in the NAME section of exactly one section-3 page (doc/meson.build
  installs an alias for each such name), and every name there is exported;
- every SYNOPSIS declares each function of its NAME section, with the
  prototype exactly as in the public headers (whitespace aside);
- every tdx_*() a page mentions exists, every libtdx page it refers to
  exists, and every errno named under ERRORS is a real errno name;
- with CC given, the code examples in the public headers' comments that
  declare an options struct (the TDX_OPTS() example in common.h) compile;
- with CC given, the EXAMPLE programs of section-7 pages compile with
  -Wall -Wextra -Werror against the headers; with TDXSIM given too, they
  are linked against LIBTDX_SO and run under the simulator (whose wrapper
  runs the tdvf-early-boot guest script), must exit 0, print no guest
  check failure, and must have run the guest to its end: the output ends
  with "stopped: shutdown"; run again with the guest's first conversion
  failing with ENOMEM, they must answer the MapGPA RETRY, not refuse it.
"""
import errno
import os
import re
import shutil
import subprocess
import sys

scdoc, man_dir, mapfile, so, inc = sys.argv[1:6]
cc, build_inc, tdxsim = (sys.argv[6:9] + [None] * 3)[:3]
problems = []


def problem(page, msg):
    problems.append("%s: %s" % (page, msg))


REQUIRED = {
    "3": ["NAME", "SYNOPSIS", "DESCRIPTION", "RETURN VALUE", "ERRORS",
          "THREAD SAFETY", "SEE ALSO"],
    "7": ["NAME", "DESCRIPTION", "SEE ALSO"],
    "1": ["NAME", "SYNOPSIS", "DESCRIPTION", "OPTIONS", "EXIT STATUS",
          "SEE ALSO"],
}

# ---- what the library exports --------------------------------------------
text = re.sub(r"/\*.*?\*/", "", open(mapfile).read(), flags=re.S)
mapped = set()
for body in re.findall(r"LIBTDX_[0-9A-Z_.]+\s*\{(.*?)\}", text, flags=re.S):
    glob = body.split("local:")[0].replace("global:", "")
    mapped |= {s.strip() for s in glob.split(";") if s.strip()}
out = subprocess.run(["nm", "-D", "--defined-only", so], capture_output=True,
                     text=True, check=True).stdout
dynamic = set()
for line in out.splitlines():
    parts = line.split()
    if len(parts) >= 3 and parts[1] in "TWDBR":
        name = parts[2].split("@")[0]
        if not name.startswith("LIBTDX_"):
            dynamic.add(name)
exported = mapped | dynamic


def norm(decl):
    decl = re.sub(r"\s+", " ", decl).strip()
    decl = re.sub(r"\(\s+", "(", decl)
    decl = re.sub(r"\s+\)", ")", decl)
    decl = re.sub(r"\s*\*\s*", " *", decl).replace("( *", "(*")
    decl = re.sub(r"\s*,\s*", ", ", decl)
    return decl


# ---- prototypes in the public headers ---------------------------------------
headers = {}
hfiles = [os.path.join(inc, "libtdx.h")] + sorted(
    os.path.join(inc, "libtdx", f) for f in os.listdir(os.path.join(inc, "libtdx"))
    if f.endswith(".h"))
for f in hfiles:
    src = re.sub(r"/\*.*?\*/", "", open(f).read(), flags=re.S)
    src = re.sub(r"^\s*#.*?(?<!\\)$", "", src, flags=re.M | re.S)
    src = src.replace('extern "C" {', "")
    while True:                                 # struct and union bodies
        new = re.sub(r"\{[^{}]*\}", ";", src)
        if new == src:
            break
        src = new
    for decl in src.split(";"):
        m = re.search(r"\b(tdx_[a-z0-9_]+)\s*\(", decl)
        if m and "typedef" not in decl:
            headers[m.group(1)] = norm(decl)

# ---- the pages --------------------------------------------------------------
groff = shutil.which("groff")
col = shutil.which("col")
SPECIAL = re.compile(r"[\\+%#{}\[\]<>|~^@$=]")


def unescape(s):
    """scdoc's escapes: \\x is a literal x."""
    return re.sub(r"\\(.)", r"\1", s)


def _ph(esc, ch):
    """A placeholder character standing for the escaped ch."""
    key = chr(0xe000 + len(esc))
    esc[key] = ch
    return key


def rendering_losses(page, src, roff):
    """Text of the source that the formatted page does not show.

    scdoc passes some text to roff unchanged, where it means something
    else: a backslash starts a roff escape ("\\n" prints "n" unless written
    "\\\\n"), a line ending in "++" is scdoc's forced line break ("C++" at
    the end of a line prints "C").  So every line of a literal block, and
    every word of the prose that holds such a character, must appear in
    the page as formatted (ASCII, no hyphenation, long lines)."""
    g = subprocess.run([groff, "-t", "-man", "-Tascii", "-rHY=0", "-rLL=400n"],
                       input=roff, capture_output=True, text=True)
    text = g.stdout
    if col:
        text = subprocess.run([col, "-bx"], input=text, capture_output=True,
                              text=True).stdout
    else:
        text = re.sub(r".\x08", "", text)
    flat = " ".join(text.split())
    in_block = False
    for n, line in enumerate(src.splitlines(), 1):
        if line.strip().startswith("```"):
            in_block = not in_block
            continue
        if in_block:
            if "\\" in line.replace("\\\\", ""):
                problem(page, "line %d: a single backslash in a literal block is a "
                        "roff escape (write two): %r" % (n, line.strip()))
                continue
            want = " ".join(line.replace("\\\\", "\\").split())
            if want and want not in flat:
                problem(page, "line %d of a literal block is not shown as written: "
                        "%r" % (n, want))
            continue
        if line.startswith("#"):
            continue                    # a heading
        line = re.sub(r"^[|:\[\]<>-]+\s", "", line)  # a table row's marker
        for word in line.split():
            if not SPECIAL.search(word):
                continue
            # escaped characters are literal; unescaped * and _ at the
            # edges of words are bold/underline markup
            esc = {}
            word = re.sub(r"\\(.)", lambda m: esc.setdefault(
                chr(0xe000 + len(esc)), m.group(1)) and chr(0xe000 + len(esc) - 1)
                if False else _ph(esc, m.group(1)), word)
            w = re.sub(r"(?<![\w\ue000-\ue0ff])[*_]|[*_](?![\w\ue000-\ue0ff])", "", word)
            w = "".join(esc.get(c, c) for c in w)
            if not SPECIAL.search(w):
                continue
            if w and w not in flat:
                problem(page, "line %d: %r is not shown as written (a roff or "
                        "scdoc special: escape it)" % (n, w))


documented = {}         # function name -> page
pages = set()
refs = []               # (page, name, section)
scd = sorted(f for f in os.listdir(man_dir) if f.endswith(".scd"))
if not scd:
    problem(man_dir, "no pages found")
for f in scd:
    page = f[:-4]                               # libtdx-vm.3
    title, _, section = page.rpartition(".")
    pages.add((title, section))
    path = os.path.join(man_dir, f)
    src = open(path).read()

    r = subprocess.run([scdoc], input=src, capture_output=True, text=True)
    if r.returncode or r.stderr:
        problem(page, "scdoc failed: %s" % r.stderr.strip())
    elif groff:
        g = subprocess.run([groff, "-t", "-man", "-Tutf8", "-ww", "-z"],
                           input=r.stdout, capture_output=True, text=True)
        if g.returncode or g.stderr:
            problem(page, "groff warnings: %s" % g.stderr.strip())
        rendering_losses(page, src, r.stdout)

    first = src.splitlines()[0] if src else ""
    if not first.startswith("%s(%s)" % (title, section)):
        problem(page, "title line must start with %s(%s)" % (title, section))

    sections = {}
    cur = None
    for line in src.splitlines():
        m = re.match(r"^# (.+)$", line)
        if m:
            cur = m.group(1).strip()
            sections[cur] = []
        elif cur:
            sections[cur].append(line)
    for want in REQUIRED.get(section, ["NAME"]):
        if want not in sections:
            problem(page, "missing section '%s'" % want)
    body = {k: "\n".join(v) for k, v in sections.items()}

    if section == "3" and "NAME" in body:
        names = [n.strip() for n in body["NAME"].split(" - ")[0].split(",")]
        synopsis = body.get("SYNOPSIS", "")
        protos = {}
        for block in re.findall(r"```(.*?)```", synopsis, flags=re.S):
            block = re.sub(r"/\*.*?\*/", "", block, flags=re.S)
            block = re.sub(r"^\s*#.*$", "", block, flags=re.M)
            block = re.sub(r"\{[^{}]*\}", ";", block)
            for decl in block.split(";"):
                m = re.search(r"\b(tdx_[a-z0-9_]+)\s*\(", decl)
                if m and "typedef" not in decl:
                    protos[m.group(1)] = norm(decl)
        for n in names:
            if not re.fullmatch(r"tdx_[a-z0-9_]+", n):
                problem(page, "NAME lists '%s', not a tdx_ function name" % n)
                continue
            if n in documented:
                problem(page, "%s is also named by %s" % (n, documented[n]))
            documented[n] = page
            if n not in protos:
                problem(page, "SYNOPSIS lacks a prototype for %s" % n)
        for fn, p in protos.items():
            if fn not in headers:
                problem(page, "SYNOPSIS declares %s, which no header declares" % fn)
            elif p != headers[fn]:
                problem(page, "SYNOPSIS prototype differs from the header:\n"
                        "    page:   %s\n    header: %s" % (p, headers[fn]))

    for m in re.finditer(r"(?<!struct )\b(tdx_[a-z0-9_]+)\*?\s*\(", src):
        if m.group(1) not in exported:
            problem(page, "mentions %s(), which libtdx does not export" % m.group(1))
    for m in re.finditer(r"\b((?:lib)?tdx[a-z0-9_.-]*)\*?\((\d)\)", src):
        refs.append((page, m.group(1), m.group(2)))
    for m in re.finditer(r"\bE[A-Z0-9]{2,}\b", body.get("ERRORS", "")):
        if not hasattr(errno, m.group(0)):
            problem(page, "ERRORS names %s, which is not an errno" % m.group(0))

    if cc and section == "7" and "EXAMPLE" in body:
        for i, block in enumerate(re.findall(r"```(.*?)```", body["EXAMPLE"], flags=re.S)):
            if "int main" not in block:
                continue
            code = re.sub(r"\\(.)", r"\1", block)     # scdoc escapes
            r = subprocess.run([cc, "-std=gnu11", "-Wall", "-Wextra", "-Werror",
                                "-fsyntax-only", "-I", inc, "-I", build_inc,
                                "-x", "c", "-"], input=code,
                               capture_output=True, text=True)
            if r.returncode:
                problem(page, "EXAMPLE %d does not compile:\n%s" % (i, r.stderr))
            elif tdxsim:
                import tempfile
                with tempfile.TemporaryDirectory() as tmp:
                    exe = os.path.join(tmp, "example")
                    libdir = os.path.dirname(so)
                    r = subprocess.run([cc, "-std=gnu11", "-I", inc, "-I", build_inc,
                                        "-x", "c", "-", "-o", exe, "-L", libdir,
                                        "-ltdx"], input=code, capture_output=True,
                                       text=True)
                    if r.returncode:
                        problem(page, "EXAMPLE %d does not link:\n%s" % (i, r.stderr))
                        continue
                    env = dict(os.environ, LD_LIBRARY_PATH=libdir)
                    r = subprocess.run([tdxsim, "--", exe], capture_output=True,
                                       text=True, env=env, timeout=60)
                    lines = r.stdout.strip().splitlines()
                    if r.returncode:
                        problem(page, "EXAMPLE %d failed under tdxsim (exit %d):\n%s%s"
                                % (i, r.returncode, r.stdout, r.stderr))
                    elif "guest check failed" in r.stderr:
                        problem(page, "EXAMPLE %d: the simulated guest's checks failed:\n%s"
                                % (i, r.stderr))
                    elif not lines or not lines[-1].startswith("stopped: shutdown"):
                        problem(page, "EXAMPLE %d did not run the guest to its shutdown "
                                "(last line: %r):\n%s%s" % (i, lines[-1] if lines else "",
                                                             r.stdout, r.stderr))
                    else:
                        print("%s: EXAMPLE %d ran under tdxsim: %s" %
                              (page, i, r.stdout.strip().replace("\n", " | ")))
                        # The host may fail a conversion for now (ENOMEM):
                        # the guest's MapGPA must then be answered RETRY
                        # (tdx_vcpu_convert(3)), not refused.  Fail the
                        # first KVM_SET_MEMORY_ATTRIBUTES the guest causes
                        # (the launch's own ones, counted in a trace, pass).
                        trace = os.path.join(tmp, "trace")
                        subprocess.run([tdxsim, "--trace", trace, "--", exe],
                                       capture_output=True, env=env, timeout=60)
                        skip = 0
                        with open(trace) as t:
                            for line in t:
                                if "KVM_SET_MEMORY_ATTRIBUTES" not in line:
                                    continue
                                if "attributes=0x0" in line:
                                    break
                                skip += 1
                        fail = "ioctl=KVM_SET_MEMORY_ATTRIBUTES:errno=ENOMEM:skip=%d" % skip
                        r = subprocess.run([tdxsim, "--fail", fail, "--", exe],
                                           capture_output=True, text=True, env=env,
                                           timeout=60)
                        # The script's guest does not ask again: its expect
                        # reports the RETRY it got, which is the right answer.
                        if r.returncode or ("guest check failed" in r.stderr and
                                            "the guest got retry" not in r.stderr):
                            problem(page, "EXAMPLE %d with a transient ENOMEM on the "
                                    "guest's first conversion (%s) did not retry it "
                                    "(exit %d):\n%s%s" % (i, fail, r.returncode,
                                                          r.stdout, r.stderr))

known = pages | {(n, "3") for n in documented}
for page, name, sec in refs:
    if (name, sec) not in known:
        problem(page, "refers to %s(%s), which is neither a page nor an alias" % (name, sec))

# Code examples in the public headers' comments (lines indented by three
# or more spaces after " *", such as the TDX_OPTS() example in common.h)
# compile as the body of a function.
if cc:
    hdir = os.path.join(inc, "libtdx")
    for h in sorted(os.listdir(hdir)):
        if not h.endswith(".h"):
            continue
        for m in re.finditer(r"/\*\*(.*?)\*/", open(os.path.join(hdir, h)).read(), flags=re.S):
            lines = [l[4:] for l in m.group(1).split("\n") if l.startswith(" *   ")]
            code = "\n".join(l for l in lines if l.rstrip().endswith((";", "{", "}")))
            if "TDX_OPTS(" not in code:
                continue
            src = "#include <libtdx.h>\nvoid f(void);\nvoid f(void)\n{\n%s\n}\n" % code
            r = subprocess.run([cc, "-std=c99", "-Wall", "-Wextra", "-Werror",
                                "-Wno-unused-variable", "-Wno-unused-but-set-variable",
                                "-fsyntax-only", "-I", inc, "-I", build_inc, "-x", "c", "-"],
                               input=src, capture_output=True, text=True)
            if r.returncode:
                problem(h, "the example in a comment does not compile:\n%s\n%s"
                        % (code, r.stderr))

for n in sorted(exported - set(documented)):
    problem("(library)", "exported symbol %s has no man page (add it to a NAME section)" % n)
for n in sorted(set(documented) - exported):
    problem(documented[n], "documents %s, which libtdx does not export" % n)

for p in problems:
    print("FAIL " + p)
print("%d pages, %d functions documented, %d exported, %d problems" %
      (len(scd), len(documented), len(exported), len(problems)))
sys.exit(1 if problems else 0)
