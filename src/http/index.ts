export { createHttpApp, HttpError, type HttpAppOptions } from "./_app.js";
export { etagOf, parseRange, sendFile } from "./_static.js";
