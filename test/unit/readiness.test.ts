// SPDX-License-Identifier: LGPL-2.1-or-later
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { checkCmdline, checkInterruptRemapping, checkIommu, checkVfio, iommuVendor, readinessChecks, verdict } from "../../src/model/readiness.ts";
import { addArgsToDefaultGrub, argsInDefaultGrub, editDefaultGrub, grubbyArgv, lineDiff } from "../../src/model/kernel-args.ts";
import { parseReadinessOutput } from "../../src/model/readiness-facts.ts";
import { identity as _ } from "../../src/model/translate.ts";
import { amdHost, intelIommuOff, intelNoInterruptRemapping, intelReady, kunpengSmmu, noBootloader, qemuVirtNoSmmu, qemuVirtSmmuv3,
    vfioMissing } from "../fixtures/readiness-hosts.ts";

describe("Intel host with the IOMMU off", () => {
    const checks = readinessChecks(intelIommuOff, _);
    test("is not ready, naming the IOMMU and the kernel arguments", () => {
        assert.deepEqual(verdict(checks), { kind: "not-ready", problems: 2 });
        const iommu = checkIommu(intelIommuOff, _);
        assert.equal(iommu.status, "error");
        assert.equal(iommu.summary, "Intel VT-d is not active");
        assert.match(iommu.advice!, /VT-d.*firmware.*intel_iommu=on/);
        assert.ok(iommu.evidence.includes("[    0.120000] DMAR: IOMMU disabled"), "kernel log lines are the evidence");
    });
    test("offers the kernel-argument fix for /etc/default/grub", () => {
        const cmdline = checkCmdline(intelIommuOff, _);
        assert.equal(cmdline.status, "error");
        assert.equal(cmdline.fixes.length, 1);
        const fix = cmdline.fixes[0];
        assert.equal(fix.kind, "kernel-args");
        if (fix.kind !== "kernel-args")
            return;
        assert.deepEqual(fix.args, ["intel_iommu=on", "iommu=pt"]);
        assert.match(fix.newDefaultGrub!, /^GRUB_CMDLINE_LINUX_DEFAULT="quiet intel_iommu=on iommu=pt"$/m);
        assert.match(fix.newDefaultGrub!, /^GRUB_CMDLINE_LINUX=""$/m, "the other variable is left alone");
    });
    test("after the fix is applied it reads 'Ready after reboot'", () => {
        const applied = { ...intelIommuOff, defaultGrub: addArgsToDefaultGrub(intelIommuOff.defaultGrub!, ["intel_iommu=on", "iommu=pt"]) };
        const checks = readinessChecks(applied, _);
        assert.equal(checkCmdline(applied, _).status, "reboot");
        assert.equal(checkIommu(applied, _).status, "reboot");
        assert.deepEqual(verdict(checks), { kind: "ready-after-reboot" });
    });
    test("a host without a recognised bootloader gets instructions, no button", () => {
        const cmdline = checkCmdline(noBootloader, _);
        assert.equal(cmdline.fixes.length, 0);
        assert.match(cmdline.advice!, /intel_iommu=on iommu=pt/);
    });
});

describe("Intel host with the IOMMU on but no interrupt remapping", () => {
    test("interrupt remapping is the problem, and the unsafe switch is explained, not offered", () => {
        const ir = checkInterruptRemapping(intelNoInterruptRemapping, _);
        assert.equal(ir.status, "error");
        assert.equal(ir.summary, "Off");
        assert.ok(ir.evidence.some(l => l.includes("IRQ remapping was disabled")));
        assert.match(ir.advice!, /allow_unsafe_interrupts=1.*security hole/);
        assert.equal(ir.fixes.length, 0);
        assert.equal(checkIommu(intelNoInterruptRemapping, _).status, "ok");
        assert.deepEqual(verdict(readinessChecks(intelNoInterruptRemapping, _)), { kind: "not-ready", problems: 1 });
    });
    test("with remapping on the same host is ready", () => {
        assert.equal(checkInterruptRemapping(intelReady, _).status, "ok");
        assert.deepEqual(verdict(readinessChecks(intelReady, _)), { kind: "ready" });
    });
    test("in limited access the kernel log is unknown, not a problem", () => {
        const limited = { ...intelReady, kernelLog: null };
        const ir = checkInterruptRemapping(limited, _);
        assert.equal(ir.status, "unknown");
        assert.ok(checkIommu(limited, _).evidence.includes("The kernel log needs administrative access to read."));
    });
});

describe("AMD host", () => {
    test("AMD-Vi active, remapping on, only iommu=pt suggested through grubby", () => {
        assert.equal(iommuVendor(amdHost), "amd");
        assert.equal(checkIommu(amdHost, _).summary, "AMD-Vi is active");
        assert.equal(checkInterruptRemapping(amdHost, _).status, "ok");
        const cmdline = checkCmdline(amdHost, _);
        assert.equal(cmdline.status, "warning");
        assert.deepEqual(cmdline.fixes[0], { kind: "kernel-args", args: ["iommu=pt"], bootloader: { kind: "grubby" }, newDefaultGrub: null });
        assert.deepEqual(grubbyArgv(["iommu=pt"]), ["grubby", "--update-kernel=ALL", "--args=iommu=pt"]);
        assert.deepEqual(verdict(readinessChecks(amdHost, _)), { kind: "ready" });
    });
});

describe("aarch64 Kunpeng host with an SMMU", () => {
    test("Arm SMMU active, ITS counts as interrupt isolation, cmdline complete", () => {
        assert.equal(iommuVendor(kunpengSmmu), "arm");
        assert.equal(checkIommu(kunpengSmmu, _).summary, "Arm SMMUv3 is active");
        assert.equal(checkInterruptRemapping(kunpengSmmu, _).status, "ok");
        assert.equal(checkCmdline(kunpengSmmu, _).status, "ok");
        const vfio = checkVfio(kunpengSmmu, _);
        assert.equal(vfio.status, "ok");
        assert.deepEqual(vfio.fixes, [{ kind: "load-vfio-at-boot" }]);
    });
    test("an SMMU whose devices have no group yet is not called off", () => {
        const unprobed = { ...kunpengSmmu, iommuGroupCount: 0 };
        const iommu = checkIommu(unprobed, _);
        assert.equal(iommu.status, "ok");
        assert.equal(iommu.summary, "Arm SMMUv3 is active");
        assert.ok(iommu.evidence.includes("Devices join an IOMMU group when a driver probes them."));
    });
});

describe("aarch64 QEMU virt host with an SMMUv3 (the aarch64 test host)", () => {
    test("SMMUv3 active with its evidence; iommu.passthrough=1 offered as the iommu=pt equivalent", () => {
        const iommu = checkIommu(qemuVirtSmmuv3, _);
        assert.equal(iommu.status, "ok");
        assert.equal(iommu.summary, "Arm SMMUv3 is active");
        assert.ok(iommu.evidence.includes("/sys/class/iommu: smmu3.0x0000000009050000"));
        assert.ok(iommu.evidence.some(l => l.includes("arm-smmu-v3 9050000.smmuv3")), "the driver's kernel log line");
        const cmdline = checkCmdline(qemuVirtSmmuv3, _);
        assert.equal(cmdline.status, "warning");
        assert.deepEqual(cmdline.evidence.slice(1), ["iommu.passthrough: not set (kernel default)",
            "iommu.strict: not set (kernel default)", "arm-smmu-v3.disable_bypass: not set (kernel default)"]);
        const fix = cmdline.fixes[0];
        assert.equal(fix.kind, "kernel-args");
        if (fix.kind === "kernel-args") {
            assert.deepEqual(fix.args, ["iommu.passthrough=1"]);
            assert.match(fix.newDefaultGrub!, /^GRUB_CMDLINE_LINUX_DEFAULT="quiet iommu.passthrough=1"$/m);
        }
        assert.equal(checkInterruptRemapping(qemuVirtSmmuv3, _).status, "ok", "GICv3 ITS");
        assert.deepEqual(verdict(readinessChecks(qemuVirtSmmuv3, _)), { kind: "ready" });
    });
    test("the kernel arguments are read back, the last one winning", () => {
        const facts = { ...qemuVirtSmmuv3, cmdline: "root=/dev/vda iommu.passthrough=0 iommu.strict=1 arm-smmu-v3.disable_bypass=0 iommu.passthrough=1" };
        const cmdline = checkCmdline(facts, _);
        assert.equal(cmdline.status, "ok");
        assert.deepEqual(cmdline.evidence.slice(1), ["iommu.passthrough: 1", "iommu.strict: 1", "arm-smmu-v3.disable_bypass: 0"]);
    });
    test("without the SMMU: Not ready, and the fix is the firmware setup, not a kernel argument", () => {
        const iommu = checkIommu(qemuVirtNoSmmu, _);
        assert.equal(iommu.status, "error");
        assert.equal(iommu.summary, "Arm SMMU is not active");
        assert.match(iommu.advice!, /Enable the SMMU in the firmware \(BIOS\) setup/);
        assert.equal(iommu.fixes.length, 0);
        assert.equal(checkCmdline(qemuVirtNoSmmu, _).status, "warning", "iommu.passthrough=1 is no remedy for a missing SMMU");
        assert.deepEqual(verdict(readinessChecks(qemuVirtNoSmmu, _)), { kind: "not-ready", problems: 1 });
        // Adding kernel arguments does not promise an SMMU after the reboot.
        const configured = { ...qemuVirtNoSmmu, defaultGrub: 'GRUB_CMDLINE_LINUX_DEFAULT="quiet iommu.passthrough=1"\n' };
        assert.equal(checkIommu(configured, _).status, "error");
    });
});

describe("vfio-pci", () => {
    test("missing from the kernel is a problem without a button", () => {
        const vfio = checkVfio(vfioMissing, _);
        assert.equal(vfio.status, "error");
        assert.equal(vfio.fixes.length, 0);
    });
    test("not loaded offers Load now and Load at boot, and is no obstacle", () => {
        const vfio = checkVfio(amdHost, _);
        assert.equal(vfio.status, "warning");
        assert.deepEqual(vfio.fixes, [{ kind: "load-vfio" }, { kind: "load-vfio-at-boot" }]);
    });
});

describe("kernel arguments in /etc/default/grub: only a plain last assignment is edited", () => {
    const args = ["intel_iommu=on", "iommu=pt"];
    test("a trailing comment: not rewritten, the admin is told exactly what to do", () => {
        const edit = editDefaultGrub('GRUB_CMDLINE_LINUX_DEFAULT="quiet" # see bug 1\n', args);
        assert.equal(edit.kind, "manual");
        assert.match(edit.kind === "manual" ? edit.reason : "", /not a plain quoted value/);
        const check = checkCmdline({ ...intelIommuOff, defaultGrub: 'GRUB_CMDLINE_LINUX_DEFAULT="quiet" # see bug 1\n' }, _);
        assert.deepEqual(check.fixes, []);
        assert.match(check.advice ?? "", /yourself.*update-grub/);
    });

    test("a repeated assignment: the last one is edited, and only the last one counts as configured", () => {
        const grub = 'GRUB_CMDLINE_LINUX_DEFAULT="quiet intel_iommu=on iommu=pt"\nGRUB_CMDLINE_LINUX_DEFAULT="quiet splash"\n';
        assert.deepEqual(argsInDefaultGrub(grub), ["quiet", "splash"]);
        const edit = editDefaultGrub(grub, args);
        assert.equal(edit.kind === "edit" && edit.content.split("\n")[1], 'GRUB_CMDLINE_LINUX_DEFAULT="quiet splash intel_iommu=on iommu=pt"');
        assert.equal(edit.kind === "edit" && edit.content.split("\n")[0], 'GRUB_CMDLINE_LINUX_DEFAULT="quiet intel_iommu=on iommu=pt"', "the first left alone");
    });

    test("the export form keeps its export and its arguments", () => {
        const edit = editDefaultGrub('export GRUB_CMDLINE_LINUX_DEFAULT="quiet"\n', args);
        assert.deepEqual(edit, { kind: "edit", content: 'export GRUB_CMDLINE_LINUX_DEFAULT="quiet intel_iommu=on iommu=pt"\n' });
    });

    test("a grub.d drop-in that sets the variable wins: left to the admin, and its arguments are the ones configured", () => {
        const dropIn = 'GRUB_CMDLINE_LINUX_DEFAULT="$GRUB_CMDLINE_LINUX_DEFAULT console=ttyS0"\n';
        assert.equal(editDefaultGrub('GRUB_CMDLINE_LINUX_DEFAULT="quiet"\n', args, [dropIn]).kind, "manual");
        assert.deepEqual(argsInDefaultGrub('GRUB_CMDLINE_LINUX_DEFAULT="quiet intel_iommu=on"\n', ['GRUB_CMDLINE_LINUX_DEFAULT="console=ttyS0"\n']),
                         ["console=ttyS0"]);
    });
});

describe("kernel arguments in /etc/default/grub", () => {
    const grub = 'GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX_DEFAULT="quiet"\n';
    test("applying twice adds them once", () => {
        const once = addArgsToDefaultGrub(grub, ["intel_iommu=on", "iommu=pt"])!;
        assert.equal(addArgsToDefaultGrub(once, ["intel_iommu=on", "iommu=pt"]), null);
        assert.deepEqual(argsInDefaultGrub(once), ["quiet", "intel_iommu=on", "iommu=pt"]);
        assert.deepEqual(lineDiff(grub, once), ['- GRUB_CMDLINE_LINUX_DEFAULT="quiet"', '+ GRUB_CMDLINE_LINUX_DEFAULT="quiet intel_iommu=on iommu=pt"']);
    });
    test("single quotes and a missing variable", () => {
        assert.equal(addArgsToDefaultGrub("GRUB_CMDLINE_LINUX_DEFAULT='quiet splash'\n", ["iommu=pt"]),
                     'GRUB_CMDLINE_LINUX_DEFAULT="quiet splash iommu=pt"\n');
        assert.equal(addArgsToDefaultGrub("GRUB_TIMEOUT=5", ["iommu=pt"]), 'GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX_DEFAULT="iommu=pt"\n');
    });
});

describe("read-readiness.sh output", () => {
    test("parses into facts", () => {
        const facts = parseReadinessOutput([
            "arch\tx86_64", "cpu_vendor\tGenuineIntel", "iommu\tdmar0", "iommu_groups\t12", "acpi\tDMAR",
            "cmdline\troot=/dev/vda ro intel_iommu=on", "vfio_available\t1", "bootloader\tgrub-default\tupdate-grub",
            "default_grub\tGRUB_TIMEOUT=5", 'default_grub\tGRUB_CMDLINE_LINUX_DEFAULT="quiet"',
        ].join("\n"), null);
        assert.deepEqual(facts.iommuDevices, ["dmar0"]);
        assert.equal(facts.iommuGroupCount, 12);
        assert.equal(facts.vfioLoaded, false);
        assert.equal(facts.vfioAvailable, true);
        assert.deepEqual(facts.bootloader, { kind: "grub-default", mkconfig: ["update-grub"] });
        assert.equal(facts.defaultGrub, 'GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX_DEFAULT="quiet"\n');
        assert.equal(facts.unsafeInterrupts, null);
    });
});
