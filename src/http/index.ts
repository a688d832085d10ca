export { createHttpApp, type HttpAppOptions } from "./_app.js";
export { HttpError } from "./_errors.js";
export { createApiRouter, type ApiOptions } from "./_api.js";
export { etagOf, parseRange, sendFile } from "./_static.js";
export { createDashboardRouter, type DashboardOptions } from "./dashboard/_routes.js";
export { createMirrorFiles, mirrorContentType, type MirrorFiles } from "./_mirror.js";
