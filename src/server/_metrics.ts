// Prometheus metrics of the master (prom-client), one registry per master so tests can run
// several. Protocol servers keep their own counters; they are read at scrape time.
import { Counter, Gauge, Registry, collectDefaultMetrics } from "prom-client";

/** Counter snapshots that the protocol servers and the inventory expose. */
export interface MetricSources {
  dhcp?: () => Record<string, number>;
  tftp?: () => Record<string, number>;
  nodes?: () => Record<string, number>;
}

/** The master's metrics and the registry /metrics serves. */
export interface Metrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<"route" | "status">;
  readonly httpBytes: Counter<"route">;
  /** Filled in by the composition root once the servers exist. */
  readonly sources: MetricSources;
}

/** Creates the registry and the metrics in it. */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "maekin_" });
  const sources: MetricSources = {};
  const httpRequests = new Counter({ name: "maekin_http_requests_total", help: "HTTP requests by route and status", labelNames: ["route", "status"], registers: [registry] });
  const httpBytes = new Counter({ name: "maekin_http_asset_bytes_total", help: "Asset bytes sent by HTTP (by Content-Length)", labelNames: ["route"], registers: [registry] });

  new Gauge({
    name: "maekin_dhcp_packets_total", help: "DHCP packets by direction/outcome and type (rx.DISCOVER, tx.OFFER, drop.short ...)",
    labelNames: ["kind", "type"], registers: [registry],
    collect() {
      this.reset();
      for (const [key, value] of Object.entries(sources.dhcp?.() ?? {})) {
        const [kind, ...type] = key.split(".");
        if (kind !== "pool") this.set({ kind: kind ?? key, type: type.join(".") }, value);
      }
    },
  });
  new Gauge({
    name: "maekin_dhcp_pool", help: "DHCP pool counts (leases, offers, quarantined ...)", labelNames: ["what"], registers: [registry],
    collect() {
      this.reset();
      for (const [key, value] of Object.entries(sources.dhcp?.() ?? {})) if (key.startsWith("pool.")) this.set({ what: key.slice(5) }, value);
    },
  });
  new Gauge({
    name: "maekin_tftp", help: "TFTP transfers, bytes and errors", labelNames: ["what"], registers: [registry],
    collect() {
      this.reset();
      for (const [key, value] of Object.entries(sources.tftp?.() ?? {})) this.set({ what: key }, value);
    },
  });
  new Gauge({
    name: "maekin_nodes", help: "Nodes by state", labelNames: ["state"], registers: [registry],
    collect() {
      this.reset();
      for (const [state, count] of Object.entries(sources.nodes?.() ?? {})) this.set({ state }, count);
    },
  });
  return { registry, httpRequests, httpBytes, sources };
}
