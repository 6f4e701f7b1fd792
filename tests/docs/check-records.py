#!/usr/bin/env python3
"""The error-record rule, checked in the documentation (suite 'docs').

Usage: check-records.py INCLUDE_DIR MAN_DIR FILE...

The rule (common.h, libtdx-ctx(3)): a failing call records on the first
handle among its arguments -- a non-const struct tdx_ctx, tdx_vm, tdx_vcpu,
tdx_mem or tdx_attest pointer -- which for a constructor is the parent it
takes; a call whose handle is const, or that takes none, records nothing.
From the prototypes in the public headers this script derives, for every
function, the handle (and its argument position) the rule names, then
checks that nothing the user reads says otherwise:

- common.h and libtdx-ctx(3) state the rule;
- a function's kernel-doc comment that names a record
  (tdx_<h>_get_last_error(), "the context's last-error record", ...)
  names the rule's one;
- in each man page, the ERRORS entry of a function likewise;
- every errno a function's kernel-doc "Return:" names (as -EXXX) is in
  that function's ERRORS entry of its man page: the man page is the one
  complete list, the header may name fewer, never others;
- in the code users copy (FILE...: the README, examples, the EXAMPLE
  sections of the man pages), every record read after a call is the
  record of that call's rule handle, passed the same argument:
  CHECK(tdx_f(a, b), tdx_h_get_last_error(a)), or "r = tdx_f(a, ...);"
  followed within four lines by tdx_h_get_last_error(a).
"""
import os
import re
import sys

inc, man_dir = sys.argv[1:3]
files = sys.argv[3:]
HANDLES = ("ctx", "vm", "vcpu", "mem", "attest")
WORDS = {"context": "ctx", "VM": "vm", "TD": "vm", "vCPU": "vcpu",
         "memory object": "mem", "attestation server": "attest"}
problems = []


def problem(where, msg):
    problems.append("%s: %s" % (where, msg))


def split_args(s):
    out, depth, cur = [], 0, ""
    for ch in s:
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        if ch == "," and depth == 0:
            out.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        out.append(cur.strip())
    return out


# ---- the rule, from the prototypes -----------------------------------------
rule = {}          # function -> (handle, position) or None
docs = {}          # function -> its kernel-doc comment
hdir = os.path.join(inc, "libtdx")
for h in sorted(os.listdir(hdir)):
    if not h.endswith(".h"):
        continue
    src = open(os.path.join(hdir, h)).read()
    for m in re.finditer(r"^([a-z][^;{}()#]*?)\b(tdx_\w+)\(([^;{}]*?)\);", src,
                         flags=re.S | re.M):
        name, params = m.group(2), m.group(3)
        before = src[:m.start()].rstrip()
        comment = None
        if before.endswith("*/"):
            start = before.rfind("/**")
            if start >= 0 and "*/" not in before[start:-2]:
                comment = before[start:]
        if name.endswith("_fn") or "(*" in m.group(1):
            continue
        found = None
        for pos, p in enumerate(split_args(params)):
            hm = re.match(r"(const\s+)?struct tdx_(\w+)\s*\*\s*\w+$", p)
            if hm and hm.group(2) in HANDLES:
                found = None if hm.group(1) else (hm.group(2), pos)
                break
        rule[name] = found
        if comment:
            docs[name] = comment

if len(rule) < 100:
    problem("headers", "found only %d functions: parse broken?" % len(rule))


def named_records(text):
    """Handles whose record the text names."""
    out = set(re.findall(r"tdx_(%s)_get_last_error" % "|".join(HANDLES), text))
    for word, h in WORDS.items():
        if re.search(r"\b%s's (last-)?error record" % re.escape(word), text):
            out.add(h)
    return out


def check_text(where, fn, text):
    want = rule.get(fn)
    for h in named_records(text):
        if want is None:
            problem(where, "%s() records nothing by the rule, but its text names "
                    "the %s record" % (fn, h))
        elif h != want[0]:
            problem(where, "%s() records on its %s (argument %d) by the rule, but "
                    "its text names the %s record" % (fn, want[0], want[1] + 1, h))


# ---- the rule is written down ----------------------------------------------
common = open(os.path.join(hdir, "common.h")).read()
if "first handle among its arguments" not in re.sub(r"\s*\*\s*", " ", common):
    problem("common.h", "does not state the error-record rule")
ctxpage = open(os.path.join(man_dir, "libtdx-ctx.3.scd")).read()
if "first handle among its arguments" not in ctxpage:
    problem("libtdx-ctx.3", "does not state the error-record rule")

# ---- kernel-doc --------------------------------------------------------------
for fn, comment in sorted(docs.items()):
    if fn.endswith("_get_last_error"):
        continue
    check_text("kernel-doc of %s()" % fn, fn, comment)

# ---- man pages: each function's ERRORS entry -------------------------------
man_errnos = {}    # function -> errnos its ERRORS entry names
for page in sorted(os.listdir(man_dir)):
    if not page.endswith(".3.scd"):
        continue
    text = open(os.path.join(man_dir, page)).read()
    m = re.search(r"^# ERRORS\n(.*?)(?=^# )", text, flags=re.S | re.M)
    if not m:
        continue
    # "*tdx_a*(), *tdx_b*():" introduces the entry of those functions
    parts = re.split(r"^((?:\*tdx_\w+\*\(\)(?:, | and )?)+):\s*$", m.group(1),
                     flags=re.M)
    for i in range(1, len(parts) - 1, 2):
        for fn in re.findall(r"\*(tdx_\w+)\*", parts[i]):
            check_text("%s ERRORS of %s()" % (page[:-4], fn), fn, parts[i + 1])
            man_errnos.setdefault(fn, set()).update(
                re.findall(r"\*(E[A-Z0-9]+)\*", parts[i + 1]))

# ---- errnos: the header names no errno its man page's ERRORS does not ------
for fn, comment in sorted(docs.items()):
    ret = comment.split("Return:", 1)
    if len(ret) < 2 or fn not in man_errnos:
        continue
    for e in sorted(set(re.findall(r"-(E[A-Z0-9]{2,})\b", ret[1])) - man_errnos[fn]):
        problem("kernel-doc of %s()" % fn, "Return: names -%s, which the ERRORS "
                "entry of its man page does not list" % e)

# ---- code users copy ---------------------------------------------------------
def check_pair(where, call, args, h, arg):
    want = rule.get(call)
    if call not in rule:
        return
    if want is None:
        problem(where, "reads the %s record after %s(), which records nothing"
                % (h, call))
        return
    args = split_args(args)
    expect = args[want[1]] if want[1] < len(args) else "?"
    if h != want[0] or arg.strip() != expect:
        problem(where, "after %s(%s) reads tdx_%s_get_last_error(%s); the rule "
                "says tdx_%s_get_last_error(%s)" % (call, ", ".join(args), h,
                                                    arg.strip(), want[0], expect))


CALL = r"(tdx_\w+)\(((?:[^()]|\([^()]*\))*)\)"
pairs = 0
for path in files:
    text = open(path).read()
    name = os.path.basename(path)
    for m in re.finditer(r"CHECK\(\s*" + CALL + r"\s*,\s*tdx_(\w+)_get_last_error\(([^()]*)\)",
                         text):
        pairs += 1
        check_pair("%s: CHECK(%s...)" % (name, m.group(1)), m.group(1), m.group(2),
                   m.group(3), m.group(4))
    lines = text.split("\n")
    for i, line in enumerate(lines):
        m = re.search(r"\br\s*=\s*" + CALL + r";", line)
        if not m:
            continue
        for follow in lines[i + 1:i + 5]:
            if re.search(r"\br\s*=", follow):
                break
            e = re.search(r"tdx_(\w+)_get_last_error\(([^()]*)\)", follow)
            if e:
                pairs += 1
                check_pair("%s:%d" % (name, i + 1), m.group(1), m.group(2),
                           e.group(1), e.group(2))
                break

for p in problems:
    print("FAIL", p)
print("%d functions, %d with a record by the rule; %d call/record pairs in %d "
      "files; %d problems" % (len(rule), sum(1 for v in rule.values() if v),
                              pairs, len(files), len(problems)))
sys.exit(1 if problems else 0)
