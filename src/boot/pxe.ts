// The PXE boot-file decision: from what a DHCP request says about the firmware (options 60, 77,
// 93), which file it should load and how. Pure: no I/O, no config, no clock.

/** What a DHCP packet tells about a machine; shared by DHCP, the boot policy and the inventory. */
export interface MachineFacts {
  /** Lower-case colon MAC. */
  readonly mac: string;
  /** RFC 4578 option 93 client system architecture (first value), when sent. */
  readonly arch?: number;
  /** Option 60 vendor class, e.g. "PXEClient:Arch:00007:UNDI:003000" or "HTTPClient:Arch:00016...". */
  readonly vendorClass?: string;
  /** Option 77 user class; iPXE sends "iPXE". */
  readonly userClass?: string;
  /** True when the request comes from iPXE (user class "iPXE"). */
  readonly ipxe: boolean;
  /** The relay agent (giaddr) when the request was relayed. */
  readonly relay?: string;
  /** RFC 4578 option 97 machine UUID, when sent. */
  readonly uuid?: string;
  /** Option 12 host name the client sent, when any. */
  readonly hostname?: string;
}

/** Where boot files live; the composition root builds this from the config. */
export interface BootUrls {
  /** TFTP server address for firmware that loads iPXE over TFTP (siaddr, option 66). */
  readonly tftpServer: string;
  /** HTTP base URL of the master, e.g. "http://10.0.0.1:8080" (no trailing slash). */
  readonly httpBase: string;
  /** iPXE build for UEFI x64 firmware: the full driver set or the SNP-only one. Default "ipxe.efi". */
  readonly uefiLoader?: "ipxe.efi" | "snponly.efi";
  /** iPXE build for BIOS PXE ROMs. Default "undionly.kpxe". */
  readonly biosLoader?: string;
}

/** What the DHCP server puts in its reply so the firmware boots; `file` undefined = no boot info. */
export interface BootAnswer {
  /** The boot file name (TFTP path) or URL (iPXE, UEFI HTTP boot). */
  readonly file?: string;
  /** next-server (siaddr) and option 66, for TFTP loads. */
  readonly nextServer?: string;
  /** Vendor class the reply must carry: "HTTPClient" for UEFI HTTP boot, "PXEClient" for PXE firmware. */
  readonly vendorClass?: "PXEClient" | "HTTPClient";
  /** Why, for logs: e.g. "bios pxe -> undionly.kpxe" or "unsupported arch 11". */
  readonly reason: string;
}

/** RFC 4578 section 2.1 and the IANA "Processor Architecture Types" registry: the values we act on. */
export const Arch = {
  /** Intel x86PC (BIOS). */
  BIOS: 0,
  /** EFI BC: in practice x64 UEFI (RFC 4578 errata; what OVMF and most firmware send). */
  EFI_BC: 7,
  /** EFI x86-64. */
  EFI_X64: 9,
  /** x64 UEFI HTTP boot (IANA registry). */
  EFI_X64_HTTP: 16,
} as const;

/** True when option 60 marks a PXE firmware request (PXE 2.1 section 2.2.1). */
export function isPxeClient(vendorClass: string | undefined): boolean {
  return vendorClass?.startsWith("PXEClient") ?? false;
}

/** True when option 60 marks a UEFI HTTP boot request (UEFI 2.5+ section 24.7). */
export function isHttpClient(vendorClass: string | undefined): boolean {
  return vendorClass?.startsWith("HTTPClient") ?? false;
}

/** Decides the boot file for a machine: iPXE gets its script, firmware gets the right iPXE build. */
export function decideBootFile(facts: MachineFacts, urls: BootUrls): BootAnswer {
  const uefi = urls.uefiLoader ?? "ipxe.efi";
  const bios = urls.biosLoader ?? "undionly.kpxe";
  // iPXE already runs (chain-loaded or as a NIC ROM): hand it the script, or it would load itself again forever.
  if (facts.ipxe) {
    return { file: `${urls.httpBase}/boot.ipxe?mac=${encodeURIComponent(facts.mac)}`, reason: "ipxe -> boot.ipxe" };
  }
  if (isHttpClient(facts.vendorClass) || facts.arch === Arch.EFI_X64_HTTP) {
    if (facts.arch !== undefined && facts.arch !== Arch.EFI_X64_HTTP) return { reason: `unsupported HTTP boot arch ${facts.arch}` };
    return { file: `${urls.httpBase}/assets/${uefi}`, vendorClass: "HTTPClient", reason: `uefi http boot -> ${uefi}` };
  }
  const pxe = isPxeClient(facts.vendorClass) ? ({ vendorClass: "PXEClient" } as const) : {};
  switch (facts.arch) {
    case Arch.BIOS:
      return { file: bios, nextServer: urls.tftpServer, ...pxe, reason: `bios pxe -> ${bios}` };
    case Arch.EFI_BC:
    case Arch.EFI_X64:
      return { file: uefi, nextServer: urls.tftpServer, ...pxe, reason: `uefi x64 pxe -> ${uefi}` };
    case undefined:
      // A PXE client that omits option 93 is a BIOS ROM older than RFC 4578; anything else is no netboot.
      return isPxeClient(facts.vendorClass)
        ? { file: bios, nextServer: urls.tftpServer, ...pxe, reason: `pxe without arch -> ${bios}` }
        : { reason: "not a network boot request" };
    default:
      return { reason: `unsupported arch ${facts.arch}` };
  }
}
