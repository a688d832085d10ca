// The boot decision seam: machine facts in, boot answer out.
export { Arch, decideBootFile, isHttpClient, isPxeClient } from "./pxe.js";
export type { BootAnswer, BootUrls, MachineFacts } from "./pxe.js";
