#!/usr/bin/env python3
"""Each public header must compile on its own as C99, C11 and C++ with
-Werror (suite 'abi').  Usage: check-headers.py CC CXX SRC_INCLUDE BUILD_INCLUDE"""
import os, subprocess, sys, tempfile

cc, cxx, src_inc, build_inc = sys.argv[1:5]
headers = ["libtdx.h"] + ["libtdx/" + h for h in sorted(os.listdir(os.path.join(src_inc, "libtdx")))
                          if h.endswith(".h")]
modes = [
    (cc, ["-x", "c", "-std=c99", "-pedantic"]),
    (cc, ["-x", "c", "-std=c11", "-pedantic"]),
    (cxx, ["-x", "c++", "-std=c++11", "-pedantic"]),
    (cxx, ["-x", "c++", "-std=c++17"]),
]
failed = 0
with tempfile.TemporaryDirectory() as tmp:
    src = os.path.join(tmp, "t.c")
    for h in headers:
        with open(src, "w") as f:
            f.write("#include <%s>\n#include <%s>\nint tdx_abi_probe_var;\n" % (h, h))
        for comp, flags in modes:
            cmd = [comp] + flags + ["-Wall", "-Wextra", "-Werror", "-fsyntax-only",
                                    "-I", src_inc, "-I", build_inc, src]
            r = subprocess.run(cmd, capture_output=True, text=True)
            tag = "%s %s" % (h, " ".join(flags))
            if r.returncode:
                failed += 1
                print("FAIL", tag)
                print(r.stderr)
            else:
                print("ok  ", tag)
sys.exit(1 if failed else 0)
