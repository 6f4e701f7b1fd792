#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Launch a TD with Debian sid's QEMU under the build's tdxsim and check it.

Usage: qemu_launch.py --build BUILDDIR --source SRCDIR [--memory 2G] [--smp 2]
                      [--firmware FILE] [--guest NAME|FILE] [--keep DIR]
                      [--qemu-arg ARG]... [--cpu MODEL] [--tdx-object OBJ]
                      [--env VAR=VALUE]... [--timeout S]
(as root; any machine: the simulated host is the same everywhere)

The sid root comes from scripts/compat-root.sh (exit 77 there -> SKIP here).
Everything this run needs is copied into a private directory under the
root's /opt (removed afterwards), and QEMU runs in the root with chroot:

  tdxsim --trace T --report R -- qemu-system-x86_64 -accel kvm -machine
    q35,kernel-irqchip=split,confidential-guest-support=tdx0 -object
    tdx-guest,id=tdx0 -cpu host,vendor=GenuineIntel,family=6,model=207,
    stepping=2 -m 2G -smp 2 -bios OVMF.fd -nographic -nodefaults
    -serial stdio -no-reboot

It passes when every check below holds (each failure is printed):
  - QEMU exits 0 (the simulated guest shut down);
  - the guest script's serial text appears on QEMU's stdout;
  - QEMU prints no "TDX doesn't support requested feature" warning and the
    simulator reports no failed guest check;
  - the trace shows no failing call the Linux 7.2 kernel would accept: a
    refused call the simulator does not model (sim=unmodelled) always fails
    the run, and any other refused call must be in KERNEL_REFUSES with the
    kernel function that refuses it;
  - the report shows one TD, finalized, not dead, every vCPU initialized,
    vCPU 0 shut down and no vCPU failed a guest check;
  - the guest_memfd memslots cover the RAM, with RAM above 4 GiB when the
    machine puts some there;
  - the report's MRTD equals tools/tdx-measure's for the firmware.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

WARNING = "TDX doesn't support requested feature"
QEMU_CPU = "host,vendor=GenuineIntel,family=6,model=207,stepping=2"

# Calls QEMU makes that the real Linux 7.2 kernel also refuses, so a refusal
# in the trace is the kernel's answer, not a simulator gap:
# (ioctl name, fd kind, errno) -> the kernel function that refuses it, or
# (that, a condition on the trace line's fields).
KERNEL_REFUSES = {
    # KVM_RUN's protocol exits: an implicit conversion (the guest script's
    # "fault") is -EFAULT with KVM_EXIT_MEMORY_FAULT (39), and a signal or
    # immediate_exit (QEMU kicks vCPUs so) is -EINTR.
    ("KVM_RUN", "vcpu", "EFAULT"):
        ("kvm_mmu_prepare_memory_fault_exit(), arch/x86/kvm/mmu/mmu_internal.h: "
         "KVM_EXIT_MEMORY_FAULT", lambda c: c.get("exit") == "39"),
    ("KVM_RUN", "vcpu", "EINTR"):
        "kvm_arch_vcpu_ioctl_run()/vcpu_run(), arch/x86/kvm/x86.c: immediate_exit "
        "or a pending signal",
    # QEMU pauses kvmclock on every vCPU when the VM stops and ignores EINVAL;
    # a TD never enables kvmclock (pv_time), so the kernel refuses.
    ("KVM_KVMCLOCK_CTRL", "vcpu", "EINVAL"):
        "kvm_set_guest_paused(), arch/x86/kvm/x86.c: pv_time not active",
    # Size negotiations (a too-small buffer is refused, the VMM retries larger):
    ("KVM_TDX_CAPABILITIES", "vm", "E2BIG"):
        "tdx_get_capabilities(), arch/x86/kvm/vmx/tdx.c: cpuid.nent below the "
        "module's CPUID config count",
    ("KVM_TDX_GET_CPUID", "vcpu", "E2BIG"):
        "tdx_vcpu_get_cpuid(), arch/x86/kvm/vmx/tdx.c: nent below the TD's leaves",
    ("KVM_GET_SUPPORTED_CPUID", "dev", "E2BIG"):
        "kvm_dev_ioctl_get_cpuid(), arch/x86/kvm/cpuid.c: nent below the entries",
    ("KVM_GET_MSR_INDEX_LIST", "dev", "E2BIG"):
        "kvm_arch_dev_ioctl(), arch/x86/kvm/x86.c: nmsrs below the list",
    ("KVM_GET_MSR_FEATURE_INDEX_LIST", "dev", "E2BIG"):
        "kvm_arch_dev_ioctl(), arch/x86/kvm/x86.c: nmsrs below the list",
}


def parse_size(s):
    m = re.fullmatch(r"(\d+)([KMGT]?)", s.strip().upper())
    if not m:
        raise ValueError(f"bad size {s!r}")
    return int(m.group(1)) << {"": 0, "K": 10, "M": 20, "G": 30, "T": 40}[m.group(2)]


def script_serial_text(path):
    """The text a guest script writes to the serial port (serial "...")."""
    out = []
    for line in open(path, encoding="utf-8"):
        m = re.match(r'\s*serial\s+"((?:[^"\\]|\\.)*)"', line)
        if m:
            out.append(m.group(1).encode().decode("unicode_escape"))
    return "".join(out)


def parse_trace(path):
    """Trace lines as dicts: pid, name, kind, fd, ret, errno + key=value fields."""
    calls = []
    for line in open(path, encoding="utf-8", errors="replace"):
        parts = line.split()
        if len(parts) < 6:
            continue
        c = {"pid": parts[0], "name": parts[1], "kind": parts[2], "line": line.rstrip()}
        for p in parts[3:]:
            k, _, v = p.partition("=")
            c[k] = v
        c["ret"] = int(c.get("ret", "0"))
        calls.append(c)
    return calls


def final_memslots(calls):
    """The memslot map at KVM_TDX_FINALIZE_VM (or at the end without one):
    slot -> the last SET_USER_MEMORY_REGION* before it."""
    slots = {}
    for c in calls:
        if c["name"] == "KVM_TDX_FINALIZE_VM":
            break
        if not c["name"].startswith("KVM_SET_USER_MEMORY_REGION") or c["ret"] < 0:
            continue
        slot = int(c["slot"], 16)
        if int(c["size"], 16) == 0:
            slots.pop(slot, None)
        else:
            slots[slot] = c
    return slots


def q35_low_ram(mem):
    """RAM below 4 GiB on QEMU's q35 (pc_q35_init(): 2 GiB when more than
    2.75 GiB, with the default max-ram-below-4g)."""
    return 0x80000000 if mem >= 0xB0000000 else mem


def tdx_measure(build, firmware):
    out = subprocess.run([os.path.join(build, "tools", "tdx-measure"), "--json", firmware],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)["mrtd"]


class Run:
    """One QEMU launch in the sid root; artefacts in self.files."""

    def __init__(self, args):
        self.args = args
        self.failures = []
        self.notes = []
        self.files = {}

    def fail(self, msg):
        self.failures.append(msg)

    def launch(self):
        a = self.args
        r = subprocess.run([os.path.join(a.source, "scripts", "compat-root.sh")],
                           capture_output=True, text=True)
        if r.returncode == 77:
            print(r.stderr.strip() or "SKIP: no sid root")
            sys.exit(77)
        if r.returncode != 0:
            print(r.stderr)
            self.fail("scripts/compat-root.sh failed")
            return False
        root = r.stdout.strip().splitlines()[-1]
        ver = subprocess.run(["chroot", root, "qemu-system-x86_64", "--version"],
                             capture_output=True, text=True).stdout.splitlines()
        self.qemu_version = ver[0] if ver else "?"
        print(f"root {root}: {self.qemu_version}")
        priv = tempfile.mkdtemp(prefix="compat-", dir=os.path.join(root, "opt"))
        inside = "/" + os.path.relpath(priv, root)
        try:
            return self._launch(root, priv, inside)
        finally:
            if a.keep:
                os.makedirs(a.keep, exist_ok=True)
                for n in ("trace", "report.json", "stdout", "stderr"):
                    if os.path.exists(os.path.join(priv, n)):
                        shutil.copy(os.path.join(priv, n), a.keep)
            shutil.rmtree(priv, ignore_errors=True)

    def _launch(self, root, priv, inside):
        a = self.args
        sim = os.path.join(a.build, "sim")
        shutil.copy(os.path.join(sim, "tdxsim"), priv)
        shutil.copy(os.path.join(sim, "libtdxsim.so"), priv)
        shutil.copytree(os.path.join(a.source, "sim", "data"), os.path.join(priv, "sim"))
        shutil.copytree(os.path.join(a.source, "sim", "scripts"),
                        os.path.join(priv, "sim", "scripts"))
        shutil.copy(a.firmware, os.path.join(priv, "firmware.fd"))
        guest = a.guest
        if os.path.exists(guest):
            shutil.copy(guest, os.path.join(priv, "guest.txt"))
            self.guest_file, guest = guest, inside + "/guest.txt"
        else:
            self.guest_file = os.path.join(a.source, "sim", "scripts", guest + ".txt")
        qemu = ["qemu-system-x86_64", "-accel", "kvm",
                "-machine", "q35,kernel-irqchip=split,confidential-guest-support=tdx0",
                "-object", a.tdx_object, "-cpu", a.cpu,
                "-m", a.memory, "-smp", str(a.smp), "-bios", inside + "/firmware.fd",
                "-nographic", "-nodefaults", "-serial", "stdio", "-no-reboot"] + a.qemu_arg
        self.qemu_cmd = " ".join(qemu).replace(inside + "/firmware.fd",
                                               os.path.basename(a.firmware))
        # /proc inside the root (tdxsim finds its library through
        # /proc/self/exe, QEMU reads /proc/self): mounted in a private mount
        # namespace, so it disappears with the run and other users of the
        # root never see it.
        inner = [root, "env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
               "HOME=" + inside, "TDXSIM_DATA_DIR=" + inside + "/sim"] + a.env + [
               inside + "/tdxsim", "--guest", guest,
               "--trace", inside + "/trace", "--report", inside + "/report.json",
               "--"] + qemu
        cmd = ["unshare", "--mount", "--propagation", "private", "--",
               "sh", "-c", 'mount -t proc proc "$0/proc" && exec chroot "$@"', root] + inner
        if os.environ.get("COMPAT_NO_MOUNTNS") or subprocess.run(["unshare", "--mount", "--propagation", "private", "--", "sh",
                           "-c", 'mount -t proc proc "$0/proc"', root],
                          capture_output=True).returncode != 0:
            # No mount namespace here (an unprivileged container; forced
            # with COMPAT_NO_MOUNTNS=1 to test this path): without
            # /proc the wrapper cannot find its library, so preload it as
            # the wrapper would, with the options as its variables.
            self.notes.append("no private mount namespace: QEMU runs without /proc, "
                              "libtdxsim.so preloaded directly")
            inner = [root, "env", "-i", "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
                     "HOME=" + inside, "TDXSIM_DATA_DIR=" + inside + "/sim",
                     "LD_PRELOAD=" + inside + "/libtdxsim.so", "TDXSIM_GUEST=" + guest,
                     "TDXSIM_TRACE=" + inside + "/trace",
                     "TDXSIM_REPORT=" + inside + "/report.json"] + a.env + qemu
            cmd = ["chroot"] + inner
        print("$ chroot " + " ".join(inner))
        try:
            r = subprocess.run(cmd, capture_output=True, timeout=a.timeout,
                               stdin=subprocess.DEVNULL)
            rc, out, err = r.returncode, r.stdout, r.stderr
        except subprocess.TimeoutExpired as e:
            rc, out, err = None, e.stdout or b"", e.stderr or b""
        self.stdout = out.decode(errors="replace")
        self.stderr = err.decode(errors="replace")
        for n, v in (("stdout", self.stdout), ("stderr", self.stderr)):
            with open(os.path.join(priv, n), "w") as f:
                f.write(v)
        print(f"--- QEMU exit status {rc}\n--- stdout\n{self.stdout}--- stderr\n{self.stderr}---")
        self.rc = rc
        tp, rp = os.path.join(priv, "trace"), os.path.join(priv, "report.json")
        self.calls = parse_trace(tp) if os.path.exists(tp) else []
        self.reports = []
        if os.path.exists(rp):
            for line in open(rp):
                if line.strip():
                    self.reports.append(json.loads(line))
        return True

    def check(self):
        a = self.args
        if self.rc is None:
            self.fail(f"QEMU did not exit within {a.timeout} s")
        elif self.rc != 0:
            self.fail(f"QEMU exit status {self.rc}, not 0")
        want = script_serial_text(self.guest_file)
        if want and want.replace("\r", "") not in self.stdout.replace("\r", ""):
            self.fail(f"the guest's serial text {want!r} is not on QEMU's stdout")
        if WARNING in self.stderr:
            self.fail(f'QEMU warns "{WARNING}"')
        if "tdxsim: guest check failed" in self.stderr:
            self.fail("the simulated guest reports a failed check (stderr)")
        # The trace: refused calls.
        if not self.calls:
            self.fail("no trace")
        for c in self.calls:
            if "sim" in c and c["sim"] == "unmodelled" and c["ret"] >= 0:
                self.notes.append("answered but not modelled: " + c["line"])
            if c["ret"] >= 0:
                continue
            if c.get("sim") == "unmodelled":
                self.fail("refused a call the simulator does not model "
                          "(the kernel may accept it): " + c["line"])
                continue
            why = KERNEL_REFUSES.get((c["name"], c["kind"], c["errno"]))
            if isinstance(why, tuple):
                why = why[0] if why[1](c) else None
            if why:
                self.notes.append(f"refused as the kernel does ({why}): {c['line']}")
            else:
                self.fail("refused call not known to be a Linux 7.2 refusal: " + c["line"])
        # The report.
        tds = [r for r in self.reports if r.get("vm_type") == 5]
        if len(tds) != 1:
            self.fail(f"{len(tds)} TD reports, expected 1")
            return
        td = tds[0]
        if not td.get("finalized") or td.get("dead"):
            self.fail(f"TD finalized={td.get('finalized')} dead={td.get('dead')}")
        if td.get("guest_errors"):
            self.fail("guest errors: " + "; ".join(td["guest_errors"]))
        # vCPU 0 (whose shutdown ends the default script) got there and no
        # vCPU failed a check.  The APs may still be "running", or not have
        # entered at all: QEMU with -no-reboot stops them when vCPU 0 shuts
        # down, as it would a real TD's APs.
        states = {v["id"]: v["state"] for v in td.get("guest_vcpus", [])}
        if "failed" in states.values() or states.get(0) != "shutdown":
            self.fail(f"guest vCPU states {states}: expected vCPU 0 shut down, none failed")
        if td.get("vcpus_initialized") != a.smp:
            self.fail(f"{td.get('vcpus_initialized')} vCPUs initialized, expected {a.smp}")
        # Memory: guest_memfd slots cover the RAM, above 4 GiB where q35 puts it.
        mem = parse_size(a.memory)
        slots = [s for s in final_memslots(self.calls).values()
                 if int(s["flags"], 16) & 4]	# KVM_MEM_GUEST_MEMFD
        total = sum(int(s["size"], 16) for s in slots)
        if total < mem:
            self.fail(f"guest_memfd memslots cover {total:#x} bytes, less than the RAM {mem:#x}")
        high = mem - q35_low_ram(mem)
        above = sum(int(s["size"], 16) for s in slots if int(s["gpa"], 16) >= 1 << 32)
        if high and above < high:
            self.fail(f"{high:#x} bytes of RAM belong above 4 GiB; guest_memfd slots there "
                      f"cover {above:#x}")
        # MRTD.
        want_mrtd = tdx_measure(a.build, a.firmware)
        if td.get("mrtd") != want_mrtd:
            self.fail(f"MRTD {td.get('mrtd')} != tdx-measure {want_mrtd}")
        else:
            self.notes.append(f"MRTD {want_mrtd} (= tdx-measure)")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--build", required=True)
    p.add_argument("--source", required=True)
    p.add_argument("--memory", default="2G")
    p.add_argument("--smp", type=int, default=2)
    p.add_argument("--cpu", default=QEMU_CPU)
    p.add_argument("--tdx-object", default="tdx-guest,id=tdx0",
                   help="the -object for the TD (id tdx0), e.g. with sept-ve-disable=off")
    p.add_argument("--firmware", default="/usr/share/ovmf/OVMF.fd")
    p.add_argument("--guest", default="tdvf-early-boot")
    p.add_argument("--qemu-arg", action="append", default=[])
    p.add_argument("--env", action="append", default=[],
                   help="VAR=VALUE for QEMU's environment (e.g. TDXSIM_KERNEL=7.1)")
    p.add_argument("--timeout", type=int, default=120)
    p.add_argument("--keep", help="copy trace, report, stdout, stderr here")
    a = p.parse_args()
    if os.geteuid() != 0:
        print("SKIP: QEMU runs in the sid root with chroot, which needs root")
        return 77
    if not os.path.exists(a.firmware):
        print(f"SKIP: no firmware {a.firmware} (Debian 12: apt install ovmf)")
        return 77
    run = Run(a)
    if run.launch():
        run.check()
    for n in run.notes:
        print("note: " + n)
    for f in run.failures:
        print("FAIL: " + f)
    if run.failures:
        return 1
    print(f"PASS: {run.qemu_version}, -m {a.memory} -smp {a.smp}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
