#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tdxsim(1) documents everything a user of the simulator can use.

Usage: check-tdxsim.py SRCDIR [TDXSIM]

Fails (listing each gap) when doc/man/tdxsim.1.scd does not mention, in
the section that documents it:
  - an option of `tdxsim --help` (OPTIONS);
  - a TDXSIM_* variable the simulator reads (ENVIRONMENT);
  - a preset of `tdxsim --list-presets` (PRESETS);
  - a guest-script event or expect keyword of sim/guest.c (Events);
  - a shipped guest script in sim/scripts (GUEST SCRIPTS);
  - a fault-spec field of sim/fault.c (FAULT INJECTION);
  - a trace field of sim/trace-args.c (TRACE);
  - a report member written by sim/report.c or sim/run.c (REPORT).
"""
import glob
import os
import re
import subprocess
import sys

src = sys.argv[1]
tdxsim = sys.argv[2] if len(sys.argv) > 2 else None
page = open(os.path.join(src, "doc", "man", "tdxsim.1.scd"), encoding="utf-8").read()


def section(title):
    m = re.search(r"^#+ %s\n(.*?)(?=^# )" % re.escape(title), page + "\n# END\n",
                  re.M | re.S)
    return m.group(1) if m else ""


def read(*paths):
    return "".join(open(os.path.join(src, p), encoding="utf-8").read() for p in paths)


problems = []


def need(where, names, what, fmt="{}"):
    text = section(where)
    if not text:
        problems.append(f"no section '{where}'")
        return
    for n in sorted(set(names)):
        if fmt.format(n) not in text:
            problems.append(f"{where}: {what} '{n}' is not documented")


sim = read(*[os.path.relpath(p, src) for p in glob.glob(os.path.join(src, "sim", "*.c"))])
if tdxsim:
    help_text = subprocess.run([tdxsim, "--help"], capture_output=True, text=True).stdout
    need("OPTIONS", re.findall(r"^\s+(?:-h, )?(--[a-z0-9-]+)", help_text, re.M), "option", "*{}*")
    presets = subprocess.run([tdxsim, "--list-presets"], capture_output=True, text=True).stdout
    need("PRESETS", re.findall(r"^(\S+)", presets, re.M), "preset", "*{}*")
need("ENVIRONMENT", re.findall(r'"(TDXSIM_[A-Z0-9_]+)"', sim), "variable", "*{}*")
guest = read("sim/guest.c")
events = re.findall(r'strcmp\(ev, "([a-z0-9-]+)"\)', guest)	# the parser's keywords
if not events:
    problems.append("sim/guest.c: no event names found (did the parser change?)")
need("GUEST SCRIPTS", events, "event", "*{}*")
expects = re.findall(r'\{ "([a-z0-9-]+)", GX_[A-Z0-9_]+ \}', guest)
expects += re.findall(r'\{ "([a-z-]+)", (?:TDVMCALL_ST_|0x)', guest)
need("Events", expects, "expect keyword", "*{}*")
need("GUEST SCRIPTS", [os.path.basename(p)[:-4] for p in
                       glob.glob(os.path.join(src, "sim", "scripts", "*.txt"))], "script")
fault = read("sim/fault.c")
need("FAULT INJECTION", re.findall(r'strcmp\(f, "([a-z_]+)"\)', fault), "field", "{}=")
need("TRACE", re.findall(r'(?:"| )([a-z_0-9]+)=%', read("sim/trace-args.c", "sim/intercept.c")),
     "field", "{}=")
report = read("sim/report.c", "sim/run.c")
members = re.findall(r'\\"([a-z_0-9]+)\\": ', report)
if not members:
    problems.append("sim/report.c: no report members found")
need("REPORT", members, "member")

for p in problems:
    print("tdxsim.1: " + p)
sys.exit(1 if problems else 0)
