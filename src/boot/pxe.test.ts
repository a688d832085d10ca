import { describe, expect, it } from "vitest";
import { decideBootFile, type BootAnswer, type MachineFacts } from "./pxe.js";

const urls = { tftpServer: "10.0.0.1", httpBase: "http://10.0.0.1:8080" };
const mac = "52:54:00:12:34:56";
const f = (over: Partial<MachineFacts>): MachineFacts => ({ mac, ipxe: false, ...over });

describe("decideBootFile", () => {
  const cases: [string, MachineFacts, Partial<BootAnswer>][] = [
    ["BIOS PXE ROM", f({ arch: 0, vendorClass: "PXEClient:Arch:00000:UNDI:002001" }), { file: "undionly.kpxe", nextServer: "10.0.0.1", vendorClass: "PXEClient" }],
    ["UEFI x64 (arch 7, OVMF)", f({ arch: 7, vendorClass: "PXEClient:Arch:00007:UNDI:003000" }), { file: "ipxe.efi", nextServer: "10.0.0.1", vendorClass: "PXEClient" }],
    ["UEFI x64 (arch 9)", f({ arch: 9, vendorClass: "PXEClient:Arch:00009:UNDI:003000" }), { file: "ipxe.efi", nextServer: "10.0.0.1" }],
    ["iPXE on BIOS", f({ arch: 0, userClass: "iPXE", ipxe: true, vendorClass: "PXEClient:Arch:00000:UNDI:002001" }), { file: "http://10.0.0.1:8080/boot.ipxe?mac=52%3A54%3A00%3A12%3A34%3A56", nextServer: undefined }],
    ["iPXE on UEFI", f({ arch: 7, userClass: "iPXE", ipxe: true }), { file: "http://10.0.0.1:8080/boot.ipxe?mac=52%3A54%3A00%3A12%3A34%3A56" }],
    ["UEFI HTTP boot", f({ arch: 16, vendorClass: "HTTPClient:Arch:00016:UNDI:003001" }), { file: "http://10.0.0.1:8080/assets/ipxe.efi", vendorClass: "HTTPClient" }],
    ["PXE without option 93", f({ vendorClass: "PXEClient" }), { file: "undionly.kpxe" }],
    ["ARM64 UEFI (arch 11) is unsupported", f({ arch: 11, vendorClass: "PXEClient:Arch:00011" }), { file: undefined, reason: "unsupported arch 11" }],
    ["HTTP boot for ARM64 is unsupported", f({ arch: 19, vendorClass: "HTTPClient:Arch:00019" }), { file: undefined }],
    ["plain DHCP client", f({ vendorClass: "udhcp 1.35.0" }), { file: undefined, reason: "not a network boot request" }],
  ];
  it.each(cases)("%s", (_name, facts, want) => {
    const got = decideBootFile(facts, urls);
    // Compare key by key so `file: undefined` means "absent" rather than "any".
    for (const [key, value] of Object.entries(want)) expect(got[key as keyof BootAnswer], key).toEqual(value);
  });

  it("uses snponly.efi when configured", () => {
    expect(decideBootFile(f({ arch: 7 }), { ...urls, uefiLoader: "snponly.efi" }).file).toBe("snponly.efi");
  });
});
