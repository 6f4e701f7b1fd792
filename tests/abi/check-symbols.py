#!/usr/bin/env python3
"""Exported dynamic symbols == version script == public header declarations,
and the newest version node matches the project version (suite 'abi').
Usage: check-symbols.py LIBTDX_SO MAP INCLUDE_DIR PROJECT_VERSION"""
import os, re, subprocess, sys

so, mapfile, inc, version = sys.argv[1:5]

out = subprocess.run(["nm", "-D", "--defined-only", so], capture_output=True,
                     text=True, check=True).stdout
exported = set()
for line in out.splitlines():
    parts = line.split()
    if len(parts) >= 3 and parts[1] in "TWDBR":
        name = parts[2].split("@")[0]
        if not name.startswith("LIBTDX_"):
            exported.add(name)

text = re.sub(r"/\*.*?\*/", "", open(mapfile).read(), flags=re.S)
nodes = re.findall(r"(LIBTDX_[0-9A-Z_.]+)\s*\{(.*?)\}", text, flags=re.S)
mapped = set()
for _, body in nodes:
    glob = body.split("local:")[0].replace("global:", "")
    mapped |= {s.strip() for s in glob.split(";") if s.strip()}

declared = set()
files = [os.path.join(inc, "libtdx.h")] + [os.path.join(inc, "libtdx", f)
        for f in os.listdir(os.path.join(inc, "libtdx")) if f.endswith(".h")]
for f in files:
    src = open(f).read()
    src = re.sub(r"/\*.*?\*/", "", src, flags=re.S)
    src = re.sub(r"^\s*#.*?(?<!\\)$", "", src, flags=re.M | re.S)
    for m in re.finditer(r"\b(tdx_[a-z0-9_]+)\s*\(", src):
        # a declaration: preceded by a type, not a call inside a macro body
        declared.add(m.group(1))
declared -= {"tdx_log_fn"}

ok = True
def report(title, s):
    global ok
    if s:
        ok = False
        print(title + ": " + ", ".join(sorted(s)))

report("exported but not in the map", exported - mapped)
report("in the map but not exported", mapped - exported)
report("exported but not declared in a public header", exported - declared)
report("declared in a header but not exported", declared - exported)
bad = [s for s in exported if not s.startswith("tdx_")]
report("exported without the tdx_ prefix", set(bad))
newest = nodes[-1][0] if nodes else ""
maj, minr = version.split(".")[:2]
want = "LIBTDX_%s.%s" % (maj, minr)
if newest not in (want, "LIBTDX_UNRELEASED"):
    ok = False
    print("newest map node %s does not match project version %s (want %s)" % (newest, version, want))
print("%d exported, %d in map, %d declared" % (len(exported), len(mapped), len(declared)))
sys.exit(0 if ok else 1)
