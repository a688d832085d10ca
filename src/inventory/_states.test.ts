import { describe, expect, it } from "vitest";
import { bootDecision, checkTransition, isNodeState, needsInstall, NODE_STATES, type NodeState } from "./_states.js";

// The expected matrix, written out by hand so the test does not restate the table it checks.
// Rows: from; columns in NODE_STATES order (disc boot inst idone reg ready fail off).
// c = change, n = no-op, . = illegal. One grid without admin, one with the reinstall flag.
const COLS = "discovered booting installing installed registered ready failed offline".split(" ") as NodeState[];
const PLAIN: Record<NodeState, string> = {
  discovered: "n c . . . . c .",
  booting:    ". n c . . . c .",
  installing: ". c n c . . c .",
  installed:  ". . . n c . c .",
  registered: ". . . . n c c c",
  ready:      ". . . . c n c c",
  failed:     ". . . . c c n .",
  offline:    ". . . . c c c n",
};
// With admin, only the booting column differs: any node may be sent back to booting.
const ADMIN: Record<NodeState, string> = {
  discovered: "n c . . . . c .",
  booting:    ". n c . . . c .",
  installing: ". c n c . . c .",
  installed:  ". c . n c . c .",
  registered: ". c . . n c c c",
  ready:      ". c . . c n c c",
  failed:     ". c . . c c n .",
  offline:    ". c . . c c c n",
};

const KIND = { c: "change", n: "noop", ".": "illegal" } as const;

function cases(grid: Record<NodeState, string>): [NodeState, NodeState, string][] {
  return NODE_STATES.flatMap((from) => {
    const marks = grid[from].split(" ");
    return COLS.map((to, i): [NodeState, NodeState, string] => [from, to, KIND[marks[i] as keyof typeof KIND]]);
  });
}

describe("checkTransition", () => {
  it("covers every state in the grids", () => {
    expect([...COLS].sort()).toEqual([...NODE_STATES].sort());
    expect(cases(PLAIN)).toHaveLength(64);
  });

  it.each(cases(PLAIN))("%s -> %s without admin: %s", (from, to, kind) => {
    expect(checkTransition(from, to).kind).toBe(kind);
  });

  it.each(cases(ADMIN))("%s -> %s with admin: %s", (from, to, kind) => {
    expect(checkTransition(from, to, { admin: true }).kind).toBe(kind);
  });

  it("says how to reinstall when a finished node is sent to booting", () => {
    const check = checkTransition("ready", "booting");
    expect(check.kind).toBe("illegal");
    expect(check.kind === "illegal" && check.why).toMatch(/maekin nodes reinstall/);
  });

  it("lists the allowed targets for other illegal moves", () => {
    const check = checkTransition("discovered", "ready");
    expect(check.kind === "illegal" && check.why).toBe("a discovered node can move only to booting, failed");
  });
});

describe("bootDecision / needsInstall", () => {
  it.each([
    ["discovered", "install"],
    ["booting", "install"],
    ["installing", "install"],
    ["installed", "local-disk"],
    ["registered", "local-disk"],
    ["ready", "local-disk"],
    ["offline", "local-disk"],
    ["failed", "local-disk"],
  ] as [NodeState, string][])("%s -> %s", (state, action) => {
    expect(bootDecision({ state }).action).toBe(action);
    expect(needsInstall({ state })).toBe(action === "install");
  });
});

describe("isNodeState", () => {
  it.each([["ready", true], ["READY", false], ["", false], ["forgotten", false]] as const)("%s -> %s", (text, ok) => {
    expect(isNodeState(text)).toBe(ok);
  });
});
