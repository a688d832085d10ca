// The readiness checks: a node is `ready` only when KVM, libvirt and the bridge all pass.
// Pure: facts in, named results out. The master runs this too, so it decides, not the node.
import type { Facts } from "./_facts.js";

/** One check's outcome. */
export interface CheckResult {
  readonly ok: boolean;
  readonly detail: string;
}

/** The named checks a node must pass to be ready. */
export interface Checks {
  readonly kvm: CheckResult;
  readonly libvirt: CheckResult;
  readonly bridge: CheckResult;
}

/** What the node's profile asks of it. */
export interface CheckPolicy {
  /** "optional": no usable /dev/kvm is not a failure (VMs run emulated). Default "required". */
  readonly kvm?: "required" | "optional";
}

/** Evaluates the readiness checks of a node's facts. */
export function evaluateChecks(facts: Facts, policy: CheckPolicy = {}): Checks {
  const kvm = kvmCheck(facts.kvm, policy.kvm ?? "required");
  const libvirt = facts.libvirt.error
    ? { ok: false, detail: `libvirt does not answer: ${facts.libvirt.error}` }
    : { ok: true, detail: `libvirt ${facts.libvirt.version}, ${facts.libvirt.domains} domains` };
  const b = facts.bridge;
  const bridge = !b.exists
    ? { ok: false, detail: `bridge ${b.name} does not exist` }
    : !b.up
      ? { ok: false, detail: `bridge ${b.name} is down` }
      : !b.address
        ? { ok: false, detail: `bridge ${b.name} has no IPv4 address` }
        : { ok: true, detail: `bridge ${b.name} up with ${b.address}` };
  return { kvm, libvirt, bridge };
}

function kvmCheck(k: Facts["kvm"], need: "required" | "optional"): CheckResult {
  if (k.present && k.usable) return { ok: true, detail: "/dev/kvm usable" };
  if (need === "optional") return { ok: true, detail: "no usable /dev/kvm: VMs run emulated (TCG); the profile sets kvm: optional" };
  return !k.present
    ? { ok: false, detail: "/dev/kvm is missing: enable VT-x/AMD-V in the firmware and load kvm_intel or kvm_amd" }
    : { ok: false, detail: "/dev/kvm is not usable by the agent (permissions)" };
}

/** The first failing check as "name: detail", or undefined when all pass. */
export function firstFailure(checks: Checks): string | undefined {
  const failed = (Object.entries(checks) as [string, CheckResult][]).find(([, r]) => !r.ok);
  return failed ? `${failed[0]}: ${failed[1].detail}` : undefined;
}
