// The REST API: installer events and agent registration/heartbeats (node credentials), and
// the inventory for admins (admin token). JSON in and out; 4xx with a reason.
import express, { type Request } from "express";
import type { Logger } from "pino";
import { evaluateChecks, firstFailure, type Facts } from "../agent/index.js";
import { InventoryError, type Inventory, type NodeRecord, type NodeState } from "../inventory/index.js";
import type { Cluster } from "../model/cluster.js";
import { issueNodeCertificate, type ClusterCa } from "../pki/index.js";
import { eventBody, heartbeatBody, parseBody, registerBody } from "./_api-schemas.js";
import { bearer, sameSecret } from "./_auth.js";
import { HttpError } from "./_errors.js";

/** What the API is built from. */
export interface ApiOptions {
  readonly cluster: Cluster;
  readonly inventory: Inventory;
  readonly ca: ClusterCa;
  readonly adminToken: string;
  readonly logger: Logger;
}

/** Installer events that move a node, and where to. */
const EVENT_STATES: Readonly<Record<string, NodeState>> = {
  "install.started": "installing",
  "install.configuring": "installing",
  "install.done": "installed",
  "install.failed": "failed",
};

const INVENTORY_STATUS: Readonly<Record<string, number>> = { "not-found": 404, "illegal-transition": 409, conflict: 409, "invalid-argument": 400 };

/** The API router, mounted at /api/v1. */
export function createApiRouter(options: ApiOptions): express.Router {
  const { cluster, inventory, ca, adminToken, logger } = options;
  const router = express.Router();
  router.use(express.json({ limit: "256kb" }));

  const byInstallToken = (req: Request): NodeRecord => {
    const node = inventory.getByToken(bearer(req));
    if (!node) throw new HttpError(403, "this install token is not valid (node reinstalled, or its agent registered and sent a heartbeat already?)");
    return node;
  };
  const admin = (req: Request): void => {
    if (!sameSecret(bearer(req), adminToken)) throw new HttpError(403, "not the admin token (it is in the master's state dir, admin.token)");
  };
  const guard = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (err) {
      if (err instanceof InventoryError) throw new HttpError(INVENTORY_STATUS[err.code] ?? 500, err.message);
      throw err;
    }
  };
  /** Moves a node if the state machine allows; a refused move is recorded by the inventory, not fatal here. */
  const moveTo = (node: NodeRecord, to: NodeState, reason: string, check?: string): NodeRecord => {
    try {
      return inventory.transition(node.id, to, { reason, ...(check ? { check } : {}) }).node;
    } catch (err) {
      if (!(err instanceof InventoryError)) throw err;
      logger.warn({ node: node.name, to, code: err.code }, err.message);
      return inventory.get(node.id) ?? node;
    }
  };

  // Every write below is answered only once durable() says it is on disk.
  router.post("/events", async (req, res) => {
    const node = byInstallToken(req);
    const body = parseBody(eventBody, req.body);
    inventory.appendEvent(node.id, { type: body.type, message: body.message ?? body.type });
    const to = EVENT_STATES[body.type];
    if (to) moveTo(node, to, body.type === "install.failed" ? body.message ?? "the installer reported a failure" : body.type);
    await inventory.durable();
    logger.info({ node: node.name, event: body.type }, "installer event");
    res.status(204).end();
  });

  router.post("/register", async (req, res) => {
    const node = byInstallToken(req);
    const { facts } = parseBody(registerBody, req.body);
    const ip = node.ip ?? facts.bridge.address;
    if (!ip) throw new HttpError(400, `the master has no address for ${node.name} and the agent reported none on its bridge`);
    const cert = await issueNodeCertificate(ca, { hostname: node.name, fqdn: `${node.name}.${cluster.domain}`, ip });
    // One transaction (shared with registrations arriving at the same time, each in a savepoint):
    // a master killed half-way leaves the node as it was, and the agent's retry (the install token
    // stays valid until the first heartbeat) registers it. The answer waits for the commit.
    const { node: after, agentKey } = await inventory.registerSoon(node.id, { serial: cert.serial, facts: facts as Record<string, unknown>, ip })
      .catch((err: unknown) => guard(() => { throw err; }));
    if (after.state !== "registered") logger.warn({ node: node.name, state: after.state }, "registered, but the state machine kept the node where it was");
    logger.info({ node: node.name, serial: cert.serial }, "node registered");
    res.json({ name: node.name, agentKey, caCert: ca.certPem, cert: cert.certPem, key: cert.keyPem });
  });

  router.post("/heartbeat", async (req, res) => {
    const node = inventory.getByAgentKey(bearer(req));
    if (!node) throw new HttpError(403, "this agent key is not valid (node forgotten or reinstalled?)");
    const { facts } = parseBody(heartbeatBody, req.body);
    // A heartbeat proves the agent holds its key: the install token is spent now.
    if (node.hasInstallToken) inventory.revokeInstallToken(node.id);
    // The master decides readiness from the facts; the agent's own verdict is not trusted.
    const profile = node.profile === undefined ? undefined : cluster.profiles.get(node.profile);
    const checks = evaluateChecks(facts as unknown as Facts, { kvm: profile?.kvm });
    const failure = firstFailure(checks);
    inventory.recordHeartbeat(node.id, { ...facts, checks });
    const after = moveTo(node, failure ? "registered" : "ready", failure ?? "all checks pass");
    await inventory.durable();
    res.json({ state: after.state, ...(failure ? { failing: failure } : {}) });
  });

  router.get("/nodes", (req, res) => {
    admin(req);
    res.json({ nodes: inventory.list() });
  });

  router.get("/nodes/:name", (req, res) => {
    admin(req);
    const node = inventory.getByName(req.params.name) ?? inventory.getByMac(req.params.name);
    if (!node) throw new HttpError(404, `no node ${req.params.name}`);
    res.json({ node, events: inventory.events(node.id) });
  });

  router.post("/nodes/:name/reinstall", async (req, res) => {
    admin(req);
    const { node } = guard(() => inventory.reinstall(req.params.name));
    await inventory.durable();
    logger.info({ node: node.name }, "reinstall requested");
    res.json({ node });
  });

  router.delete("/nodes/:name", async (req, res) => {
    admin(req);
    const node = guard(() => inventory.forget(req.params.name));
    await inventory.durable();
    logger.info({ node: node.name }, "node forgotten");
    res.json({ node });
  });

  return router;
}
