// From DHCP facts to what the inventory keeps about a machine's firmware. Pure.
import type { MachineFacts } from "../boot/pxe.js";
import type { Firmware } from "./_types.js";

// RFC 4578 section 2.1 / IANA processor architecture types: 0 is the BIOS PC; 2 (EFI Itanium)
// and 6 and up are EFI flavours (IA32, x64, ARM, HTTP boot...); 1, 3, 4, 5 are neither.
function modeOf(arch: number): Firmware["mode"] {
  if (arch === 0) return "bios";
  if (arch === 2 || arch >= 6) return "uefi";
  return "unknown";
}

/** The firmware record after a sighting; iPXE seen once stays seen (iPXE and firmware requests alternate). */
export function firmwareFromFacts(facts: MachineFacts, previous?: Firmware): Firmware {
  const arch = facts.arch ?? previous?.arch;
  // iPXE's own vendor class says less than the firmware's: keep the firmware's once known.
  const vendorClass = facts.ipxe ? previous?.vendorClass ?? facts.vendorClass : facts.vendorClass ?? previous?.vendorClass;
  const uuid = facts.uuid ?? previous?.uuid;
  const firmware: Firmware = {
    mode: arch === undefined ? "unknown" : modeOf(arch),
    ipxe: facts.ipxe || (previous?.ipxe ?? false),
    httpBoot: (facts.vendorClass?.startsWith("HTTPClient") ?? false) || (previous?.httpBoot ?? false),
  };
  return {
    ...firmware,
    ...(arch !== undefined && { arch }),
    ...(vendorClass !== undefined && { vendorClass }),
    ...(uuid !== undefined && { uuid }),
    ...(facts.relay !== undefined && { relay: facts.relay }),
  };
}

/** The name of a machine nobody declared: `mac-` and its 12 hex digits, a valid host label. */
export function discoveredName(mac: string): string {
  return `mac-${mac.replace(/:/g, "")}`;
}
