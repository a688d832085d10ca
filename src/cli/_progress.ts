// Progress of long work (ISO build): a bar redrawn in place on a TTY, plain lines otherwise.
import type { Io } from "./_command.js";

/** A step starts, or the long part advances. */
export type ProgressEvent = { readonly kind: "step"; readonly message: string } | { readonly kind: "progress"; readonly percent: number };

/** The bar for `percent`: `  [#####...........] 31.0%`. */
export function progressBar(percent: number, width = 40): string {
  const clamped = Math.max(0, Math.min(100, percent));
  const filled = Math.round((clamped / 100) * width);
  return `  [${"#".repeat(filled)}${".".repeat(width - filled)}] ${clamped.toFixed(1).padStart(5)}%`;
}

/** A progress sink: on a TTY, `write` gets the bar with \r (no newline); otherwise io.out gets a line per step and per 10%. */
export function createProgress(io: Io, tty: boolean, write: (text: string) => void): ((event: ProgressEvent) => void) & { end(): void } {
  let barShown = false;
  let lastTenth = -1;
  const end = () => {
    if (barShown) write("\n");
    barShown = false;
  };
  const render = (event: ProgressEvent) => {
    if (event.kind === "step") {
      end();
      io.out(`${event.message} ...`);
    } else if (tty) {
      write(`\r${progressBar(event.percent)}`);
      barShown = true;
    } else if (Math.floor(event.percent / 10) > lastTenth) {
      lastTenth = Math.floor(event.percent / 10);
      io.out(`  ${lastTenth * 10}% written`);
    }
  };
  return Object.assign(render, { end });
}
