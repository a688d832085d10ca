// The boot decision seam: machine facts in, boot answer out.
export { Arch, decideBootFile, isHttpClient, isPxeClient } from "./pxe.js";
export type { BootAnswer, BootUrls, MachineFacts } from "./pxe.js";
export { createBootPolicy, enrolledName, type AnswerDecision, type BootPolicy, type ScriptDecision } from "./_policy.js";
export { INSTALLED_STATES, MemoryBootStore, NODE_STATES, type BootRecord, type BootStore, type NodeState } from "./_store.js";
