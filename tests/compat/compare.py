#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""The same TD launched by QEMU and by tdboot, side by side (Markdown).

Usage: compare.py --build BUILDDIR --source SRCDIR --out FILE.md
                  [--memory 2G] [--smp 2] [--firmware OVMF.fd]

QEMU runs in the sid root exactly as in qemu_launch.py; tdboot runs on this
machine as `tdxsim -- tdboot --bios OVMF.fd --memory 2G --vcpus 2`.  Both
under the build's simulator with the default guest script, both traced
(TDXSIM_TRACE) and reported (TDXSIM_REPORT).  The document compares what
each VMM asked KVM for: the capabilities probed (KVM_CHECK_EXTENSION) and
enabled (KVM_ENABLE_CAP), INIT_VM's attributes, XFAM and CPUID, the
memslots, the TD HOB bytes, the sections added (INIT_MEM_REGION), the MRTD
and every other ioctl, and ends with the explained differences.

Exit status: 0 when the document is written and both launches reached the
same MRTD; 1 otherwise (the document is still written, saying where each
launch stopped); 77 when the sid root cannot be built here.
"""
import argparse
import collections
import json
import os
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import qemu_launch  # noqa: E402

# Why the two differ where they do (checked against the generated tables):
# each entry names the difference and says whose choice it is.
EXPLAINED = [
    ("Identical", "the memslots (a 2 GiB guest_memfd slot for RAM and a 2 MiB one for "
     "the firmware), the private ranges set before the image is added, the "
     "sections added (order, GPAs, pages, which are measured), the TD HOB "
     "bytes, the HOB GPA given to INIT_VCPU, the vCPU count and so the MRTD."),
    ("Capabilities probed",
     "QEMU's generic KVM accelerator probes about 60 capabilities any x86 VM may "
     "use and refuses to start without some of them; tdboot asks only what a TD "
     "launch needs.  tdboot asks GUEST_MEMFD, MEMORY_ATTRIBUTES, USER_MEMORY2 and "
     "PRE_FAULT_MEMORY on /dev/kvm, before any VM exists (`tdx_ctx_probe()` "
     "answers \"can this host run TDs\"), QEMU on the TD's fd; for a TD the "
     "kernel gives the same answers (`kvm_vm_ioctl_check_extension_generic()`, "
     "virt/kvm/kvm_main.c).  Choice."),
    ("Capabilities enabled",
     "both enable the split IRQ chip (24 pins), MapGPA exits (EXIT_HYPERCALL bit "
     "12) and a 40 ns APIC bus cycle (25 MHz, what the TDX module uses).  QEMU "
     "also enables generic features of its device model and migration "
     "(dirty-log protect, exception payload, triple-fault event, notify VM exit, "
     "user-space MSRs, PMU capability, MAX_VCPU_ID); tdboot enables X2APIC_API "
     "(32-bit APIC IDs, no broadcast quirk), which QEMU enables only when it "
     "needs more than 255 APIC IDs.  Choice."),
    ("INIT_VM attributes",
     "QEMU asks SEPT_VE_DISABLE (its tdx-guest default).  tdboot asked for none, "
     "with which a Linux guest panics on a module that does not let the guest "
     "disable SEPT #VEs itself (`disable_sept_ve()`, arch/x86/coco/tdx/tdx.c): "
     "tdboot's fault, fixed — without --attributes it now asks SEPT_VE_DISABLE "
     "when the module offers it."),
    ("INIT_VM XFAM and CPUID",
     "both describe the same 2-vCPU topology (leaf 1 EBX[23:16] = 2 with "
     "EDX.HTT, leaf 4's sharing, leaf 0x1F).  QEMU derives the rest from its CPU "
     "model (`-cpu host,...,family=6,model=207,stepping=2` on the simulated "
     "Xeon 8570): an XFAM with CET, entries only for the leaves it models, "
     "leaf 1 EAX = the FMS asked for, leaf 4 from its own cache model, 48 "
     "physical address bits in 0x80000008.  tdboot uses libtdx's defaults "
     "(`struct tdx_td_config`): `TDX_XFAM_DEFAULT` & the supported XFAM (x87, "
     "SSE, AVX, AVX-512, PKRU, AMX — hence its arch_prctl for the AMX "
     "permission; CET only with --xfam), every configurable leaf with the "
     "host's values within the configurable bits (0 where KVM reports "
     "nothing), leaf 1 EAX = 0 (the platform's own FMS), the host's caches in "
     "leaf 4 and its 52 physical address bits.  Choice: tdboot launches the "
     "most capable TD the host allows; --xfam narrows it."),
    ("TSC",
     "QEMU issues KVM_SET_TSC_KHZ with 0 on the VM, which the kernel takes as "
     "the host's frequency (`kvm_arch_vm_ioctl()`); tdboot leaves the default.  "
     "Same TD."),
    ("Private ranges before FINALIZE",
     "tdboot's loader (`tdx_load_plan()`) marks each section's pages private "
     "again before adding them, so a VMM that did not convert all of RAM still "
     "loads correctly; here the calls are redundant and harmless.  Choice."),
    ("Memory calls while the guest runs",
     "both answer the script's conversions with SET_MEMORY_ATTRIBUTES and a "
     "punched hole for to-shared; QEMU 11 also pre-faults the converted range "
     "(KVM_PRE_FAULT_MEMORY), tdboot lets the guest fault it in.  Choice."),
    ("Other ioctls",
     "QEMU sets up its device model and per-vCPU state (IRQ routing, coalesced "
     "MMIO, MSRs, MCE, kvmclock, stats fds) that a TD mostly ignores; tdboot has "
     "no devices besides the serial and debug ports it logs.  Choice."),
]

HOB_TYPES = {1: "HANDOFF", 2: "MEMORY_ALLOCATION", 3: "RESOURCE_DESCRIPTOR",
             4: "GUID_EXTENSION", 5: "FV", 6: "CPU", 7: "MEMORY_POOL", 9: "FV2",
             0xFFFF: "END_OF_HOB_LIST"}
RES_TYPES = {0: "SYSTEM_MEMORY", 1: "MEMORY_MAPPED_IO", 2: "IO", 3: "FIRMWARE_DEVICE",
             5: "MEMORY_RESERVED", 7: "UNACCEPTED"}


def decode_hob(hexs):
    """One line per HOB (PI spec vol. 3 HOB layouts)."""
    b = bytes.fromhex(hexs or "")
    out, off = [], 0
    while off + 8 <= len(b):
        typ, length = struct.unpack_from("<HH", b, off)
        name = HOB_TYPES.get(typ, f"type {typ:#x}")
        desc = f"{off:#06x} {name} len {length}"
        if typ == 3 and length >= 48:
            rtype, attr, start, size = struct.unpack_from("<IIQQ", b, off + 24)
            desc += (f" {RES_TYPES.get(rtype, rtype)} attr {attr:#x} "
                     f"[{start:#x}, {start + size:#x})")
        elif typ == 1 and length >= 56:
            ver, boot = struct.unpack_from("<II", b, off + 8)
            mt, mb, ft, fb, end = struct.unpack_from("<QQQQQ", b, off + 16)
            desc += f" version {ver:#x} memory [{mb:#x}, {mt:#x}) free [{fb:#x}, {ft:#x}) end {end:#x}"
        elif typ == 6 and length >= 16:
            desc += f" memory space bits {b[off + 8]} io space bits {b[off + 9]}"
        out.append(desc)
        if typ == 0xFFFF or length < 8:
            break
        off += length
    return out


def run_tdboot(a, tmp):
    trace, report = os.path.join(tmp, "tdboot.trace"), os.path.join(tmp, "tdboot.json")
    cmd = [os.path.join(a.build, "sim", "tdxsim"), "--trace", trace, "--report", report,
           "--", os.path.join(a.build, "examples", "tdboot", "tdboot"),
           "--bios", a.firmware, "--memory", a.memory, "--vcpus", str(a.smp)]
    env = dict(os.environ, TDXSIM_DATA_DIR=os.path.join(a.source, "sim", "data"))
    env.pop("TDXSIM_GUEST", None)
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=a.timeout)
    reports = [json.loads(x) for x in open(report) if x.strip()] if os.path.exists(report) else []
    calls = qemu_launch.parse_trace(trace) if os.path.exists(trace) else []
    return {"cmd": " ".join(["tdxsim", "--", "tdboot"] + cmd[7:]), "rc": r.returncode,
            "stdout": r.stdout, "stderr": r.stderr, "calls": calls,
            "td": next((x for x in reports if x.get("vm_type") == 5), None)}


def run_qemu(a, tmp):
    keep = os.path.join(tmp, "qemu")
    ns = argparse.Namespace(build=a.build, source=a.source, memory=a.memory, smp=a.smp,
                            cpu=qemu_launch.QEMU_CPU, firmware=a.firmware,
                            tdx_object="tdx-guest,id=tdx0",
                            guest="tdvf-early-boot", qemu_arg=[], env=[],
                            timeout=a.timeout, keep=keep)
    run = qemu_launch.Run(ns)
    run.launch()		# exits 77 when there is no root
    run.check()
    rp = os.path.join(keep, "report.json")
    reports = [json.loads(x) for x in open(rp) if x.strip()] if os.path.exists(rp) else []
    return {"cmd": "tdxsim -- " + getattr(run, "qemu_cmd", "qemu-system-x86_64"),
            "version": run.qemu_version, "rc": run.rc, "stdout": run.stdout,
            "stderr": run.stderr, "calls": run.calls, "failures": run.failures,
            "td": next((x for x in reports if x.get("vm_type") == 5), None)}


def cell(v):
    return "—" if v is None or v == "" else str(v).replace("|", "\\|")


def table(head, rows):
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        mark = "" if len(set(map(str, r[1:]))) <= 1 else " **≠**"
        out.append("| " + " | ".join(cell(x) for x in r) + mark + " |")
    return out


def pick(calls, name):
    return [c for c in calls if c["name"] == name]


def side_by_side(title, q, t, key, val):
    """Rows keyed by key(c): value lists from each VMM's calls."""
    qd, td = collections.OrderedDict(), collections.OrderedDict()
    for d, calls in ((qd, q), (td, t)):
        for c in calls:
            d.setdefault(key(c), []).append(val(c))
    keys = list(qd) + [k for k in td if k not in qd]
    return [(k, ", ".join(qd.get(k, [])) or None, ", ".join(td.get(k, [])) or None)
            for k in keys]


def render(a, q, t):
    L = []
    qc, tc = q["calls"], t["calls"]
    qtd, ttd = q["td"] or {}, t["td"] or {}
    L += ["# The same TD launched by QEMU and by tdboot", "",
          "Generated by `tests/compat/compare.py` (suite `compat`, test "
          "`qemu-vs-tdboot`); a copy is kept in doc/compat.  "
          "Both VMMs ran under this build's simulator (`tdxsim`, guest script "
          "`tdvf-early-boot`): everything below is what each asked the "
          "simulated KVM for, from the simulator's trace and report "
          "(tdxsim(1), TRACE and REPORT).  **≠** marks a row that differs.", "",
          "## Launches", ""]
    L += table(["", "QEMU", "tdboot"], [
        ("program", q.get("version"), "examples/tdboot"),
        ("command", "`" + q["cmd"] + "`", "`" + t["cmd"] + "`"),
        ("exit status", q["rc"], t["rc"]),
        ("TD state", qtd.get("td_state"), ttd.get("td_state")),
        ("ioctls traced", len(qc), len(tc)),
        ("last call", qc[-1]["name"] if qc else None, tc[-1]["name"] if tc else None),
    ])
    if q.get("failures"):
        L += ["", "QEMU's launch does not pass the compat checks yet:", ""]
        L += ["- " + f.replace("|", "\\|") for f in q["failures"]]
    L += ["", "## Capabilities probed (KVM_CHECK_EXTENSION)", "",
          "Value returned, per fd kind (`dev` = /dev/kvm, `vm` = the VM fd).", ""]
    L += table(["capability", "QEMU", "tdboot"], side_by_side(
        "", pick(qc, "KVM_CHECK_EXTENSION"), pick(tc, "KVM_CHECK_EXTENSION"),
        lambda c: c.get("cap"), lambda c: f"{c['kind']}: {c['ret']}"))
    L += ["", "## Capabilities enabled (KVM_ENABLE_CAP)", ""]
    L += table(["capability", "QEMU", "tdboot"], side_by_side(
        "", pick(qc, "KVM_ENABLE_CAP"), pick(tc, "KVM_ENABLE_CAP"),
        lambda c: c.get("cap"), lambda c: f"args0={c.get('args0')} → {c['errno']}"))
    L += ["", "## TD creation and INIT_VM", ""]

    def first(calls, name, field):
        for c in calls:
            if c["name"] == name and c["ret"] >= 0:
                return c.get(field)
        return None
    L += table(["", "QEMU", "tdboot"], [
        ("KVM_CREATE_VM type", first(qc, "KVM_CREATE_VM", "type"), first(tc, "KVM_CREATE_VM", "type")),
        ("INIT_VM attributes (asked)", first(qc, "KVM_TDX_INIT_VM", "attributes"),
         first(tc, "KVM_TDX_INIT_VM", "attributes")),
        ("INIT_VM XFAM (asked)", first(qc, "KVM_TDX_INIT_VM", "xfam"), first(tc, "KVM_TDX_INIT_VM", "xfam")),
        ("INIT_VM CPUID entries passed", first(qc, "KVM_TDX_INIT_VM", "nent"),
         first(tc, "KVM_TDX_INIT_VM", "nent")),
        ("TD attributes (report)", qtd.get("attributes"), ttd.get("attributes")),
        ("TD XFAM (report)", qtd.get("xfam"), ttd.get("xfam")),
        ("TSC kHz set", first(qc, "KVM_SET_TSC_KHZ", "khz"), first(tc, "KVM_SET_TSC_KHZ", "khz")),
        ("vCPUs / initialized", f"{qtd.get('vcpus')} / {qtd.get('vcpus_initialized')}",
         f"{ttd.get('vcpus')} / {ttd.get('vcpus_initialized')}"),
        ("INIT_VCPU data (HOB GPA)", first(qc, "KVM_TDX_INIT_VCPU", "data"),
         first(tc, "KVM_TDX_INIT_VCPU", "data")),
    ])
    L += ["", "### CPUID entries passed to INIT_VM", "",
          "As each VMM passed them (report `init_vm_cpuid`, the last INIT_VM), "
          "in its order: flags eax ebx ecx edx.", ""]

    def passed(td):
        return collections.OrderedDict(
            (f"{e['leaf']}.{e['subleaf']}",
             f"{e['flags']} {e['eax']} {e['ebx']} {e['ecx']} {e['edx']}")
            for e in td.get("init_vm_cpuid", []))
    qp, tp = passed(qtd), passed(ttd)
    L += table(["leaf.subleaf", "QEMU", "tdboot"],
               [(k, qp.get(k), tp.get(k)) for k in list(qp) + [k for k in tp if k not in qp]])
    L += ["", "### CPUID configured by INIT_VM", "",
          "The configurable leaves as the TD got them (simulator report "
          "`td_cpuid`, module order, without the leaves the VMM left out).", ""]

    def leaves(td):
        return collections.OrderedDict(
            (f"{e['leaf']}.{e['subleaf']}", f"{e['eax']} {e['ebx']} {e['ecx']} {e['edx']}")
            for e in td.get("td_cpuid", []))
    ql, tl = leaves(qtd), leaves(ttd)
    L += table(["leaf.subleaf", "QEMU eax ebx ecx edx", "tdboot eax ebx ecx edx"],
               [(k, ql.get(k), tl.get(k)) for k in list(ql) + [k for k in tl if k not in ql]])
    L += ["", "## guest_memfd and memslots", ""]
    L += table(["guest_memfd", "QEMU", "tdboot"], side_by_side(
        "", pick(qc, "KVM_CREATE_GUEST_MEMFD"), pick(tc, "KVM_CREATE_GUEST_MEMFD"),
        lambda c: "KVM_CREATE_GUEST_MEMFD", lambda c: f"size={c.get('size')} flags={c.get('flags')}"))
    L += ["", "The memslots at FINALIZE (last SET_USER_MEMORY_REGION* per slot before "
          "it; flags 0x4 = KVM_MEM_GUEST_MEMFD):", ""]

    def slots(calls):
        return sorted(((int(c["gpa"], 16), int(c["size"], 16), c["flags"])
                       for c in qemu_launch.final_memslots(calls).values()))

    def fmt(s):
        return f"[{s[0]:#x}, {s[0] + s[1]:#x}) flags {s[2]}" if s else None
    qs, ts = slots(qc), slots(tc)
    n = max(len(qs), len(ts))
    L += table(["#", "QEMU", "tdboot"],
               [(i, fmt(qs[i] if i < len(qs) else None), fmt(ts[i] if i < len(ts) else None))
                for i in range(n)])
    L += ["", "Private ranges set with KVM_SET_MEMORY_ATTRIBUTES before FINALIZE:", ""]

    def attrs(calls):
        out = []
        for c in calls:
            if c["name"] == "KVM_TDX_FINALIZE_VM":
                break
            if c["name"] == "KVM_SET_MEMORY_ATTRIBUTES" and c["ret"] >= 0:
                g, s = int(c["gpa"], 16), int(c["size"], 16)
                out.append(f"[{g:#x}, {g + s:#x}) = {c['attributes']}")
        return out
    qa, ta = attrs(qc), attrs(tc)
    L += table(["#", "QEMU", "tdboot"],
               [(i, qa[i] if i < len(qa) else None, ta[i] if i < len(ta) else None)
                for i in range(max(len(qa), len(ta)))])
    L += ["", "Memory calls while the guest runs (after FINALIZE): the conversions "
          "the `tdvf-early-boot` script asks for (MapGPA to shared, an implicit "
          "fault, MapGPA back to private).", ""]

    def running(calls):
        out, fin = [], False
        for c in calls:
            fin = fin or c["name"] == "KVM_TDX_FINALIZE_VM"
            if not fin:
                continue
            if c["name"] == "KVM_SET_MEMORY_ATTRIBUTES":
                out.append(f"attributes [{c.get('gpa')} +{c.get('size')}) = {c.get('attributes')}")
            elif c["name"] == "fallocate":
                out.append("fallocate (punch hole)")
            elif c["name"] == "KVM_PRE_FAULT_MEMORY":
                out.append(f"pre-fault {c.get('gpa', '?')} +{c.get('size', '?')}")
            elif c["name"] == "KVM_RUN" and c.get("exit") in ("39",):
                out.append("KVM_RUN → memory fault exit")
        return out
    qrun, trun = running(qc), running(tc)
    L += table(["#", "QEMU", "tdboot"],
               [(i, qrun[i] if i < len(qrun) else None, trun[i] if i < len(trun) else None)
                for i in range(max(len(qrun), len(trun)))])
    L += ["", "## Sections added (KVM_TDX_INIT_MEM_REGION)", "",
          "In call order; `flags=0x1` = KVM_TDX_MEASURE_MEMORY_REGION.", ""]

    def regions(calls):
        return [f"gpa={c.get('gpa')} pages={c.get('pages')} flags={c.get('flags', '0x0')}"
                for c in calls if c["name"] == "KVM_TDX_INIT_MEM_REGION" and c["ret"] >= 0]
    qr, tr = regions(qc), regions(tc)
    L += table(["#", "QEMU", "tdboot"],
               [(i, qr[i] if i < len(qr) else None, tr[i] if i < len(tr) else None)
                for i in range(max(len(qr), len(tr)))])
    L += table(["", "QEMU", "tdboot"], [
        ("pages added", qtd.get("pages_added"), ttd.get("pages_added")),
        ("pages measured", qtd.get("pages_measured"), ttd.get("pages_measured"))])
    L += ["", "## TD HOB", "",
          "The bytes added at the INIT_VCPU GPA (report `hob`, trailing zeros "
          "dropped), decoded.", ""]
    qh, th = qtd.get("hob") or "", ttd.get("hob") or ""
    if qh and qh == th:
        L += [f"Identical: {len(qh) // 2} bytes."]
    else:
        diff = next((i // 2 for i in range(0, min(len(qh), len(th)), 2)
                     if qh[i:i + 2] != th[i:i + 2]), None)
        L += [f"QEMU {len(qh) // 2} bytes, tdboot {len(th) // 2} bytes; first differing "
              f"byte: {diff if diff is not None else 'none in the common length'}."]
    qd, tdd = decode_hob(qh), decode_hob(th)
    L += [""] + table(["#", "QEMU", "tdboot"],
                      [(i, qd[i] if i < len(qd) else None, tdd[i] if i < len(tdd) else None)
                       for i in range(max(len(qd), len(tdd)))])
    mrtd = qemu_launch.tdx_measure(a.build, a.firmware)
    L += ["", "## MRTD", ""]
    L += table(["", "QEMU", "tdboot"], [
        ("MRTD (report)", qtd.get("mrtd"), ttd.get("mrtd")),
        ("tdx-measure", mrtd, mrtd)])
    L += ["", "## Other ioctls (count per name)", ""]
    cq = collections.Counter(c["name"] for c in qc)
    ct = collections.Counter(c["name"] for c in tc)
    L += table(["ioctl", "QEMU", "tdboot"],
               [(k, cq.get(k), ct.get(k)) for k in sorted(set(cq) | set(ct))])
    unm = sorted({c["line"].split(" ", 1)[1] for c in qc + tc if c.get("sim") == "unmodelled"})
    if unm:
        L += ["", "Calls the simulator answered without modelling them (`sim=unmodelled`):", ""]
        L += ["- `" + u + "`" for u in unm]
    L += ["", "## Differences explained", ""]
    for what, why in EXPLAINED:
        L += [f"- **{what}.** {why}"]
    L += [""]
    return "\n".join(L)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build", required=True)
    p.add_argument("--source", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--memory", default="2G")
    p.add_argument("--smp", type=int, default=2)
    p.add_argument("--firmware", default="/usr/share/ovmf/OVMF.fd")
    p.add_argument("--timeout", type=int, default=120)
    a = p.parse_args()
    if os.geteuid() != 0:
        print("SKIP: QEMU runs in the sid root with chroot, which needs root")
        return 77
    if not os.path.exists(a.firmware):
        print(f"SKIP: no firmware {a.firmware}")
        return 77
    with tempfile.TemporaryDirectory(prefix="compat-compare-") as tmp:
        q = run_qemu(a, tmp)
        t = run_tdboot(a, tmp)
        doc = render(a, q, t)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        f.write(doc)
    print(f"wrote {a.out}")
    kept = os.path.join(a.source, "doc", "compat", "qemu-vs-tdboot.md")
    if os.path.exists(kept) and open(kept).read() != doc:
        print(f"note: {kept} differs from this run's document: copy {a.out} over it "
              "when the difference is meant")
    qm, tm = (q["td"] or {}).get("mrtd"), (t["td"] or {}).get("mrtd")
    if t["rc"] != 0:
        print(f"FAIL: tdboot exit status {t['rc']}\n{t['stderr']}")
        return 1
    if not qm or qm != tm:
        print(f"FAIL: MRTD QEMU {qm} vs tdboot {tm}")
        return 1
    print(f"PASS: same MRTD {qm}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
