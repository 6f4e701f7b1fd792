#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""sim/RULES.md: every row of the rules table names a kernel function (a
`name()` in the second column, or the TDX module) and at least one self-test
that exists (PREFIX:NAME, a START_TEST(NAME) in the matching sim/tests file).
A row whose test cell is only "—" has no test yet: it is listed on stdout
but does not fail the check (yet); a named test that does not exist does.

usage: check-sim-rules.py SOURCE_ROOT
"""
import os
import re
import sys

PREFIX = {
    "rules": "test-sim-rules.c",
    "guest": "test-sim-guest.c",
    "faults": "test-sim-faults.c",
    "mrtd": "test-sim-mrtd.c",
    "cpuid": "test-sim-cpuid.c",
    "kvm": "test-sim-kvm.c",
    "conform": "test-sim-conform.c",
}


def main():
    root = sys.argv[1]
    tests = {}
    for p, f in PREFIX.items():
        path = os.path.join(root, "sim", "tests", f)
        text = open(path, encoding="utf-8").read() if os.path.exists(path) else ""
        tests[p] = set(re.findall(r"START_TEST\((\w+)\)", text))
    bad = []
    rows = 0
    with open(os.path.join(root, "sim", "RULES.md"), encoding="utf-8") as fh:
        for n, line in enumerate(fh, 1):
            if not line.startswith("|") or line.startswith("|---") or line.startswith("| Rule "):
                continue
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if len(cells) < 4:
                bad.append(f"RULES.md:{n}: fewer than 4 columns")
                continue
            if cells[0].startswith("**") and not any(cells[1:]):
                continue  # group heading
            rows += 1
            if not re.search(r"\w\(\)", cells[1]) and "TDX module" not in cells[1]:
                bad.append(f"RULES.md:{n}: no kernel function `name()` in: {cells[1]}")
            refs = re.findall(r"\b(" + "|".join(PREFIX) + r"):(\w+)", cells[-1])
            if not refs and cells[-1] == "—":
                print(f"RULES.md:{n}: (warning) row without a test: {cells[0][:80]}")
            elif not refs:
                bad.append(f"RULES.md:{n}: no test named in: {cells[-1]}")
            for p, t in refs:
                if t not in tests[p]:
                    bad.append(f"RULES.md:{n}: {p}:{t} is not a test in sim/tests/{PREFIX[p]}")
    for b in bad:
        print(b)
    if not rows:
        print("RULES.md: no rows")
        return 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
