// QEMU machines that network-boot: the argv builder and firmware lookup live in src/lab/_qemu.ts
// (product code, `maekin lab`); this adds the preflight that says why QEMU cannot run here.
import { findOvmf, readable } from "../../src/lab/_qemu.js";
import { sh } from "./netns.js";

export { findOvmf, OVMF_CANDIDATES, qemuArgv } from "../../src/lab/_qemu.js";
export type { Firmware, OvmfFiles, QemuMachine } from "../../src/lab/_qemu.js";

/** Why QEMU network boots cannot run here (missing binary, ROM or firmware), or undefined. */
export async function qemuUnavailable(options: { ovmf?: boolean } = {}): Promise<string | undefined> {
  try {
    await sh(["qemu-system-x86_64", "--version"]);
  } catch {
    return "qemu-system-x86_64 is not installed (apt-get install qemu-system-x86)";
  }
  if (!(await readable("/usr/share/qemu/efi-virtio.rom")) && !(await readable("/usr/lib/ipxe/qemu/efi-virtio.rom")))
    return "QEMU's iPXE NIC ROMs are missing (apt-get install ipxe-qemu)";
  if (options.ovmf && !(await findOvmf())) return "OVMF is not installed (apt-get install ovmf)";
  return undefined;
}
