#!/usr/bin/env python3
"""Kernel-doc check on the public headers (suite 'docs').

Usage: check-kerneldoc.py INCLUDE_DIR [MAP]

Every function declared in a public header (INCLUDE_DIR/libtdx.h and
INCLUDE_DIR/libtdx/*.h) must have a kernel-doc comment immediately before
its declaration: a comment opened with "/**" that ends on the line just
above the declaration (no blank line in between) and starts with the
function's name followed by "()", as in

    /** tdx_vm_ref() - take a reference; returns @vm. */
    struct tdx_vm *tdx_vm_ref(struct tdx_vm *vm);

Inline functions defined in a header count as declared there.  Typedefs
of function pointers, macros, and declarations inside struct bodies are
not functions and are not checked.

With MAP (lib/libtdx.map) given, every symbol it exports must be among the
declarations found, so that a declaration this parser misses cannot pass
unchecked.
"""
import os
import re
import sys


def declarations(src):
    """Yield (line, name, comment) for each top-level function declaration.

    comment is the text of the comment ending on the line just above the
    declaration's first line, or None.
    """
    lines = src.split("\n")
    i = 0
    depth = 0                   # brace depth, extern "C" { ... } excluded
    last_comment = None         # (end line index, text)
    stmt = None                 # (start line index, text so far)
    while i < len(lines):
        line = lines[i]
        s = line.strip()
        if stmt is None:
            if s.startswith("/*"):
                text = s
                while "*/" not in text[2:]:
                    i += 1
                    text += "\n" + lines[i]
                last_comment = (i, text)
                i += 1
                continue
            if s.startswith("#"):
                while line.rstrip().endswith("\\"):
                    i += 1
                    line = lines[i]
                i += 1
                continue
            if not s or s.startswith("//") or s == 'extern "C" {' or (
                    s == "}" and depth == 0):
                i += 1
                continue
            stmt = (i, "")
        # inside a statement: accumulate until ';' at depth 0
        code = re.sub(r"/\*.*?\*/", "", line)
        code = re.sub(r"//.*", "", code)
        start, text = stmt
        text += " " + code
        depth += code.count("{") - code.count("}")
        end = code.rstrip()
        # a declaration ends with ';', an inline definition with its '}'
        if depth == 0 and (end.endswith(";") or (end.endswith("}") and "{" in text)):
            flat = re.sub(r"\{.*\}", "{}", text, flags=re.S)
            m = re.search(r"\b(tdx_[A-Za-z0-9_]+)\s*\(", flat)
            if m and not re.match(r"\s*typedef\b", flat) and \
                    not re.search(r"\(\s*\*\s*tdx_", flat):
                comment = None
                if last_comment and last_comment[0] == start - 1:
                    comment = last_comment[1]
                yield start + 1, m.group(1), comment
            stmt = None
        elif depth < 0:
            depth = 0
            stmt = None
        else:
            stmt = (start, text)
        i += 1


def main():
    inc = sys.argv[1]
    files = [os.path.join(inc, "libtdx.h")] + sorted(
        os.path.join(inc, "libtdx", f) for f in os.listdir(os.path.join(inc, "libtdx"))
        if f.endswith(".h"))
    problems = []
    count = 0
    seen = set()
    for f in files:
        if not os.path.exists(f):
            continue
        rel = os.path.relpath(f, inc)
        for line, name, comment in declarations(open(f).read()):
            count += 1
            seen.add(name)
            if comment is None:
                problems.append("%s:%d: %s() has no comment immediately before it"
                                % (rel, line, name))
            elif not comment.startswith("/**"):
                problems.append("%s:%d: %s(): the comment before it is not a "
                                "kernel-doc comment (/** ... */)" % (rel, line, name))
            elif not re.match(r"/\*\*\s*\**\s*%s\(\)" % re.escape(name), comment):
                problems.append("%s:%d: %s(): its kernel-doc comment does not start "
                                "with \"%s() - ...\"" % (rel, line, name, name))
    if len(sys.argv) > 2:
        text = re.sub(r"/\*.*?\*/", "", open(sys.argv[2]).read(), flags=re.S)
        for body in re.findall(r"LIBTDX_[0-9A-Z_.]+\s*\{(.*?)\}", text, flags=re.S):
            glob = body.split("local:")[0].replace("global:", "")
            for sym in sorted({x.strip() for x in glob.split(";") if x.strip()}):
                if sym not in seen:
                    problems.append("%s is exported but no declaration of it was "
                                    "found in the public headers" % sym)
    for p in problems:
        print("FAIL " + p)
    print("%d public functions checked, %d problems" %
          (count, len(problems)))
    if count == 0:
        print("FAIL no function declarations found under %s" % inc)
        return 1
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
