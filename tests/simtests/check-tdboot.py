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
check("TDVF (simulated) booting" in out, "the guest's serial banner reaches stdout")
j = json.load(open(report)) if os.path.exists(report) else {}
check(j.get("result") == "shutdown", "report: result shutdown")
check(j.get("expected_mrtd") == KNOWN, "report: expected_mrtd is the known value")
check(len(j.get("sections", [])) == 6, "report: six sections")
check(j.get("load", {}).get("pages_added") == 538, "report: 538 pages added")
check(j.get("load", {}).get("pages_measured") == 480, "report: 480 pages measured")
check(j.get("vcpus") == 2 and j.get("memory") == 2 << 30, "report: vcpus and memory")
ex = j.get("exits", {})
check(ex.get("map-gpa") == 2 and ex.get("memory-fault") == 1 and
      ex.get("get-tdvmcall-info") == 1 and ex.get("io", 0) >= 26,
      "report: the early-boot script's exits were served (%s)" % ex)
check(j.get("conversions", {}).get("to_shared") == 2 and
      j.get("conversions", {}).get("rejected") == 0, "report: conversions")
check(j.get("serial_bytes") == 26, "report: 26 serial bytes")
sims = [json.loads(l) for l in open(simrep)] if os.path.exists(simrep) else []
check(len(sims) == 1, "simulator reported one TD")
if sims:
    check(sims[0].get("simulated") is True, "simulator report says simulated")
    check(sims[0].get("finalized") is True, "simulated TD was finalized")
    check(sims[0].get("mrtd") == j.get("expected_mrtd"),
          "simulated module MRTD == tdboot's expected MRTD")
    check(sims[0].get("vcpus") == 2, "simulated TD had 2 vCPUs")
    check(sims[0].get("attributes") == "0x0000000010000000",
          "default attributes: sept-ve-disable, as QEMU (%s)" % sims[0].get("attributes"))
    check(sims[0].get("guest_errors") == [],
          "the simulator found no wrong answer from tdboot (%s)" % sims[0].get("guest_errors"))

# "--attributes 0" asks for no attribute at all
sim0 = os.path.join(tmp, "noattr-sim.json")
rc, out, err = run([tdxsim, "--report", sim0, "--", tdboot, "--bios", OVMF, "--attributes", "0"])
s0 = [json.loads(l) for l in open(sim0)] if os.path.exists(sim0) else []
check(rc == 0 and len(s0) == 1 and s0[0].get("attributes") == "0x0000000000000000",
      "--attributes 0: a TD without attributes (rc=%d)" % rc)

def script(name, text):
    p = os.path.join(tmp, name)
    with open(p, "w") as f:
        f.write(text)
    return p

# a guest that reports a fatal error with a message (no NUL, 64 bytes max)
fatal = script("fatal.txt", """[vcpu 0]
serial "hello\\r\\n"
fatal 0x10000 "ASSERT failed in SecMain: out of temporary memory" 0x809000
[vcpu *]
hlt 2000
shutdown
""")
rep2 = os.path.join(tmp, "fatal.json")
rc, out, err = run([tdxsim, "--guest", fatal, "--", tdboot, "--bios", OVMF,
                    "--vcpus", "2", "--report", rep2])
j2 = json.load(open(rep2)) if os.path.exists(rep2) else {}
check(rc == 1 and j2.get("result") == "fatal", "fatal error: exit 1, result fatal (rc=%d)" % rc)
check("ASSERT failed in SecMain" in j2.get("detail", ""), "fatal message decoded")

# a hostile guest: conversions outside RAM, misaligned, wrapping, huge; an
# exit flood; unknown ports. tdboot must reject, keep running and stay up.
hostile = script("hostile.txt", """[vcpu 0]
mapgpa 0x400000000000 2M private
expect status invalid-operand
mapgpa 0x3ffff000 8K private
expect status invalid-operand
mapgpa 0x400000000000 2M shared
expect status success
mapgpa-raw 0x800000000000 0x1000
mapgpa 0x1000 4K shared
expect status success
flood 2000 out 0x80 1 0x55
flood 200 in 0x71 1
mmio-read 0xfed00000 4
tdvmcall 0x10005
shutdown
""")
rep3 = os.path.join(tmp, "hostile.json")
sim3 = os.path.join(tmp, "hostile-sim.json")
rc, out, err = run([tdxsim, "--guest", hostile, "--report", sim3, "--", tdboot,
                    "--bios", OVMF, "--memory", "1G", "--report", rep3])
j3 = json.load(open(rep3)) if os.path.exists(rep3) else {}
check(rc == 0 and j3.get("result") == "shutdown",
      "hostile guest: tdboot stays up and the TD shuts down (rc=%d %s)" % (rc, err.strip()[-200:]))
check(j3.get("conversions", {}).get("rejected", 0) == 2, "out-of-RAM and straddling conversions rejected")
check(j3.get("conversions", {}).get("mmio_noops", 0) == 1, "to-shared over an MMIO hole is a no-op")
check(j3.get("unhandled_total", 0) >= 2201, "unhandled accesses counted")
ports = {u["addr"] for u in j3.get("unhandled", [])}
check("0x80" in ports and "0x71" in ports, "unhandled ports listed")
s3 = [json.loads(l) for l in open(sim3)] if os.path.exists(sim3) else []
check(s3 and s3[0].get("guest_errors") == [], "no wrong answers under a hostile guest")

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

# attestation exits go through the attest layer (--qgs): TDVMCALL info,
# event-notify vector rules, GetQuote validation (a zeroed buffer has
# header version 0 -> INVALID_OPERAND) -- the guest checks every answer
quote = script("quote.txt", """[vcpu 0]
tdvmcall-info 1
expect r11 0x2
notify 40
expect status success
notify 7
expect status invalid-operand
mapgpa 0x1000000 8K shared
getquote 0x1000000 8K
expect status invalid-operand
getquote 0x1000000 4K private
shutdown
""")
rep4 = os.path.join(tmp, "quote.json")
sim4 = os.path.join(tmp, "quote-sim.json")
rc, out, err = run([tdxsim, "--guest", quote, "--report", sim4, "--", tdboot,
                    "--bios", OVMF, "--memory", "1G", "--qgs",
                    "unix:" + os.path.join(tmp, "no-qgs.sock"), "--report", rep4])
j4 = json.load(open(rep4)) if os.path.exists(rep4) else {}
check(rc == 0 and j4.get("event_notify_vector") == 40, "event notify vector 40 recorded")
check(j4.get("get_quote", {}).get("rejected") == 1, "GetQuote with a bad header rejected")
s4 = [json.loads(l) for l in open(sim4)] if os.path.exists(sim4) else []
check(s4 and s4[0].get("guest_errors") == [],
      "the guest got the expected attestation answers (%s)" % (s4[0].get("guest_errors") if s4 else None))

print("%d failure(s)" % failures)
sys.exit(1 if failures else 0)
