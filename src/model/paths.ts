// Where the package's own files (templates, stock profiles, ISO overlay) live at run time.
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The package root: two levels above this file, both from src/model and from dist/model. */
export const packageRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
