// `lab up`: namespace, bridge and taps; the lab config; disks; the master inside the namespace;
// then the QEMU nodes. Returns once everything is started (it does not wait for the installs).
// Any failure tears down what was made (disks and logs stay) and rethrows.
import { copyFile, mkdir, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { LAB_DOMAIN, labConfigText } from "./_config.js";
import { writeLabHosts } from "./_hosts.js";
import { ensureLabMirror } from "./_mirror.js";
import { downLab } from "./_down.js";
import type { LabPlan } from "./_plan.js";
import { findOvmf, qemuArgv, readable } from "./_qemu.js";
import { readLabState, writeLabState, type LabState } from "./_state.js";
import { inNamespace, isRunning, kvmWorks, LabError, listNamespaces, MASTER_MARKER, QEMU_MARKER, run, spawnDetached, waitForLogLine } from "./_system.js";

/** How `lab up` runs. */
export interface LabUpOptions {
  readonly plan: LabPlan;
  /** Write the lab config into plan.config (false when the user gave -c). */
  readonly writeConfig: boolean;
  /** argv that runs `maekin` (node and bin/maekin.js). */
  readonly maekin: readonly string[];
  /** Progress lines. */
  readonly report: (line: string) => void;
  readonly memoryMiB?: number;
  /** kvm, tcg, or auto (default): KVM when a test guest runs under it. */
  readonly accel?: "auto" | "kvm" | "tcg";
  readonly cpus?: number;
  /** The cluster domain of a config given with -c (the lab's own is cloud.test). */
  readonly domain?: string;
  /** How long the master may take to say it is serving. */
  readonly masterTimeoutMs?: number;
  /** Make sure the master's Debian mirror exists (sync it when missing) before booting nodes; default true. */
  readonly mirror?: boolean;
}

/** Brings the lab up; returns its state (also in plan.stateFile). */
export async function upLab(options: LabUpOptions): Promise<LabState> {
  const { plan, report } = options;
  const t0 = Date.now();
  const say = (line: string) => report(`[${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s] ${line}`);
  await preflight(plan);
  await mkdir(plan.dir, { recursive: true });

  const state: LabState = {
    version: 1, namespace: plan.namespace, bridge: plan.bridge, masterCidr: plan.masterCidr, masterUrl: plan.masterUrl,
    config: plan.config, configWritten: options.writeConfig, stateDir: plan.stateDir, createdAt: Date.now(),
    master: { log: plan.masterLog },
    nodes: plan.nodes.map((n) => ({ name: n.name, mac: n.mac, ip: n.ip, tap: n.tap, firmware: n.firmware, disk: n.disk, serialLog: n.serialLog, qemuLog: n.qemuLog })),
  };
  const save = () => writeLabState(plan.stateFile, state);
  // The KVM probe takes up to 8 s where KVM hangs: run it while the network and the master come up.
  const accelP: Promise<"kvm" | "tcg"> = options.accel === "auto" || options.accel === undefined
    ? kvmWorks(plan.dir).then((ok) => (ok ? "kvm" : "tcg"), () => "tcg")
    : Promise.resolve(options.accel);
  try {
    if (options.writeConfig) {
      await writeFile(plan.config, labConfigText(plan), { mode: 0o644 });
      say(`wrote ${plan.config}`);
    }
    await save();
    if (options.mirror !== false) {
      const mirror = await ensureLabMirror(plan.config, plan.stateDir, say);
      if (mirror === "present") say(`mirror: ${plan.stateDir}/mirror/debian is there (\`maekin mirror sync\` refreshes it)`);
    }
    await makeNetwork(plan);
    await writeLabHosts(plan, options.domain ?? LAB_DOMAIN);
    say(`namespace ${plan.namespace}: ${plan.bridge} ${plan.masterCidr}, taps ${plan.nodes.map((n) => n.tap).join(" ")}`);

    for (const node of plan.nodes) {
      if (!(await readable(node.disk))) await run(["qemu-img", "create", "-q", "-f", "qcow2", node.disk, "20G"]);
    }
    say(`disks: ${plan.nodes.map((n) => n.disk).join(" ")} (qcow2, 20G)`);

    const from = await stat(plan.masterLog).then((s) => s.size, () => 0);
    const pid = await spawnDetached(inNamespace(plan.namespace, [...options.maekin, "serve", "-c", plan.config, "--state-dir", plan.stateDir]), plan.masterLog);
    state.master = { log: plan.masterLog, pid, startedAt: Date.now() };
    await save();
    const ready = await waitForLogLine(plan.masterLog, from, (l) => l.includes('"maekin master is serving"'), {
      timeoutMs: options.masterTimeoutMs ?? 30_000, alive: () => isRunning(pid, MASTER_MARKER),
    });
    if (ready !== "found") {
      throw new LabError(`the master ${ready === "died" ? "exited" : "did not start within 30 s"}; its log is ${plan.masterLog}`, { code: "LAB_MASTER" });
    }
    say(`master: maekin serve (pid ${pid}) at ${plan.masterUrl} in ${plan.namespace}, log ${plan.masterLog}, state ${plan.stateDir}`);

    const accel = await accelP;
    if (options.accel !== accel) say(`accelerator: ${accel}${accel === "tcg" ? " (KVM is missing or does not run a test guest here; installs are slow)" : ""}`);
    const ovmf = plan.nodes.some((n) => n.firmware === "uefi") ? await findOvmf() : undefined;
    for (const [i, node] of plan.nodes.entries()) {
      if (node.ovmfVars && ovmf && !(await readable(node.ovmfVars))) await copyFile(ovmf.vars, node.ovmfVars);
      const argv = qemuArgv({
        name: `maekin-lab-${plan.namespace}-${node.name}`, mac: node.mac, tap: node.tap, firmware: node.firmware,
        serialLog: node.serialLog, disk: node.disk, accel, reboot: true,
        ...(options.memoryMiB ? { memoryMiB: options.memoryMiB } : {}), ...(options.cpus ? { cpus: options.cpus } : {}),
        ...(node.ovmfVars && ovmf ? { ovmf: { code: ovmf.code, vars: node.ovmfVars } } : {}),
      });
      await writeFile(join(plan.dir, `${node.name}.qemu.argv`), `${argv.join(" ")}\n`);
      const qemuPid = await spawnDetached(inNamespace(plan.namespace, argv), node.qemuLog);
      state.nodes[i] = { ...state.nodes[i]!, pid: qemuPid, accel, startedAt: Date.now() };
      await save();
      say(`${node.name}: ${node.mac} ${node.ip} ${node.firmware}/${accel} (pid ${qemuPid}), serial ${node.serialLog}`);
    }
    // QEMU refuses a bad tap, disk or firmware at once: give it a moment, then check they all still run.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    for (const node of state.nodes) {
      if (!(await isRunning(node.pid, QEMU_MARKER))) throw new LabError(`QEMU for ${node.name} exited at once; see ${node.qemuLog}`, { code: "LAB_QEMU" });
    }
    say(`lab ${plan.namespace} is up: ${plan.nodes.length} node(s) network-booting; \`maekin lab status --dir ${plan.dir}\` follows them`);
    return state;
  } catch (err) {
    report("lab up failed: tearing down what was made (disks and logs stay)");
    await downLab({ dir: plan.dir, namespace: plan.namespace, report: () => undefined }).catch(() => undefined);
    throw err;
  }
}

async function preflight(plan: LabPlan): Promise<void> {
  if (process.getuid?.() !== 0) throw new LabError("maekin lab needs root (network namespaces, tap devices); run it with sudo", { code: "LAB_NOT_ROOT" });
  await run(["qemu-system-x86_64", "--version"]).catch((err) => {
    throw new LabError("qemu-system-x86_64 is not installed; apt-get install qemu-system-x86 ipxe-qemu", { code: "LAB_TOOL_MISSING", cause: err });
  });
  await run(["qemu-img", "--version"]).catch((err) => {
    throw new LabError("qemu-img is not installed; apt-get install qemu-utils", { code: "LAB_TOOL_MISSING", cause: err });
  });
  if (plan.nodes.some((n) => n.firmware === "uefi") && !(await findOvmf())) {
    throw new LabError("UEFI nodes need OVMF; apt-get install ovmf, or use --firmware bios", { code: "LAB_TOOL_MISSING" });
  }
  const existing = await readLabState(plan.stateFile);
  if (existing) {
    throw new LabError(`a lab (namespace ${existing.namespace}) is already recorded in ${plan.stateFile}; run \`maekin lab down --dir ${plan.dir}\` first`, { code: "LAB_EXISTS" });
  }
  if ((await listNamespaces()).includes(plan.namespace)) {
    throw new LabError(`network namespace ${plan.namespace} exists already; remove it with \`maekin lab down --name ${plan.namespace} --dir DIR\` or choose another --name`, { code: "LAB_EXISTS" });
  }
}

async function makeNetwork(plan: LabPlan): Promise<void> {
  const ns = plan.namespace;
  await run(["ip", "netns", "add", ns]);
  await run(["ip", "-n", ns, "link", "set", "lo", "up"]);
  // forward_delay 0: the taps forward at once, so the firmware's first DHCP discover is not lost.
  await run(["ip", "-n", ns, "link", "add", plan.bridge, "type", "bridge", "forward_delay", "0"]);
  await run(["ip", "-n", ns, "addr", "add", plan.masterCidr, "dev", plan.bridge]);
  await run(["ip", "-n", ns, "link", "set", plan.bridge, "up"]);
  for (const node of plan.nodes) {
    await run(["ip", "-n", ns, "tuntap", "add", "dev", node.tap, "mode", "tap"]);
    await run(["ip", "-n", ns, "link", "set", node.tap, "master", plan.bridge]);
    await run(["ip", "-n", ns, "link", "set", node.tap, "up"]);
  }
}
