import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { configFilePaths, payloadPlan, productionModules, writePayload } from "./_payload.js";

describe("productionModules", () => {
  it.each([
    ["keeps production, drops dev, extraneous and links; nested ones ride with their parent", {
      packages: {
        "": {},
        "node_modules/express": {},
        "node_modules/express/node_modules/debug": {},
        "node_modules/vitest": { dev: true },
        "node_modules/stray": { extraneous: true },
        "node_modules/local": { link: true },
        "node_modules/@scope/pkg": {},
      },
    }, ["node_modules/@scope/pkg", "node_modules/express"]],
    ["an empty lock", {}, []],
  ])("%s", (_name, lock, expected) => {
    expect(productionModules(lock)).toEqual(expected);
  });
});

describe("configFilePaths", () => {
  const profile = (name: string, answer?: string, late?: string) => ({ name, templates: { answer, late } });
  it("lists each profile template once, normalized", () => {
    expect(configFilePaths([profile("a", "profiles/a.hbs", "./profiles/late.hbs"), profile("b", "profiles/a.hbs"), profile("c")])).toEqual(["profiles/a.hbs", "profiles/late.hbs"]);
  });
  it.each(["/etc/x.hbs", "../x.hbs", "profiles/../../x.hbs"])("refuses %s, which would not reach the master", (path) => {
    expect(() => configFilePaths([profile("p", path)])).toThrow(/profile p: template .* is outside the config's folder/);
  });
});

describe("payloadPlan", () => {
  it("lists the package, production modules, node, config, unit and assets", () => {
    const plan = payloadPlan({
      packageRoot: "/pkg", lock: { packages: { "node_modules/zod": {} } }, nodeBinary: "/usr/bin/node",
      configText: "cluster: {}\n", configFiles: [{ path: "profiles/d.preseed.hbs", from: "/etc/x/profiles/d.preseed.hbs" }], unit: "[Unit]\n", assets: [{ name: "debian-12/linux", path: "/usr/lib/di/linux" }],
    });
    expect(plan.map((p) => p.to)).toEqual([
      "dist", "bin", "templates", "kickstart", "schema", "package.json", "package-lock.json", "README.md",
      "node_modules/zod", "node/bin/node", "config/maekin.yaml", "config/profiles/d.preseed.hbs", "maekin-master.service", "assets/debian-12/linux",
    ]);
    expect(plan.find((p) => p.to === "config/maekin.yaml")).toMatchObject({ kind: "text", mode: 0o600 });
    expect(plan.find((p) => p.to === "node_modules/zod")).toMatchObject({ kind: "dir", from: "/pkg/node_modules/zod" });
  });
});

describe("writePayload", () => {
  it("writes a tar.gz that tar reads, with modes kept", async () => {
    const dir = await mkdtemp(join(tmpdir(), "maekin-payload-"));
    try {
      await mkdir(join(dir, "src", "sub"), { recursive: true });
      await writeFile(join(dir, "src", "sub", "a.js"), "a");
      await writeFile(join(dir, "bin"), "#!/bin/sh\n", { mode: 0o755 });
      const out = join(dir, "p.tar.gz");
      const size = await writePayload([
        { kind: "dir", from: join(dir, "src"), to: "dist" },
        { kind: "file", from: join(dir, "bin"), to: "node/bin/node", mode: 0o755 },
        { kind: "text", text: "x: 1\n", to: "maekin.yaml", mode: 0o600 },
      ], out);
      expect(size).toBeGreaterThan(0);
      const { stdout } = await promisify(execFile)("tar", ["-tvzf", out]);
      expect(stdout).toMatch(/^-rw-------.* maekin\.yaml$/m);
      expect(stdout).toMatch(/^-rwxr-xr-x.* node\/bin\/node$/m);
      expect(stdout).toMatch(/ dist\/sub\/a\.js$/m);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
