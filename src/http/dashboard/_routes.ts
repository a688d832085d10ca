// The dashboard's routes: login with the admin token (kept in an HttpOnly, SameSite=Strict
// cookie), the node list, a node's page, live updates by server-sent events, and actions.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import express, { type NextFunction, type Request, type Response } from "express";
import type { Logger } from "pino";
import { InventoryError, type Inventory, type NodeRecord } from "../../inventory/index.js";
import { nodeByName, type Cluster } from "../../model/cluster.js";
import { packageRoot } from "../../model/paths.js";
import type { NodeLog } from "../../server/_node-log.js";
import { renderInstallFile, type Engine, type InstallTarget } from "../../render/index.js";
import { sameSecret } from "../_auth.js";
import { HttpError } from "../_errors.js";
import { confirmPage, layout, loginPage, nodePage, nodesPage, type Counters } from "./_views.js";

/** What the dashboard is built from. */
export interface DashboardOptions {
  readonly cluster: Cluster;
  readonly inventory: Inventory;
  readonly nodeLog: NodeLog;
  readonly engine: Engine;
  readonly adminToken: string;
  readonly counters: () => Promise<Counters>;
  readonly logger: Logger;
  readonly now?: () => number;
  /** How often the event stream looks for new events (ms). */
  readonly pollMs?: number;
}

const COOKIE = "maekin_admin";
const STATIC: Record<string, string> = { "app.css": "text/css; charset=utf-8", "app.js": "text/javascript; charset=utf-8" };
/** Shown in downloaded answer files instead of the node's secret install token. */
const HIDDEN_TOKEN = "INSTALL-TOKEN-NOT-SHOWN";

function cookieToken(req: Request): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === COOKIE) return decodeURIComponent(value.join("="));
  }
  return undefined;
}

/** The dashboard router, mounted at /. */
export function createDashboardRouter(options: DashboardOptions): express.Router {
  const { cluster, inventory, nodeLog, engine, adminToken, logger } = options;
  const now = options.now ?? Date.now;
  const router = express.Router();
  const page = (res: Response, title: string, body: Parameters<typeof layout>[1], live = false) =>
    res.type("html").send(layout(title, body, { cluster: cluster.name, live }).value);
  const statics = Object.fromEntries(Object.keys(STATIC).map((f) => [f, readFileSync(join(packageRoot, "templates", "dashboard", f))]));

  router.get("/ui/static/:file", (req, res) => {
    const file = req.params.file;
    if (!STATIC[file]) throw new HttpError(404, `no dashboard file ${file}`);
    res.type(STATIC[file]).set("Cache-Control", "no-cache").send(statics[file]);
  });

  router.get("/login", (_req, res) => { res.type("html").send(loginPage(cluster.name).value); });
  router.post("/login", express.urlencoded({ extended: false, limit: "4kb" }), async (req, res) => {
    const token = typeof req.body?.token === "string" ? req.body.token.trim() : "";
    if (!token || !sameSecret(token, adminToken)) {
      logger.warn({ ip: req.ip }, "dashboard login refused");
      res.status(401).type("html").send(loginPage(cluster.name, "That is not the admin token.").value);
      return;
    }
    res.cookie(COOKIE, token, { httpOnly: true, sameSite: "strict", path: "/" });
    res.redirect(303, "/");
  });
  router.post("/logout", (_req, res) => {
    res.clearCookie(COOKIE, { httpOnly: true, sameSite: "strict", path: "/" });
    res.redirect(303, "/login");
  });

  // Everything below needs the cookie. Pages redirect to the login form; fragments get 401.
  const authed = (req: Request, res: Response, next: NextFunction) => {
    const token = cookieToken(req);
    if (token && sameSecret(token, adminToken)) return next();
    if (req.method === "GET" && req.accepts("html") && !req.path.startsWith("/ui/")) return res.redirect(303, "/login");
    throw new HttpError(401, "log in at /login");
  };
  // SameSite=Strict already keeps the cookie off cross-site posts; a foreign Origin is refused too.
  const sameOrigin = (req: Request) => {
    const origin = req.headers.origin;
    if (origin && origin !== `${req.protocol}://${req.headers.host}`) throw new HttpError(403, "cross-site request refused");
  };
  const node = (name: string): NodeRecord => {
    const found = inventory.getByName(name);
    if (!found) throw new HttpError(404, `no node ${name}`);
    return found;
  };

  router.get("/", authed, async (_req, res) => {
    page(res, "Nodes", nodesPage(inventory.list(), await options.counters(), now()), true);
  });

  router.get("/ui/events", authed, (req, res) => {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    const last = Number(req.headers["last-event-id"]);
    let cursor = Number.isFinite(last) && last > 0 ? last : inventory.lastEventId();
    res.write(": maekin live events\n\n");
    const timer = setInterval(() => {
      for (const event of inventory.eventsSince(cursor, 200)) {
        cursor = event.id;
        res.write(`id: ${event.id}\nevent: node\ndata: ${JSON.stringify({ node: event.node, type: event.type, message: event.message, time: event.time })}\n\n`);
      }
    }, options.pollMs ?? 500);
    req.on("close", () => clearInterval(timer));
  });

  router.get("/nodes/:name", authed, (req, res) => {
    const n = node(String(req.params.name));
    page(res, n.name, nodePage(n, inventory.events(n.id), nodeLog.lines(n.name), answerName(n), now()));
  });

  router.get("/nodes/:name/:file", authed, (req, res) => {
    const n = node(String(req.params.name));
    const target = installTarget(cluster, n);
    const file = target && renderInstallFile(engine, cluster, target, { token: HIDDEN_TOKEN }, String(req.params.file));
    if (!file) throw new HttpError(404, `${n.name} has no ${req.params.file}`);
    res.type("text/plain; charset=utf-8").attachment(`${n.name}-${file.name}`).send(file.text);
  });

  for (const action of ["reinstall", "forget"] as const) {
    router.post(`/nodes/:name/${action}`, authed, express.urlencoded({ extended: false, limit: "4kb" }), async (req, res) => {
      sameOrigin(req);
      const name = req.params.name as string;
      if (req.body?.confirm !== "yes") return page(res, `${action} ${name}`, confirmPage(name, action));
      try {
        if (action === "reinstall") inventory.reinstall(name);
        else inventory.forget(name);
      } catch (err) {
        if (err instanceof InventoryError) throw new HttpError(err.code === "not-found" ? 404 : 409, err.message);
        throw err;
      }
      await inventory.durable();
      logger.info({ node: name, action }, "dashboard action");
      res.redirect(303, action === "forget" ? "/" : `/nodes/${encodeURIComponent(name)}`);
    });
  }
  return router;

  function answerName(n: NodeRecord): string | undefined {
    const target = installTarget(cluster, n);
    return target ? (target.profile.family === "debian" ? "preseed.cfg" : "ks.cfg") : undefined;
  }
}

/** The machine a node record installs as: its config entry, or its enrolled profile. */
function installTarget(cluster: Cluster, n: NodeRecord): InstallTarget | undefined {
  const configured = nodeByName(cluster, n.name);
  if (configured) return { name: configured.name, mac: configured.mac, ip: configured.ip, profile: configured.profileRef };
  const profile = n.profile ? cluster.profiles.get(n.profile) : undefined;
  return profile && n.macs[0] ? { name: n.name, mac: n.macs[0], profile } : undefined;
}
