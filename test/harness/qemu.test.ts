// The QEMU argv builder (pure) and the watchers the boot tests read serial consoles and logs with.
import { mkdtempSync, rmSync, writeFileSync, appendFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { qemuArgv, type QemuMachine } from "./qemu.js";
import { createWatch, stripTerminal, watchJsonLog, watchSerial } from "./watch.js";

const base: QemuMachine = { mac: "52:54:00:00:00:01", tap: "tap0", firmware: "bios", serialLog: "/a/serial.log" };
const ovmf = { code: "/fw/CODE.fd", vars: "/a/VARS.fd" };

describe("qemuArgv", () => {
  it("boots SeaBIOS from the network under TCG with the serial console in a file", () => {
    expect(qemuArgv(base).join(" ")).toBe([
      "qemu-system-x86_64 -accel tcg -m 1024 -smp 2 -nographic -vga none -monitor none -no-reboot -serial file:/a/serial.log",
      "-netdev tap,id=n0,ifname=tap0,script=no,downscript=no -device virtio-net-pci,netdev=n0,mac=52:54:00:00:00:01,bootindex=1,addr=0x2",
    ].join(" "));
  });

  it("boots a machine with a disk from the network first, then from the disk", () => {
    const argv = qemuArgv({ ...base, disk: "/a/node.qcow2", reboot: true });
    expect(argv).not.toContain("-no-reboot");
    const order = argv.filter((a) => a.includes("bootindex=")).map((a) => a.replace(/.*bootindex=/, "") + " " + a.split(",")[0]);
    expect(order.sort()).toEqual(["1,addr=0x2 virtio-net-pci", "2,addr=0x3 virtio-blk-pci"]);
    expect(argv).toContain("if=none,id=d0,format=qcow2,file=/a/node.qcow2");
  });

  it.each([
    ["uefi", ["-drive", "if=pflash,format=raw,readonly=on,file=/fw/CODE.fd", "-drive", "if=pflash,format=raw,file=/a/VARS.fd"], "mac=52:54:00:00:00:01,bootindex=1,addr=0x2"],
    ["uefi-pxe", ["-drive", "if=pflash,format=raw,readonly=on,file=/fw/CODE.fd"], "mac=52:54:00:00:00:01,romfile=,bootindex=1,addr=0x2"],
  ] as const)("%s: OVMF code read-only, the machine's own vars, NIC %s", (firmware, drives, nicEnd) => {
    const argv = qemuArgv({ ...base, firmware, ovmf });
    for (const d of drives) expect(argv).toContain(d);
    expect(argv.at(-1)?.endsWith(nicEnd)).toBe(true);
  });

  it("refuses UEFI without OVMF files, and takes kvm, size, NIC model and a debug log", () => {
    expect(() => qemuArgv({ ...base, firmware: "uefi" })).toThrow(/needs ovmf/);
    const argv = qemuArgv({ ...base, accel: "kvm", memoryMiB: 2048, cpus: 4, nic: "e1000", qemuLog: "/a/q.log" }).join(" ");
    expect(argv).toMatch(/-accel kvm -m 2048 -smp 4 .* -D \/a\/q\.log .* -device e1000,netdev=n0,/);
  });
});

describe("watchers", () => {
  const dir = mkdtempSync(join(tmpdir(), "mk-watch-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("strips colours, cursor moves, charset switches and CRs", () => {
    expect(stripTerminal("\x1b[0m\x1b(0lqq\x1b(B\x1b[1;37m Hi\x1b[=3h\r")).toBe("lqq Hi");
  });

  it("waits for a line that comes later, finds one already seen, and times out with context", async () => {
    const w = createWatch<string>((items) => `saw ${items.map((s) => s.value).join(",")}`);
    w.push("a");
    expect((await w.waitFor((v) => v === "a", 10, "a")).value).toBe("a");
    const later = w.waitFor((v) => v === "b", 1_000, "b");
    w.push("b");
    expect((await later).value).toBe("b");
    await expect(w.waitFor((v) => v === "c", 20, "c")).rejects.toThrow(/c: not seen within 0 s\nsaw a,b/);
    const pending = w.waitFor((v) => v === "d", 1_000, "d");
    w.abort("QEMU exited");
    await expect(pending).rejects.toThrow(/QEMU exited/);
  });

  it("tails a serial file into lines, splitting the installer's cursor moves", async () => {
    const file = join(dir, "serial.log");
    writeFileSync(file, "");
    const { watch, stop } = watchSerial(file);
    appendFileSync(file, "iPXE 1.0\r\nLinux ver");
    appendFileSync(file, "sion 6.1\r\n\x1b[9;3H\x1b[31mConfiguring the network\x1b[10;3H");
    await watch.waitFor((l) => l === "Configuring the network", 2_000, "dialog");
    await stop();
    expect(watch.items.map((s) => s.value)).toEqual(["iPXE 1.0", "Linux version 6.1", "Configuring the network"]);
  });

  it("parses JSON log lines split across chunks, and keeps other lines as text", async () => {
    const stream = new PassThrough();
    const tee: string[] = [];
    const w = watchJsonLog(stream, (l) => tee.push(l));
    stream.write('{"level":30,"msg":"dhcp: a');
    stream.write('ck","mac":"52:54:00:00:00:01"}\nmaekin: oops\n');
    expect((await w.waitFor((r) => r.msg === "dhcp: ack", 1_000, "ack")).value.mac).toBe("52:54:00:00:00:01");
    expect(w.items.map((s) => s.value.msg)).toEqual(["dhcp: ack", "maekin: oops"]);
    expect(tee).toHaveLength(2);
  });
});
