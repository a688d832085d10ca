// The dashboard in real headless Chromium (Debian's chromium, driven by playwright-core):
// log in, watch a node appear live when it registers, open its timeline, press reinstall.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMaster, type Master } from "../src/server/_master.js";
import { healthyFacts } from "./fixtures/facts.js";
import { loopbackCluster } from "./fixtures/loopback.js";

const CHROMIUM = "/usr/bin/chromium";
const why = existsSync(CHROMIUM) ? undefined : "Debian's chromium is not installed (apt-get install chromium)";
if (why && process.env.CI) throw new Error(`CI must run the browser test, but: ${why}`);

const HTTP_PORT = 26000 + (process.pid % 14000);
const base = `http://127.0.0.1:${HTTP_PORT}`;
const ARTIFACTS = join(import.meta.dirname, "artifacts");

describe.skipIf(why)(`dashboard in Chromium${why ? ` (skipped: ${why})` : ""}`, () => {
  const stateDir = mkdtempSync(join(tmpdir(), "maekin-ui-"));
  let master: Master;
  let browser: Browser;

  beforeAll(async () => {
    master = await startMaster({
      cluster: loopbackCluster({ http: HTTP_PORT }), stateDir, skipPreflight: true, logger: pino({ level: "silent" }),
      tftpPort: 0, syslogPort: 0, httpBind: "127.0.0.1",
    });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"],
    });
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    await master?.stop();
    rmSync(stateDir, { recursive: true, force: true });
  });

  it("logs in, shows a node live as it registers, opens its timeline, and reinstalls it", async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
    const page = await context.newPage();
    await page.goto(`${base}/`);
    expect(page.url()).toBe(`${base}/login`);

    await page.fill("input[name=token]", "wrong-token");
    await page.click("button");
    await expect(page.locator("p.error").textContent()).resolves.toMatch(/not the admin token/);

    await page.fill("input[name=token]", master.adminToken);
    await page.click("button");
    await page.waitForURL(`${base}/`);
    const cookie = (await context.cookies()).find((c) => c.name === "maekin_admin");
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: "Strict" });
    await expect(page.locator("table.nodes tbody tr").count()).resolves.toBe(3);

    // A machine boots, installs and registers while the page is open: no reload.
    const mac = "52:54:00:0a:0b:0c";
    const script = await (await fetch(`${base}/boot.ipxe?mac=${mac}`)).text();
    const token = /\/install\/([^/]+)\/preseed\.cfg/.exec(script)![1]!;
    const post = (path: string, secret: string, body: unknown) => fetch(`${base}${path}`, { method: "POST", headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" }, body: JSON.stringify(body) });
    await post("/api/v1/events", token, { type: "install.started" });
    await post("/api/v1/events", token, { type: "install.done" });
    const { agentKey } = (await (await post("/api/v1/register", token, { facts: healthyFacts("127.0.1.100") })).json()) as { agentKey: string };
    await post("/api/v1/heartbeat", agentKey, { facts: healthyFacts("127.0.1.100") });
    const row = page.locator('tr[data-node="node-5254000a0b0c"]');
    await row.locator(".state", { hasText: "ready" }).waitFor({ timeout: 10_000 });
    await page.locator(".counters div", { hasText: "4 nodes" }).waitFor({ timeout: 10_000 });

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-nodes.png"), fullPage: true });

    await row.locator("a").click();
    await page.waitForURL(`${base}/nodes/node-5254000a0b0c`);
    const types = await page.locator("ol.timeline li b").allTextContents();
    expect(types).toEqual(expect.arrayContaining(["boot.script", "install.started", "install.done"]));
    expect(types.indexOf("boot.script")).toBeLessThan(types.indexOf("install.done"));
    await expect(page.locator("pre.facts").textContent()).resolves.toMatch(/"usable": true/);
    await page.screenshot({ path: join(ARTIFACTS, "dashboard-node.png"), fullPage: true });

    const download = page.waitForEvent("download");
    await page.click("text=Download preseed.cfg");
    const file = await download;
    expect(file.suggestedFilename()).toBe("node-5254000a0b0c-preseed.cfg");

    page.once("dialog", (dialog) => void dialog.accept());
    await page.click("form[action$='/reinstall'] button");
    await page.waitForURL(`${base}/nodes/node-5254000a0b0c`);
    await expect(page.locator("h1 .state").textContent()).resolves.toBe("booting");
    expect(master.inventory.getByName("node-5254000a0b0c")?.state).toBe("booting");
    await context.close();
  }, 60_000);

  it("is readable without JavaScript, and asks for confirmation there too", async () => {
    const context = await browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${base}/login`);
    await page.fill("input[name=token]", master.adminToken);
    await page.click("button");
    await expect(page.locator("table.nodes tbody tr").count()).resolves.toBeGreaterThanOrEqual(3);
    await page.goto(`${base}/nodes/node01`);
    await page.click("form[action$='/forget'] button");
    await expect(page.locator("h1").textContent()).resolves.toBe("Forget node01?");
    expect(master.inventory.getByName("node01")).toBeDefined();
    await page.click("text=Yes, forget");
    await page.waitForURL(`${base}/`);
    expect(master.inventory.getByName("node01")).toBeUndefined();
    await context.close();
  }, 60_000);

  it("refuses the pages and the event stream without the cookie", async () => {
    const res = await fetch(`${base}/`, { redirect: "manual" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login");
    expect((await fetch(`${base}/ui/events`)).status).toBe(401);
    expect((await fetch(`${base}/nodes/node02/reinstall`, { method: "POST" })).status).toBe(401);
  });
});
