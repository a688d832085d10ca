// Readable, stable text form of a decoded message: for golden files, logs and debugging.
import { MESSAGE_TYPE_NAMES } from "./_constants.js";
import { OPTION_NAMES, describeOption } from "./_options.js";
import { macOf, type DhcpPacket } from "./_packet.js";

function show(v: unknown): string {
  if (Buffer.isBuffer(v)) return `hex:${v.toString("hex")}`;
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map(show).join(", ")}]`;
  if (v && typeof v === "object") return `{ ${Object.entries(v).map(([k, x]) => `${k}: ${show(x)}`).join(", ")} }`;
  return String(v);
}

/** One line per header field and per option, in wire order. */
export function dumpPacket(p: DhcpPacket): string {
  const lines = [
    `op ${p.op} htype ${p.htype} hlen ${p.hlen} hops ${p.hops}`,
    `xid 0x${p.xid.toString(16).padStart(8, "0")} secs ${p.secs} flags 0x${p.flags.toString(16).padStart(4, "0")}`,
    `ciaddr ${p.ciaddr} yiaddr ${p.yiaddr} siaddr ${p.siaddr} giaddr ${p.giaddr}`,
    `chaddr ${macOf(p)}`,
    `sname ${JSON.stringify(p.sname)}`,
    `file ${JSON.stringify(p.file)}`,
  ];
  for (const o of p.options) {
    const name = OPTION_NAMES[o.code] ?? "unknown";
    let value = describeOption(o);
    if (o.code === 53 && typeof value === "number") value = `${value} ${MESSAGE_TYPE_NAMES[value] ?? "?"}`;
    lines.push(`option ${o.code} ${name} (${o.data.length}): ${value === undefined ? `hex:${o.data.toString("hex")}` : show(value)}`);
  }
  return `${lines.join("\n")}\n`;
}
