// QEMU machines that boot an ISO (as a CD, or as a USB-stick-like disk), with a pure argv
// builder and a runner that stops the machine as soon as a marker shows on the serial console.
// Named apart from qemu.ts (network boots) so the two harnesses grow independently.
import { spawn } from "node:child_process";
import { constants } from "node:fs";
import { access, copyFile, readFile } from "node:fs/promises";
import { sh } from "./netns.js";

/** OVMF split images: read-only code and the template of the variable store. */
export const OVMF = { code: "/usr/share/OVMF/OVMF_CODE_4M.fd", vars: "/usr/share/OVMF/OVMF_VARS_4M.fd" } as const;

/** A machine that boots an ISO. */
export interface IsoMachine {
  readonly iso: string;
  readonly firmware: "bios" | "uefi";
  /** "cdrom" (default) or "usb": the image as a USB stick (xHCI mass storage), as written with dd. */
  readonly media?: "cdrom" | "usb";
  readonly serialLog: string;
  /** For uefi: this machine's writable copy of the OVMF vars. */
  readonly ovmfVars?: string;
  readonly memoryMiB?: number;
  readonly accel?: "tcg" | "kvm";
}

/** The argv (qemu-system-x86_64 first) that boots the ISO with no network and no screen. */
export function qemuIsoArgv(m: IsoMachine): string[] {
  if (m.firmware === "uefi" && !m.ovmfVars) throw new Error("uefi needs a writable copy of the OVMF vars (ovmfVars)");
  const media = m.media ?? "cdrom";
  return [
    "qemu-system-x86_64",
    "-accel", m.accel ?? "tcg",
    "-m", String(m.memoryMiB ?? 1024),
    "-smp", "2",
    "-display", "none", "-monitor", "none", "-no-reboot",
    "-serial", `file:${m.serialLog}`,
    "-nic", "none",
    ...(m.firmware === "uefi"
      ? ["-drive", `if=pflash,format=raw,readonly=on,file=${OVMF.code}`, "-drive", `if=pflash,format=raw,file=${m.ovmfVars}`]
      : []),
    ...(media === "cdrom"
      ? ["-drive", `file=${m.iso},media=cdrom,readonly=on,if=ide,index=2`, "-boot", "d"]
      // A USB stick the image was dd'ed to; snapshot=on keeps the file unchanged.
      : ["-device", "qemu-xhci", "-drive", `if=none,id=stick,file=${m.iso},format=raw,snapshot=on`, "-device", "usb-storage,drive=stick,bootindex=0"]),
  ];
}

/** Why an ISO cannot be booted here, or undefined when it can. */
export async function qemuIsoUnavailable(firmware: "bios" | "uefi"): Promise<string | undefined> {
  const qemu = await sh(["sh", "-c", "command -v qemu-system-x86_64"]).then(() => true, () => false);
  if (!qemu) return "qemu-system-x86_64 is missing (apt-get install qemu-system-x86)";
  if (firmware === "uefi") {
    for (const f of [OVMF.code, OVMF.vars]) {
      if (!(await access(f, constants.R_OK).then(() => true, () => false))) return `${f} is missing (apt-get install ovmf)`;
    }
  }
  return undefined;
}

/** How a boot ended: the marker seen (with the time it took), or why not. */
export interface BootOutcome {
  readonly found: boolean;
  readonly seconds: number;
  readonly reason?: string;
  readonly serial: string;
}

/** Boots the machine and stops it when `marker` appears on the serial console, after `timeoutMs`, or when QEMU exits. */
export async function bootUntil(m: IsoMachine, marker: string, timeoutMs: number): Promise<BootOutcome> {
  if (m.firmware === "uefi") await copyFile(OVMF.vars, m.ovmfVars!);
  const [cmd, ...args] = qemuIsoArgv(m);
  const started = Date.now();
  const qemu = spawn(cmd!, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  qemu.stderr.on("data", (d: Buffer) => { stderr += d.toString(); });
  let exited = false;
  const exit = new Promise<void>((resolve) => qemu.on("exit", () => { exited = true; resolve(); }));
  const serial = () => readFile(m.serialLog, "utf8").catch(() => "");
  let reason: string | undefined;
  let found = false;
  try {
    for (;;) {
      const text = await serial();
      if (text.includes(marker)) { found = true; break; }
      if (/Kernel panic/.test(text)) { reason = "kernel panic"; break; }
      if (exited) { reason = `qemu exited: ${stderr.trim() || "no message"}`; break; }
      if (Date.now() - started > timeoutMs) { reason = `no ${marker} within ${timeoutMs / 1000} s`; break; }
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    if (!exited) qemu.kill("SIGKILL");
    await exit;
  }
  return { found, seconds: (Date.now() - started) / 1000, serial: await serial(), ...(reason ? { reason } : {}) };
}
