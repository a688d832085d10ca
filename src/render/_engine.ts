// The template engine: Handlebars in strict mode (a missing variable is an error), no HTML
// escaping (these are config files and shell, not HTML), partials from templates/partials.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, isAbsolute, join } from "node:path";
import Handlebars from "handlebars";
import { packageRoot } from "../model/paths.js";
import { registerHelpers } from "./_helpers.js";

/** Where the stock templates live. */
export const TEMPLATE_DIR = join(packageRoot, "templates");

/** A template failed to compile or render; names the template and the fix. */
export class RenderError extends Error {
  readonly code = "RENDER_FAILED";
  constructor(readonly template: string, cause: unknown) {
    super(`template ${template}: ${(cause as Error).message}`, { cause });
    this.name = "RenderError";
  }
}

/** A compiled template: variables in, text out. */
export type Render = (variables: object) => string;

/** A Handlebars environment with maekin's helpers and partials. */
export interface Engine {
  /** Compiles a template: an absolute path, or a path relative to the package root. Cached
   * until the file changes, so an admin's edit shows on the next render without a restart. */
  template(name: string): Render;
}

/** Creates an engine whose partials come from `dir`/partials (default: the package's templates/). */
export function createEngine(dir: string = TEMPLATE_DIR): Engine {
  const hbs = Handlebars.create();
  registerHelpers(hbs);
  const partialDir = join(dir, "partials");
  for (const file of readdirSync(partialDir)) {
    hbs.registerPartial(basename(file, ".hbs"), readFileSync(join(partialDir, file), "utf8"));
  }
  const cache = new Map<string, Render>();
  return {
    template(name) {
      const path = isAbsolute(name) ? name : join(packageRoot, name);
      let key: string;
      let source: string;
      try {
        key = `${path}\0${statSync(path).mtimeMs}`;
        source = cache.has(key) ? "" : readFileSync(path, "utf8");
      } catch (err) {
        throw new RenderError(name, err);
      }
      let render = cache.get(key);
      if (!render) {
        const compiled = hbs.compile(source, { strict: true, noEscape: true });
        render = (variables) => {
          try {
            return compiled(variables);
          } catch (err) {
            throw new RenderError(name, err);
          }
        };
        cache.set(key, render);
      }
      return render;
    },
  };
}
