#!/usr/bin/env python3
"""tdx-info end to end (suite 'sim'): under tdxsim it reports a supported,
simulated TDX host with decoded names; usage errors exit 2; a missing
device exits 1 with the reason.  Usage: check-tdx-info.py TDXSIM TDX_INFO"""
import json, subprocess, sys

tdxsim, info = sys.argv[1:3]
failures = 0

def check(cond, what):
    global failures
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures += 1

def run(args):
    r = subprocess.run(args, capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout, r.stderr

# 1. simulated realistic host
rc, out, err = run([tdxsim, "--", info, "--json"])
check(rc == 0, "tdxsim -- tdx-info --json exits 0 (rc=%d, stderr=%s)" % (rc, err.strip()))
try:
    j = json.loads(out)
except ValueError as e:
    j = {}
    check(False, "JSON parses: %s\n%s" % (e, out))
check(j.get("tdx_supported") is True, "tdx_supported is true")
check(j.get("reasons") == [], "no reasons")
check("tdx" in j.get("vm_types", []) and "default" in j.get("vm_types", []),
      "vm_types names tdx and default")
caps = j.get("capabilities", {})
attrs = caps.get("supported_attributes", {})
check(attrs.get("value") == "0x0000000010000000", "supported attributes value")
check(attrs.get("names") == ["sept-ve-disable"], "attribute names decoded")
xfam = caps.get("supported_xfam", {})
check(xfam.get("value") == "0x0000000000061ae7", "supported xfam value (realistic preset)")
for n in ("x87", "sse", "avx", "avx512-opmask", "pkru", "cet-u", "amx-tiledata"):
    check(n in xfam.get("names", []), "xfam names include " + n)
check(len(caps.get("cpuid_configs", [])) == 28, "28 configurable CPUID leaves")
leaves = {c["function"] for c in caps.get("cpuid_configs", [])}
check("0x80000008" in leaves, "leaf 0x80000008 is configurable")

# 2. text output names things too
rc, out, err = run([tdxsim, "--", info])
check(rc == 0 and "TDX: supported" in out and "sept-ve-disable" in out,
      "text output: supported with names")

# 3. another preset
rc, out, err = run([tdxsim, "--caps", "minimal", "--", info, "--json"])
j = json.loads(out) if rc == 0 else {}
check(rc == 0 and len(j.get("capabilities", {}).get("cpuid_configs", [])) == 6,
      "minimal preset: 6 configurable leaves")

# 4. usage and missing device
rc, out, err = run([info, "--bogus"])
check(rc == 2, "unknown option exits 2")
rc, out, err = run([info, "extra"])
check(rc == 2, "stray argument exits 2")
rc, out, err = run([info, "--device", "/nonexistent/kvm", "--json"])
j = json.loads(out) if out else {}
check(rc == 1 and j.get("tdx_supported") is False and
      any("does not exist" in r for r in j.get("reasons", [])),
      "missing device: exit 1 with the reason")

print("%d failure(s)" % failures)
sys.exit(1 if failures else 0)
