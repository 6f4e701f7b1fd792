#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run a command (under tdxsim) and fail if it fails or if the simulated
guest's checks failed ("tdxsim: guest check failed" on stderr, tdxsim(1)):
the guest script's expect lines are the test's assertions about what the
VMM answered."""
import subprocess
import sys

r = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=300)
sys.stdout.write(r.stdout)
sys.stderr.write(r.stderr)
if r.returncode == 77:
    sys.exit(77)
if r.returncode:
    sys.exit(r.returncode)
if "guest check failed" in r.stderr:
    print("FAIL: the simulated guest's checks failed")
    sys.exit(1)
