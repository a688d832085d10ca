import type { Figure } from "./_report.js";
import type { BenchContext } from "./_topology.js";
export async function benchStorm(_ctx: BenchContext): Promise<Figure[]> { return []; }
