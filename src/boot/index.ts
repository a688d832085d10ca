// The boot decision seam: machine facts in, boot answer out.
export { Arch, decideBootFile, isHttpClient, isPxeClient } from "./pxe.js";
export type { BootAnswer, BootUrls, MachineFacts } from "./pxe.js";
export { createBootPolicy, enrolledName, type AnswerDecision, type BootPolicy, type ScriptDecision } from "./_policy.js";
export { MemoryBootStore, type BootRecord, type BootStore } from "./_store.js";
