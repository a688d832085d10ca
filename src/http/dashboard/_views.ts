// The dashboard's pages, rendered on the server: readable without JavaScript; app.js only
// refreshes the node table live and asks before destructive actions.
import type { NodeEvent, NodeRecord } from "../../inventory/index.js";
import type { LogLine } from "../../server/_node-log.js";
import { duration, failingCheck, firmwareText, timeline } from "./_format.js";
import { html, type Html } from "./_html.js";

/** Numbers shown above the node list. */
export interface Counters {
  readonly leases: number;
  readonly tftpTransfers: number;
  readonly bytesServed: number;
}

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;

/** The page frame. */
export function layout(title: string, body: Html, options: { live?: boolean; cluster: string }): Html {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · maekin ${options.cluster}</title><link rel="stylesheet" href="/ui/static/app.css"></head>
<body${options.live ? html` data-live="1"` : ""}>
<header><a class="brand" href="/">maekin</a> <span class="cluster">${options.cluster}</span>
<form method="post" action="/logout" class="logout"><button>Log out</button></form></header>
<main>${body}</main><script src="/ui/static/app.js" defer></script></body></html>`;
}

/** The login form. */
export function loginPage(cluster: string, error?: string): Html {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Log in · maekin ${cluster}</title><link rel="stylesheet" href="/ui/static/app.css"></head>
<body class="login"><main><h1>maekin <span class="cluster">${cluster}</span></h1>
<form method="post" action="/login"><label>Admin token <input type="password" name="token" autocomplete="current-password" required autofocus></label>
<p class="hint">It is in the master's state dir: <code>cat /var/lib/maekin/admin.token</code></p>
${error ? html`<p class="error" role="alert">${error}</p>` : ""}<button>Log in</button></form></main></body></html>`;
}

/** The rows of the node table. */
export function nodeRows(nodes: readonly NodeRecord[], now: number): Html {
  if (nodes.length === 0) return html`<tr><td colspan="8" class="empty">No nodes yet: power on a machine on the provisioning network.</td></tr>`;
  return html`${nodes.map((n) => {
    const failing = failingCheck(n);
    return html`<tr data-node="${n.name}" class="state-${n.state}"><td><a href="/nodes/${encodeURIComponent(n.name)}">${n.name}</a></td>
<td><span class="state">${n.state}</span></td><td><code>${n.macs.join(", ")}</code></td><td>${n.ip ?? "-"}</td><td>${n.profile ?? "-"}</td>
<td>${firmwareText(n)}</td><td>${duration(now - n.stateSince)}</td><td class="why">${failing ?? ""}</td></tr>`;
  })}`;
}

/** The node list with counters. */
export function nodesPage(nodes: readonly NodeRecord[], counters: Counters, now: number): Html {
  const byState = new Map<string, number>();
  for (const n of nodes) byState.set(n.state, (byState.get(n.state) ?? 0) + 1);
  return html`<div id="live"><section class="counters">
<div><b>${nodes.length}</b> nodes</div>${[...byState].map(([s, c]) => html`<div class="state-${s}"><b>${c}</b> ${s}</div>`)}
<div><b>${counters.leases}</b> DHCP leases</div><div><b>${counters.tftpTransfers}</b> TFTP transfers</div><div><b>${mib(counters.bytesServed)}</b> served over HTTP</div>
</section>
<table class="nodes"><thead><tr><th>Name</th><th>State</th><th>MAC</th><th>IP</th><th>Profile</th><th>Firmware</th><th>In state</th><th>Not ready because</th></tr></thead>
<tbody id="node-rows">${nodeRows(nodes, now)}</tbody></table></div>`;
}

/** One node: state, actions, timeline, facts and installer log. */
export function nodePage(node: NodeRecord, events: readonly NodeEvent[], log: readonly LogLine[], answerFile: string | undefined, now: number): Html {
  const failing = failingCheck(node);
  const name = encodeURIComponent(node.name);
  return html`<h1>${node.name} <span class="state state-${node.state}">${node.state}</span></h1>
<p>${node.ip ?? "no address yet"} · <code>${node.macs.join(", ")}</code> · profile ${node.profile ?? "-"} · ${firmwareText(node)} · ${node.state} for ${duration(now - node.stateSince)}</p>
${failing ? html`<p class="error">Not ready: ${failing}</p>` : ""}
<div class="actions">
<form method="post" action="/nodes/${name}/reinstall" data-confirm="Reinstall ${node.name}? Its disk is wiped at its next network boot."><button>Reinstall</button></form>
<form method="post" action="/nodes/${name}/forget" data-confirm="Forget ${node.name}? Its record, tokens and key are deleted."><button class="danger">Forget</button></form>
${answerFile ? html`<a class="button" href="/nodes/${name}/${answerFile}" download>Download ${answerFile}</a>` : ""}
</div>
<h2>Timeline</h2><ol class="timeline" id="timeline">${timeline(events).map(({ event, after }) => html`<li data-type="${event.type}"><time>${new Date(event.time).toISOString().replace("T", " ").slice(0, 19)}</time>
<b>${event.type}</b> ${event.message}${after !== undefined ? html` <span class="after">+${duration(after)}</span>` : ""}</li>`)}</ol>
<h2>Facts</h2>${Object.keys(node.facts).length ? html`<pre class="facts">${JSON.stringify(node.facts, null, 2)}</pre>` : html`<p>No facts yet: the agent reports them after registration.</p>`}
<h2>Installer log</h2>${log.length ? html`<pre class="log">${log.map((l) => `${new Date(l.time).toISOString().slice(11, 19)} ${l.severity.padEnd(7)} ${l.program ? `${l.program}: ` : ""}${l.text}\n`)}</pre>` : html`<p>No installer log lines received.</p>`}`;
}

/** The confirmation step of an action when JavaScript did not ask already. */
export function confirmPage(node: string, action: "reinstall" | "forget"): Html {
  return html`<h1>${action === "reinstall" ? "Reinstall" : "Forget"} ${node}?</h1>
<p>${action === "reinstall" ? "Its disk is wiped and installed again at its next network boot." : "Its record, tokens and agent key are deleted; its events stay in the log."}</p>
<form method="post" action="/nodes/${encodeURIComponent(node)}/${action}"><input type="hidden" name="confirm" value="yes"><button class="danger">Yes, ${action}</button> <a href="/nodes/${encodeURIComponent(node)}">Cancel</a></form>`;
}
