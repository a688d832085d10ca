// QEMU machines that network-boot: a pure argv builder and the OVMF firmware lookup. Used by
// `maekin lab` and by the boot tests (test/harness/qemu.ts re-exports them).
import { constants } from "node:fs";
import { access } from "node:fs/promises";

/** Firmware and PXE ROM combinations we boot. */
export type Firmware =
  /** SeaBIOS with QEMU's iPXE NIC ROM: the firmware's PXE stack is iPXE itself. */
  | "bios"
  /** OVMF with QEMU's iPXE EFI NIC ROM: again iPXE from the first packet. */
  | "uefi"
  /** OVMF without a NIC ROM: EDK II's own PXE loads ipxe.efi over TFTP, then iPXE asks again. */
  | "uefi-pxe";

/** OVMF split images: read-only code and a template for the per-machine variable store. */
export interface OvmfFiles {
  readonly code: string;
  readonly vars: string;
}

/** One network-booting machine. */
export interface QemuMachine {
  readonly mac: string;
  /** Tap device (in the caller's namespace) the NIC is plugged into. */
  readonly tap: string;
  readonly firmware: Firmware;
  /** Serial console (ttyS0) goes to this file. */
  readonly serialLog: string;
  /** Required for the UEFI firmwares: OVMF code and this machine's writable copy of the vars. */
  readonly ovmf?: OvmfFiles;
  readonly memoryMiB?: number;
  readonly cpus?: number;
  /** "tcg" (default; works without /dev/kvm) or "kvm". */
  readonly accel?: "tcg" | "kvm";
  /** NIC model; default virtio-net-pci. */
  readonly nic?: string;
  /** QEMU's own debug log (-D), e.g. for guest errors; omitted by default. */
  readonly qemuLog?: string;
  /** Guest name (-name), shown by ps; omitted by default. */
  readonly name?: string;
  /** A qcow2 image attached as a virtio disk; the network still boots first. */
  readonly disk?: string;
  /** Let the guest reboot (an installed lab node); by default a reboot ends QEMU (-no-reboot). */
  readonly reboot?: boolean;
}

/** The argv (qemu-system-x86_64 first) that powers the machine on and boots it from the network. */
export function qemuArgv(m: QemuMachine): string[] {
  const uefi = m.firmware !== "bios";
  if (uefi && !m.ovmf) throw new Error(`firmware ${m.firmware} needs ovmf code and vars files`);
  // romfile= (empty) drops QEMU's iPXE option ROM, so the firmware's built-in PXE has to do the work.
  const rom = m.firmware === "uefi-pxe" ? ",romfile=" : "";
  return [
    "qemu-system-x86_64",
    ...(m.name ? ["-name", m.name] : []),
    "-accel", m.accel ?? "tcg",
    "-m", String(m.memoryMiB ?? 1024),
    "-smp", String(m.cpus ?? 2),
    "-nographic", "-vga", "none", "-monitor", "none", ...(m.reboot ? [] : ["-no-reboot"]),
    "-serial", `file:${m.serialLog}`,
    ...(m.qemuLog ? ["-D", m.qemuLog] : []),
    ...(uefi && m.ovmf
      ? ["-drive", `if=pflash,format=raw,readonly=on,file=${m.ovmf.code}`, "-drive", `if=pflash,format=raw,file=${m.ovmf.vars}`]
      : []),
    // Network first, then the disk, for SeaBIOS and OVMF alike: the master's boot script answers
    // `exit` for an installed node and the firmware moves on to the disk. Fixed PCI slots: the NIC's
    // name (ens2) must be the same for the installer, which writes it into the node's network
    // config, and for the installed system.
    ...(m.disk ? ["-drive", `if=none,id=d0,format=qcow2,file=${m.disk}`, "-device", "virtio-blk-pci,drive=d0,bootindex=2,addr=0x3"] : []),
    "-netdev", `tap,id=n0,ifname=${m.tap},script=no,downscript=no`,
    "-device", `${m.nic ?? "virtio-net-pci"},netdev=n0,mac=${m.mac}${rom},bootindex=1,addr=0x2`,
  ];
}

/** Where Debian's ovmf package puts the 4 MB split images (the 2 MB ones as a fallback). */
export const OVMF_CANDIDATES: readonly OvmfFiles[] = [
  { code: "/usr/share/OVMF/OVMF_CODE_4M.fd", vars: "/usr/share/OVMF/OVMF_VARS_4M.fd" },
  { code: "/usr/share/OVMF/OVMF_CODE.fd", vars: "/usr/share/OVMF/OVMF_VARS.fd" },
];

/** True when path exists and is readable. */
export const readable = (path: string): Promise<boolean> => access(path, constants.R_OK).then(() => true, () => false);

/** The first OVMF pair present here, or undefined. */
export async function findOvmf(candidates = OVMF_CANDIDATES): Promise<OvmfFiles | undefined> {
  for (const c of candidates) if ((await readable(c.code)) && (await readable(c.vars))) return c;
  return undefined;
}

/** What the KVM probe guest writes to its serial port once it ran. */
export const KVM_PROBE_OK = "KVMOK";

/**
 * A 512-byte boot sector that runs an FPU instruction and writes KVM_PROBE_OK to COM1. Some hosts
 * (nested virtualization) open /dev/kvm fine but hang or fail to emulate real firmware; a guest
 * that actually runs is the only honest test.
 */
export function kvmProbeImage(): Uint8Array {
  const code = [0x9b, 0xdb, 0xe3, 0xba, 0xf8, 0x03]; // finit; mov dx, 0x3f8
  for (const ch of `${KVM_PROBE_OK}\n`) code.push(0xb0, ch.charCodeAt(0), 0xee); // mov al, ch; out dx, al
  code.push(0xf4, 0xeb, 0xfd); // hlt; jmp back to hlt
  const image = new Uint8Array(512);
  image.set(code);
  image.set([0x55, 0xaa], 510);
  return image;
}

/** The argv that boots the probe image under KVM, without a NIC, serial to serialLog. */
export function kvmProbeArgv(image: string, serialLog: string): string[] {
  return [
    "qemu-system-x86_64", "-accel", "kvm", "-m", "64", "-nographic", "-vga", "none", "-monitor", "none", "-nic", "none",
    "-no-reboot", "-serial", `file:${serialLog}`, "-drive", `file=${image},format=raw,if=ide`,
  ];
}
