#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""tdx-measure CLI test: output format, --json, --transcript, exit codes.

Usage: check-tdx-measure.py TDX_MEASURE
Uses a synthetic TDVF image built here, and Debian's OVMF.fd when present.
"""
import hashlib
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import uuid

OVMF = "/usr/share/ovmf/OVMF.fd"
OVMF_UPSTREAM = ("4c7206f0f483c524f12c366c711e9049030a8d47c471ee5aa9c4999a08de4057"
                 "fb887fed0744d5631a212967fb231c47")
OVMF_TWO_PASS = ("acccbcc870a381adab0d3919d90a7f268ac3b0364771f202ed4bb4e892d045b3"
                 "3db3b32e6924cba830a724eed443f7e1")
FOUR_G = 1 << 32
PAGE = 4096

failures = 0


def check(cond, what):
    global failures
    if cond:
        print("ok   " + what)
    else:
        failures += 1
        print("FAIL " + what)


def guid(s):
    return uuid.UUID(s).bytes_le


def build_image(size, sections):
    """sections: (data_offset, raw, gpa, mem, type, attr)"""
    img = bytearray((i * 7 + (i >> 12) * 13 + 1) & 0xff for i in range(size))
    desc = size - 0x800
    img[size - 0x30:size - 0x20] = guid("96b582de-1fb2-45f7-baea-a366c55a082d")
    img[size - 0x32:size - 0x30] = struct.pack("<H", 18 + 22)
    img[size - 0x42:size - 0x32] = guid("e47a6535-984a-4798-865e-4685a7bf8ec2")
    img[size - 0x44:size - 0x42] = struct.pack("<H", 22)
    img[size - 0x48:size - 0x44] = struct.pack("<I", size - desc)
    img[desc - 16:desc] = guid("e9eaf9f3-168e-44d5-a8eb-7f4d8738f6ae")
    n = len(sections)
    img[desc:desc + 16] = b"TDVF" + struct.pack("<III", 16 + 32 * n, 1, n)
    for i, s in enumerate(sections):
        o = desc + 16 + 32 * i
        img[o:o + 32] = struct.pack("<IIQQII", *s)
    return bytes(img)


def expected(img, regions, two_pass=False):
    """regions: (gpa, pages, data, measured); independent reference model."""
    h = hashlib.sha384()

    def add(gpa):
        h.update(b"MEM.PAGE.ADD" + bytes(4) + struct.pack("<Q", gpa) + bytes(104))

    def extend(gpa, data, p):
        page = data[p * PAGE:(p + 1) * PAGE].ljust(PAGE, b"\0")
        for j in range(16):
            h.update(b"MR.EXTEND" + bytes(7) + struct.pack("<Q", gpa + p * PAGE + 256 * j)
                     + bytes(104))
            h.update(page[256 * j:256 * (j + 1)])

    for gpa, pages, data, measured in regions:
        for p in range(pages):
            add(gpa + p * PAGE)
            if measured and not two_pass:
                extend(gpa, data, p)
        if measured and two_pass:
            for p in range(pages):
                extend(gpa, data, p)
    return h.hexdigest()


def run(args):
    p = subprocess.run([TOOL] + args, capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


TOOL = sys.argv[1]
tmp = tempfile.mkdtemp(prefix="tdx-measure-test-")
SIZE = 0x10000
img = build_image(SIZE, [
    (0xd000, 3 * PAGE, FOUR_G - 0x3000, 3 * PAGE, 0, 1),   # BFV, measured
    (0xb000, 2 * PAGE, FOUR_G - 0x5000, 2 * PAGE, 1, 0),   # CFV
    (0, 0, 0x810000, 3 * PAGE, 3, 0),                      # TempMem
    (0, 0, 0x809000, 2 * PAGE, 2, 0),                      # TD_HOB
])
fw = os.path.join(tmp, "fw.fd")
with open(fw, "wb") as f:
    f.write(img)
regions = [(FOUR_G - 0x3000, 3, img[0xd000:0x10000], True),
           (FOUR_G - 0x5000, 2, img[0xb000:0xd000], False),
           (0x810000, 3, b"", False), (0x809000, 2, b"", False)]

# plain output
rc, out, err = run([fw])
check(rc == 0, "synthetic: exit 0")
check(re.fullmatch(r"mrtd [0-9a-f]{96}\n", out) is not None, "synthetic: 'mrtd <96 hex>' line")
check(out.split()[1] == expected(img, regions), "synthetic: upstream value matches the reference")
rc, out, err = run(["--order", "two-pass", fw])
check(rc == 0 and out.split()[1] == expected(img, regions, True),
      "synthetic: two-pass value matches the reference")
check(expected(img, regions) != expected(img, regions, True), "synthetic: orders differ")

# --json
rc, out, err = run(["--json", fw])
try:
    j = json.loads(out)
except ValueError:
    j = None
check(rc == 0 and j is not None, "json: valid JSON")
if j:
    check(j["mrtd"] == expected(img, regions), "json: mrtd")
    check(j["order"] == "upstream", "json: order")
    check(j["page_add"] == 10 and j["mr_extend"] == 48, "json: counts 10 / 48")
    check([s["type"] for s in j["sections"]] == ["BFV", "CFV", "TempMem", "TD_HOB"],
          "json: section types")
    s0 = j["sections"][0]
    check(s0["index"] == 0 and s0["gpa"] == "0xffffd000" and s0["pages"] == 3 and
          s0["measured"] is True and s0["source"] == "firmware", "json: section 0 fields")
    check(j["sections"][2]["source"] == "zero" and j["sections"][3]["source"] == "hob",
          "json: sources")
rc, out, err = run(["--json", "--order", "two-pass", "--transcript", fw])
try:
    j = json.loads(out)
except ValueError:
    j = None
check(rc == 0 and j is not None, "json+transcript: valid JSON")
if j:
    check(j["order"] == "two-pass", "json+transcript: order")
    t = j["transcript"]
    check(len(t) == 58, "json+transcript: 58 events")
    check([e["op"] for e in t[:4]] == ["PAGE.ADD"] * 3 + ["MR.EXTEND"],
          "json+transcript: two-pass ADDs before EXTENDs")

# --transcript text
rc, out, err = run(["--transcript", fw])
lines = out.splitlines()
check(rc == 0 and lines[-1].startswith("mrtd "), "transcript: ends with the mrtd line")
ev = [l for l in lines if l.startswith("PAGE.ADD") or l.startswith("MR.EXTEND")]
check(len(ev) == 58, "transcript: 58 events")
check(ev[0].split()[0] == "PAGE.ADD" and ev[1].split()[0] == "MR.EXTEND" and
      ev[17].split()[0] == "PAGE.ADD", "transcript: upstream interleaving")
check(any(l.startswith("section 0 BFV") for l in lines), "transcript: per-section summary")

# exit codes and errors
rc, out, err = run([])
check(rc == 2 and "missing FIRMWARE" in err, "usage: no firmware -> 2")
rc, out, err = run(["--order", "sideways", fw])
check(rc == 2, "usage: bad --order -> 2")
rc, out, err = run(["--bogus", fw])
check(rc == 2, "usage: unknown option -> 2")
rc, out, err = run([fw, fw])
check(rc == 2, "usage: two firmware files -> 2")
rc, out, err = run(["--help"])
check(rc == 0 and "Usage" in out, "--help -> 0")
rc, out, err = run([os.path.join(tmp, "missing.fd")])
check(rc == 1 and out == "", "missing file -> 1, no stdout")
bad = os.path.join(tmp, "bad.fd")
with open(bad, "wb") as f:
    f.write(bytes(SIZE))
rc, out, err = run([bad])
check(rc == 1 and "E_NO_FOOTER" in err, "bad image -> 1 with the parser's code name")
broken = bytearray(img)
desc = SIZE - 0x800
broken[desc + 8:desc + 12] = struct.pack("<I", 2)
with open(bad, "wb") as f:
    f.write(broken)
rc, out, err = run(["--json", bad])
check(rc == 1 and "E_VERSION" in err and out == "", "bad version -> 1, E_VERSION, no stdout")
kernel = os.path.join(tmp, "kernel")
with open(kernel, "wb") as f:
    f.write(b"\x7fELF" + bytes(100))
rc, out, err = run(["--kernel", kernel, fw])
check(rc == 1 and "no Payload section" in err, "--kernel without Payload section -> 1")
rc, out, err = run(["--kernel", os.path.join(tmp, "nokernel"), fw])
check(rc == 1, "missing --kernel file -> 1")

# td-shim style: Payload + PayloadParam
img2 = build_image(SIZE, [
    (0xf000, PAGE, FOUR_G - PAGE, PAGE, 0, 1),          # BFV
    (0, 0, 0x801000, PAGE, 2, 0),                       # TD_HOB
    (0, 0, 0x1000000, 2 * PAGE, 5, 1),                  # Payload, measured
    (0, 0, 0x1002000, PAGE, 6, 0),                      # PayloadParam
])
fw2 = os.path.join(tmp, "shim.fd")
with open(fw2, "wb") as f:
    f.write(img2)
kdata = bytes((i * 31 + 7) & 0xff for i in range(5000))
with open(kernel, "wb") as f:
    f.write(kdata)
rc, out, err = run([fw2])
check(rc == 1 and "needs a payload" in err, "Payload section without --kernel -> 1")
rc, out, err = run(["--kernel", kernel, "--cmdline", "console=hvc0", fw2])
want = expected(img2, [(FOUR_G - PAGE, 1, img2[0xf000:], True), (0x801000, 1, b"", False),
                       (0x1000000, 2, kdata, True), (0x1002000, 1, b"", False)])
check(rc == 0 and out.split()[1] == want, "--kernel/--cmdline: value matches the reference")

# Debian OVMF known answers
if os.access(OVMF, os.R_OK):
    rc, out, err = run([OVMF])
    check(rc == 0 and out == "mrtd %s\n" % OVMF_UPSTREAM, "OVMF: upstream known answer")
    rc, out, err = run(["--order", "two-pass", OVMF])
    check(rc == 0 and out == "mrtd %s\n" % OVMF_TWO_PASS, "OVMF: two-pass known answer")
    rc, out, err = run(["--json", OVMF])
    j = json.loads(out)
    check(j["page_add"] == 538 and j["mr_extend"] == 7680, "OVMF: 538 PAGE.ADD, 7680 MR.EXTEND")
else:
    print("SKIP OVMF checks: %s absent (install package ovmf)" % OVMF)

for name in os.listdir(tmp):
    os.unlink(os.path.join(tmp, name))
os.rmdir(tmp)
print("%d failure(s)" % failures)
sys.exit(1 if failures else 0)
