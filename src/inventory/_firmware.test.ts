import { describe, expect, it } from "vitest";
import type { MachineFacts } from "../boot/pxe.js";
import { discoveredName, firmwareFromFacts } from "./_firmware.js";
import type { Firmware } from "./_types.js";

const MAC = "52:54:00:12:34:56";

describe("firmwareFromFacts", () => {
  it.each<[string, MachineFacts, Firmware | undefined, Firmware]>([
    ["BIOS PXE ROM", { mac: MAC, arch: 0, vendorClass: "PXEClient:Arch:00000:UNDI:002001", ipxe: false }, undefined,
      { mode: "bios", arch: 0, ipxe: false, httpBoot: false, vendorClass: "PXEClient:Arch:00000:UNDI:002001" }],
    ["UEFI x64 PXE", { mac: MAC, arch: 7, vendorClass: "PXEClient:Arch:00007:UNDI:003016", ipxe: false, uuid: "u-1" }, undefined,
      { mode: "uefi", arch: 7, ipxe: false, httpBoot: false, vendorClass: "PXEClient:Arch:00007:UNDI:003016", uuid: "u-1" }],
    ["UEFI HTTP boot", { mac: MAC, arch: 16, vendorClass: "HTTPClient:Arch:00016:UNDI:003001", ipxe: false }, undefined,
      { mode: "uefi", arch: 16, ipxe: false, httpBoot: true, vendorClass: "HTTPClient:Arch:00016:UNDI:003001" }],
    ["ARM64 UEFI", { mac: MAC, arch: 11, ipxe: false }, undefined, { mode: "uefi", arch: 11, ipxe: false, httpBoot: false }],
    ["no arch (plain DHCP client)", { mac: MAC, ipxe: false }, undefined, { mode: "unknown", ipxe: false, httpBoot: false }],
    ["a non-PC arch", { mac: MAC, arch: 3, ipxe: false }, undefined, { mode: "unknown", arch: 3, ipxe: false, httpBoot: false }],
    ["iPXE after the firmware: iPXE noted, firmware's vendor class and UUID kept",
      { mac: MAC, arch: 7, vendorClass: "PXEClient:Arch:00007:UNDI:003010", userClass: "iPXE", ipxe: true },
      { mode: "uefi", arch: 7, ipxe: false, httpBoot: false, vendorClass: "PXEClient:Arch:00007:UNDI:003016", uuid: "u-1" },
      { mode: "uefi", arch: 7, ipxe: true, httpBoot: false, vendorClass: "PXEClient:Arch:00007:UNDI:003016", uuid: "u-1" }],
    ["firmware again after iPXE: iPXE stays seen",
      { mac: MAC, arch: 7, vendorClass: "PXEClient:Arch:00007:UNDI:003016", ipxe: false },
      { mode: "uefi", arch: 7, ipxe: true, httpBoot: false, vendorClass: "PXEClient:Arch:00007:UNDI:003016" },
      { mode: "uefi", arch: 7, ipxe: true, httpBoot: false, vendorClass: "PXEClient:Arch:00007:UNDI:003016" }],
    ["a relayed request records the relay", { mac: MAC, arch: 0, ipxe: false, relay: "10.1.0.1" }, undefined,
      { mode: "bios", arch: 0, ipxe: false, httpBoot: false, relay: "10.1.0.1" }],
    ["a request without arch keeps the known one", { mac: MAC, ipxe: false }, { mode: "bios", arch: 0, ipxe: false, httpBoot: false },
      { mode: "bios", arch: 0, ipxe: false, httpBoot: false }],
  ])("%s", (_label, facts, previous, expected) => {
    expect(firmwareFromFacts(facts, previous)).toEqual(expected);
  });
});

describe("discoveredName", () => {
  it("is a host label made of the MAC", () => {
    expect(discoveredName(MAC)).toBe("mac-525400123456");
  });
});
