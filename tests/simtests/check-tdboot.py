#!/usr/bin/env python3
"""tdboot end to end under tdxsim (suite 'sim'): the full launch of
Debian's OVMF.fd, the launch report, the --report JSON, and the MRTD the
simulated TDX module computed from the actual INIT_MEM_REGION calls equal to
the expected MRTD tdboot predicted.
Usage: check-tdboot.py TDXSIM TDBOOT"""
import json, os, subprocess, sys, tempfile

tdxsim, tdboot = sys.argv[1:3]
OVMF = "/usr/share/ovmf/OVMF.fd"
KNOWN = ("4c7206f0f483c524f12c366c711e9049030a8d47c471ee5aa9c4999a08de4057"
         "fb887fed0744d5631a212967fb231c47")
failures = 0

def check(cond, what):
    global failures
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures += 1

def run(args, env=None):
    e = dict(os.environ)
    e.update(env or {})
    r = subprocess.run(args, capture_output=True, text=True, timeout=120, env=e)
    return r.returncode, r.stdout, r.stderr

tmp = tempfile.mkdtemp()
# usage errors
rc, out, err = run([tdboot])
check(rc == 2 and "--bios" in err, "missing --bios: exit 2 with a message")
rc, out, err = run([tdboot, "--bios", OVMF, "--memory", "12Q"])
check(rc == 2, "bad --memory: exit 2")
rc, out, err = run([tdboot, "--bios", OVMF, "--attributes", "bogus"])
check(rc == 2 and "bogus" in err, "unknown attribute named: exit 2")

if not os.access(OVMF, os.R_OK):
    print("SKIP: %s not installed (apt-get install ovmf)" % OVMF)
    sys.exit(0 if failures == 0 else 1)

report = os.path.join(tmp, "tdboot.json")
simrep = os.path.join(tmp, "sim.json")
rc, out, err = run([tdxsim, "--report", simrep, "--", tdboot, "--bios", OVMF,
                    "--memory", "2G", "--vcpus", "2", "--report", report])
check(rc == 0, "tdboot under tdxsim exits 0 (rc=%d, stderr=%s)" % (rc, err.strip()[-300:]))
check("expected MRTD: " + KNOWN in out, "launch report prints the expected MRTD")
check("TD HOB:      0x809000" in out, "launch report prints the HOB address")
check("result: shutdown" in out, "summary: the TD shut down")
j = json.load(open(report)) if os.path.exists(report) else {}
check(j.get("result") == "shutdown", "report: result shutdown")
check(j.get("expected_mrtd") == KNOWN, "report: expected_mrtd is the known value")
check(len(j.get("sections", [])) == 6, "report: six sections")
check(j.get("load", {}).get("pages_added") == 538, "report: 538 pages added")
check(j.get("load", {}).get("pages_measured") == 480, "report: 480 pages measured")
check(j.get("vcpus") == 2 and j.get("memory") == 2 << 30, "report: vcpus and memory")
sims = [json.loads(l) for l in open(simrep)] if os.path.exists(simrep) else []
check(len(sims) == 1, "simulator reported one TD")
if sims:
    check(sims[0].get("simulated") is True, "simulator report says simulated")
    check(sims[0].get("finalized") is True, "simulated TD was finalized")
    check(sims[0].get("mrtd") == j.get("expected_mrtd"),
          "simulated module MRTD == tdboot's expected MRTD")
    check(sims[0].get("vcpus") == 2, "simulated TD had 2 vCPUs")

# a configuration the capabilities refuse: named, before any TD runs
rc, out, err = run([tdxsim, "--", tdboot, "--bios", OVMF, "--attributes", "debug"])
check(rc == 1 and "debug" in err.lower(), "unsupported attribute is named (rc=%d)" % rc)
# no TDX: stops at the probe with reasons
rc, out, err = run([tdboot, "--bios", OVMF, "--device", "/nonexistent/kvm"])
check(rc == 1 and "reason:" in err, "no device: stops at the probe with reasons")
# a non-TDX firmware
code4m = "/usr/share/OVMF/OVMF_CODE_4M.fd"
if os.access(code4m, os.R_OK):
    rc, out, err = run([tdxsim, "--", tdboot, "--bios", code4m])
    check(rc == 1 and "TDX" in err, "OVMF_CODE_4M.fd refused with a clear message")

print("%d failure(s)" % failures)
sys.exit(1 if failures else 0)
