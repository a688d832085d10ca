// The master's HTTP app: boot scripts, answer files, assets, health and metrics. A thin adapter:
// decisions come from the boot policy, files from the asset catalog, text from the renderer.
import express, { type NextFunction, type Request, type Response } from "express";
import type { Logger } from "pino";
import { reuseFor, type AssetCatalog } from "../assets/index.js";
import type { BootPolicy } from "../boot/index.js";
import type { Cluster } from "../model/cluster.js";
import { normalizeMac } from "../model/mac.js";
import { renderInstallFile, renderIpxeScript, type Engine } from "../render/index.js";
import type { Metrics } from "../server/_metrics.js";
import { HttpError } from "./_errors.js";
import { mirrorContentType, type MirrorFiles } from "./_mirror.js";

/** The keyring initrd's name under /mirror/. */
const KEYRING_INITRD = "maekin-keyring.cpio.gz";
import { sendFile } from "./_static.js";

/** What the HTTP app is built from. */
export interface HttpAppOptions {
  readonly cluster: Cluster;
  readonly policy: BootPolicy;
  readonly engine: Engine;
  readonly assets: AssetCatalog;
  readonly metrics: Metrics;
  readonly logger: Logger;
  /** The local Debian mirror's files (GET /mirror/...); without it /mirror answers 404. */
  readonly mirror?: MirrorFiles;
  /** Extra routers (API, dashboard) mounted before the 404 handler. */
  readonly extend?: (app: express.Express) => void;
}

const CONTENT_TYPES: Record<string, string> = {
  ".efi": "application/efi", ".kpxe": "application/octet-stream", ".gz": "application/gzip",
  ".img": "application/octet-stream", ".js": "text/javascript; charset=utf-8", ".ipxe": "text/plain; charset=utf-8",
};
const contentType = (name: string) => CONTENT_TYPES[name.slice(name.lastIndexOf("."))] ?? "application/octet-stream";

/** Route label for metrics: the route's pattern, never the token or MAC. */
function routeOf(path: string): string {
  if (path.startsWith("/install/")) return "/install/:token/:file";
  if (path.startsWith("/assets/")) return "/assets";
  if (path.startsWith("/mirror/")) return "/mirror";
  if (path.startsWith("/api/")) return "/api";
  return ["/boot.ipxe", "/healthz", "/metrics", "/"].includes(path) ? path : "other";
}

/** Builds the express app. */
export function createHttpApp(options: HttpAppOptions): express.Express {
  const { cluster, policy, engine, assets, metrics, logger } = options;
  // Every boot script asks whether the keyring initrd exists: a storm shares one lookup a second.
  const mirrorFile = reuseFor(1000, async (name: string) => options.mirror?.(name));
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);

  app.use((req, res, next) => {
    res.on("finish", () => metrics.httpRequests.inc({ route: routeOf(req.path), status: String(res.statusCode) }));
    next();
  });

  app.get("/healthz", (_req, res) => { res.json({ status: "ok" }); });

  app.get("/metrics", async (_req, res) => {
    res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });

  app.get("/boot.ipxe", async (req, res) => {
    const raw = typeof req.query.mac === "string" ? req.query.mac : "";
    const mac = normalizeMac(raw);
    if (!mac) throw new HttpError(400, `mac=${JSON.stringify(raw)} is not a MAC address; iPXE sends it as /boot.ipxe?mac=\${net0/mac}`);
    const decision = await policy.script(mac);
    res.type("text/plain; charset=utf-8");
    if (decision.kind === "local") {
      logger.info({ mac, reason: decision.reason }, "boot script: local disk");
      res.send(`#!ipxe\necho maekin: ${decision.reason.replaceAll("`", "")}\necho maekin: booting from the local disk\nexit\n`);
      return;
    }
    logger.info({ mac, node: decision.target.name, os: decision.target.profile.os }, "boot script: install");
    // The keyring initrd exists once `maekin mirror sync` ran; without it the installer stops at the mirror step instead.
    const keyring = (await mirrorFile(KEYRING_INITRD)) !== undefined;
    res.send(renderIpxeScript(engine, cluster, decision.target, { token: decision.token, keyring }));
  });

  app.get("/install/:token/:file", async (req, res) => {
    const { token, file } = req.params as { token: string; file: string };
    const decision = await policy.answer(token, file);
    if (decision.kind === "denied") throw new HttpError(decision.status, decision.reason);
    const rendered = renderInstallFile(engine, cluster, decision.target, { token: decision.token }, file);
    if (!rendered) throw new HttpError(404, `no ${file} for ${decision.target.name}`);
    logger.info({ node: decision.target.name, file }, "answer file served");
    res.type("text/plain; charset=utf-8").send(rendered.text);
  });

  app.get("/assets/*path", async (req, res) => {
    const segments = (req.params as { path: string[] }).path;
    const name = segments.join("/");
    const file = await assets.resolve(name);
    if (!file) throw new HttpError(404, `no asset ${JSON.stringify(name)}; \`maekin doctor\` lists the assets and how to get them`);
    if (req.method === "GET") metrics.httpBytes.inc({ route: "/assets" }, file.size);
    await sendFile(req, res, file, contentType(name));
    // Operators (and the boot tests) follow a machine's boot by the files it pulled, as in dnsmasq's "sent" lines.
    logger.info({ asset: name, method: req.method, status: res.statusCode, bytes: Number(res.getHeader("Content-Length") ?? 0),
      complete: res.writableFinished, client: req.socket.remoteAddress }, "asset served");
  });

  app.get("/mirror/*path", async (req, res) => {
    const name = (req.params as { path: string[] }).path.join("/");
    const file = await options.mirror?.(name);
    if (!file) throw new HttpError(404, `no mirror file ${JSON.stringify(name)}; \`maekin mirror sync\` builds the mirror`);
    if (req.method === "GET") metrics.httpBytes.inc({ route: "/mirror" }, file.size);
    await sendFile(req, res, file, mirrorContentType(name));
    logger.debug({ mirror: name, status: res.statusCode, client: req.socket.remoteAddress }, "mirror file served");
  });

  options.extend?.(app);

  app.use((req, _res, next) => next(new HttpError(404, `no route for ${req.method} ${req.path}`)));
  app.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const status = err instanceof HttpError ? err.status : (err as { status?: number }).status ?? 500;
    if (status >= 500) logger.error({ err, path: routeOf(req.path) }, "request failed");
    const message = status >= 500 ? "internal error; the master's log has details" : (err as Error).message;
    if (!res.headersSent) res.status(status).type("text/plain; charset=utf-8").send(`${message}\n`);
  });
  return app;
}
