export { AGENT_KEY_PATH, execRunner, runAgent, systemDeps, systemSources, type AgentOptions } from "./_agent.js";
export { evaluateChecks, firstFailure, type CheckResult, type Checks } from "./_checks.js";
export { backoffMs, heartbeat, MasterError, register, type ClientDeps, type Registration } from "./_client.js";
export { collectFacts, type Facts, type FactSources, type Nic, type Runner } from "./_facts.js";
export { installTls, tlsFiles, tlsListenerArgv, type TlsBundle } from "./_tls.js";
