// The node lifecycle as one pure table: which state may follow which, and what a node boots.
// The store asks this module before every change; nothing else decides legality.

/** Every state a node can be in (DESIGN.md, "Node states"). */
export const NODE_STATES = [
  "discovered", "booting", "installing", "installed", "registered", "ready", "failed", "offline",
] as const;

/** One lifecycle state. */
export type NodeState = (typeof NODE_STATES)[number];

/**
 * Legal changes without admin rights, by source state. A state moving to itself is a no-op
 * (repeated DHCP sightings, boot script fetches, installer events, heartbeats) and is not listed.
 * - any -> failed: whatever stage breaks reports why.
 * - installing -> booting: the machine rebooted before its install finished; its disk holds no
 *   system yet, so serving the installer again cannot loop over a working install.
 * - registered <-> ready: the agent's KVM/libvirt/bridge checks pass or regress.
 * - ready/registered <-> offline: the heartbeat goes stale and comes back.
 * - failed -> registered/ready: a registered agent's checks recover (only an agent with a valid key
 *   can report that, so the node must have been registered before).
 * Nothing goes back to booting without an admin: that is what prevents boot loops.
 */
const FORWARD: Readonly<Record<NodeState, readonly NodeState[]>> = {
  discovered: ["booting", "failed"],
  booting: ["installing", "failed"],
  installing: ["booting", "installed", "failed"],
  installed: ["registered", "failed"],
  registered: ["ready", "offline", "failed"],
  ready: ["registered", "offline", "failed"],
  offline: ["ready", "registered", "failed"],
  failed: ["registered", "ready"],
};

/** What checkTransition decided. */
export type TransitionCheck =
  | { readonly kind: "change" }
  | { readonly kind: "noop" }
  | { readonly kind: "illegal"; readonly why: string };

/** Options of a transition: `admin` is an explicit reinstall by an admin. */
export interface TransitionFlags {
  readonly admin?: boolean;
}

/** Decides whether `from -> to` is a change, a no-op or illegal. Pure. */
export function checkTransition(from: NodeState, to: NodeState, flags: TransitionFlags = {}): TransitionCheck {
  // Reinstall: an admin may send any node back to booting, and only an admin may, from past "booting".
  if (to === "booting" && flags.admin) return from === "booting" ? { kind: "noop" } : { kind: "change" };
  if (from === to) return { kind: "noop" };
  if (FORWARD[from].includes(to)) return { kind: "change" };
  if (to === "booting") {
    return { kind: "illegal", why: `a ${from} node boots its local disk; only an admin reinstall (maekin nodes reinstall) sends it back to booting` };
  }
  const allowed = FORWARD[from].join(", ");
  return { kind: "illegal", why: `a ${from} node can move only to ${allowed}` };
}

/** True for the states reached after the disk holds a finished install. */
export function isInstalled(state: NodeState): boolean {
  return state === "installed" || state === "registered" || state === "ready" || state === "offline";
}

/** What a node's next network boot should do, from the inventory's point of view. */
export interface BootDecision {
  /** install: serve the install script; local-disk: iPXE `exit` / boot the disk. */
  readonly action: "install" | "local-disk";
  readonly reason: string;
}

/**
 * The boot decision for a known node. Only discovered, booting and installing nodes install
 * (an install that was interrupted starts again); installed and later boot their disk, and so
 * does a failed node, until an admin reinstall moves it to booting: no boot loops.
 */
export function bootDecision(node: { readonly state: NodeState }): BootDecision {
  switch (node.state) {
    case "discovered":
    case "booting":
      return { action: "install", reason: `${node.state}: install pending` };
    case "installing":
      return { action: "install", reason: "installing: the install did not finish, starting it again" };
    case "failed":
      return { action: "local-disk", reason: "failed: waiting for an admin (maekin nodes reinstall)" };
    default:
      return { action: "local-disk", reason: `${node.state}: installed, booting local disk until an admin reinstall` };
  }
}

/** True when the node's next boot should run the installer (see bootDecision). */
export function needsInstall(node: { readonly state: NodeState }): boolean {
  return bootDecision(node).action === "install";
}

/** True when `text` names a state. */
export function isNodeState(text: string): text is NodeState {
  return (NODE_STATES as readonly string[]).includes(text);
}
