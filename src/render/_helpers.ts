// Template helpers: quoting for the languages the templates write (sh, JSON, kickstart).
import type { HelperOptions } from "handlebars";
import type HandlebarsNs from "handlebars";

/** Quotes a value for POSIX sh: one single-quoted word. */
export function shellQuote(value: unknown): string {
  return `'${String(value).replace(/'/g, `'\\''`)}'`;
}

/** Registers maekin's helpers on a Handlebars environment. */
export function registerHelpers(hbs: typeof HandlebarsNs): void {
  hbs.registerHelper("shq", (value: unknown) => shellQuote(value));
  hbs.registerHelper("json", (value: unknown) => JSON.stringify(value));
  hbs.registerHelper("join", (list: unknown, sep: unknown) => (Array.isArray(list) ? list.join(typeof sep === "string" ? sep : " ") : ""));
  hbs.registerHelper("eq", (a: unknown, b: unknown) => a === b);
  // {{#each}} over a list with a separator-aware last flag is enough; indent keeps heredocs tidy.
  hbs.registerHelper("indent", function (this: unknown, width: number, options: HelperOptions) {
    const pad = " ".repeat(width);
    return options.fn(this).split("\n").map((line) => (line ? pad + line : line)).join("\n");
  });
}
