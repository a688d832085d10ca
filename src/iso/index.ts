export { buildMasterIso, DEFAULT_CONSOLE, PRESEED_MARKER, type BuildEvent, type BuildOptions, type BuildResult } from "./_build.js";
export { decodeCpio, encodeCpio, type CpioEntry, type DecodedCpioEntry } from "./_cpio.js";
export { IsoBuildError, type IsoBuildErrorCode } from "./_errors.js";
export { XORRISO_FIX } from "./_run.js";
export { bootSetup, catalogArgv, parseCatalog, parseMkisofsReport, reportArgv, type BootSetup, type CatalogEntry } from "./_xorriso.js";
export { extractArgv, listArgv } from "./_extract.js";
