// Registration load, for the client namespace: enrolls `count` unknown machines (GET /boot.ipxe),
// then registers them with `conns` requests in flight. Prints {completed, failures, seconds, rps, p99Ms}.
// Usage: register-load.ts BASE_URL COUNT CONNS MAC_START
import { quantile } from "../_stats.js";

const [base = "", countText = "100", connsText = "100", macText = "0"] = process.argv.slice(2);
const count = Number(countText);
const conns = Number(connsText);
const macStart = Number(macText);
const facts = (i: number) => ({
  hostname: `bench${i}`, cpu: { model: "Bench CPU", count: 2, vmx: true }, memoryMiB: 4096, disks: [{ name: "vda", sizeGiB: 20 }],
  nics: [{ name: "ens3", mac: "52:54:00:00:00:01", up: true, master: "br0" }], kvm: { present: true, usable: true },
  libvirt: { version: "9.0.0", domains: 0 }, bridge: { name: "br0", exists: true, up: true, address: "10.80.0.50" },
});
const mac = (n: number) => ["06", "00", (n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].map((x) => x.toString(16).padStart(2, "0")).join(":");

async function pool<T>(n: number, width: number, job: (i: number) => Promise<T>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(width, n) }, async () => { while (next < n) await job(next++); }));
}

const tokens: string[] = [];
await pool(count, 32, async (i) => {
  const script = await (await fetch(`${base}/boot.ipxe?mac=${mac(macStart + i)}`)).text();
  const t = /\/install\/([^/\s]+)\//.exec(script)?.[1];
  if (t) tokens.push(t);
});
const lat: number[] = [];
let failures = count - tokens.length;
const t0 = performance.now();
await pool(tokens.length, conns, async (i) => {
  const s = performance.now();
  try {
    const res = await fetch(`${base}/api/v1/register`, {
      method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${tokens[i]}` }, body: JSON.stringify({ facts: facts(i) }),
      signal: AbortSignal.timeout(30_000),
    });
    await res.arrayBuffer();
    if (res.status !== 200) failures++;
    else lat.push(performance.now() - s);
  } catch {
    failures++;
  }
});
const seconds = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ completed: lat.length, failures, seconds, rps: lat.length / seconds, p99Ms: quantile(lat, 0.99) }));
