#!/usr/bin/env python3
"""Options structs have no padding (suite 'abi').

An options struct is any public struct whose first member is "size_t sz"
(declared with TDX_OPTS()).  TDX_OPTS() zeroes its members but C does not
promise to zero padding, so a field appended later over former padding
would read garbage from binaries built before it existed.  Every options
struct must therefore be exactly the sum of its members: where alignment
would leave a hole, the header declares an explicit reserved member
(checked to be zero by libtdx).  The check is compiled, so it holds for the
ABI of the compiler in use (x86-64 for libtdx).


Usage: check-opts-padding.py CC SRC_INCLUDE BUILD_INCLUDE
"""
import os
import re
import subprocess
import sys
import tempfile

cc, src_inc, build_inc = sys.argv[1:4]
hdir = os.path.join(src_inc, "libtdx")
structs = {}
for h in sorted(os.listdir(hdir)):
    if not h.endswith(".h"):
        continue
    text = re.sub(r"/\*.*?\*/", "", open(os.path.join(hdir, h)).read(), flags=re.S)
    text = re.sub(r"//[^\n]*", "", text)
    for name, body in re.findall(r"struct (tdx_\w+) \{(.*?)\};", text, flags=re.S):
        decls = [d.strip() for d in body.split(";") if d.strip()]
        if not decls or not re.fullmatch(r"size_t\s+sz", decls[0]):
            continue
        members = []
        for d in decls:
            m = re.search(r"(\w+)\s*(\[[^\]]*\])?$", d)
            members.append(m.group(1))
        structs[name] = (h, members)

if len(structs) < 10:
    print("found only %d options structs: header parse broken?" % len(structs))
    sys.exit(1)
lines = ["#include <libtdx.h>"]
for name, (h, members) in sorted(structs.items()):
    total = " + ".join("sizeof(((struct %s *)0)->%s)" % (name, m) for m in members)
    lines.append('_Static_assert(sizeof(struct %s) == %s, "struct %s (%s) has '
                 'padding: declare a reserved member where the hole is");'
                 % (name, total, name, h))
with tempfile.TemporaryDirectory() as tmp:
    src = os.path.join(tmp, "pad.c")
    open(src, "w").write("\n".join(lines) + "\n")
    r = subprocess.run([cc, "-std=c11", "-fsyntax-only", "-I", src_inc, "-I",
                        build_inc, src], capture_output=True, text=True)
for name in sorted(structs):
    print("checked struct %s (%s): %d members" % (name, structs[name][0],
                                                  len(structs[name][1])))
if r.returncode:
    print(r.stderr)
    sys.exit(1)
print("%d options structs, none with padding" % len(structs))
